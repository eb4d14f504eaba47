//! The link checks on HTTP API routes: `integration-target-missing` (a bare function ARN as CDK
//! writes it, an authorizer), `stage-variable-unresolved` (the path form with
//! `${stageVariables.x}`), `integration-role-invalid` (`credentialsArn`),
//! `integration-http-method-not-post`, `lambda-timeout-exceeds-integration` with the 30 s HTTP
//! API limit, and a function check on a function only an HTTP API calls — each next to a healthy
//! control. Remediations speak `aws apigatewayv2`.

use apigw_auditor::report::Status;

use crate::support::audit::{audit, findings, none, only};
use crate::support::fleet::apigwv2::{HttpAuthorizerOptions, HttpIntegrationOptions};
use crate::support::fleet::{fn_zip, function_arn, PYTHON_OK_HANDLER};
use crate::support::new_fleet;

#[tokio::test]
async fn a_missing_function_or_alias_behind_a_route_or_an_authorizer() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("orders").await;
    let api = fleet.create_http_api("orders").await;
    // Healthy control: an existing function.
    api.lambda_route("GET /orders", &function_arn(&account, "orders", None))
        .await;
    // Deleted function, bare ARN (CDK's form).
    api.lambda_route("GET /gone", &function_arn(&account, "gone", None))
        .await;
    // An alias never created.
    api.lambda_route("GET /live", &function_arn(&account, "orders", Some("live")))
        .await;
    let authorizer = api
        .authorizer(
            "tokens",
            &function_arn(&account, "authz-gone", None),
            HttpAuthorizerOptions::default(),
        )
        .await;
    let integration = api
        .lambda_integration(&function_arn(&account, "orders", None), Default::default())
        .await;
    api.route("GET /guarded", &integration, Some(&authorizer))
        .await;
    api.auto_stage("$default", &[]).await;
    fleet.permit("orders", None).terraform_http(&api.id).await;

    let report = audit(&sdk).await;
    let missing = findings(&report, "integration-target-missing");
    assert_eq!(missing.len(), 3, "{missing:#?}");
    let by_path = |path: &str| {
        missing
            .iter()
            .find(|f| f.route.as_ref().is_some_and(|r| r.path == path))
            .unwrap_or_else(|| panic!("no finding on {path}: {missing:#?}"))
    };
    let gone = by_path("/gone");
    assert_eq!(gone.evidence["missing"], "function");
    assert_eq!(gone.client_status, Some(500));
    assert!(
        gone.message.contains("500 Internal Server Error"),
        "{}",
        gone.message
    );
    let fix = gone.remediation.as_deref().unwrap();
    // The replacement keeps the bare-ARN form; the `$default` stage deploys itself.
    assert!(
        fix.starts_with(&format!(
            "aws apigatewayv2 update-integration --api-id {} --integration-id ",
            api.id
        )),
        "{fix}"
    );
    assert!(
        fix.contains(&format!(
            "--integration-uri arn:aws:lambda:us-east-1:{account}:function:EXISTING_FUNCTION"
        )),
        "{fix}"
    );
    assert!(!fix.contains("create-deployment"), "{fix}");
    assert_eq!(by_path("/live").evidence["missing"], "alias");
    let on_authorizer = missing
        .iter()
        .find(|f| f.authorizer.is_some())
        .expect("the authorizer's function is missing too");
    assert!(
        on_authorizer
            .remediation
            .as_deref()
            .unwrap()
            .contains("aws apigatewayv2 update-authorizer"),
        "{:?}",
        on_authorizer.remediation
    );
}

#[tokio::test]
async fn a_stage_without_the_variable_its_uri_names() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("orders").await;
    let version = fleet.publish_version("orders").await;
    fleet.create_alias("orders", "live", &version).await;
    let api = fleet.create_http_api("orders").await;
    let templated =
        format!("arn:aws:lambda:us-east-1:{account}:function:orders:${{stageVariables.alias}}");
    let integration = api
        .lambda_integration(&templated, HttpIntegrationOptions::default().path_form())
        .await;
    api.route("GET /orders", &integration, None).await;
    api.auto_stage("prod", &[("alias", "live")]).await;
    api.auto_stage("dev", &[]).await;
    fleet
        .permit("orders", Some("live"))
        .terraform_http(&api.id)
        .await;

    let report = audit(&sdk).await;
    none(&report, "invoke-permission-missing");
    let f = only(&report, "stage-variable-unresolved");
    assert_eq!(f.stages, vec!["dev"]);
    assert_eq!(f.evidence["reason"], "undefined");
    assert_eq!(
        f.remediation.as_deref(),
        Some(
            format!(
                "aws apigatewayv2 update-stage --api-id {} --stage-name dev \
                 --stage-variables alias=ALIAS_OR_VERSION --region us-east-1",
                api.id
            )
            .as_str()
        )
    );
}

