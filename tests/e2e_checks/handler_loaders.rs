//! The runtimes' own loaders on real packages: functions created on the emulator with real zips,
//! audited like AWS, for the rules where the loaders differ from a plain "is the file there":
//! .NET executable assemblies (`bootstrap.sh`), Python built-in module conflicts
//! (awslambdaric `_get_handler`), Python packages beside modules and namespace packages
//! (CPython's `FileFinder`), Node.js folders beside modules (runtime interface client v3
//! `UserFunction.js` against v4's module loader) and `node_modules` resolution, Ruby class
//! parts that are not constants (Ruby RIC `lambda_handler.rb`). Each failing function sits next
//! to its healthy control. ministack accepts any handler and runtime identifier at
//! CreateFunction (as AWS does for a well-formed string) and stores the zip as it is.

use apigw_auditor::report::{Finding, Report, Severity};
use serde_json::json;

use crate::common::assert_fail;
use crate::support::audit::{audit, findings};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{fn_zip, Fleet};
use crate::support::new_fleet;

const PY_HANDLER: &str = "def handler(event, context):\n    return {'statusCode': 200}\n";
const NODE_HANDLER: &str = "exports.handler = async () => ({ statusCode: 200 });\n";
/// Stand-ins for compiled files: the listing, not the bytes, is what is judged.
const BINARY: &str = "\x7fELF";

fn functions_of(report: &Report, check: &str) -> Vec<String> {
    let mut names: Vec<String> = findings(report, check)
        .iter()
        .filter_map(|f| f.function.clone())
        .collect();
    names.sort();
    names
}

fn of<'r>(report: &'r Report, check: &str, function: &str) -> &'r Finding {
    findings(report, check)
        .into_iter()
        .find(|f| f.function.as_deref() == Some(function))
        .unwrap_or_else(|| panic!("no {check} finding for {function}"))
}

async fn function(
    fleet: &Fleet,
    name: &str,
    runtime: &str,
    handler: &str,
    files: &[(&str, &str, u32)],
) -> String {
    fleet
        .create_function(name, runtime, handler, fn_zip(files), 3)
        .await
}

