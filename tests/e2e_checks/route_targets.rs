//! `integration-target-missing`: integration URIs naming an alias, a version or a function that
//! does not exist, directly or through a stage variable, with the part that is missing and the
//! fix for it.

use apigw_auditor::report::{Finding, Report, Severity};
use serde_json::json;

use crate::common::{
    assert_api, assert_fail, function_with_alias, redeploy, remediation, route, TARGET_MISSING,
};
use crate::support::audit::{audit, findings, none, only};
use crate::support::fleet::apigw::{ApiHandle, MethodOptions};
use crate::support::fleet::{function_arn, integration_uri};
use crate::support::new_fleet;

/// A function `pets-get` with version 1 and no alias, integrated through qualifiers that do not
/// exist — alias `nosuch` on GET /pets/{id}, version 7 on POST /pets — next to healthy routes to
/// version 1 (GET /pets) and to another function (GET /toys). As with SAM's AutoPublishAlias,
/// only qualified ARNs of `pets-get` are integrated. Returns the account, its SDK config and API.
async fn missing_qualifiers_fleet() -> (String, aws_config::SdkConfig, ApiHandle) {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("pets-get").await;
    assert_eq!(fleet.publish_version("pets-get").await, "1");
    let toys = fleet.python_function("toys").await;
    let api = fleet.create_api("pets").await;
    for (path, verb, target) in [
        ("/pets/{id}", "GET", format!("{function}:nosuch")),
        ("/pets", "POST", format!("{function}:7")),
        ("/pets", "GET", format!("{function}:1")),
        ("/toys", "GET", toys),
    ] {
        api.lambda_proxy_method(path, verb, &target, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;
    (account, sdk, api)
}

/// The finding of `integration-target-missing` on `verb path`.
fn target_missing_on<'r>(report: &'r Report, verb: &str, path: &str) -> &'r Finding {
    let found = findings(report, TARGET_MISSING);
    assert_eq!(found.len(), 2, "alias and version only: {found:#?}");
    found
        .iter()
        .copied()
        .find(|f| route(f) == (verb, path))
        .unwrap_or_else(|| panic!("no {TARGET_MISSING} on {verb} {path}: {found:#?}"))
}

/// The URI names alias `nosuch` of an existing function: one finding on that route, naming the
/// alias ARN. The routes to version 1 and to another function are quiet.
#[tokio::test]
async fn target_missing_alias_that_does_not_exist() {
    let (account, sdk, api) = missing_qualifiers_fleet().await;
    let report = audit(&sdk).await;
    let f = target_missing_on(&report, "GET", "/pets/{id}");
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &api);
    assert_eq!(f.stages, ["prod"]);
    let alias = function_arn(&account, "pets-get", Some("nosuch"));
    assert_eq!(f.function.as_deref(), Some(alias.as_str()));
    assert_eq!(f.evidence["uri"], json!(integration_uri(&alias)));
    assert_eq!(
        f.evidence["resource_id"],
        json!(api.resource("/pets/{id}").await)
    );
    assert_eq!(f.evidence["stage_variables_used"], json!([]));
    assert!(
        f.message.starts_with(&format!(
            "GET /pets/{{id}} of API pets ({}) on stage prod invokes pets-get:nosuch, whose ",
            api.id
        )),
        "{}",
        f.message
    );
    assert!(f.remediation.is_some(), "{f:#?}");
    // What is missing (the alias) and the fix (create it) are asserted by
    // `target_missing_says_which_qualifier_is_missing`.
}

/// The URI names version 7 of a function that has only version 1: one finding naming `:7`.
#[tokio::test]
async fn target_missing_version_that_does_not_exist() {
    let (account, sdk, api) = missing_qualifiers_fleet().await;
    let report = audit(&sdk).await;
    let f = target_missing_on(&report, "POST", "/pets");
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &api);
    assert_eq!(f.stages, ["prod"]);
    let version = function_arn(&account, "pets-get", Some("7"));
    assert_eq!(f.function.as_deref(), Some(version.as_str()));
    assert_eq!(f.evidence["uri"], json!(integration_uri(&version)));
    assert_eq!(
        f.evidence["resource_id"],
        json!(api.resource("/pets").await)
    );
    assert!(
        f.message.contains("invokes pets-get:7, whose "),
        "{}",
        f.message
    );
    // The integration must change (a version cannot be created with a chosen number), and
    // every affected stage must be redeployed.
    let fix = remediation(f);
    assert!(
        fix.starts_with(&format!(
            "aws apigateway update-integration --rest-api-id {} --resource-id {} \
             --http-method POST --patch-operations op=replace,path=/uri,value=",
            api.id,
            api.resource("/pets").await
        )),
        "{fix}"
    );
    assert!(fix.ends_with(&redeploy(&api, &["prod"])), "{fix}");
}

