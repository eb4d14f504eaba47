//! The opt-in probe on HTTP API routes: each route's function is invoked with the event of its
//! integration's payload format (1.0 or 2.0) and the answer judged by that format's output rules
//! (docs/aws-facts.md §12.3). One Python function that answers `{"ok": true}` (no `statusCode`) is
//! healthy behind a 2.0 route, which takes it as a 200 body, and written for the wrong format
//! behind a 1.0 route (`payload-format-mismatch`); a proxy response without `statusCode` is sent
//! whole as a 2.0 body (`proxy-response-malformed`, medium, no 5XX); a complete response is
//! healthy on both.
//!
//! ministack runs the handlers for real (the probe calls Lambda's `Invoke`, not the emulator's
//! HTTP API data plane, which would always send 2.0) but reports every unhandled exception as
//! `Runtime.HandlerError` where AWS names the exception (`KeyError`): a 1.0 handler reading
//! `event["httpMethod"]` behind a 2.0 route is therefore a function error here (500), and the
//! `KeyError` that shows the format on AWS is unit-tested in `probe::payload_mismatch`.

use apigw_auditor::config::Config;
use apigw_auditor::report::{Finding, Report, Severity};

use crate::support::audit::{audit_with, config, findings};
use crate::support::fleet::apigwv2::HttpIntegrationOptions;
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

fn probe_config() -> Config {
    let mut config = config();
    config.probe.enabled = true;
    config.probe.per_second = 10.0;
    // Well above a cold start on a loaded machine (2 s failed): no function here sleeps.
    config.probe.timeout_seconds = 8;
    config
}

fn on<'r>(report: &'r Report, check: &str, path: &str) -> Vec<&'r Finding> {
    findings(report, check)
        .into_iter()
        .filter(|f| f.route.as_ref().is_some_and(|r| r.path == path))
        .collect()
}

#[tokio::test]
async fn each_route_is_probed_with_its_payload_format() {
    let (account, sdk, fleet) = new_fleet().await;
    for (name, source) in [
        (
            "bare",
            "def lambda_handler(event, context):\n    return {\"ok\": True}\n",
        ),
        (
            "envelope",
            "def lambda_handler(event, context):\n    \
             return {\"headers\": {\"content-type\": \"text/plain\"}, \"body\": \"hi\"}\n",
        ),
        (
            "complete",
            "def lambda_handler(event, context):\n    \
             return {\"statusCode\": 200, \"body\": \"ok\"}\n",
        ),
        (
            "v1-reader",
            "def lambda_handler(event, context):\n    \
             return {\"statusCode\": 200, \"body\": event[\"httpMethod\"]}\n",
        ),
    ] {
        fleet.python_handler(name, source, 3).await;
    }
    let api = fleet.create_http_api("orders").await;
    for (path, function, format) in [
        ("/bare-v2", "bare", "2.0"),
        ("/bare-v1", "bare", "1.0"),
        ("/envelope-v2", "envelope", "2.0"),
        ("/complete-v1", "complete", "1.0"),
        ("/complete-v2", "complete", "2.0"),
        ("/v1-reader-v1", "v1-reader", "1.0"),
        ("/v1-reader-v2", "v1-reader", "2.0"),
    ] {
        let integration = api
            .lambda_integration(
                &function_arn(&account, function, None),
                HttpIntegrationOptions::default().payload(format),
            )
            .await;
        api.route(&format!("GET {path}"), &integration, None).await;
    }
    api.auto_stage("$default", &[]).await;
    for function in ["bare", "envelope", "complete", "v1-reader"] {
        fleet.permit(function, None).serverless_http(&api.id).await;
    }

    let report = audit_with(&probe_config(), &sdk).await;
    assert_eq!(report.summary.api_calls.get("lambda:Invoke"), Some(&7));

    // Healthy: each answer fits its route's format.
    for path in ["/bare-v2", "/complete-v1", "/complete-v2", "/v1-reader-v1"] {
        assert!(
            on(&report, "proxy-response-malformed", path).is_empty(),
            "{path}"
        );
        assert!(
            on(&report, "payload-format-mismatch", path).is_empty(),
            "{path}"
        );
    }
    // A 2.0-style answer behind a 1.0 route.
    let mismatch = on(&report, "payload-format-mismatch", "/bare-v1");
    assert_eq!(mismatch.len(), 1, "{:#?}", report.findings);
    assert_eq!(mismatch[0].evidence["expected_format"], "2.0");
    assert_eq!(mismatch[0].client_status, Some(500));
    assert!(on(&report, "proxy-response-malformed", "/bare-v1").is_empty());
    // A proxy response without statusCode, taken whole as a 2.0 body.
    let envelope = on(&report, "proxy-response-malformed", "/envelope-v2");
    assert_eq!(envelope.len(), 1);
    assert_eq!(envelope[0].evidence["rule"], "envelope-without-status-code");
    assert_eq!(envelope[0].severity, Severity::Medium);
    assert_eq!(envelope[0].client_status, None);
    // The 1.0 reader fails behind the 2.0 route: a function error, which HTTP APIs answer with 500.
    let failed = on(&report, "proxy-response-malformed", "/v1-reader-v2");
    assert_eq!(failed.len(), 1, "{:#?}", report.findings);
    assert_eq!(failed[0].evidence["rule"], "function-error");
    assert_eq!(failed[0].client_status, Some(500));
}
