//! The `handler-not-in-package` findings: a handler file that is nowhere to be found (the cause:
//! a zipped folder, a name in the wrong case, or simply missing), files the runtime's loader
//! stops on, and packages a listing cannot decide; what the runtime says, and the command that
//! fixes it.

use serde_json::json;

use crate::checks::shared::packages::{deploy_command, LISTED};
use crate::checks::shared::{sh, update_configuration, ReachedTarget};
use crate::checks::shared::base_finding;
use crate::checks::Check;
use crate::inventory::PackageListing;
use crate::package::handler_path::{self, Expectation, Failure, Language};
use crate::report::{Finding, Severity, Status};

/// The finding for a package whose files the runtime's loader stops on (a folder that wins over
/// the module, a namespace package, an extension built for another Python, a missing
/// `.deps.json`): it fails although the handler's files seem to be there.
pub fn loader_fails(
    doc: &Check,
    reached: &ReachedTarget<'_>,
    runtime: &str,
    handler: &str,
    failure: &Failure,
) -> Finding {
    let message = format!(
        "{} cannot start: for handler `{handler}` ({runtime}) {}. The function's log shows {} \
         and clients get 502.",
        reached.short(),
        failure.reason,
        failure.error
    );
    let mut finding = base_finding(doc, reached.scope, Status::Fail, message);
    finding.evidence = json!({
        "level": "file",
        "runtime": runtime,
        "handler": handler,
        "path": failure.path,
        "rule": failure.reason,
        "runtime_error": failure.error,
        "source": failure.source,
    });
    finding.remediation = Some(format!(
        "{}; then, in the build folder: zip -X -r ../package.zip . && {}",
        failure.fix,
        deploy_command(reached, "../package.zip")
    ));
    finding
}

/// The note for a package whose outcome depends on what a listing cannot show.
pub fn undecided(
    doc: &Check,
    reached: &ReachedTarget<'_>,
    runtime: &str,
    handler: &str,
    expectation: &Expectation,
    why: &str,
) -> Finding {
    let message = format!(
        "{}: whether handler `{handler}` ({runtime}) loads cannot be decided from the package \
         listing: {why}.",
        reached.short()
    );
    let mut finding = base_finding(doc, reached.scope, Status::Fail, message);
    finding.severity = Severity::Info;
    finding.client_status = None;
    finding.evidence = json!({
        "level": "file",
        "runtime": runtime,
        "handler": handler,
        "expected": expectation.candidates,
        "undecided": why,
    });
    finding
}

/// The finding for a handler file in neither the package nor its layers.
pub fn missing_file(
    doc: &Check,
    reached: &ReachedTarget<'_>,
    runtime: &str,
    handler: &str,
    expectation: &Expectation,
    listing: &PackageListing,
    searched_layers: &[String],
) -> Finding {
    let nested = handler_path::nested(listing, expectation);
    let case_variant = handler_path::case_variant(listing, expectation);
    let files = listing.entries.iter().filter(|e| !e.is_dir()).count();
    let cause = match (nested, case_variant) {
        (Some(path), _) => format!(
            "it is at {path}, one folder down: the folder was zipped instead of its contents"
        ),
        (None, Some(path)) => format!(
            "the package has {path}, which differs in case (Lambda's file system is \
             case-sensitive)"
        ),
        (None, None) if searched_layers.is_empty() => {
            format!("the package ({files} files) has no such file")
        }
        (None, None) => format!(
            "neither the package ({files} files) nor its {} layer(s) have it",
            searched_layers.len()
        ),
    };
    let message = format!(
        "{} cannot start: handler `{handler}` ({runtime}) needs {} at the package root, but \
         {cause}. The runtime fails with {} and clients get 502.",
        reached.short(),
        expectation.describe(),
        expectation.missing_error()
    );
    let mut finding = base_finding(doc, reached.scope, Status::Fail, message);
    let root: Vec<String> = listing
        .entries
        .iter()
        .filter(|e| !e.path.trim_end_matches('/').contains('/'))
        .map(|e| e.path.clone())
        .collect();
    finding.evidence = json!({
        "level": "file",
        "runtime": runtime,
        "handler": handler,
        "expected": expectation.candidates,
        "nested": nested,
        "case_variant": case_variant,
        "package_files": files,
        "package_root": root.iter().take(LISTED).collect::<Vec<_>>(),
        "layers_searched": searched_layers,
    });
    finding.remediation = Some(match (nested, case_variant) {
        (Some(path), _) => {
            // The folder that was zipped: what comes before the path the runtime expected
            // (`pets-photos` for `pets-photos/photos/app.py` and `photos/app.py`).
            let folder = expectation
                .candidates
                .iter()
                .find_map(|c| path.strip_suffix(c.as_str())?.strip_suffix('/'))
                .unwrap_or_else(|| path.rsplit_once('/').map_or("", |(folder, _)| folder));
            format!(
                "cd {} && zip -X -r ../package.zip . && {}",
                sh(folder),
                deploy_command(reached, "../package.zip")
            )
        }
        (None, Some(path)) => {
            let fixed = fixed_handler(handler, expectation, path);
            match fixed {
                Some(fixed) => update_configuration(
                    reached.scope,
                    reached.arn(),
                    &format!("--handler {}", sh(&fixed)),
                ),
                _ => format!(
                    "rename {path} to {} in the build folder, then zip -X -r ../package.zip . && {}",
                    expectation.describe(),
                    deploy_command(reached, "../package.zip")
                ),
            }
        }
        (None, None) => format!(
            "add {} at the root of the build folder (or set the handler to a file the package \
             has), then zip -X -r ../package.zip . && {}",
            expectation.describe(),
            deploy_command(reached, "../package.zip")
        ),
    });
    finding
}

/// The handler that names `path` (found with other case) in place of the expected module:
/// `Lambda_function.py` turns `lambda_function.lambda_handler` into
/// `Lambda_function.lambda_handler`. Python and Node.js only.
fn fixed_handler(handler: &str, expectation: &Expectation, path: &str) -> Option<String> {
    let stem = match expectation.language {
        Language::Python => expectation.candidates.first()?.strip_suffix(".py")?,
        Language::Node => expectation.candidates.first()?.as_str(),
        _ => return None,
    };
    let candidate = expectation
        .candidates
        .iter()
        .find(|c| c.eq_ignore_ascii_case(path))?;
    let suffix = candidate.get(stem.len()..)?;
    let new_stem = path.get(..path.len().checked_sub(suffix.len())?)?;
    let rest = match expectation.language {
        Language::Python => format!(".{}", handler.rsplit_once('.')?.1),
        _ => handler.get(stem.len()..)?.to_string(),
    };
    Some(format!("{new_stem}{rest}"))
}
