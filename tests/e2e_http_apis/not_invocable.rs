//! `integration-target-not-invocable` on an HTTP API: a function with tenant isolation needs
//! `X-Amz-Tenant-Id` on every invocation, and HTTP APIs cannot send it
//! (`tenant-isolation-invoke.html`, docs/aws-facts.md §11.3). ministack stores `TenancyConfig`
//! as given; an ordinary function on the same API is the healthy control.

use aws_sdk_lambda::types::{TenancyConfig, TenantIsolationMode};

use crate::support::audit::{audit, only};
use crate::support::fleet::{fn_zip, function_arn, PYTHON_OK_HANDLER};
use crate::support::new_fleet;

#[tokio::test]
async fn an_http_api_cannot_call_a_tenant_isolated_function() {
    let (account, sdk, fleet) = new_fleet().await;
    let zip = fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)]);
    fleet
        .create_function_configured(
            "ledger",
            "python3.12",
            "lambda_function.lambda_handler",
            zip,
            |create| {
                create.tenancy_config(
                    TenancyConfig::builder()
                        .tenant_isolation_mode(TenantIsolationMode::PerTenant)
                        .build()
                        .expect("isolation mode set"),
                )
            },
        )
        .await;
    fleet.python_function("plain").await;
    let api = fleet.create_http_api("books").await;
    api.lambda_route("GET /ledger", &function_arn(&account, "ledger", None))
        .await;
    api.lambda_route("GET /plain", &function_arn(&account, "plain", None))
        .await;
    api.auto_stage("$default", &[]).await;
    fleet.permit("ledger", None).serverless_http(&api.id).await;
    fleet.permit("plain", None).serverless_http(&api.id).await;

    let report = audit(&sdk).await;
    let f = only(&report, "integration-target-not-invocable");
    assert_eq!(f.evidence["reason"], "tenant-isolation-on-http-api");
    assert_eq!(f.route.as_ref().map(|r| r.path.as_str()), Some("/ledger"));
    assert_eq!(f.client_status, Some(500));
}
