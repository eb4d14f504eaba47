//! REST API methods that stream the Lambda response (`responseTransferMode: STREAM`, the
//! `2021-11-15/functions/FN/response-streaming-invocations` URI; docs/aws-facts.md §11.1): they are
//! audited like buffered ones (`invoke-permission-missing`, `integration-target-missing` on the
//! streaming URI), a mode that disagrees with the URI is `integration-transfer-mode-mismatch`,
//! and `lambda-timeout-exceeds-integration` judges a streaming route by the stream's own limits
//! (the integration timeout cuts the stream; the endpoint's idle timeout, 30 s on EDGE and 5 min
//! otherwise, closes a silent one). Integration URIs the auditor does not know are reported as
//! `error` findings and counted in `summary.unaudited`, never dropped.
//!
//! ministack's PutIntegration drops `responseTransferMode`; the fleet sets it with
//! UpdateIntegration, which keeps it (docs/testing.md). ministack's CreateRestApi defaults to a
//! REGIONAL endpoint (AWS: EDGE), so the APIs here name their endpoint type.

use apigw_auditor::report::{Severity, Status};

use crate::common::{assert_api, assert_fail, reason, remediation, route, MISSING, TARGET_MISSING};
use crate::support::audit::{audit, findings, none, only};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{function_arn, integration_uri, streaming_uri, PYTHON_OK_HANDLER};
use crate::support::new_fleet;

const MISMATCH: &str = "integration-transfer-mode-mismatch";
const TIMEOUT: &str = "lambda-timeout-exceeds-integration";

/// A Regional API with streaming routes: one healthy (a 5-minute function behind a 5-minute
/// streaming integration, permitted), one without permission, one to a deleted function, and a
/// buffered control. Only the broken ones are reported, each by its own check.
#[tokio::test]
async fn streaming_routes_are_audited_like_buffered_ones() {
    let (account, sdk, fleet) = new_fleet().await;
    let (feed, unpermitted, plain) = tokio::join!(
        fleet.python_handler("feed", PYTHON_OK_HANDLER, 300),
        fleet.python_handler("unpermitted", PYTHON_OK_HANDLER, 3),
        fleet.python_handler("plain", PYTHON_OK_HANDLER, 3),
    );
    let gone = function_arn(&account, "gone", None);
    let api = fleet
        .create_api_with_endpoint("live", Some("REGIONAL"))
        .await;
    let stream = || MethodOptions::default().streaming();
    api.lambda_proxy_method(
        "/feed",
        "GET",
        &streaming_uri(&feed),
        stream().timeout_ms(300_000),
    )
    .await;
    api.lambda_proxy_method(
        "/unpermitted",
        "GET",
        &streaming_uri(&unpermitted),
        stream(),
    )
    .await;
    api.lambda_proxy_method("/gone", "GET", &streaming_uri(&gone), stream())
        .await;
    api.lambda_proxy_method("/plain", "GET", &plain, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    fleet
        .permit("feed", None)
        .sam(&api.id, "GET", "/feed")
        .await;
    fleet
        .permit("plain", None)
        .sam(&api.id, "GET", "/plain")
        .await;

    let report = audit(&sdk).await;

    // Missing permission on a streaming route: API Gateway calls InvokeWithResponseStream, which
    // the `lambda:InvokeFunction` permission authorizes like Invoke (§11.1).
    let f = only(&report, MISSING);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &api);
    assert_eq!(route(f), ("GET", "/unpermitted"));
    assert!(
        remediation(f).contains("--action lambda:InvokeFunction"),
        "{}",
        remediation(f)
    );

    // A deleted function behind a streaming URI: the URI keeps its streaming form in evidence.
    let f = only(&report, TARGET_MISSING);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(route(f), ("GET", "/gone"));
    assert_eq!(f.evidence["uri"], streaming_uri(&gone));

    // The 5-minute function behind a 5-minute streaming integration on a Regional endpoint
    // (idle timeout 5 min) is healthy; so is the buffered control.
    none(&report, TIMEOUT);
    none(&report, MISMATCH);
    assert_eq!(
        report
            .summary
            .integrations
            .get("rest/aws-proxy-lambda-streaming"),
        Some(&3),
        "{:?}",
        report.summary.integrations
    );
    assert_eq!(
        report.summary.integrations.get("rest/aws-proxy-lambda"),
        Some(&1)
    );
    assert_eq!(report.summary.unaudited, 0);
}

