//! `invoke-permission-missing` and `authorizer-invoke-permission-missing` with the source ARN an
//! HTTP API presents (docs/aws-facts.md §12.2): the `$default` route has no method segment, the
//! `$default` stage is the literal `$default`, authorizers are `{api}/authorizers/{id}`. Healthy
//! controls are the permissions SAM, CDK (`HttpLambdaIntegration`, `HttpLambdaAuthorizer`), the
//! Serverless Framework, Terraform and the console write. Also `invoke-permission-too-broad` and
//! `invoke-permission-stale` for HTTP APIs.
//!
//! ministack's HTTP API data plane invokes the function without presenting any source ARN and
//! without reading its policy, so what API Gateway would allow is judged from the policy and the
//! source ARN alone, as the auditor does for AWS; `routes::build_http` unit-tests the ARNs.

use apigw_auditor::report::Status;

use crate::support::audit::{audit, findings, none, only};
use crate::support::fleet::apigwv2::HttpAuthorizerOptions;
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

const MISSING: &str = "invoke-permission-missing";
const AUTHORIZER_MISSING: &str = "authorizer-invoke-permission-missing";

/// Every tool's permission lets every route in, `$default` route and `$default` stage included
/// — except CDK's unscoped `{api}/*/*/*`, which misses the `$default` route (two segments after
/// the API id).
#[tokio::test]
async fn tool_shaped_permissions_and_the_default_route() {
    let (account, sdk, fleet) = new_fleet().await;
    let tools = [
        "sam",
        "cdk",
        "serverless",
        "terraform",
        "console",
        "cdk-unscoped",
    ];
    for tool in tools {
        fleet.python_function(&format!("fn-{tool}")).await;
    }
    let mut apis = Vec::new();
    for tool in tools {
        let api = fleet.create_http_api(&format!("api-{tool}")).await;
        let function = function_arn(&account, &format!("fn-{tool}"), None);
        api.lambda_route("GET /orders/{id}", &function).await;
        api.lambda_route("$default", &function).await;
        api.auto_stage("$default", &[]).await;
        let permit = fleet.permit(&format!("fn-{tool}"), None);
        match tool {
            "sam" => {
                permit.sam_http(&api.id, "GET /orders/{id}").await;
                permit.sam_http(&api.id, "$default").await;
            }
            "cdk" => {
                permit.cdk_http(&api.id, "GET /orders/{id}").await;
                permit.cdk_http(&api.id, "$default").await;
            }
            "serverless" => {
                permit.serverless_http(&api.id).await;
            }
            "terraform" => {
                permit.terraform_http(&api.id).await;
            }
            "console" => {
                // The console writes `{api}/*/$default` for the `$default` route (SAM #1860);
                // the other route gets SAM's shape here, as the console's is NOT FOUND.
                permit.console_http_default(&api.id).await;
                permit.sam_http(&api.id, "GET /orders/{id}").await;
            }
            _ => {
                permit.cdk_http_unscoped(&api.id).await;
            }
        }
        apis.push((tool, api));
    }
    let report = audit(&sdk).await;
    let missing = findings(&report, MISSING);
    assert_eq!(missing.len(), 1, "{missing:#?}");
    let f = missing[0];
    let unscoped = &apis.last().unwrap().1;
    assert_eq!(f.status, Status::Fail);
    assert_eq!(
        f.api.as_ref().map(|a| a.id.as_str()),
        Some(unscoped.id.as_str())
    );
    assert_eq!(f.api.as_ref().map(|a| a.protocol.as_str()), Some("HTTP"));
    assert_eq!(f.stages, vec!["$default"]);
    let route = f.route.as_ref().unwrap();
    assert_eq!(
        (route.method.as_str(), route.path.as_str()),
        ("ANY", "$default")
    );
    assert_eq!(f.evidence["reason"], "source-arn-mismatch");
    let source = unscoped.execute_api_arn("$default/$default");
    assert_eq!(f.evidence["source_arns"][0], source.as_str());
    let fix = f.remediation.as_deref().unwrap();
    assert!(
        fix.starts_with("aws lambda add-permission --function-name fn-cdk-unscoped"),
        "{fix}"
    );
    assert!(fix.ends_with(&format!("--source-arn '{source}'")), "{fix}");
}

