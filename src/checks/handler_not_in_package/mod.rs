//! `handler-not-in-package`: the file the runtime loads for the handler is not in the deployment
//! package (nor in a layer where the runtime looks), so the function fails before running and
//! every call answers 502. With the deeper look, also a handler file that evidently does not
//! define the handler function.

pub mod fix;

use serde_json::json;

use crate::checks::shared::packages::{deploy_command, package_listing, some_of, LISTED};
use crate::checks::shared::{base_finding, error_finding};
use crate::checks::shared::{run_per_target, ReachedTarget};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{FunctionConfig, Lookup, PackageEntry, PackageListing};
use crate::log_signatures;
use crate::package::handler_path::{self, Expectation, Language, Resolution};
use fix::{loader_fails, missing_file, undecided};
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("handler-not-in-package"),
    title: "Handler file is not in the deployment package",
    severity: Severity::High,
    resource: ResourceKind::Function,
    client_status: Some(502),
    checks: "For every Zip function, alias or version an API route or Lambda authorizer \
             invokes, reads the listing of its deployment package (the central directory of \
             the zip, fetched with HTTP range requests from GetFunction's presigned \
             `Code.Location`; each distinct CodeSha256 once) and resolves the handler the way \
             the runtime's own loader does (docs/aws-facts.md §5). Python (awslambdaric and CPython's \
             path finder): per dotted part, a package `name/__init__.py` wins over a module \
             (`name.py`, `.pyc`, an extension `.so` tagged for the runtime's Python), which \
             wins over a bare folder; a bare folder as the handler's module is an empty \
             namespace package (`Runtime.HandlerNotFound`), a module beside the folder of a \
             deeper module hides it. Node.js: the extensionless path, `.js`, `.mjs`, `.cjs`, \
             then `node_modules` and `NODE_PATH`; runtime interface client v3 (up to \
             `nodejs22.x`) loads a folder there through its `package.json` or `index.js` and \
             stops on one without, v4 (`nodejs24.x`, and `nodejs22.x` on Managed Instances) \
             stops on any folder there (`ERR_UNSUPPORTED_DIR_IMPORT`). Ruby: `file.rb` or \
             `file.so`. Java: `package/Class.class`. .NET: for ASSEMBLY::TYPE::METHOD, \
             `Assembly.dll` plus the `.deps.json` and `.runtimeconfig.json` the bootstrap \
             needs; for a handler without `:` (`dotnet6`+), the executable `Name.dll` or the \
             native binary `Name`. `bootstrap` for `provided*`, the executable the handler \
             names for `go1.x`. When nothing is in the package and the function has layers, \
             their listings are read (GetLayerVersionByArn) and searched where the runtime \
             looks under `/opt` (`python/`, the runtime's `python/lib/python3.x/site-packages/`, \
             `nodejs/node<N>/node_modules/`, `nodejs/node_modules/`, `ruby/lib/`, a layer's \
             root for `bootstrap`). The deeper look (on by default) also reads the file the \
             Python or Node.js loader loads and reports, at medium severity with \
             `evidence.level = \"function\"`, a file that evidently defines no such function \
             or export.",
    why: "The runtime loads the handler's file before the first invocation; when it is \
          missing or its loader stops on what is there, the function fails at initialisation \
          with the error the finding names (`Runtime.ImportModuleError` \"Unable to import \
          module\" / \"Cannot find module\", `Runtime.HandlerNotFound`, \
          `ERR_UNSUPPORTED_DIR_IMPORT`, `Runtime.InvalidEntrypoint` \"Couldn't find valid \
          bootstrap(s)\", \"Class not found\", \"cannot load such file\", \"Could not find the \
          specified handler assembly\", `Runtime.ExitError` of the .NET bootstrap), Lambda \
          returns a function error and API Gateway answers 502 Internal server error on every \
          call. The usual cause is zipping the folder instead of its contents, which puts \
          every file one level down (`my-fn/lambda_function.py`).",
    fix: "Zip the contents of the build folder, not the folder: `cd my-fn && zip -X -r \
          ../package.zip .`, then `aws lambda update-function-code --function-name F \
          --zip-file fileb://../package.zip` (for an alias, with `--publish` and `aws lambda \
          update-alias`). Or point the handler at the file that is there: `aws lambda \
          update-function-configuration --function-name F --handler src/app.handler`. Each \
          finding's remediation names the file to add, rename or rebuild.",
    limits: "Image functions are skipped (their entry point is in the image). What a listing \
             cannot show is reported at info severity with `evidence.undecided` saying why, \
             never as a failure: Java classes inside jars of `lib/` or a layer's `java/lib/`, \
             several `.deps.json` files (the LAMBDA_DOTNET_MAIN_ASSEMBLY environment variable, \
             which the auditor never reads, may pick one), a `nodejs22.x` package that loader \
             v3 loads and v4 does not (the inventory does not record Managed Instances), a \
             Node.js handler naming a folder outside `/var/task` and `/opt`. A `package.json` \
             counts as loadable without reading its `main`. The module format (CommonJS or ES \
             module syntax in a `.js` file) is not judged. A layer that cannot be read \
             (GetLayerVersion denied, another account's layer without permission) makes the \
             finding an `error` rather than a guess. The deeper look is a line scan, not a \
             parser: a name defined anywhere in the file counts as defined, and a file that \
             builds its exports dynamically (`module.exports = f()`, `export *`, `from x import \
             *`) is never reported.",
    input: Input::Packages,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::CUSTOMER_FUNCTION_ERROR, &log_signatures::IMPORT_MODULE_ERROR, &log_signatures::HANDLER_NOT_FOUND, &log_signatures::INVALID_ENTRYPOINT],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_target(&CHECK, ctx, |t| &t.configuration, judge)
}