#[tokio::test]
async fn packages_judged_by_their_runtimes_loaders() {
    let (account, sdk, fleet) = new_fleet().await;
    let dll = ("MyApp.dll", BINARY, 0o644);
    let deps = ("MyApp.deps.json", "{}", 0o644);
    let config = ("MyApp.runtimeconfig.json", "{}", 0o644);

    // bootstrap.sh: a handler without `:` names an executable assembly or native binary. These
    // were false `handler-not-in-package` findings when `MyApp.dll` was expected as
    // `<handler>.dll` only.
    let exe = function(
        &fleet,
        "dotnet-exe",
        "dotnet8",
        "MyApp",
        &[dll, deps, config],
    )
    .await;
    let exe_dll = function(
        &fleet,
        "dotnet-exe-dll",
        "dotnet8",
        "MyApp.dll",
        &[dll, deps, config],
    )
    .await;
    let native = function(
        &fleet,
        "dotnet-native",
        "dotnet8",
        "MyApp",
        &[("MyApp", BINARY, 0o755)],
    )
    .await;
    let library = function(
        &fleet,
        "dotnet-lib",
        "dotnet8",
        "MyApp::MyApp.Function::Handler",
        &[dll, deps, config],
    )
    .await;
    // ... and a class library without the .deps.json the bootstrap needs (exit 105).
    let no_deps = function(
        &fleet,
        "dotnet-nodeps",
        "dotnet8",
        "MyApp::MyApp.Function::Handler",
        &[dll, config],
    )
    .await;

    // awslambdaric: `time` is an interpreter built-in, refused before any import.
    let builtin = function(
        &fleet,
        "py-time",
        "python3.12",
        "time.handler",
        &[("time.py", PY_HANDLER, 0o644)],
    )
    .await;
    let timer = function(
        &fleet,
        "py-timer",
        "python3.12",
        "timer.handler",
        &[("timer.py", PY_HANDLER, 0o644)],
    )
    .await;
    // CPython's FileFinder: the package app/ wins over app.py, and its __init__.py defines
    // nothing; a bare folder is an empty namespace package.
    let shadowed = function(
        &fleet,
        "py-shadowed",
        "python3.12",
        "app.handler",
        &[
            ("app.py", PY_HANDLER, 0o644),
            ("app/", "", 0o755),
            ("app/__init__.py", "", 0o644),
        ],
    )
    .await;
    let beside = function(
        &fleet,
        "py-beside",
        "python3.12",
        "app.handler",
        &[
            ("app.py", PY_HANDLER, 0o644),
            ("app/", "", 0o755),
            ("app/util.py", "X = 1\n", 0o644),
        ],
    )
    .await;
    let namespace = function(
        &fleet,
        "py-namespace",
        "python3.12",
        "app.handler",
        &[("app/", "", 0o755), ("app/util.py", PY_HANDLER, 0o644)],
    )
    .await;

    // Node: a folder app/ beside app.js. v3 require()s app.js; v4 import()s the folder first.
    let node_files = [
        ("app.js", NODE_HANDLER, 0o644),
        ("app/", "", 0o755),
        ("app/db.js", "", 0o644),
    ];
    let node20 = function(
        &fleet,
        "node20-folder",
        "nodejs20.x",
        "app.handler",
        &node_files,
    )
    .await;
    let node24 = function(
        &fleet,
        "node24-folder",
        "nodejs24.x",
        "app.handler",
        &node_files,
    )
    .await;
    // require.resolve's fallback finds a module in node_modules.
    let modules = function(
        &fleet,
        "node-modules",
        "nodejs20.x",
        "lib.handler",
        &[("node_modules/lib/index.js", NODE_HANDLER, 0o644)],
    )
    .await;

    // Ruby: Kernel.const_get needs a constant.
    let ruby_source = "module LambdaFunctions\n  class Handler\n    def self.process(event:, context:)\n      {}\n    end\n  end\nend\n";
    let ruby_bad = function(
        &fleet,
        "ruby-lowercase",
        "ruby3.3",
        "function.lambdaFunctions::Handler.process",
        &[("function.rb", ruby_source, 0o644)],
    )
    .await;
    let ruby_good = function(
        &fleet,
        "ruby-constant",
        "ruby3.3",
        "function.LambdaFunctions::Handler.process",
        &[("function.rb", ruby_source, 0o644)],
    )
    .await;

    let all = [
        &exe, &exe_dll, &native, &library, &no_deps, &builtin, &timer, &shadowed, &beside,
        &namespace, &node20, &node24, &modules, &ruby_bad, &ruby_good,
    ];
    let api = fleet.create_api("loaders").await;
    for (i, function) in all.iter().enumerate() {
        api.lambda_proxy_method(&format!("/h{i}"), "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;
    let report = audit(&sdk).await;
    assert!(report.errors.is_empty(), "{:#?}", report.errors);

    let mut invalid = vec![builtin.clone(), ruby_bad.clone()];
    invalid.sort();
    assert_eq!(functions_of(&report, "handler-invalid"), invalid);
    let f = of(&report, "handler-invalid", &builtin);
    assert_fail(f, &account, Severity::High, Some(502));
    assert_eq!(
        f.evidence["runtime_error"],
        json!("Runtime.BuiltInModuleConflict")
    );
    let f = of(&report, "handler-invalid", &ruby_bad);
    assert_eq!(f.evidence["runtime_error"], json!("Function<NameError>"));

    let mut missing = vec![
        no_deps.clone(),
        shadowed.clone(),
        namespace.clone(),
        node24.clone(),
    ];
    missing.sort();
    assert_eq!(functions_of(&report, "handler-not-in-package"), missing);

    let f = of(&report, "handler-not-in-package", &no_deps);
    assert_fail(f, &account, Severity::High, Some(502));
    assert!(
        f.evidence["runtime_error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Runtime.ExitError"),
        "{f:#?}"
    );
    assert!(f.message.contains("MyApp.deps.json"), "{}", f.message);

    // The deeper look read the file Python imports, the package's __init__.py.
    let f = of(&report, "handler-not-in-package", &shadowed);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.evidence["file"], json!("app/__init__.py"));
    assert_eq!(f.evidence["level"], json!("function"));

    let f = of(&report, "handler-not-in-package", &namespace);
    assert_fail(f, &account, Severity::High, Some(502));
    assert!(
        f.evidence["runtime_error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Runtime.HandlerNotFound"),
        "{f:#?}"
    );

    let f = of(&report, "handler-not-in-package", &node24);
    assert_fail(f, &account, Severity::High, Some(502));
    assert!(
        f.evidence["runtime_error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Error [ERR_UNSUPPORTED_DIR_IMPORT]"),
        "{f:#?}"
    );
    assert_eq!(f.evidence["path"], json!("app/"));
    assert!(
        f.remediation
            .as_deref()
            .unwrap_or_default()
            .contains("update-function-code --function-name node24-folder"),
        "{f:#?}"
    );
}
