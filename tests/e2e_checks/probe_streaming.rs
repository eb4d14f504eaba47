//! The opt-in probe on routes that stream (`responseTransferMode: STREAM`, docs/aws-facts.md
//! §11.1): it calls `InvokeWithResponseStream` (never `Invoke`) and judges the streamed bytes the
//! way API Gateway reads them — JSON metadata, eight `0x00` bytes, then the body. A handler that
//! writes that prelude is accepted; a buffered handler (the classic proxy JSON) behind a
//! streaming route is rejected with 500. A tenant-isolated function is invoked with the
//! configured tenant id, which it refuses to run without.
//!
//! What the emulator cannot express, and how the test works around it: ministack runs the
//! handler to completion and frames its return value as one `PayloadChunk`; its Node.js worker
//! has no `awslambda.streamifyResponse`, and a non-JSON response written through the Runtime API
//! by a `provided.*` bootstrap comes back re-encoded as a JSON string. So no handler there can
//! write the raw prelude bytes. The accepted case runs the real function through ministack and
//! has microburst replace the `PayloadChunk`'s payload with what
//! `awslambda.HttpResponseStream.from(stream, metadata)` writes, CRCs recomputed, so the real
//! SDK client decodes a real event stream. The validator's byte-level cases are unit tests in
//! `src/probe/validate_stream.rs`. ministack does not enforce tenant isolation; the test checks
//! the tenant id on the wire instead (a microburst rule matching the `X-Amz-Tenant-Id` header).

use apigw_auditor::report::Severity;
use aws_sdk_lambda::types::{TenancyConfig, TenantIsolationMode};
use base64::Engine;
use serde_json::json;

use crate::common::{assert_fail, calls, on, probe_config};
use crate::support::audit::{audit_with, findings};
use crate::support::emulator::{Emulator, Microburst};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{fn_zip, streaming_uri, PYTHON_OK_HANDLER};
use crate::support::{new_fleet, sdk_config};

const CHECK: &str = "proxy-response-malformed";

/// What a Node.js streaming handler writes for a 200 with one header and a two-line body
/// (`HttpResponseStream.from`: the metadata JSON, 8 × `0x00`, then the payload).
fn streamed_response() -> Vec<u8> {
    let mut bytes = br#"{"statusCode":200,"headers":{"Content-Type":"text/plain"}}"#.to_vec();
    bytes.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(b"line 1\nline 2\n");
    bytes
}

#[tokio::test]
async fn the_probe_streams_streaming_routes_and_judges_the_prelude() {
    let (account, _, fleet) = new_fleet().await;
    let (streamer, legacy, isolated) = tokio::join!(
        // Its buffered answer is replaced on the wire by a streamed one (see the module doc).
        fleet.python_function("streamer"),
        // A buffered handler left behind when the route was switched to streaming.
        fleet.node_handler(
            "legacy",
            "exports.handler = async () => ({ statusCode: 200, body: 'whole' });\n",
        ),
        fleet.create_function_configured(
            "isolated",
            "python3.12",
            "lambda_function.lambda_handler",
            fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)]),
            |create| {
                create.tenancy_config(
                    TenancyConfig::builder()
                        .tenant_isolation_mode(TenantIsolationMode::PerTenant)
                        .build()
                        .expect("isolation mode set"),
                )
            },
        ),
    );
    let api = fleet
        .create_api_with_endpoint("streams", Some("REGIONAL"))
        .await;
    let stream = || MethodOptions::default().streaming();
    api.lambda_proxy_method("/feed", "GET", &streaming_uri(&streamer), stream())
        .await;
    api.lambda_proxy_method("/legacy", "GET", &streaming_uri(&legacy), stream())
        .await;
    // Buffered, tenant-isolated: invoked with Invoke and the configured tenant id.
    api.lambda_proxy_method(
        "/ledger",
        "GET",
        &isolated,
        MethodOptions::default().request_parameter(
            "integration.request.header.X-Amz-Tenant-Id",
            "context.authorizer.tenantId",
        ),
    )
    .await;
    api.deploy("prod", &[]).await;

    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    let streamed = base64::engine::general_purpose::STANDARD.encode(streamed_response());
    proxy.set_rules(json!([
        // Lambda's Invoke bodies name no function: the proxy event's path picks the route.
        {"service": "lambda", "operation": "InvokeWithResponseStream", "body": "path == '/feed'",
         "response": {"event_frames": [{"at": 0, "payload_b64": streamed}]}},
        // Matches only calls carrying the tenant id the probe is configured with; its 1 ms
        // latency is the marker that it fired.
        {"service": "lambda", "operation": "Invoke",
         "headers": {"X-Amz-Tenant-Id": "probe-tenant"}, "latency": 1}
    ]));
    let sdk = sdk_config(proxy.endpoint_url(), &account).await;
    let mut config = probe_config(8);
    config.probe.tenant_id = "probe-tenant".to_string();
    let report = audit_with(&config, &sdk).await;

    // Streaming routes are invoked with InvokeWithResponseStream, the buffered one with Invoke.
    assert_eq!(
        calls(&report, "lambda:InvokeWithResponseStream"),
        2,
        "{:?}",
        report.summary.api_calls
    );
    assert_eq!(calls(&report, "lambda:Invoke"), 1);
    let mut fired: Vec<String> = proxy
        .fired()
        .iter()
        .map(|f| f["operation"].as_str().unwrap_or_default().to_string())
        .collect();
    fired.sort();
    assert_eq!(
        fired,
        ["Invoke", "InvokeWithResponseStream"],
        "the streamed answer was substituted once and the tenant id was sent"
    );

    let found = findings(&report, CHECK);
    assert_eq!(
        found.len(),
        1,
        "only the buffered handler is rejected: {found:#?}"
    );
    let legacy_finding = on(&found, "/legacy");
    assert_fail(legacy_finding, &account, Severity::High, Some(500));
    assert_eq!(
        legacy_finding.evidence["rule"],
        "buffered-response-on-streaming-route"
    );
    assert!(
        legacy_finding.message.contains("500"),
        "{}",
        legacy_finding.message
    );
}