fn judge(reached: &ReachedTarget<'_>, config: &FunctionConfig) -> Option<Finding> {
    let (runtime, handler) = (config.runtime.as_deref()?, config.handler.as_deref()?);
    let expectation = handler_path::expect(runtime, handler)?;
    let listing = match package_listing(&CHECK, reached, config) {
        Ok(listing) => listing?,
        Err(error) => return Some(*error),
    };
    match handler_path::resolve(listing, &expectation) {
        Resolution::Loads(entry) => {
            return deeper_look(reached, handler, &expectation, listing, entry)
        }
        Resolution::Fails(failure) => {
            return Some(loader_fails(&CHECK, reached, runtime, handler, &failure))
        }
        Resolution::Undecided(why) => {
            return Some(undecided(
                &CHECK,
                reached,
                runtime,
                handler,
                &expectation,
                &why,
            ))
        }
        Resolution::Missing => {}
    }
    let mut searched = Vec::new();
    let mut jars = handler_path::has_jars(listing).then_some("lib/");
    for layer in &config.layers {
        match reached.scope.layers.get(layer) {
            Some(Lookup::Found(layer_listing)) => {
                if handler_path::find_in_layer(layer_listing, &expectation).is_some() {
                    return None;
                }
                if handler_path::layer_has_jars(layer_listing) {
                    jars = jars.or(Some("/opt/java/lib/ of a layer"));
                }
                searched.push(layer.clone());
            }
            Some(Lookup::Failed(error)) => {
                return Some(error_finding(&CHECK, reached.scope, error, &reached.short()));
            }
            // Not read (a snapshot without layers) or gone: a deleted layer version still
            // serves the functions that use it, so its absence decides nothing.
            Some(Lookup::Missing) | None => {
                let message = format!(
                    "could not evaluate {} for {}: {} is not in the package and layer {layer} \
                     could not be read",
                    CHECK.id,
                    reached.short(),
                    expectation.describe()
                );
                let mut finding = base_finding(&CHECK, reached.scope, Status::Error, message);
                finding.evidence = json!({ "layer": layer });
                return Some(finding);
            }
        }
    }
    if let (Language::Java, Some(jar_folder)) = (expectation.language, jars) {
        let why = format!(
            "{} is not at the package root; it may be inside a jar in {jar_folder}, which the \
             class path holds and the listing cannot see",
            expectation.describe()
        );
        return Some(undecided(
            &CHECK,
            reached,
            runtime,
            handler,
            &expectation,
            &why,
        ));
    }
    Some(missing_file(
        &CHECK,
        reached,
        runtime,
        handler,
        &expectation,
        listing,
        &searched,
    ))
}