/// `responseTransferMode` and URI disagree both ways: STREAM with the buffered URI, BUFFERED with
/// the streaming URI. One medium finding each, with no client status (AWS does not document what
/// clients get) and a fix writing the URI that matches the mode.
#[tokio::test]
async fn a_transfer_mode_that_disagrees_with_the_uri_is_reported() {
    let (account, sdk, fleet) = new_fleet().await;
    let (report_fn, export_fn, ok_fn) = tokio::join!(
        fleet.python_handler("report", PYTHON_OK_HANDLER, 3),
        fleet.python_handler("export", PYTHON_OK_HANDLER, 3),
        fleet.python_handler("ok", PYTHON_OK_HANDLER, 3),
    );
    let api = fleet
        .create_api_with_endpoint("docs", Some("REGIONAL"))
        .await;
    // STREAM mode, buffered URI.
    api.lambda_proxy_method(
        "/report",
        "GET",
        &report_fn,
        MethodOptions::default().streaming(),
    )
    .await;
    // BUFFERED mode (unset), streaming URI.
    api.lambda_proxy_method(
        "/export",
        "GET",
        &streaming_uri(&export_fn),
        MethodOptions::default(),
    )
    .await;
    // Matching: STREAM mode with the streaming URI.
    api.lambda_proxy_method(
        "/ok",
        "GET",
        &streaming_uri(&ok_fn),
        MethodOptions::default().streaming(),
    )
    .await;
    api.deploy("prod", &[]).await;
    for (name, path) in [("report", "/report"), ("export", "/export"), ("ok", "/ok")] {
        fleet.permit(name, None).sam(&api.id, "GET", path).await;
    }

    let report = audit(&sdk).await;
    let mut found = findings(&report, MISMATCH);
    found.sort_by_key(|f| route(f).1.to_string());
    assert_eq!(found.len(), 2, "{found:#?}");

    let export = found[0];
    assert_fail(export, &account, Severity::Medium, None);
    assert_eq!(route(export), ("GET", "/export"));
    assert_eq!(export.evidence["response_transfer_mode"], "BUFFERED");
    assert_eq!(
        export.evidence["uri_action"],
        "response-streaming-invocations"
    );
    let fix = remediation(export);
    assert!(
        fix.contains(&format!("value={}", integration_uri(&export_fn))),
        "the fix writes the buffered URI: {fix}"
    );

    let streamed = found[1];
    assert_fail(streamed, &account, Severity::Medium, None);
    assert_eq!(route(streamed), ("GET", "/report"));
    assert_eq!(streamed.evidence["response_transfer_mode"], "STREAM");
    assert_eq!(streamed.evidence["uri_action"], "invocations");
    let fix = remediation(streamed);
    assert!(
        fix.contains(&format!("value={}", streaming_uri(&report_fn)))
            && fix.contains("create-deployment"),
        "the fix writes the streaming URI and redeploys: {fix}"
    );
    none(&report, MISSING);
}