/// AWS: `pets-get` exists, so what is missing is the alias (fix: create it) or the version (fix:
/// point the URI at an existing version of the same function).
///
/// No route integrates `pets-get` itself (the usual case: SAM integrates only the alias), so
/// this proves collection reads whether the function behind a missing qualified target exists
/// (one extra GetFunction, for broken targets only) and the check names the right part.
#[tokio::test]
async fn target_missing_says_which_qualifier_is_missing() {
    let (account, sdk, api) = missing_qualifiers_fleet().await;
    let report = audit(&sdk).await;

    let alias = target_missing_on(&report, "GET", "/pets/{id}");
    assert_eq!(alias.evidence["missing"], "alias", "{alias:#?}");
    assert!(
        alias.message.contains("whose alias does not exist"),
        "{}",
        alias.message
    );
    assert_eq!(
        remediation(alias),
        "aws lambda create-alias --function-name pets-get --region us-east-1 --name nosuch \
         --function-version \"$(aws lambda publish-version --function-name pets-get \
         --region us-east-1 --query Version --output text)\""
    );

    let version = target_missing_on(&report, "POST", "/pets");
    assert_eq!(version.evidence["missing"], "version", "{version:#?}");
    let resource = api.resource("/pets").await;
    assert_eq!(
        remediation(version),
        format!(
            "aws apigateway update-integration --rest-api-id {api} --resource-id {resource} \
             --http-method POST --patch-operations op=replace,path=/uri,value=\
             arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/\
             arn:aws:lambda:us-east-1:{account}:function:pets-get:EXISTING_VERSION/invocations \
             --region us-east-1 && {deploy}",
            api = api.id,
            deploy = redeploy(&api, &["prod"])
        )
    );
}

/// The URI names a function that was never created; the API has two stages, so the one finding
/// lists both and the fix redeploys both.
#[tokio::test]
async fn target_missing_function_that_does_not_exist() {
    let (account, sdk, fleet) = new_fleet().await;
    let healthy = fleet.python_function("pets-list").await;
    let gone = function_arn(&account, "pets-gone", None);
    let api = fleet.create_api("pets").await;
    api.lambda_proxy_method("/pets/{id}", "DELETE", &gone, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/pets", "GET", &healthy, MethodOptions::default())
        .await;
    let deployment = api.deploy("prod", &[]).await;
    api.stage("dev", &deployment, &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, TARGET_MISSING);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &api);
    assert_eq!(route(f), ("DELETE", "/pets/{id}"));
    assert_eq!(f.stages, ["dev", "prod"]);
    assert_eq!(f.function.as_deref(), Some(gone.as_str()));
    assert_eq!(f.evidence["missing"], "function");
    assert!(f.message.contains("stages dev, prod"), "{}", f.message);
    let resource = api.resource("/pets/{id}").await;
    assert_eq!(
        remediation(f),
        format!(
            "aws apigateway update-integration --rest-api-id {api} --resource-id {resource} \
             --http-method DELETE --patch-operations op=replace,path=/uri,value=\
             arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/\
             arn:aws:lambda:us-east-1:{account}:function:EXISTING_FUNCTION/invocations \
             --region us-east-1 && {deploy}",
            api = api.id,
            deploy = redeploy(&api, &["dev", "prod"])
        )
    );
    // A missing function has no policy to read and no configuration to judge: the other checks
    // of the function stay quiet instead of piling up on the same route.
    for check in [
        "function-not-active",
        "handler-invalid",
        "lambda-timeout-exceeds-integration",
    ] {
        none(&report, check);
    }
}

/// `...:function:pets-get:${stageVariables.alias}`: prod says `live` (exists), beta says `gone`
/// (does not): one finding, on beta only, naming `pets-get:gone`; the fix is on the stage.
#[tokio::test]
async fn target_missing_through_stage_variable_on_one_stage_only() {
    let (account, sdk, fleet) = new_fleet().await;
    let live = function_with_alias(&fleet, "pets-get", "live").await;
    let function = function_arn(&account, "pets-get", None);
    assert_eq!(live, format!("{function}:live"));
    let api = fleet.create_api("pets").await;
    let template = format!("{function}:${{stageVariables.alias}}");
    api.lambda_proxy_method("/pets/{id}", "GET", &template, MethodOptions::default())
        .await;
    let deployment = api.deploy("prod", &[("alias", "live")]).await;
    api.stage("beta", &deployment, &[("alias", "gone")]).await;

    let report = audit(&sdk).await;
    let f = only(&report, TARGET_MISSING);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(route(f), ("GET", "/pets/{id}"));
    assert_eq!(f.stages, ["beta"], "prod resolves to an existing alias");
    assert_eq!(
        f.function.as_deref(),
        Some(format!("{function}:gone").as_str())
    );
    assert_eq!(f.evidence["uri"], json!(integration_uri(&template)));
    assert_eq!(f.evidence["stage_variables_used"], json!(["alias"]));
    assert!(f.message.contains("stage beta"), "{}", f.message);
    // The URI is right; beta's variable names an alias that does not exist. Two fixes are
    // right, and the remediation offers both: set the variable to something that exists (no
    // redeployment: variables belong to the stage), or create the alias it names.
    let fix = remediation(f);
    let set_variable = format!(
        "aws apigateway update-stage --rest-api-id {} --stage-name beta \
         --patch-operations op=replace,path=/variables/alias,value=EXISTING_VALUE \
         --region us-east-1",
        api.id
    );
    let create_alias = "aws lambda create-alias --function-name pets-get --region us-east-1 \
         --name gone --function-version \"$(aws lambda publish-version --function-name pets-get \
         --region us-east-1 --query Version --output text)\"";
    assert_eq!(
        fix,
        format!(
            "# either set the stage variable to an existing alias or function:\n{set_variable}\n\
             # or create the alias it names:\n{create_alias}"
        )
    );
    assert!(!fix.contains("prod"), "{fix}");
    // The variable is defined on both stages, and the value makes a valid reference.
    none(&report, "stage-variable-unresolved");
}