/// The handler file is there; with the deeper look's scan of it, is the function?
fn deeper_look(
    reached: &ReachedTarget<'_>,
    handler: &str,
    expectation: &Expectation,
    listing: &PackageListing,
    entry: &PackageEntry,
) -> Option<Finding> {
    let function = expectation.function.as_deref()?;
    let definitions = listing.sources.get(&entry.path)?;
    if definitions.opaque || definitions.names.iter().any(|n| n == function) {
        return None;
    }
    let message = format!(
        "{}: {} defines no `{function}` that a scan can see, so the runtime would fail with \
         Runtime.HandlerNotFound and clients get 502 (a heuristic: check the file).",
        reached.short(),
        entry.path
    );
    let mut finding = base_finding(&CHECK, reached.scope, Status::Fail, message);
    finding.severity = Severity::Medium;
    finding.evidence = json!({
        "level": "function",
        "handler": handler,
        "file": entry.path,
        "function": function,
        "defined": definitions.names.iter().take(LISTED).collect::<Vec<_>>(),
    });
    finding.remediation = Some(format!(
        "define `{function}` in {} (or set the handler to a function it defines: {}), then \
         zip -X -r ../package.zip . && {}",
        entry.path,
        some_of(&definitions.names, 5),
        deploy_command(reached, "../package.zip")
    ));
    Some(finding)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::{Inventory, SourceDefinitions};
    use crate::testkit::*;

    const LAYER: &str = "arn:aws:lambda:us-east-1:123456789012:layer:shared:3";

    /// pets-get:live behind GET /pets, with `runtime`, `handler`, `layers` and the given package.
    fn inventory(
        runtime: &str,
        handler: &str,
        layers: &[&str],
        package: Lookup<PackageListing>,
    ) -> ScopeBuilder {
        let (runtime, handler) = (runtime.to_string(), handler.to_string());
        let layers: Vec<String> = layers.iter().map(|l| l.to_string()).collect();
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-get:live")
                    .stage("prod"),
            )
            .target(target_with("pets-get:live", "a1b2c3", move |c| {
                c.runtime = Some(runtime);
                c.handler = Some(handler);
                c.layers = layers;
            }))
            .package(HEALTHY_SHA, package)
    }

    fn findings(builder: ScopeBuilder) -> Vec<Finding> {
        let inv: Inventory = builder.inventory();
        run_check(&CHECK, &inv)
    }

    #[test]
    fn handlers_present_at_the_root_pass() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "python3.12",
                "lambda_function.lambda_handler",
                &["lambda_function.py"],
            ),
            ("python3.12", "src/app.handler", &["src/app.py"]),
            ("nodejs22.x", "index.handler", &["index.mjs"]),
            ("ruby3.3", "function.handler", &["function.rb"]),
            (
                "java21",
                "example.Handler::handleRequest",
                &["example/Handler.class"],
            ),
            // bootstrap.sh also needs the class library's .deps.json and .runtimeconfig.json.
            (
                "dotnet8",
                "App::App.Function::Handler",
                &["App.dll", "App.deps.json", "App.runtimeconfig.json"],
            ),
            // bootstrap.sh: a handler without `:` is an executable assembly, `.dll` optional.
            ("dotnet8", "App.dll", &["App.dll"]),
            ("dotnet8", "App", &["App"]),
            ("provided.al2023", "unused", &["bootstrap"]),
            ("go1.x", "main", &["main"]),
        ];
        for (runtime, handler, files) in cases {
            let entries: Vec<(&str, u32)> = files.iter().map(|f| (*f, 0o644)).collect();
            let package = listing(&entries);
            assert!(
                findings(inventory(runtime, handler, &[], package)).is_empty(),
                "{runtime} {handler} with {files:?}"
            );
        }
    }

    #[test]
    fn a_zipped_folder_is_named_with_the_fix() {
        let package = listing(&[("my-fn/", 0o755), ("my-fn/lambda_function.py", 0o644)]);
        let found = findings(inventory(
            "python3.12",
            "lambda_function.lambda_handler",
            &[],
            package,
        ));
        let f = only(&found);
        assert_eq!(
            (f.status, f.severity, f.client_status),
            (Status::Fail, Severity::High, Some(502))
        );
        assert!(
            f.message.contains("it is at my-fn/lambda_function.py"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("Runtime.ImportModuleError"),
            "{}",
            f.message
        );
        assert_eq!(f.evidence["nested"], json!("my-fn/lambda_function.py"));
        assert_eq!(f.evidence["level"], json!("file"));
        let fix = f.remediation.as_deref().unwrap();
        assert!(
            fix.starts_with("cd my-fn && zip -X -r ../package.zip . && aws lambda update-alias"),
            "{fix}"
        );
        assert!(fix.contains("--publish"), "{fix}");
    }

    #[test]
    fn the_zipped_folder_is_the_one_above_the_expected_path() {
        let package = listing(&[
            ("pets-photos/", 0o755),
            ("pets-photos/photos/", 0o755),
            ("pets-photos/photos/app.py", 0o644),
        ]);
        let found = findings(inventory(
            "python3.12",
            "photos.app.lambda_handler",
            &[],
            package,
        ));
        let fix = only(&found).remediation.as_deref().unwrap();
        assert!(
            fix.starts_with("cd pets-photos && zip -X -r ../package.zip ."),
            "{fix}"
        );
    }

    #[test]
    fn a_missing_bootstrap_and_a_case_variant() {
        let f = findings(inventory(
            "provided.al2023",
            "x",
            &[],
            listing(&[("main", 0o755)]),
        ));
        assert!(
            only(&f)
                .message
                .contains("Couldn't find valid bootstrap(s)"),
            "{}",
            f[0].message
        );

        let f = findings(inventory(
            "python3.12",
            "lambda_function.lambda_handler",
            &[],
            listing(&[("Lambda_function.py", 0o644)]),
        ));
        let f = only(&f);
        assert_eq!(f.evidence["case_variant"], json!("Lambda_function.py"));
        assert!(
            f.remediation
                .as_deref()
                .unwrap()
                .contains("--handler Lambda_function.lambda_handler"),
            "{:?}",
            f.remediation
        );
    }

    #[test]
    fn layers_are_searched_where_the_runtime_looks() {
        let package = || listing(&[("README.md", 0o644)]);
        let in_layer = inventory("provided.al2", "x", &[LAYER], package())
            .layer(LAYER, listing(&[("bootstrap", 0o755)]));
        assert!(findings(in_layer).is_empty());

        let elsewhere = inventory("python3.12", "app.handler", &[LAYER], package())
            .layer(LAYER, listing(&[("app.py", 0o644)]));
        let f = findings(elsewhere);
        assert_eq!(only(&f).evidence["layers_searched"], json!([LAYER]));

        let denied = inventory("python3.12", "app.handler", &[LAYER], package()).layer(
            LAYER,
            Lookup::Failed(access_denied("lambda:GetLayerVersionByArn", LAYER)),
        );
        assert_eq!(only(&findings(denied)).status, Status::Error);

        let unread = inventory("python3.12", "app.handler", &[LAYER], package());
        assert_eq!(only(&findings(unread)).status, Status::Error);
    }

    #[test]
    fn java_classes_in_jars_are_only_a_note() {
        let package = listing(&[("lib/", 0o755), ("lib/app.jar", 0o644)]);
        let f = findings(inventory(
            "java21",
            "example.Handler::handleRequest",
            &[],
            package,
        ));
        assert_eq!(only(&f).severity, Severity::Info);
        // CustomerClassLoader also holds /opt/java/lib/*.jar of the layers.
        let in_layer = inventory(
            "java21",
            "example.Handler::handleRequest",
            &[LAYER],
            listing(&[("README.md", 0o644)]),
        )
        .layer(LAYER, listing(&[("java/lib/shared.jar", 0o644)]));
        let f = findings(in_layer);
        let f = only(&f);
        assert_eq!((f.severity, f.client_status), (Severity::Info, None));
        assert!(
            f.evidence["undecided"]
                .as_str()
                .unwrap_or_default()
                .contains("/opt/java/lib"),
            "{:?}",
            f.evidence
        );
    }

    /// CPython's FileFinder: a regular package `app/__init__.py` wins over `app.py`, so the
    /// deeper look reads the package's `__init__.py`; a bare folder is a namespace package.
    #[test]
    fn a_python_package_beside_the_module_wins() {
        let package = || {
            let Lookup::Found(mut l) = listing(&[
                ("app.py", 0o644),
                ("app/", 0o755),
                ("app/__init__.py", 0o644),
            ]) else {
                unreachable!()
            };
            for (file, names) in [("app.py", vec!["handler"]), ("app/__init__.py", vec![])] {
                l.sources.insert(
                    file.into(),
                    SourceDefinitions {
                        names: names.into_iter().map(String::from).collect(),
                        opaque: false,
                    },
                );
            }
            Lookup::Found(l)
        };
        let f = findings(inventory("python3.12", "app.handler", &[], package()));
        let f = only(&f);
        assert_eq!(f.evidence["file"], json!("app/__init__.py"));
        assert_eq!(f.evidence["level"], json!("function"));

        let namespace = listing(&[("app/", 0o755), ("app/util.py", 0o644)]);
        let f = findings(inventory("python3.12", "app.handler", &[], namespace));
        let f = only(&f);
        assert_eq!((f.severity, f.client_status), (Severity::High, Some(502)));
        assert!(
            f.evidence["runtime_error"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Runtime.HandlerNotFound"),
            "{:?}",
            f.evidence
        );
        assert!(f.message.contains("namespace package"), "{}", f.message);
        assert!(
            f.remediation
                .as_deref()
                .unwrap_or_default()
                .contains("app/__init__.py"),
            "{:?}",
            f.remediation
        );
    }

    /// Node RIC v4 (nodejs24.x) import()s the extensionless path first: a folder named like
    /// the module stops it; v3 (nodejs20.x) require()s the folder's sibling `app.js`.
    #[test]
    fn a_node_folder_beside_the_module_breaks_only_v4() {
        let package = || listing(&[("app.js", 0o644), ("app/", 0o755), ("app/db.js", 0o644)]);
        assert!(findings(inventory("nodejs20.x", "app.handler", &[], package())).is_empty());
        let f = findings(inventory("nodejs24.x", "app.handler", &[], package()));
        let f = only(&f);
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.message.contains("ERR_UNSUPPORTED_DIR_IMPORT"),
            "{}",
            f.message
        );
        assert_eq!(f.evidence["path"], json!("app/"));
        let f = findings(inventory("nodejs22.x", "app.handler", &[], package()));
        assert_eq!(
            only(&f).severity,
            Severity::Info,
            "v3, or v4 on Managed Instances"
        );
    }

    #[test]
    fn deeper_look_reports_a_missing_function_at_medium() {
        let with_source = |names: &[&str], opaque: bool| {
            let Lookup::Found(mut l) = listing(&[("app.py", 0o644)]) else {
                unreachable!()
            };
            l.sources.insert(
                "app.py".into(),
                SourceDefinitions {
                    names: names.iter().map(|n| n.to_string()).collect(),
                    opaque,
                },
            );
            inventory("python3.12", "app.handler", &[], Lookup::Found(l))
        };
        let f = findings(with_source(&["handle", "json"], false));
        let f = only(&f);
        assert_eq!(
            (f.severity, f.evidence["level"].clone()),
            (Severity::Medium, json!("function"))
        );
        assert!(f.message.contains("defines no `handler`"), "{}", f.message);
        assert!(findings(with_source(&["handler"], false)).is_empty());
        assert!(
            findings(with_source(&[], true)).is_empty(),
            "an opaque file proves nothing"
        );
    }

    #[test]
    fn unread_packages_and_image_functions() {
        let failed = Lookup::Failed(access_denied("lambda:GetFunction", "pets-get"));
        let f = findings(inventory("python3.12", "app.handler", &[], failed));
        assert_eq!(only(&f).status, Status::Error);

        let image = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-get")
                    .stage("prod"),
            )
            .target(target_with("pets-get", "a1b2c3", |c| {
                c.package_type = Some("Image".into())
            }))
            .package(HEALTHY_SHA, listing(&[]));
        assert!(findings(image).is_empty());
        // Inspection off (no listing recorded): nothing to judge.
        let none = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-get")
                    .stage("prod"),
            )
            .target(target("pets-get", "a1b2c3"));
        assert!(findings(none).is_empty());
    }
}
