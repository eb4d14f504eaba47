//! Function configurations that break or endanger calls: `handler-invalid`,
//! `runtime-deprecated` and `lambda-timeout-exceeds-integration`.

use apigw_auditor::report::{Finding, Severity};
use serde_json::json;

use crate::common::{assert_api, assert_fail, remediation, route};
use crate::support::audit::{audit, findings};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{fn_zip, PYTHON_OK_HANDLER};
use crate::support::new_fleet;

/// A Node.js package answering a valid proxy response from `index.handler`.
fn node_zip() -> Vec<u8> {
    fn_zip(&[(
        "index.js",
        "exports.handler = async () => ({ statusCode: 200, body: '{\"ok\":true}' });\n",
        0o644,
    )])
}

/// The Python package of `support::fleet::python_function`.
fn python_zip() -> Vec<u8> {
    fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)])
}

// ---------------------------------------------------------------------------------------------
// handler-invalid
// ---------------------------------------------------------------------------------------------

/// ministack accepts any handler string at CreateFunction (as AWS does) and only parses it at
/// invoke time, so broken handlers can be deployed: Python `lambda_function` (no `.`) and Node
/// `index..handler` each give one finding; the well-formed handlers of both runtimes are quiet.
#[tokio::test]
async fn handler_invalid_for_python_and_node() {
    let (account, sdk, fleet) = new_fleet().await;
    let py_bad = fleet
        .create_function("py-bad", "python3.12", "lambda_function", python_zip(), 3)
        .await;
    let py_good = fleet.python_function("py-good").await;
    let node_bad = fleet
        .create_function("node-bad", "nodejs22.x", "index..handler", node_zip(), 3)
        .await;
    let node_good = fleet
        .create_function("node-good", "nodejs22.x", "index.handler", node_zip(), 3)
        .await;
    let api = fleet.create_api("handlers").await;
    for (path, function) in [
        ("/py-bad", &py_bad),
        ("/py-good", &py_good),
        ("/node-bad", &node_bad),
        ("/node-good", &node_good),
    ] {
        api.lambda_proxy_method(path, "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let found = findings(&report, "handler-invalid");
    assert_eq!(found.len(), 2, "{found:#?}");
    let of = |function: &str| -> &Finding {
        found
            .iter()
            .find(|f| f.function.as_deref() == Some(function))
            .unwrap_or_else(|| panic!("no handler-invalid finding for {function}: {found:#?}"))
    };

    let py = of(&py_bad);
    assert_fail(py, &account, Severity::High, Some(502));
    assert_eq!(py.evidence["runtime"], "python3.12");
    assert_eq!(py.evidence["handler"], "lambda_function");
    assert_eq!(py.evidence["runtime_error"], "Runtime.MalformedHandlerName");
    assert_eq!(
        py.evidence["routes"],
        json!([format!("{} (handlers) prod GET /py-bad", api.id)])
    );
    assert!(
        py.message
            .starts_with("py-bad has handler `lambda_function` for python3.12"),
        "{}",
        py.message
    );
    assert_eq!(
        remediation(py),
        "aws lambda update-function-configuration --function-name py-bad --region us-east-1 \
         --handler MODULE.FUNCTION"
    );

    let node = of(&node_bad);
    assert_fail(node, &account, Severity::High, Some(502));
    assert_eq!(node.evidence["runtime"], "nodejs22.x");
    assert_eq!(node.evidence["handler"], "index..handler");
    assert_eq!(
        node.evidence["runtime_error"],
        "Runtime.MalformedHandlerName"
    );
    assert_eq!(
        remediation(node),
        "aws lambda update-function-configuration --function-name node-bad \
         --region us-east-1 --handler FILE.EXPORT"
    );
}

// ---------------------------------------------------------------------------------------------
// runtime-deprecated
// ---------------------------------------------------------------------------------------------

/// python3.9 (deprecated 2025-12-15) and nodejs18.x (2025-09-01) are medium findings naming the
/// successor; python3.12 (2028-10-31) is quiet. ministack accepts creating functions on
/// deprecated runtimes at any date; AWS blocks creation after each runtime's "block create"
/// date, but functions that exist keep running (and keep being reported), which is what this
/// account stands for.
#[tokio::test]
async fn runtime_deprecated_is_medium() {
    let (account, sdk, fleet) = new_fleet().await;
    let py39 = fleet
        .create_function(
            "legacy-py",
            "python3.9",
            "lambda_function.lambda_handler",
            python_zip(),
            3,
        )
        .await;
    let node18 = fleet
        .create_function("legacy-node", "nodejs18.x", "index.handler", node_zip(), 3)
        .await;
    let current = fleet.python_function("current").await;
    let api = fleet.create_api("runtimes").await;
    for (path, function) in [("/py", &py39), ("/node", &node18), ("/current", &current)] {
        api.lambda_proxy_method(path, "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    // The auditor dates its judgement by the end of collection.
    let today = report.run.finished_at.date_naive();
    let found = findings(&report, "runtime-deprecated");
    assert_eq!(found.len(), 2, "{found:#?}");
    for (function, name, runtime, date, successor) in [
        (&py39, "legacy-py", "python3.9", "2025-12-15", "python3.14"),
        (
            &node18,
            "legacy-node",
            "nodejs18.x",
            "2025-09-01",
            "nodejs24.x",
        ),
    ] {
        let f = found
            .iter()
            .find(|f| f.function.as_deref() == Some(function.as_str()))
            .unwrap_or_else(|| panic!("no runtime-deprecated finding for {name}: {found:#?}"));
        assert_fail(f, &account, Severity::Medium, None);
        assert_eq!(f.evidence["runtime"], runtime);
        assert_eq!(f.evidence["deprecation_date"], date);
        let deprecated: chrono::NaiveDate = date.parse().unwrap();
        let days = (deprecated - today).num_days();
        assert!(days < 0, "{runtime} is past its deprecation date");
        assert_eq!(f.evidence["days_until_deprecation"], days);
        assert_eq!(f.evidence["successor"], successor);
        assert!(
            f.message.contains(&format!("deprecated on {date}")),
            "{}",
            f.message
        );
        assert_eq!(
            remediation(f),
            format!(
                "aws lambda update-function-configuration --function-name {name} \
                 --region us-east-1 --runtime {successor}"
            )
        );
    }
}

// ---------------------------------------------------------------------------------------------
// lambda-timeout-exceeds-integration
// ---------------------------------------------------------------------------------------------

const TIMEOUT: &str = "lambda-timeout-exceeds-integration";

/// A 60 s function behind the default integration timeout (29 s) and a 10 s function behind a
/// 5,000 ms integration are findings; the same 10 s function behind the default is quiet.
#[tokio::test]
async fn lambda_timeout_longer_than_the_integration() {
    let (account, sdk, fleet) = new_fleet().await;
    let slow = fleet
        .create_function(
            "slow",
            "python3.12",
            "lambda_function.lambda_handler",
            python_zip(),
            60,
        )
        .await;
    let ten = fleet
        .create_function(
            "ten",
            "python3.12",
            "lambda_function.lambda_handler",
            python_zip(),
            10,
        )
        .await;
    let api = fleet.create_api("timeouts").await;
    api.lambda_proxy_method("/slow", "GET", &slow, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/ten", "GET", &ten, MethodOptions::default())
        .await;
    api.lambda_proxy_method(
        "/tight",
        "GET",
        &ten,
        MethodOptions::default().timeout_ms(5000),
    )
    .await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let found = findings(&report, TIMEOUT);
    assert_eq!(found.len(), 2, "{found:#?}");
    let on = |path: &str| -> &Finding {
        found
            .iter()
            .find(|f| f.route.as_ref().is_some_and(|r| r.path == path))
            .unwrap_or_else(|| panic!("no {TIMEOUT} finding on {path}: {found:#?}"))
    };

    let f = on("/slow");
    assert_fail(f, &account, Severity::Medium, Some(504));
    assert_api(f, &api);
    assert_eq!(route(f), ("GET", "/slow"));
    assert_eq!(f.stages, ["prod"]);
    assert_eq!(f.function.as_deref(), Some(slow.as_str()));
    assert_eq!(f.evidence["function_timeout_seconds"], 60);
    // AWS (and ministack) answer timeoutInMillis=29000 when none was set, so the auditor sees
    // the default as an explicit value; only the number is asserted.
    assert_eq!(f.evidence["integration_timeout_ms"], 29000);
    assert_eq!(
        f.evidence["resource_id"],
        json!(api.resource("/slow").await)
    );
    assert!(
        f.message.starts_with("slow runs up to 60 s") && f.message.contains("waits only 29000 ms"),
        "{}",
        f.message
    );
    assert_eq!(
        remediation(f),
        "aws lambda update-function-configuration --function-name slow --region us-east-1 \
         --timeout 29"
    );

    let f = on("/tight");
    assert_fail(f, &account, Severity::Medium, Some(504));
    assert_eq!(route(f), ("GET", "/tight"));
    assert_eq!(f.function.as_deref(), Some(ten.as_str()));
    assert_eq!(f.evidence["function_timeout_seconds"], 10);
    assert_eq!(f.evidence["integration_timeout_ms"], 5000);
    assert_eq!(
        remediation(f),
        "aws lambda update-function-configuration --function-name ten --region us-east-1 \
         --timeout 5"
    );
}
