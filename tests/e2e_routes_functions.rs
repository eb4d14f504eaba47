//! End-to-end scenarios for the route-level and function-level checks: real API Gateway REST APIs
//! and Lambda functions are built through the real SDK in a fresh account of the emulator
//! (ministack), the auditor runs against it like against AWS, and each test asserts the EXACT
//! findings of one check: how many, on which route, stages and function, with the evidence and
//! remediation that matter. Every failing scenario sits next to a healthy control (a route or
//! function built the right way) that must produce nothing.
//!
//! Covered: `integration-target-missing`, `integration-http-method-not-post`,
//! `stage-variable-unresolved`, `function-not-active`, `function-concurrency-zero`,
//! `handler-invalid`, `runtime-deprecated`, `lambda-timeout-exceeds-integration`, and the
//! pagination of `GetRestApis` / `GetResources`.
//!
//! Emulator quirks met here are named where they matter (search for "ministack"). The checks follow
//! AWS (`reference/aws-facts.md`); where the emulator differs, the test says which way it works
//! around it.

mod support;

use apigw_auditor::report::{Finding, Report, Severity, Status};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime, SnapStart, SnapStartApplyOn, State};
use serde_json::json;

use support::audit::{audit, audit_with, config, findings};
use support::fleet::apigw::{ApiHandle, MethodOptions};
use support::fleet::{fn_zip, function_arn, integration_uri, Fleet, PYTHON_OK_HANDLER};
use support::new_fleet;

const REGION: &str = support::REGION;

// ---------------------------------------------------------------------------------------------
// Local helpers
// ---------------------------------------------------------------------------------------------

/// Exactly one finding of `check`; panics with every finding of the report otherwise.
fn only<'r>(report: &'r Report, check: &str) -> &'r Finding {
    let found = findings(report, check);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {check} finding, got {}:\n{:#?}",
        found.len(),
        report.findings
    );
    found[0]
}

/// No finding of `check`.
fn none(report: &Report, check: &str) {
    let found = findings(report, check);
    assert!(found.is_empty(), "expected no {check} finding:\n{found:#?}");
}

/// `(METHOD, path)` of a route finding.
fn route(finding: &Finding) -> (&str, &str) {
    let route = finding
        .route
        .as_ref()
        .unwrap_or_else(|| panic!("finding without a route: {finding:#?}"));
    (route.method.as_str(), route.path.as_str())
}

fn remediation(finding: &Finding) -> &str {
    finding
        .remediation
        .as_deref()
        .unwrap_or_else(|| panic!("finding without remediation: {finding:#?}"))
}

/// What every failing finding of this file shares: status, severity, client status, account,
/// region, a fingerprint that is the hash of its identity.
fn assert_fail(finding: &Finding, account: &str, severity: Severity, client_status: Option<u16>) {
    assert_eq!(finding.status, Status::Fail, "{finding:#?}");
    assert_eq!(finding.severity, severity, "{finding:#?}");
    assert_eq!(finding.client_status, client_status, "{finding:#?}");
    assert_eq!(finding.account, account);
    assert_eq!(finding.region, REGION);
    assert_eq!(finding.fingerprint, finding.compute_fingerprint());
}

/// The API reference of a route finding is this API.
fn assert_api(finding: &Finding, api: &ApiHandle) {
    let reference = finding.api.as_ref().expect("finding names its API");
    assert_eq!(
        (reference.id.as_str(), reference.name.as_str()),
        (api.id.as_str(), api.name.as_str())
    );
}

/// `aws apigateway create-deployment` for each stage, joined as the checks write it.
fn redeploy(api: &ApiHandle, stages: &[&str]) -> String {
    stages
        .iter()
        .map(|stage| {
            format!(
                "aws apigateway create-deployment --rest-api-id {} --stage-name {stage} \
                 --region {REGION}",
                api.id
            )
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

/// A Node.js package answering a valid proxy response from `index.handler`.
fn node_zip() -> Vec<u8> {
    fn_zip(&[(
        "index.js",
        "exports.handler = async () => ({ statusCode: 200, body: '{\"ok\":true}' });\n",
        0o644,
    )])
}

/// The Python package of `support::fleet::python_function`.
fn python_zip() -> Vec<u8> {
    fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)])
}

/// A function with one published version and an alias `alias` on it; returns the alias ARN.
async fn aliased_function(fleet: &Fleet, name: &str, alias: &str) -> String {
    fleet.python_function(name).await;
    let version = fleet.publish_version(name).await;
    fleet.create_alias(name, alias, &version).await
}

