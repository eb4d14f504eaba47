//! .NET: the managed `dotnet6`+ runtimes start `bootstrap.sh` (aws-lambda-dotnet,
//! `Libraries/src/Amazon.Lambda.RuntimeSupport/bootstrap.sh`, `bootstrap.net8.sh`). A handler
//! without `:` names an executable assembly: `/var/task/H.dll` (`.dll` added unless present) is
//! run with `dotnet exec`, else the native binary `/var/task/H`, else the script exits 104. A
//! handler with `:` is a class library: the script needs `<A>.deps.json` and
//! `<A>.runtimeconfig.json` (A: the text before the first `:`), or else exactly one
//! `*.deps.json` / `*.runtimeconfig.json` at the root (exit 105 / 106), then starts
//! Amazon.Lambda.RuntimeSupport, whose `HandlerInfo` wants `ASSEMBLY::TYPE::METHOD` and whose
//! `UserCodeLoader` loads the assembly from the package root. The `dotnetcore*` runtimes know
//! the class-library form only.

use super::{file, files_in, Broken, Expectation, Failure, Language, Loader, Resolution};
use crate::inventory::PackageListing;

const BOOTSTRAP: &str = "aws-lambda-dotnet Libraries/src/Amazon.Lambda.RuntimeSupport/bootstrap.sh";
const HANDLER_INFO: &str = "aws-lambda-dotnet Amazon.Lambda.RuntimeSupport Helpers/HandlerInfo.cs";

/// What a .NET handler loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Assembly {
    /// `Assembly::Namespace.Type::Method`.
    Library {
        /// The assembly's simple name (`MyApp` of `MyApp, Version=1.0.0.0`): `MyApp.dll`.
        name: String,
        /// What the bootstrap looks for `.deps.json` and `.runtimeconfig.json` by; `None` on
        /// `dotnetcore*`, which have no such bootstrap.
        bootstrap_name: Option<String>,
    },
    /// A handler without `:` on `dotnet6`+: the assembly or binary the bootstrap starts.
    Executable { handler: String },
}

pub(super) fn broken(bootstrap: bool, handler: &str) -> Option<Broken> {
    if bootstrap && !handler.contains(':') {
        return None;
    }
    let parts: Vec<&str> = handler.splitn(3, "::").map(str::trim).collect();
    if parts.len() != 3 {
        return Some(Broken::new(
            "a .NET class-library handler is ASSEMBLY::TYPE::METHOD (\"Invalid lambda function \
             handler\"); an executable assembly is named without `:`",
            "LambdaValidationException",
            HANDLER_INFO,
        ));
    }
    let missing = ["assembly", "type", "method"]
        .iter()
        .zip(&parts)
        .find_map(|(what, part)| part.is_empty().then_some(*what))?;
    Some(Broken::new(
        format!(
            "the {missing} part of ASSEMBLY::TYPE::METHOD is empty (\"the {missing} is missing\")"
        ),
        "LambdaValidationException",
        HANDLER_INFO,
    ))
}

pub(super) fn expect(bootstrap: bool, handler: &str) -> Option<Expectation> {
    let (assembly, candidates) = if bootstrap && !handler.contains(':') {
        let dll = if handler.ends_with(".dll") {
            handler.to_string()
        } else {
            format!("{handler}.dll")
        };
        let mut candidates = vec![dll.clone()];
        if dll != handler {
            candidates.push(handler.to_string());
        }
        (
            Assembly::Executable {
                handler: handler.to_string(),
            },
            candidates,
        )
    } else {
        let display = handler.split("::").next()?.trim();
        // An assembly display name: the simple name, then `, Version=...` and the like.
        let name = display.split(',').next()?.trim().to_string();
        let bootstrap_name = bootstrap.then(|| handler.split(':').next().unwrap_or("").to_string());
        let candidates = vec![format!("{name}.dll")];
        (
            Assembly::Library {
                name,
                bootstrap_name,
            },
            candidates,
        )
    };
    Some(Expectation {
        language: Language::DotNet,
        candidates,
        executable: false,
        function: None,
        loader: Loader::DotNet(assembly),
    })
}

pub(super) fn missing_error(assembly: &Assembly) -> String {
    match assembly {
        Assembly::Library { name, .. } => format!(
            "LambdaValidationException: Could not find the specified handler assembly with the \
             file name '{name}'"
        ),
        Assembly::Executable { handler } => {
            let dll = handler.strip_suffix(".dll").unwrap_or(handler);
            format!(
                "Runtime.ExitError: Error: executable assembly /var/task/{dll}.dll or binary \
                 /var/task/{handler} not found."
            )
        }
    }
}

pub(super) fn resolve<'l>(listing: &'l PackageListing, assembly: &Assembly) -> Resolution<'l> {
    match assembly {
        Assembly::Executable { handler } => {
            let dll = if handler.ends_with(".dll") {
                handler.clone()
            } else {
                format!("{handler}.dll")
            };
            file(listing, &dll)
                .or_else(|| file(listing, handler))
                .map_or(Resolution::Missing, Resolution::Loads)
        }
        Assembly::Library {
            name,
            bootstrap_name,
        } => {
            if let Some(bootstrap_name) = bootstrap_name {
                for (suffix, exit) in [(".deps.json", 105), (".runtimeconfig.json", 106)] {
                    if let Some(stop) = startup_file(listing, bootstrap_name, suffix, exit) {
                        return stop;
                    }
                }
            }
            file(listing, &format!("{name}.dll")).map_or(Resolution::Missing, Resolution::Loads)
        }
    }
}

/// The bootstrap's search for `<A><suffix>`, else the only `*<suffix>` at the root; `None` when
/// it finds one.
fn startup_file<'l>(
    listing: &'l PackageListing,
    name: &str,
    suffix: &str,
    exit: u8,
) -> Option<Resolution<'l>> {
    if file(listing, &format!("{name}{suffix}")).is_some() {
        return None;
    }
    let found: Vec<&str> = files_in(listing, "", suffix)
        .map(|e| e.path.as_str())
        .collect();
    match found.as_slice() {
        [_] => None,
        [] => Some(Resolution::Fails(Failure {
            path: format!("{name}{suffix}"),
            error: format!(
                "Runtime.ExitError: Error: .NET binaries for Lambda function are not correctly \
                 installed in the /var/task directory of the image when the image was built. \
                 The /var/task directory is missing the required {suffix} file. (exit {exit})"
            ),
            reason: format!(
                "the package has neither {name}{suffix} nor any other *{suffix} at its root, \
                 which `dotnet lambda package` / `dotnet publish` put there"
            ),
            fix: format!(
                "package the output of `dotnet publish` (or `dotnet lambda package`), which \
                 writes {name}{suffix} next to {name}.dll"
            ),
            source: BOOTSTRAP,
        })),
        several => Some(Resolution::Undecided(format!(
            "the package has no {name}{suffix} but {} *{suffix} files ({}); the bootstrap \
             exits {exit} unless the LAMBDA_DOTNET_MAIN_ASSEMBLY environment variable (not \
             read by the auditor) names one of them",
            several.len(),
            several.join(", ")
        ))),
    }
}
