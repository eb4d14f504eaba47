//! What collection reads of HTTP APIs, and what it counts.

use crate::support::audit::{audit, findings};
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

#[tokio::test]
async fn an_http_api_is_read_with_every_v2_call_and_audited() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("orders").await;
    let api = fleet.create_http_api("orders").await;
    let orders = function_arn(&account, "orders", None);
    api.lambda_route("GET /orders/{id}", &orders).await;
    api.lambda_route("$default", &orders).await;
    api.auto_stage("$default", &[]).await;
    fleet.permit("orders", None).terraform_http(&api.id).await;
    fleet.create_websocket_api("chat").await;

    let report = audit(&sdk).await;
    let calls = &report.summary.api_calls;
    for operation in [
        "apigatewayv2:GetApis",
        "apigatewayv2:GetRoutes",
        "apigatewayv2:GetIntegrations",
        "apigatewayv2:GetStages",
        "apigatewayv2:GetAuthorizers",
    ] {
        assert_eq!(calls.get(operation), Some(&1), "{operation}: {calls:?}");
    }
    // The WebSocket API is listed by the same GetApis, and not read further.
    assert_eq!(report.summary.apis, 1, "{:#?}", report.summary);
    assert_eq!(report.summary.stages, 1);
    assert_eq!(report.summary.routes, 2);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert!(
        findings(&report, "invoke-permission-missing").is_empty(),
        "{:#?}",
        report.findings
    );
}
