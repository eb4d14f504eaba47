//! The evidence of HTTP API stages: `api-5xx-rate` from `AWS/ApiGateway` `5xx` and `Count` by
//! `ApiId` and `Stage`, `access-log-errors` from the stage's access-log group, and
//! `access-log-hides-integration-errors` for stages whose access log cannot show why a call
//! failed. ministack publishes no API Gateway metrics and writes no access logs: the series and
//! lines are written with PutMetricData and PutLogEvents as CloudWatch would hold them.

use crate::support::audit::{audit, findings, only};
use crate::support::cloudwatch::{spread, Seeder};
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

/// The access-log format of AWS's troubleshooting page for HTTP API Lambda integrations.
const FORMAT: &str = "$context.requestId $context.routeKey $context.status \
$context.integrationErrorMessage";

#[tokio::test]
async fn http_stage_metrics_and_access_logs() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("orders").await;
    let api = fleet.create_http_api("orders").await;
    api.lambda_route("$default", &function_arn(&account, "orders", None))
        .await;
    let group = format!("/aws/apigateway/{}", api.id);
    let group_arn = format!("arn:aws:logs:us-east-1:{account}:log-group:{group}");
    api.stage("$default", true, &[], Some((&group_arn, FORMAT)))
        .await;
    // `live` logs the gateway's error only, `quiet` logs nothing.
    api.stage(
        "live",
        true,
        &[],
        Some((&group_arn, "$context.requestId $context.error.message")),
    )
    .await;
    api.stage("quiet", true, &[], None).await;
    // CDK's unscoped permission: it misses the `$default` route (§12.2).
    fleet
        .permit("orders", None)
        .cdk_http_unscoped(&api.id)
        .await;
    // A twin API with the same name and healthy traffic: HTTP metrics are per id, not mixed.
    let twin = fleet.create_http_api("orders").await;
    twin.auto_stage("$default", &[]).await;

    let seeder = Seeder::new(&sdk);
    seeder
        .http_api_traffic(&api.id, "$default", &spread(1200, 1200, 10))
        .await;
    seeder
        .http_api_traffic(&twin.id, "$default", &spread(1200, 0, 10))
        .await;
    let permission_line = |n: u32| {
        format!(
            "req-{n} $default 500 The IAM role configured on the integration or API Gateway \
             doesn't have permissions to call the integration. Check the permissions and try again."
        )
    };
    let lines: Vec<String> = (0..5).map(permission_line).collect();
    seeder.log_lines(&group, "access", &lines).await;

    let report = audit(&sdk).await;
    let rate = only(&report, "api-5xx-rate");
    assert_eq!(
        rate.api.as_ref().map(|a| a.id.as_str()),
        Some(api.id.as_str())
    );
    assert_eq!(rate.api.as_ref().map(|a| a.protocol.as_str()), Some("HTTP"));
    assert_eq!(rate.evidence["five_xx"], 1200);
    assert_eq!(rate.evidence["requests"], 1200);
    let missing = only(&report, "invoke-permission-missing");
    assert!(
        rate.evidence["probable_causes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == missing.fingerprint.as_str()),
        "{:#?}",
        rate.evidence
    );
    let logged = findings(&report, "access-log-errors");
    // `$default` and `live` share the group: it is searched once (one signature, one call; the
    // function's group is missing: one more), and each stage's finding says the lines may be
    // the other's.
    assert_eq!(
        report.summary.api_calls.get("logs:FilterLogEvents"),
        Some(&2),
        "{:?}",
        report.summary.api_calls
    );
    assert_eq!(logged.len(), 2, "{logged:#?}");
    let on_default = logged.iter().find(|f| f.stages == ["$default"]).unwrap();
    assert_eq!(on_default.evidence["signatures"][0]["count"], 5);
    assert_eq!(on_default.evidence["log_group"], group.as_str());
    assert_eq!(
        on_default.evidence["shared_with"],
        serde_json::json!([{"api_id": api.id, "stage": "live"}])
    );
    assert!(
        on_default.evidence["probable_causes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == missing.fingerprint.as_str()),
        "{:#?}",
        on_default.evidence
    );
    let hidden = findings(&report, "access-log-hides-integration-errors");
    let reasons: Vec<(&str, &str)> = hidden
        .iter()
        .filter(|f| f.api.as_ref().is_some_and(|a| a.id == api.id))
        .map(|f| (f.stages[0].as_str(), f.evidence["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [("live", "no-integration-error"), ("quiet", "no-access-log")]
    );
}
