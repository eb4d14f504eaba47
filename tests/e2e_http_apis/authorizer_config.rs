//! The configurations of HTTP API Lambda authorizers that cannot work (docs/aws-facts.md §12.4):
//! simple responses with payload format 1.0 (`authorizer-simple-responses-ignored`), and an
//! identity source naming a stage variable the stage lacks (`authorizer-identity-source-unset`),
//! next to CDK's `HttpLambdaAuthorizer` defaults (payload 2.0, simple responses, the
//! `Authorization` header) that must produce nothing.

use crate::support::audit::{audit, none, only};
use crate::support::fleet::apigwv2::HttpAuthorizerOptions;
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

#[tokio::test]
async fn authorizer_configurations_that_cannot_work() {
    let (account, sdk, fleet) = new_fleet().await;
    for name in ["orders", "authz"] {
        fleet.python_function(name).await;
    }
    let authz = function_arn(&account, "authz", None);
    let api = fleet.create_http_api("orders").await;
    let integration = api
        .lambda_integration(&function_arn(&account, "orders", None), Default::default())
        .await;
    // The emulator, unlike (per Smithy's validator) AWS, accepts simple responses with 1.0.
    let v1_simple = HttpAuthorizerOptions {
        payload_format_version: "1.0".into(),
        ..HttpAuthorizerOptions::default()
    };
    let by_stage_variable = HttpAuthorizerOptions {
        identity_source: vec![
            "$request.header.Authorization".into(),
            "$stageVariables.tenant".into(),
        ],
        ..HttpAuthorizerOptions::default()
    };
    let cdk = api
        .authorizer("cdk", &authz, HttpAuthorizerOptions::default())
        .await;
    let simple = api.authorizer("v1-simple", &authz, v1_simple).await;
    let tenant = api.authorizer("tenant", &authz, by_stage_variable).await;
    api.route("GET /cdk", &integration, Some(&cdk)).await;
    api.route("GET /simple", &integration, Some(&simple)).await;
    api.route("GET /tenant", &integration, Some(&tenant)).await;
    api.auto_stage("prod", &[("tenant", "acme")]).await;
    api.auto_stage("dev", &[]).await;
    fleet.permit("orders", None).terraform_http(&api.id).await;
    fleet.permit("authz", None).serverless_http(&api.id).await;

    let report = audit(&sdk).await;
    none(&report, "authorizer-invoke-permission-missing");
    let ignored = only(&report, "authorizer-simple-responses-ignored");
    assert_eq!(
        ignored.authorizer.as_ref().map(|a| a.id.as_str()),
        Some(simple.as_str())
    );
    assert_eq!(ignored.stages, vec!["dev", "prod"]);
    assert_eq!(ignored.evidence["authorizer_payload_format_version"], "1.0");
    let unset = only(&report, "authorizer-identity-source-unset");
    assert_eq!(
        unset.authorizer.as_ref().map(|a| a.id.as_str()),
        Some(tenant.as_str())
    );
    assert_eq!(unset.stages, vec!["dev"]);
    assert_eq!(unset.client_status, Some(401));
    assert_eq!(unset.evidence["missing_stage_variables"][0], "tenant");
}