/// No permission at all: one finding per route, with the stages, the exact source ARN and
/// HTTP API's own 500 body in the message.
#[tokio::test]
async fn no_permission_names_each_route_and_stage() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("orders").await;
    let api = fleet.create_http_api("orders").await;
    let orders = function_arn(&account, "orders", None);
    api.lambda_route("POST /orders", &orders).await;
    api.auto_stage("$default", &[]).await;
    api.auto_stage("prod", &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, MISSING);
    assert_eq!(f.stages, vec!["$default", "prod"]);
    assert_eq!(f.evidence["reason"], "no-policy");
    let route = f.route.as_ref().unwrap();
    assert_eq!(
        (route.method.as_str(), route.path.as_str()),
        ("POST", "/orders")
    );
    // Two stages: the narrowest source ARN covering both has `*` for the stage.
    assert!(
        f.remediation.as_deref().unwrap().ends_with(&format!(
            "--source-arn '{}'",
            api.execute_api_arn("*/POST/orders")
        )),
        "{:?}",
        f.remediation
    );
}

/// SAM's `HttpApi` writes no authorizer permission unless `EnableFunctionDefaultPermissions` is
/// set (§12.2): such an authorizer cannot be invoked. CDK's `HttpLambdaAuthorizer` permission
/// (`{api}/authorizers/{id}`) is healthy.
#[tokio::test]
async fn authorizers_need_their_own_permission() {
    let (account, sdk, fleet) = new_fleet().await;
    for name in ["orders", "authz-sam", "authz-cdk"] {
        fleet.python_function(name).await;
    }
    let orders = function_arn(&account, "orders", None);
    let api = fleet.create_http_api("orders").await;
    let sam = api
        .authorizer(
            "sam",
            &function_arn(&account, "authz-sam", None),
            HttpAuthorizerOptions::default(),
        )
        .await;
    let cdk = api
        .authorizer(
            "cdk",
            &function_arn(&account, "authz-cdk", None),
            HttpAuthorizerOptions::default(),
        )
        .await;
    let integration = api.lambda_integration(&orders, Default::default()).await;
    api.route("GET /a", &integration, Some(&sam)).await;
    api.route("GET /b", &integration, Some(&cdk)).await;
    api.auto_stage("$default", &[]).await;
    fleet.permit("orders", None).terraform_http(&api.id).await;
    fleet
        .permit("authz-cdk", None)
        .cdk_http_authorizer(&api.id, &cdk)
        .await;

    let report = audit(&sdk).await;
    none(&report, MISSING);
    let f = only(&report, AUTHORIZER_MISSING);
    assert_eq!(
        f.authorizer.as_ref().map(|a| a.id.as_str()),
        Some(sam.as_str())
    );
    assert_eq!(
        f.evidence["source_arns"][0],
        api.execute_api_arn(&format!("authorizers/{sam}")).as_str()
    );
    assert_eq!(f.api.as_ref().map(|a| a.protocol.as_str()), Some("HTTP"));
}

/// A statement with no source condition is too broad whichever kind of API calls the function;
/// one naming an HTTP API that was deleted is stale; one naming a live WebSocket API is not.
#[tokio::test]
async fn too_broad_and_stale_permissions_of_http_apis() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("orders").await;
    let api = fleet.create_http_api("orders").await;
    api.lambda_route("GET /orders", &function_arn(&account, "orders", None))
        .await;
    api.auto_stage("$default", &[]).await;
    let permit = fleet.permit("orders", None);
    permit.terraform_http(&api.id).await;
    let deleted = fleet.create_http_api("orders-v1").await;
    let stale = permit.terraform_http(&deleted.id).await;
    deleted.delete().await;
    let chat = fleet.create_websocket_api("chat").await;
    permit.terraform_http(&chat.id).await;
    fleet
        .add_permission(
            "orders",
            None,
            "anyone",
            "apigateway.amazonaws.com",
            None,
            None,
        )
        .await;

    let report = audit(&sdk).await;
    let broad = only(&report, "invoke-permission-too-broad");
    assert_eq!(broad.evidence["statements"], serde_json::json!(["anyone"]));
    let stale_finding = only(&report, "invoke-permission-stale");
    let statements = stale_finding.evidence["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "{statements:#?}");
    assert_eq!(statements[0]["statement"], stale[0].statement_id.as_str());
}