// ---------------------------------------------------------------------------------------------
// integration-target-missing
// ---------------------------------------------------------------------------------------------

const TARGET_MISSING: &str = "integration-target-missing";

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
    let live = aliased_function(&fleet, "pets-get", "live").await;
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
    // right: set the variable to something that exists (no redeployment: variables belong to
    // the stage), or create the alias it names. Today the auditor gives the first; with the
    // qualifier bug above fixed (`missing` = `alias`) it would give the second.
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
    assert!(fix == set_variable || fix == create_alias, "{fix}");
    assert!(!fix.contains("prod"), "{fix}");
    // The variable is defined on both stages, and the value makes a valid reference.
    none(&report, "stage-variable-unresolved");
}

// ---------------------------------------------------------------------------------------------
// integration-http-method-not-post
// ---------------------------------------------------------------------------------------------

const NOT_POST: &str = "integration-http-method-not-post";

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
    aliased_function(&fleet, "pets-get", "live").await;
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
    aliased_function(&fleet, "pets-get", "live").await;
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

// ---------------------------------------------------------------------------------------------
// function-not-active
// ---------------------------------------------------------------------------------------------

/// A deterministic `Failed` function: ministack keeps every function `Pending` for a fixed 0.5 s
/// after CreateFunction/UpdateFunction* and then flips it to `Active`/`Successful`
/// (`lambda_svc._schedule_state_transition`) — auditing inside that window would be a race, and
/// it never fails an update. What it does deterministically: a version published with
/// SnapStart (`ApplyOn=PublishedVersions`, python3.12) initialises its runtime at publish time
/// (`_snapstart_provision_version_async`) and lands in `State=Failed` when the module raises on
/// import — as AWS reports a failed snapshot. Returns the alias ARN pointing at that version,
/// once the version is `Failed`.
async fn failed_snapstart_alias(fleet: &Fleet, name: &str, alias: &str) -> String {
    let zip = fn_zip(&[(
        "lambda_function.py",
        "raise RuntimeError('init failed on purpose')\n\n\
         def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': ''}\n",
        0o644,
    )]);
    fleet
        .lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .handler("lambda_function.lambda_handler")
        .role(fleet.lambda_role().await)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .snap_start(
            SnapStart::builder()
                .apply_on(SnapStartApplyOn::PublishedVersions)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "CreateFunction {name}: {}",
                aws_sdk_lambda::error::DisplayErrorContext(e)
            )
        });
    // $LATEST has no snapshot: it becomes Active like any function.
    fleet.wait_active(name, None).await;
    let version = fleet
        .lambda
        .publish_version()
        .function_name(name)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PublishVersion {name}: {}",
                aws_sdk_lambda::error::DisplayErrorContext(e)
            )
        })
        .version()
        .expect("PublishVersion returns the version")
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let config = fleet
            .lambda
            .get_function_configuration()
            .function_name(name)
            .qualifier(&version)
            .send()
            .await
            .expect("GetFunctionConfiguration of the version");
        match config.state() {
            Some(State::Failed) => break,
            Some(State::Pending) => {}
            other => panic!("version {version} of {name} is {other:?}, expected Failed"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "version {version} of {name} still Pending after 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    fleet.create_alias(name, alias, &version).await
}

/// The alias `live` points at a version whose initialisation failed (`State=Failed`): one high
/// finding naming the alias, with the state and its reason as evidence; the Active function
/// next to it is quiet.
#[tokio::test]
async fn function_not_active_when_its_version_failed() {
    let (account, sdk, fleet) = new_fleet().await;
    let broken = failed_snapstart_alias(&fleet, "checkout", "live").await;
    let healthy = fleet.python_function("catalog").await;
    let api = fleet.create_api("shop").await;
    api.lambda_proxy_method("/checkout", "POST", &broken, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/catalog", "GET", &healthy, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, "function-not-active");
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(
        f.function.as_deref(),
        Some(function_arn(&account, "checkout", Some("live")).as_str())
    );
    // A function-level finding: not tied to one API, route or stage; the routes are evidence.
    assert!(
        f.api.is_none() && f.route.is_none() && f.stages.is_empty(),
        "{f:#?}"
    );
    assert_eq!(
        f.evidence["routes"],
        json!([format!("{} (shop) prod POST /checkout", api.id)])
    );
    assert_eq!(f.evidence["state"], "Failed");
    let reason = f.evidence["state_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("init failed on purpose"), "{f:#?}");
    assert!(
        f.message.starts_with("checkout:live is in state Failed (")
            && f.message.contains("every call fails with 500"),
        "{}",
        f.message
    );
    let fix = remediation(f);
    assert!(
        fix.starts_with(
            "aws lambda get-function-configuration --function-name checkout \
             --region us-east-1 --qualifier live --query"
        ),
        "{fix}"
    );
    assert!(fix.contains("update-function-code"), "{fix}");
}

// ---------------------------------------------------------------------------------------------
// function-concurrency-zero
// ---------------------------------------------------------------------------------------------

const CONCURRENCY_ZERO: &str = "function-concurrency-zero";

/// Reserved concurrency 0 on `pets`, integrated through two aliases: ONE finding naming the
/// unqualified function (the setting belongs to the function, not to a qualifier) and listing
/// the routes of both aliases. `toys`, without a reservation, and `birds`, reserved 5, are quiet.
#[tokio::test]
async fn concurrency_zero_is_one_finding_per_function() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("pets").await;
    let version = fleet.publish_version("pets").await;
    let live = fleet.create_alias("pets", "live", &version).await;
    let beta = fleet.create_alias("pets", "beta", &version).await;
    fleet.put_reserved_concurrency("pets", 0).await;
    let toys = fleet.python_function("toys").await;
    let birds = fleet.python_function("birds").await;
    fleet.put_reserved_concurrency("birds", 5).await;

    let api = fleet.create_api("zoo").await;
    api.lambda_proxy_method("/pets", "GET", &live, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/pets/beta", "GET", &beta, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/toys", "GET", &toys, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/birds", "GET", &birds, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, CONCURRENCY_ZERO);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(
        f.function.as_deref(),
        Some(function_arn(&account, "pets", None).as_str())
    );
    assert!(
        f.api.is_none() && f.route.is_none() && f.stages.is_empty(),
        "{f:#?}"
    );
    assert_eq!(f.evidence["reserved_concurrency"], 0);
    assert_eq!(
        f.evidence["routes"],
        json!([
            format!("{} (zoo) prod GET /pets", api.id),
            format!("{} (zoo) prod GET /pets/beta", api.id),
        ])
    );
    assert!(
        f.message.starts_with("pets has reserved concurrency 0"),
        "{}",
        f.message
    );
    assert_eq!(
        remediation(f),
        "aws lambda delete-function-concurrency --function-name pets --region us-east-1"
    );
}

// ---------------------------------------------------------------------------------------------
// handler-invalid
// ---------------------------------------------------------------------------------------------

/// ministack accepts any handler string at CreateFunction (as AWS does) and only parses it at
/// invoke time, so broken handlers can be deployed: Python `lambda_function` (no `.`) and Node
/// `index..handler` each give one finding; the well-formed handlers of both runtimes are quiet.
#[tokio::test]
async fn handler_invalid_for_python_and_node() {
    let (account, sdk, fleet) = new_fleet().await;
    let py_bad = fleet
        .create_function("py-bad", "python3.12", "lambda_function", python_zip(), 3)
        .await;
    let py_good = fleet.python_function("py-good").await;
    let node_bad = fleet
        .create_function("node-bad", "nodejs22.x", "index..handler", node_zip(), 3)
        .await;
    let node_good = fleet
        .create_function("node-good", "nodejs22.x", "index.handler", node_zip(), 3)
        .await;
    let api = fleet.create_api("handlers").await;
    for (path, function) in [
        ("/py-bad", &py_bad),
        ("/py-good", &py_good),
        ("/node-bad", &node_bad),
        ("/node-good", &node_good),
    ] {
        api.lambda_proxy_method(path, "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let found = findings(&report, "handler-invalid");
    assert_eq!(found.len(), 2, "{found:#?}");
    let of = |function: &str| -> &Finding {
        found
            .iter()
            .find(|f| f.function.as_deref() == Some(function))
            .unwrap_or_else(|| panic!("no handler-invalid finding for {function}: {found:#?}"))
    };

    let py = of(&py_bad);
    assert_fail(py, &account, Severity::High, Some(502));
    assert_eq!(py.evidence["runtime"], "python3.12");
    assert_eq!(py.evidence["handler"], "lambda_function");
    assert_eq!(py.evidence["runtime_error"], "Runtime.MalformedHandlerName");
    assert_eq!(
        py.evidence["routes"],
        json!([format!("{} (handlers) prod GET /py-bad", api.id)])
    );
    assert!(
        py.message
            .starts_with("py-bad has handler `lambda_function` for python3.12"),
        "{}",
        py.message
    );
    assert_eq!(
        remediation(py),
        "aws lambda update-function-configuration --function-name py-bad --region us-east-1 \
         --handler MODULE.FUNCTION"
    );

    let node = of(&node_bad);
    assert_fail(node, &account, Severity::High, Some(502));
    assert_eq!(node.evidence["runtime"], "nodejs22.x");
    assert_eq!(node.evidence["handler"], "index..handler");
    assert_eq!(
        node.evidence["runtime_error"],
        "Runtime.MalformedHandlerName"
    );
    assert_eq!(
        remediation(node),
        "aws lambda update-function-configuration --function-name node-bad \
         --region us-east-1 --handler FILE.EXPORT"
    );
}

// ---------------------------------------------------------------------------------------------
// runtime-deprecated
// ---------------------------------------------------------------------------------------------

/// python3.9 (deprecated 2025-12-15) and nodejs18.x (2025-09-01) are medium findings naming the
/// successor; python3.12 (2028-10-31) is quiet. ministack accepts creating functions on
/// deprecated runtimes at any date; AWS blocks creation after each runtime's "block create"
/// date, but functions that exist keep running (and keep being reported), which is what this
/// account stands for.
#[tokio::test]
async fn runtime_deprecated_is_medium() {
    let (account, sdk, fleet) = new_fleet().await;
    let py39 = fleet
        .create_function(
            "legacy-py",
            "python3.9",
            "lambda_function.lambda_handler",
            python_zip(),
            3,
        )
        .await;
    let node18 = fleet
        .create_function("legacy-node", "nodejs18.x", "index.handler", node_zip(), 3)
        .await;
    let current = fleet.python_function("current").await;
    let api = fleet.create_api("runtimes").await;
    for (path, function) in [("/py", &py39), ("/node", &node18), ("/current", &current)] {
        api.lambda_proxy_method(path, "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    // The auditor dates its judgement by the end of collection.
    let today = report.run.finished_at.date_naive();
    let found = findings(&report, "runtime-deprecated");
    assert_eq!(found.len(), 2, "{found:#?}");
    for (function, name, runtime, date, successor) in [
        (&py39, "legacy-py", "python3.9", "2025-12-15", "python3.14"),
        (
            &node18,
            "legacy-node",
            "nodejs18.x",
            "2025-09-01",
            "nodejs24.x",
        ),
    ] {
        let f = found
            .iter()
            .find(|f| f.function.as_deref() == Some(function.as_str()))
            .unwrap_or_else(|| panic!("no runtime-deprecated finding for {name}: {found:#?}"));
        assert_fail(f, &account, Severity::Medium, None);
        assert_eq!(f.evidence["runtime"], runtime);
        assert_eq!(f.evidence["deprecation_date"], date);
        let deprecated: chrono::NaiveDate = date.parse().unwrap();
        let days = (deprecated - today).num_days();
        assert!(days < 0, "{runtime} is past its deprecation date");
        assert_eq!(f.evidence["days_until_deprecation"], days);
        assert_eq!(f.evidence["successor"], successor);
        assert!(
            f.message.contains(&format!("deprecated on {date}")),
            "{}",
            f.message
        );
        assert_eq!(
            remediation(f),
            format!(
                "aws lambda update-function-configuration --function-name {name} \
                 --region us-east-1 --runtime {successor}"
            )
        );
    }
}

// ---------------------------------------------------------------------------------------------
// lambda-timeout-exceeds-integration
// ---------------------------------------------------------------------------------------------

const TIMEOUT: &str = "lambda-timeout-exceeds-integration";

/// A 60 s function behind the default integration timeout (29 s) and a 10 s function behind a
/// 5,000 ms integration are findings; the same 10 s function behind the default is quiet.
#[tokio::test]
async fn lambda_timeout_longer_than_the_integration() {
    let (account, sdk, fleet) = new_fleet().await;
    let slow = fleet
        .create_function(
            "slow",
            "python3.12",
            "lambda_function.lambda_handler",
            python_zip(),
            60,
        )
        .await;
    let ten = fleet
        .create_function(
            "ten",
            "python3.12",
            "lambda_function.lambda_handler",
            python_zip(),
            10,
        )
        .await;
    let api = fleet.create_api("timeouts").await;
    api.lambda_proxy_method("/slow", "GET", &slow, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/ten", "GET", &ten, MethodOptions::default())
        .await;
    api.lambda_proxy_method(
        "/tight",
        "GET",
        &ten,
        MethodOptions::default().timeout_ms(5000),
    )
    .await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let found = findings(&report, TIMEOUT);
    assert_eq!(found.len(), 2, "{found:#?}");
    let on = |path: &str| -> &Finding {
        found
            .iter()
            .find(|f| f.route.as_ref().is_some_and(|r| r.path == path))
            .unwrap_or_else(|| panic!("no {TIMEOUT} finding on {path}: {found:#?}"))
    };

    let f = on("/slow");
    assert_fail(f, &account, Severity::Medium, Some(504));
    assert_api(f, &api);
    assert_eq!(route(f), ("GET", "/slow"));
    assert_eq!(f.stages, ["prod"]);
    assert_eq!(f.function.as_deref(), Some(slow.as_str()));
    assert_eq!(f.evidence["function_timeout_seconds"], 60);
    // AWS (and ministack) answer timeoutInMillis=29000 when none was set, so the auditor sees
    // the default as an explicit value; only the number is asserted.
    assert_eq!(f.evidence["integration_timeout_ms"], 29000);
    assert_eq!(
        f.evidence["resource_id"],
        json!(api.resource("/slow").await)
    );
    assert!(
        f.message.starts_with("slow runs up to 60 s") && f.message.contains("waits only 29000 ms"),
        "{}",
        f.message
    );
    assert_eq!(
        remediation(f),
        "aws lambda update-function-configuration --function-name slow --region us-east-1 \
         --timeout 29"
    );

    let f = on("/tight");
    assert_fail(f, &account, Severity::Medium, Some(504));
    assert_eq!(route(f), ("GET", "/tight"));
    assert_eq!(f.function.as_deref(), Some(ten.as_str()));
    assert_eq!(f.evidence["function_timeout_seconds"], 10);
    assert_eq!(f.evidence["integration_timeout_ms"], 5000);
    assert_eq!(
        remediation(f),
        "aws lambda update-function-configuration --function-name ten --region us-east-1 \
         --timeout 5"
    );
}

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

/// With `collect.page_size = 2`, three APIs (one with 7 resources: `/` and `/r1`…`/r6`) are
/// collected completely, and the calls match the paging exactly. ministack pages like AWS
/// (`apigateway_v1._v1_paginate`): it returns a `position` only when more items follow, so no
/// extra empty page is fetched, and resources come back in creation order, so `/r6` is alone
/// on the fourth page: [`/`, r1] [r2, r3] [r4, r5] [r6].
#[tokio::test]
async fn pagination_collects_every_page_and_no_more() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("paged").await;
    let big = fleet.create_api("big").await;
    for n in 1..=6 {
        let options = if n == 6 {
            // A finding on the last page proves that page was read.
            MethodOptions::default().integration_http_method("GET")
        } else {
            MethodOptions::default()
        };
        big.lambda_proxy_method(&format!("/r{n}"), "GET", &function, options)
            .await;
    }
    big.deploy("prod", &[]).await;
    for name in ["small-a", "small-b"] {
        let api = fleet.create_api(name).await;
        api.lambda_proxy_method("/x", "GET", &function, MethodOptions::default())
            .await;
        api.deploy("prod", &[]).await;
    }

    let mut config = config();
    config.collect.page_size = 2;
    let report = audit_with(&config, &sdk).await;

    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert_eq!(report.summary.apis, 3);
    assert_eq!(report.summary.stages, 3);
    // 6 routes of `big` + 1 per small API.
    assert_eq!(report.summary.routes, 8);
    assert_eq!(report.summary.functions, 1);

    let f = only(&report, NOT_POST);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &big);
    assert_eq!(route(f), ("GET", "/r6"));

    let calls = &report.summary.api_calls;
    let count = |operation: &str| calls.get(operation).copied().unwrap_or(0);
    let pages = |items: u64| items.div_ceil(2);
    // 3 APIs → 2 pages.
    assert_eq!(count("apigateway:GetRestApis"), pages(3), "{calls:#?}");
    // `big`: 7 resources → 4 pages; each small API: `/` and `/x` → 1 page.
    assert_eq!(
        count("apigateway:GetResources"),
        pages(7) + pages(2) + pages(2),
        "{calls:#?}"
    );
    // Not paginated: one call per API. No authorizers: one (empty) page per API.
    assert_eq!(count("apigateway:GetStages"), 3, "{calls:#?}");
    assert_eq!(count("apigateway:GetAuthorizers"), 3, "{calls:#?}");
    // One distinct target, read once however many routes invoke it.
    assert_eq!(count("lambda:GetFunction"), 1, "{calls:#?}");
}
