//! Integrations API Gateway cannot call: `integration-http-method-not-post` (Lambda is invoked
//! with another HTTP method) and `stage-variable-unresolved` (the URI's stage variable is
//! undefined on a stage, or its value makes no function reference).

use apigw_auditor::report::Severity;
use serde_json::json;

use crate::common::{
    assert_api, assert_fail, function_with_alias, redeploy, remediation, route, NOT_POST,
    TARGET_MISSING,
};
use crate::support::audit::{audit, none, only};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{function_arn, integration_uri};
use crate::support::new_fleet;

// ---------------------------------------------------------------------------------------------
// integration-http-method-not-post
// ---------------------------------------------------------------------------------------------

/// GET /pets calls Lambda with integration HTTP method GET (accepted by PutIntegration, 500 on
/// every call); POST /pets uses POST. One finding, for both stages, fixed by patching the
/// integration and redeploying both stages.
#[tokio::test]
async fn integration_http_method_get_fails_on_every_stage() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("pets").await;
    let api = fleet.create_api("pets").await;
    api.lambda_proxy_method(
        "/pets",
        "GET",
        &function,
        MethodOptions::default().integration_http_method("GET"),
    )
    .await;
    api.lambda_proxy_method("/pets", "POST", &function, MethodOptions::default())
        .await;
    let deployment = api.deploy("prod", &[]).await;
    api.stage("dev", &deployment, &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, NOT_POST);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &api);
    assert_eq!(route(f), ("GET", "/pets"));
    assert_eq!(f.stages, ["dev", "prod"]);
    assert_eq!(f.function.as_deref(), Some(function.as_str()));
    assert_eq!(f.evidence["integration_http_method"], "GET");
    assert_eq!(f.evidence["uri"], json!(integration_uri(&function)));
    assert!(f.message.contains("GET instead of POST"), "{}", f.message);
    let resource = api.resource("/pets").await;
    assert_eq!(
        remediation(f),
        format!(
            "aws apigateway update-integration --rest-api-id {api} --resource-id {resource} \
             --http-method GET --patch-operations op=replace,path=/httpMethod,value=POST \
             --region us-east-1 && {deploy}",
            api = api.id,
            deploy = redeploy(&api, &["dev", "prod"])
        )
    );
}

// ---------------------------------------------------------------------------------------------
// stage-variable-unresolved
// ---------------------------------------------------------------------------------------------

const UNRESOLVED: &str = "stage-variable-unresolved";

/// `${stageVariables.alias}` with prod defining it and beta (a second stage created without
/// copying the variables) not: one finding, beta only, no function (nothing resolves).
#[tokio::test]
async fn stage_variable_undefined_on_one_stage() {
    let (account, sdk, fleet) = new_fleet().await;
    function_with_alias(&fleet, "pets-get", "live").await;
    let function = function_arn(&account, "pets-get", None);
    let api = fleet.create_api("pets").await;
    let template = format!("{function}:${{stageVariables.alias}}");
    api.lambda_proxy_method("/pets/{id}", "GET", &template, MethodOptions::default())
        .await;
    let deployment = api.deploy("prod", &[("alias", "live")]).await;
    api.stage("beta", &deployment, &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, UNRESOLVED);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &api);
    assert_eq!(route(f), ("GET", "/pets/{id}"));
    assert_eq!(f.stages, ["beta"]);
    assert_eq!(f.function, None);
    assert_eq!(f.evidence["reason"], "undefined");
    assert_eq!(f.evidence["variable"], "alias");
    assert_eq!(f.evidence["uri"], json!(integration_uri(&template)));
    assert_eq!(f.evidence["per_stage"]["beta"]["reason"], "undefined");
    assert_eq!(
        f.evidence["per_stage"]["beta"]["stage_variables"],
        json!([])
    );
    assert!(f.evidence["per_stage"].get("prod").is_none(), "{f:#?}");
    assert!(
        f.message.contains("`alias` is not defined on beta"),
        "{}",
        f.message
    );
    assert_eq!(
        remediation(f),
        format!(
            "aws apigateway update-stage --rest-api-id {} --stage-name beta \
             --patch-operations op=replace,path=/variables/alias,value=ALIAS_OR_VERSION \
             --region us-east-1",
            api.id
        )
    );
    // prod resolves to an alias that exists; beta resolves to nothing to look up.
    none(&report, TARGET_MISSING);
}

/// beta's `alias` is `v1/live`: defined, but `/` makes no valid function reference, so API
/// Gateway cannot build the Invoke call. The value itself never reaches the report.
#[tokio::test]
async fn stage_variable_value_that_makes_no_function_reference() {
    let (account, sdk, fleet) = new_fleet().await;
    function_with_alias(&fleet, "pets-get", "live").await;
    let function = function_arn(&account, "pets-get", None);
    let api = fleet.create_api("pets").await;
    let template = format!("{function}:${{stageVariables.alias}}");
    api.lambda_proxy_method("/pets/{id}", "GET", &template, MethodOptions::default())
        .await;
    let deployment = api.deploy("prod", &[("alias", "live")]).await;
    api.stage("beta", &deployment, &[("alias", "v1/live")])
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, UNRESOLVED);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(route(f), ("GET", "/pets/{id}"));
    assert_eq!(f.stages, ["beta"]);
    assert_eq!(f.function, None);
    assert_eq!(f.evidence["reason"], "invalid-value");
    assert_eq!(f.evidence["variable"], "alias");
    assert_eq!(f.evidence["per_stage"]["beta"]["reason"], "invalid-value");
    assert_eq!(
        f.evidence["per_stage"]["beta"]["stage_variables"],
        json!(["alias"])
    );
    assert!(
        !f.evidence.to_string().contains("v1/live") && !f.message.contains("v1/live"),
        "stage variable values must not be reported: {f:#?}"
    );
    assert!(
        f.message
            .contains("valid Lambda function name or ARN on beta"),
        "{}",
        f.message
    );
    assert_eq!(
        remediation(f),
        format!(
            "aws apigateway update-stage --rest-api-id {} --stage-name beta \
             --patch-operations op=replace,path=/variables/alias,value=ALIAS_OR_VERSION \
             --region us-east-1",
            api.id
        )
    );
    none(&report, TARGET_MISSING);
}