/// The stream's limits (docs/aws-facts.md §11.1): a function that outlives the streaming
/// integration's timeout has its stream cut (no client status: the status line may already be
/// sent), and the fix raises `timeoutInMillis` (up to 15 minutes without a quota increase); a
/// function that may run past the endpoint's idle timeout is a low risk on EDGE (30 s) and fine
/// on REGIONAL (5 min) for the same 2-minute function.
#[tokio::test]
async fn streaming_timeouts_follow_the_streams_limits() {
    let (account, sdk, fleet) = new_fleet().await;
    let (long, chatty) = tokio::join!(
        fleet.python_handler("long", PYTHON_OK_HANDLER, 60),
        fleet.python_handler("chatty", PYTHON_OK_HANDLER, 120)
    );
    let edge = fleet.create_api_with_endpoint("edge", Some("EDGE")).await;
    let regional = fleet
        .create_api_with_endpoint("regional", Some("REGIONAL"))
        .await;
    let stream = || MethodOptions::default().streaming();
    // 60 s function, default 29 s integration timeout: the stream is cut.
    edge.lambda_proxy_method("/long", "GET", &streaming_uri(&long), stream())
        .await;
    // 120 s function, 150 s integration: fits the integration, not EDGE's 30 s idle timeout.
    edge.lambda_proxy_method(
        "/chatty",
        "GET",
        &streaming_uri(&chatty),
        stream().timeout_ms(150_000),
    )
    .await;
    regional
        .lambda_proxy_method(
            "/chatty",
            "GET",
            &streaming_uri(&chatty),
            stream().timeout_ms(150_000),
        )
        .await;
    edge.deploy("prod", &[]).await;
    regional.deploy("prod", &[]).await;
    fleet.permit("long", None).serverless(&edge.id).await;
    fleet.permit("chatty", None).serverless(&edge.id).await;
    fleet.permit("chatty", None).serverless(&regional.id).await;

    let report = audit(&sdk).await;
    let mut found = findings(&report, TIMEOUT);
    found.sort_by_key(|f| route(f).1.to_string());
    assert_eq!(found.len(), 2, "{found:#?}");

    let idle = found[0];
    assert_fail(idle, &account, Severity::Low, None);
    assert_api(idle, &edge);
    assert_eq!(route(idle), ("GET", "/chatty"));
    assert_eq!(idle.evidence["idle_timeout_seconds"], 30);
    assert_eq!(idle.evidence["function_timeout_seconds"], 120);
    assert!(
        remediation(idle).contains("types/EDGE,value=REGIONAL"),
        "{}",
        remediation(idle)
    );

    let cut = found[1];
    // The check's own severity: a cut stream is not a status the client can count on.
    assert_fail(cut, &account, Severity::Medium, None);
    assert_eq!(route(cut), ("GET", "/long"));
    assert_eq!(cut.evidence["response_transfer_mode"], "STREAM");
    assert_eq!(cut.evidence["integration_timeout_ms"], 29_000);
    assert!(
        remediation(cut).contains("path=/timeoutInMillis,value=60000"),
        "{}",
        remediation(cut)
    );
    assert!(
        cut.message.contains("cut off mid-stream"),
        "{}",
        cut.message
    );
    none(&report, MISSING);
}

/// An `AWS_PROXY` integration whose URI points at Lambda in a form the auditor does not know
/// (a future API version and action) cannot be judged: an `error` finding names it, and
/// `summary.unaudited` counts it, so "healthy" and "not looked at" stay apart.
#[tokio::test]
async fn an_integration_uri_the_auditor_does_not_know_is_reported_not_dropped() {
    let (account, sdk, fleet) = new_fleet().await;
    let fine = fleet.python_function("fine").await;
    let api = fleet
        .create_api_with_endpoint("future", Some("REGIONAL"))
        .await;
    let future = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2031-01-01/functions/{fine}/telepathic-invocations"
    );
    api.lambda_proxy_method("/future", "GET", &future, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/fine", "GET", &fine, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    fleet
        .permit("fine", None)
        .sam(&api.id, "GET", "/fine")
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, MISSING);
    assert_eq!(f.status, Status::Error, "{f:#?}");
    assert_eq!(f.account, account);
    assert_eq!(route(f), ("GET", "/future"));
    assert_eq!(reason(f), "unjudgeable");
    assert_eq!(f.evidence["uri"], future);
    assert!(f.message.contains("could not judge"), "{}", f.message);
    assert_eq!(report.summary.unaudited, 1);
    assert_eq!(
        report.summary.integrations.get("rest/aws-proxy-lambda"),
        Some(&2),
        "{:?}",
        report.summary.integrations
    );
    none(&report, TARGET_MISSING);
}