/// A role that trusts Lambda instead of API Gateway cannot be assumed; a role built like the
/// ones the tools write (trusting `apigateway.amazonaws.com`, allowed to invoke) is healthy. The
/// function policy is not consulted for either.
///
/// ministack keeps an authorizer's `authorizerCredentialsArn` but drops an integration's
/// `credentialsArn` (CreateIntegration and UpdateIntegration neither store nor return it), so
/// the roles sit on authorizers here; the unit tests of `integration-role-invalid` cover an HTTP
/// route's `credentialsArn`.
#[tokio::test]
async fn credentials_roles_of_http_authorizers() {
    let (account, sdk, fleet) = new_fleet().await;
    for name in ["orders", "authz"] {
        fleet.python_function(name).await;
    }
    let orders = function_arn(&account, "orders", None);
    let authz = function_arn(&account, "authz", None);
    let good = fleet.apigateway_invoke_role("http-invoke").await;
    let wrong_trust = fleet
        .create_role(
            "copied-from-lambda",
            "lambda.amazonaws.com",
            Some(serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]})),
        )
        .await;
    let api = fleet.create_http_api("orders").await;
    let integration = api.lambda_integration(&orders, Default::default()).await;
    for (path, role) in [("GET /good", &good), ("GET /bad", &wrong_trust)] {
        let options = HttpAuthorizerOptions {
            credentials: Some(role.clone()),
            ..HttpAuthorizerOptions::default()
        };
        let authorizer = api.authorizer(path, &authz, options).await;
        api.route(path, &integration, Some(&authorizer)).await;
    }
    api.auto_stage("$default", &[]).await;
    fleet.permit("orders", None).terraform_http(&api.id).await;

    let report = audit(&sdk).await;
    none(&report, "invoke-permission-missing");
    none(&report, "authorizer-invoke-permission-missing");
    let f = only(&report, "integration-role-invalid");
    assert_eq!(
        f.authorizer.as_ref().map(|a| a.name.as_str()),
        Some("GET /bad")
    );
    assert_eq!(f.evidence["role"], wrong_trust.as_str());
    assert_eq!(f.status, Status::Fail);
}

/// `integrationMethod` must be POST; 30 s is the HTTP API integration limit (a 31 s function
/// outlives it, a 30 s one does not); a function that fails to load behind an HTTP API breaks
/// its clients with 500, not 502.
#[tokio::test]
async fn method_timeout_and_function_checks_on_http_routes() {
    let (account, sdk, fleet) = new_fleet().await;
    let zip = || fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)]);
    for (name, handler, timeout) in [
        ("ok", "lambda_function.lambda_handler", 30),
        ("slow", "lambda_function.lambda_handler", 31),
        ("broken", "nodots", 3),
    ] {
        fleet
            .create_function(name, "python3.12", handler, zip(), timeout)
            .await;
    }
    let api = fleet.create_http_api("orders").await;
    let any_method = HttpIntegrationOptions {
        integration_method: "ANY".to_string(),
        ..HttpIntegrationOptions::default()
    };
    let integration = api
        .lambda_integration(&function_arn(&account, "ok", None), any_method)
        .await;
    api.route("GET /any", &integration, None).await;
    api.lambda_route("GET /ok", &function_arn(&account, "ok", None))
        .await;
    api.lambda_route("GET /slow", &function_arn(&account, "slow", None))
        .await;
    api.lambda_route("GET /broken", &function_arn(&account, "broken", None))
        .await;
    api.auto_stage("$default", &[]).await;
    for name in ["ok", "slow", "broken"] {
        fleet.permit(name, None).terraform_http(&api.id).await;
    }

    let report = audit(&sdk).await;
    let not_post = only(&report, "integration-http-method-not-post");
    assert_eq!(
        not_post.route.as_ref().map(|r| r.path.as_str()),
        Some("/any")
    );
    assert!(
        not_post
            .remediation
            .as_deref()
            .unwrap()
            .contains("--integration-method POST"),
        "{:?}",
        not_post.remediation
    );
    let timeout = only(&report, "lambda-timeout-exceeds-integration");
    assert_eq!(
        timeout.route.as_ref().map(|r| r.path.as_str()),
        Some("/slow")
    );
    assert_eq!(timeout.client_status, Some(503));
    assert_eq!(timeout.evidence["integration_timeout_ms"], 30000);
    let handler = only(&report, "handler-invalid");
    assert_eq!(handler.client_status, Some(500));
    assert!(handler
        .function
        .as_deref()
        .unwrap()
        .ends_with(":function:broken"));
}
