//! End-to-end scenarios of the permission checks (`invoke-permission-missing`,
//! `authorizer-invoke-permission-missing`, `invoke-permission-too-broad`,
//! `invoke-permission-stale`, `function-policy-near-size-limit`): real functions, versions and
//! aliases, real REST APIs with `AWS_PROXY` methods, stages and authorizers, and real
//! `AddPermission` statements are built in a fresh emulator account per test, the auditor audits
//! that account through the real SDK, and each test asserts the exact findings of these checks.
//!
//! Not covered here: `evidence.reason = explicit-deny`. `AddPermission` can only write Allow
//! statements (aws-facts §2), so no real tool — and no e2e fleet — can produce a Deny in a
//! function policy; the unit tests of `invoke-permission-missing` cover it.

mod support;

use apigw_auditor::report::{Finding, Report, Status};
use aws_sdk_lambda::error::ProvideErrorMetadata;
use serde_json::{json, Value};

use support::audit::{audit, audit_with, config, findings};
use support::fleet::apigw::{ApiHandle, AuthorizerKind, MethodOptions};
use support::fleet::permissions::Grant;
use support::fleet::{execute_api_arn, function_arn, Fleet};
use support::new_fleet;

const MISSING: &str = "invoke-permission-missing";
const AUTHORIZER_MISSING: &str = "authorizer-invoke-permission-missing";
const TOO_BROAD: &str = "invoke-permission-too-broad";
const STALE: &str = "invoke-permission-stale";
const NEAR_SIZE_LIMIT: &str = "function-policy-near-size-limit";

/// Lambda's limit on a function policy, in bytes (aws-facts §2).
const POLICY_LIMIT_BYTES: usize = 20_480;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The one finding of `check`, with the whole list in the message otherwise.
fn only<'r>(report: &'r Report, check: &str) -> &'r Finding {
    let found = findings(report, check);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {check} finding, got {}:\n{found:#?}",
        found.len()
    );
    found[0]
}

/// Asserts that `check` found nothing.
fn none(report: &Report, check: &str) {
    let found = findings(report, check);
    assert!(
        found.is_empty(),
        "expected no {check} finding, got:\n{found:#?}"
    );
}

/// The findings of `check`, keyed by the route path they are about.
fn by_path<'r>(report: &'r Report, check: &str) -> Vec<(String, &'r Finding)> {
    let mut found: Vec<(String, &Finding)> = findings(report, check)
        .into_iter()
        .map(|f| {
            let route = f.route.as_ref().expect("a route finding names its route");
            (route.path.clone(), f)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn reason(finding: &Finding) -> &str {
    finding.evidence["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no evidence.reason in {finding:#?}"))
}

/// The statement ids `evidence.statements` names (objects with `statement`, or plain strings).
fn statement_ids(finding: &Finding) -> Vec<String> {
    let mut ids: Vec<String> = finding.evidence["statements"]
        .as_array()
        .unwrap_or_else(|| panic!("no evidence.statements in {finding:#?}"))
        .iter()
        .map(|s| match s {
            Value::String(id) => id.clone(),
            other => other["statement"].as_str().unwrap_or_default().to_string(),
        })
        .collect();
    ids.sort();
    ids
}

fn sids(grants: &[Grant]) -> Vec<String> {
    let mut ids: Vec<String> = grants.iter().map(|g| g.statement_id.clone()).collect();
    ids.sort();
    ids
}

/// Every value given to `flag` in the finding's remediation commands, shell quotes removed.
fn remediation_args(finding: &Finding, flag: &str) -> Vec<String> {
    let remediation = finding
        .remediation
        .as_deref()
        .unwrap_or_else(|| panic!("no remediation in {finding:#?}"));
    let mut values = Vec::new();
    let mut rest = remediation;
    while let Some(at) = rest.find(&format!("{flag} ")) {
        rest = &rest[at + flag.len() + 1..];
        let value = match rest.strip_prefix('\'') {
            Some(quoted) => quoted.split('\'').next().unwrap_or_default(),
            None => rest.split_whitespace().next().unwrap_or_default(),
        };
        values.push(value.to_string());
    }
    values
}

/// The remediation is one `add-permission` for exactly `qualifier` (none: the unqualified
/// function) and `source_arn`.
fn assert_add_permission(finding: &Finding, qualifier: Option<&str>, source_arn: &str) {
    let remediation = finding.remediation.as_deref().unwrap_or_default();
    assert!(
        remediation.starts_with("aws lambda add-permission "),
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--qualifier"),
        qualifier
            .map(str::to_string)
            .into_iter()
            .collect::<Vec<_>>(),
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--source-arn"),
        vec![source_arn.to_string()],
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--principal"),
        vec!["apigateway.amazonaws.com"],
        "{remediation}"
    );
}

/// Asserts the identity of a route finding: check status, API, route, stages and function.
fn assert_route_finding(
    finding: &Finding,
    api: &ApiHandle,
    route: (&str, &str),
    stages: &[&str],
    function: &str,
) {
    assert_eq!(finding.status, Status::Fail, "{finding:#?}");
    assert_eq!(
        finding.api.as_ref().map(|a| a.id.as_str()),
        Some(api.id.as_str())
    );
    let found = finding.route.as_ref().expect("route");
    assert_eq!(
        (found.method.as_str(), found.path.as_str()),
        route,
        "{finding:#?}"
    );
    assert_eq!(finding.stages, stages, "{finding:#?}");
    assert_eq!(finding.function.as_deref(), Some(function), "{finding:#?}");
    assert_eq!(finding.client_status, Some(500));
}

/// `function` with version 1 and alias `alias` on it; returns the alias ARN.
async fn function_with_alias(fleet: &Fleet, function: &str, alias: &str) -> String {
    fleet.python_function(function).await;
    let version = fleet.publish_version(function).await;
    fleet.create_alias(function, alias, &version).await
}

/// Deploys `api` to the first of `stages` and adds the others on the same deployment.
async fn stages(api: &ApiHandle, stages: &[&str]) {
    let (first, others) = stages.split_first().expect("at least one stage");
    let deployment = api.deploy(first, &[]).await;
    for stage in others {
        api.stage(stage, &deployment, &[]).await;
    }
}

/// The raw text GetPolicy returns for `function` (with `qualifier`), `None` when there is none.
async fn policy_text(fleet: &Fleet, function: &str, qualifier: Option<&str>) -> Option<String> {
    let result = fleet
        .lambda
        .get_policy()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await;
    match result {
        Ok(out) => out.policy().map(str::to_string),
        Err(e) if e.code() == Some("ResourceNotFoundException") => None,
        Err(e) => panic!(
            "GetPolicy {function}: {}",
            aws_sdk_lambda::error::DisplayErrorContext(e)
        ),
    }
}

fn get_policy_calls(report: &Report) -> u64 {
    report
        .summary
        .api_calls
        .get("lambda:GetPolicy")
        .copied()
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// invoke-permission-missing
// ---------------------------------------------------------------------------------------------

/// Healthy controls: every route is covered by a statement written exactly as a real tool
/// writes it, including `ANY /{proxy+}` and the root `/`, so no route is reported. Audited with
/// page size 2 so resources and functions are read across several pages.
#[tokio::test]
async fn tool_shaped_permissions_cover_their_routes() {
    let (account, sdk, fleet) = new_fleet().await;
    let names = [
        "sam-fn",
        "sam-proxy-fn",
        "cdk-fn",
        "serverless-fn",
        "terraform-fn",
        "console-fn",
    ];
    let (a, b, c, d, e, f) = tokio::join!(
        fleet.python_function(names[0]),
        fleet.python_function(names[1]),
        fleet.python_function(names[2]),
        fleet.python_function(names[3]),
        fleet.python_function(names[4]),
        fleet.python_function(names[5]),
    );
    let api = fleet.create_api("tools").await;
    let routes = [
        ("GET", "/pets/{id}", &a),
        ("ANY", "/{proxy+}", &b),
        ("POST", "/pets", &c),
        ("DELETE", "/pets/{id}", &d),
        ("PUT", "/pets/{id}", &e),
        ("GET", "/", &f),
        ("GET", "/owners/{ownerId}", &f),
        ("ANY", "/files/{proxy+}", &f),
    ];
    for (verb, path, function) in routes {
        api.lambda_proxy_method(path, verb, function, MethodOptions::default())
            .await;
    }
    fleet
        .permit("sam-fn", None)
        .sam(&api.id, "GET", "/pets/{id}")
        .await;
    fleet
        .permit("sam-proxy-fn", None)
        .sam(&api.id, "ANY", "/{proxy+}")
        .await;
    fleet
        .permit("cdk-fn", None)
        .cdk(&api.id, "POST", "/pets", "prod")
        .await;
    fleet
        .permit("serverless-fn", None)
        .serverless(&api.id)
        .await;
    fleet.permit("terraform-fn", None).terraform(&api.id).await;
    let console = fleet.permit("console-fn", None);
    console.console(&api.id, "GET", "/").await;
    console.console(&api.id, "GET", "/owners/{ownerId}").await;
    console.console(&api.id, "ANY", "/files/{proxy+}").await;
    api.deploy("prod", &[]).await;

    let mut config = config();
    config.collect.page_size = 2;
    let report = audit_with(&config, &sdk).await;

    none(&report, MISSING);
    // The controls are real: every route and function was seen and every policy read once.
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert_eq!(report.summary.routes, routes.len());
    assert_eq!(report.summary.functions, names.len());
    assert_eq!(get_policy_calls(&report), names.len() as u64);
    // Tool-shaped statements all carry a SourceArn: none is too broad or stale.
    none(&report, TOO_BROAD);
    none(&report, STALE);
    assert!(account.len() == 12);
}

/// No policy at all on the alias the URI names: one finding for both stages, with the
/// add-permission command for that alias and a source ARN covering both stages.
#[tokio::test]
async fn no_policy_on_the_invoked_alias() {
    let (account, sdk, fleet) = new_fleet().await;
    let alias = function_with_alias(&fleet, "pets-get", "live").await;
    let api = fleet.create_api("pets").await;
    api.lambda_proxy_method("/pets/{id}", "GET", &alias, MethodOptions::default())
        .await;
    stages(&api, &["prod", "dev"]).await;

    let report = audit(&sdk).await;

    // Quirk: ministack answers GetPolicy on a function without policy with an empty statement
    // list where AWS answers ResourceNotFoundException; both must read as "no policy".
    let finding = only(&report, MISSING);
    assert_route_finding(
        finding,
        &api,
        ("GET", "/pets/{id}"),
        &["dev", "prod"],
        &function_arn(&account, "pets-get", Some("live")),
    );
    assert_eq!(reason(finding), "no-policy");
    assert_eq!(
        finding.evidence["source_arns"],
        json!([
            api.route_source_arn("dev", "GET", "/pets/{id}"),
            api.route_source_arn("prod", "GET", "/pets/{id}")
        ])
    );
    assert_add_permission(
        finding,
        Some("live"),
        &api.route_source_arn("*", "GET", "/pets/{id}"),
    );
}

/// Statements for another stage, another method and another path do not cover a route.
#[tokio::test]
async fn permission_for_another_stage_method_or_path_is_a_source_arn_mismatch() {
    let (account, sdk, fleet) = new_fleet().await;
    let (stage_fn, method_fn, path_fn) = tokio::join!(
        fleet.python_function("stage-fn"),
        fleet.python_function("method-fn"),
        fleet.python_function("path-fn"),
    );
    let api = fleet.create_api("mismatch").await;
    api.lambda_proxy_method("/pets", "GET", &stage_fn, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/owners", "GET", &method_fn, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/toys/{id}", "GET", &path_fn, MethodOptions::default())
        .await;
    let other_stage = fleet
        .permit("stage-fn", None)
        .source_arn("prod-only", &api.route_source_arn("prod", "GET", "/pets"))
        .await;
    let other_method = fleet
        .permit("method-fn", None)
        .console(&api.id, "POST", "/owners")
        .await;
    let other_path = fleet
        .permit("path-fn", None)
        .sam(&api.id, "GET", "/toys")
        .await;
    stages(&api, &["prod", "dev"]).await;

    let report = audit(&sdk).await;

    let found = by_path(&report, MISSING);
    assert_eq!(
        found.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        ["/owners", "/pets", "/toys/{id}"],
        "{found:#?}"
    );
    let (_, owners) = found[0];
    assert_route_finding(
        owners,
        &api,
        ("GET", "/owners"),
        &["dev", "prod"],
        &function_arn(&account, "method-fn", None),
    );
    assert_eq!(reason(owners), "source-arn-mismatch");
    assert_eq!(statement_ids(owners), sids(&other_method));
    assert_add_permission(owners, None, &api.route_source_arn("*", "GET", "/owners"));

    let (_, pets) = found[1];
    assert_route_finding(
        pets,
        &api,
        ("GET", "/pets"),
        &["dev"],
        &function_arn(&account, "stage-fn", None),
    );
    assert_eq!(reason(pets), "source-arn-mismatch");
    assert_eq!(statement_ids(pets), vec![other_stage.statement_id.clone()]);
    assert_add_permission(pets, None, &api.route_source_arn("dev", "GET", "/pets"));

    let (_, toys) = found[2];
    assert_route_finding(
        toys,
        &api,
        ("GET", "/toys/{id}"),
        &["dev", "prod"],
        &function_arn(&account, "path-fn", None),
    );
    assert_eq!(reason(toys), "source-arn-mismatch");
    assert_eq!(statement_ids(toys), sids(&other_path));
    assert_add_permission(toys, None, &api.route_source_arn("*", "GET", "/toys/{id}"));
}

/// CDK writes its permission for the stage it deployed (and `test-invoke-stage`): a stage
/// created outside CDK on the same deployment is not covered.
#[tokio::test]
async fn cdk_stage_permission_misses_a_stage_created_outside_cdk() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("cdk-fn").await;
    let api = fleet.create_api("cdk").await;
    api.lambda_proxy_method("/pets/{id}", "GET", &function, MethodOptions::default())
        .await;
    let grants = fleet
        .permit("cdk-fn", None)
        .cdk(&api.id, "GET", "/pets/{id}", "prod")
        .await;
    let deployment = api.deploy("prod", &[]).await;
    api.stage("canary", &deployment, &[]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_route_finding(
        finding,
        &api,
        ("GET", "/pets/{id}"),
        &["canary"],
        &function_arn(&account, "cdk-fn", None),
    );
    assert_eq!(reason(finding), "source-arn-mismatch");
    // Both CDK statements fail on the SourceArn alone: both came closest.
    assert_eq!(statement_ids(finding), sids(&grants));
    assert_add_permission(
        finding,
        None,
        &api.route_source_arn("canary", "GET", "/pets/{id}"),
    );
}

/// AddPermission with the right SourceArn but the SourceAccount of another account; next to it,
/// a SourceAccount-only permission naming the API's own account lets its route in.
#[tokio::test]
async fn source_account_of_another_account_is_a_source_account_mismatch() {
    let (account, sdk, fleet) = new_fleet().await;
    let (function, own) = tokio::join!(
        fleet.python_function("acct-fn"),
        fleet.python_function("own-account-fn"),
    );
    let api = fleet.create_api("acct").await;
    api.lambda_proxy_method("/pets", "GET", &function, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/own", "GET", &own, MethodOptions::default())
        .await;
    fleet
        .add_permission(
            "own-account-fn",
            None,
            "own-account",
            "apigateway.amazonaws.com",
            None,
            Some(&account),
        )
        .await;
    let other_account = if account == "210987654321" {
        "210987654322"
    } else {
        "210987654321"
    };
    fleet
        .add_permission(
            "acct-fn",
            None,
            "wrong-account",
            "apigateway.amazonaws.com",
            Some(&api.execute_api_arn("*/*")),
            Some(other_account),
        )
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_route_finding(
        finding,
        &api,
        ("GET", "/pets"),
        &["prod"],
        &function_arn(&account, "acct-fn", None),
    );
    assert_eq!(reason(finding), "source-account-mismatch");
    assert_eq!(statement_ids(finding), ["wrong-account"]);
    assert_eq!(finding.evidence["api_account"], json!(account));
    assert_add_permission(finding, None, &api.route_source_arn("prod", "GET", "/pets"));
    // A SourceAccount condition is a restriction: not too broad.
    none(&report, TOO_BROAD);
}

/// The permission is on the unqualified function while the URI names alias `live`. The
/// unqualified policy is read (one extra GetPolicy) only for that target, not for the healthy
/// alias and version next to it, whose permissions sit on exactly the qualifier invoked.
#[tokio::test]
async fn permission_on_the_unqualified_function_is_a_qualifier_mismatch() {
    let (account, sdk, fleet) = new_fleet().await;
    let (pets, orders) = tokio::join!(
        function_with_alias(&fleet, "pets-get", "live"),
        function_with_alias(&fleet, "orders-get", "live"),
    );
    let api = fleet.create_api("qualifiers").await;
    api.lambda_proxy_method("/pets/{id}", "GET", &pets, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/orders", "GET", &orders, MethodOptions::default())
        .await;
    let version = function_arn(&account, "orders-get", Some("1"));
    api.lambda_proxy_method("/orders/v1", "GET", &version, MethodOptions::default())
        .await;
    fleet
        .permit("pets-get", None)
        .sam(&api.id, "GET", "/pets/{id}")
        .await;
    fleet
        .permit("orders-get", Some("live"))
        .sam(&api.id, "GET", "/orders")
        .await;
    fleet
        .permit("orders-get", Some("1"))
        .sam(&api.id, "GET", "/orders/v1")
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_route_finding(
        finding,
        &api,
        ("GET", "/pets/{id}"),
        &["prod"],
        &function_arn(&account, "pets-get", Some("live")),
    );
    assert_eq!(reason(finding), "qualifier-mismatch");
    assert_eq!(
        finding.evidence["allowed_on"],
        json!(function_arn(&account, "pets-get", None))
    );
    assert_add_permission(
        finding,
        Some("live"),
        &api.route_source_arn("prod", "GET", "/pets/{id}"),
    );
    // Three targets read once each, plus the unqualified policy of pets-get only.
    assert_eq!(report.summary.functions, 3);
    assert_eq!(
        get_policy_calls(&report),
        4,
        "{:?}",
        report.summary.api_calls
    );
}

/// The reverse: the URI names the unqualified function and the permission is on alias `live`.
/// API Gateway invokes the unqualified ARN, whose policy does not exist.
#[tokio::test]
async fn permission_on_an_alias_does_not_cover_the_unqualified_function() {
    let (account, sdk, fleet) = new_fleet().await;
    function_with_alias(&fleet, "pets-get", "live").await;
    let unqualified = function_arn(&account, "pets-get", None);
    let api = fleet.create_api("unqualified").await;
    api.lambda_proxy_method("/pets", "GET", &unqualified, MethodOptions::default())
        .await;
    fleet
        .permit("pets-get", Some("live"))
        .serverless(&api.id)
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_route_finding(finding, &api, ("GET", "/pets"), &["prod"], &unqualified);
    // Quirk: ministack's unqualified GetPolicy returns the alias's statement too (AWS answers
    // ResourceNotFoundException: the unqualified function has no policy). The collector keeps
    // only statements whose Resource is the ARN asked about, so this reads as AWS would.
    assert_eq!(reason(finding), "no-policy", "{finding:#?}");
    assert_add_permission(finding, None, &api.route_source_arn("prod", "GET", "/pets"));
}

/// A policy that only lets S3 invoke the function gives API Gateway nothing.
#[tokio::test]
async fn only_an_s3_permission_is_no_apigateway_statement() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("s3-fn").await;
    let api = fleet.create_api("s3").await;
    api.lambda_proxy_method("/upload", "POST", &function, MethodOptions::default())
        .await;
    fleet
        .add_permission(
            "s3-fn",
            None,
            "s3-notifications",
            "s3.amazonaws.com",
            Some("arn:aws:s3:::uploads-bucket"),
            Some(&account),
        )
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_route_finding(
        finding,
        &api,
        ("POST", "/upload"),
        &["prod"],
        &function_arn(&account, "s3-fn", None),
    );
    assert_eq!(reason(finding), "no-apigateway-statement");
    assert_add_permission(
        finding,
        None,
        &api.route_source_arn("prod", "POST", "/upload"),
    );
    // Another service's statement is neither too broad for API Gateway nor about an API.
    none(&report, TOO_BROAD);
    none(&report, STALE);
}

/// `function:pets-get:${stageVariables.alias}` with prod → `live` and dev → `dev`: only `live`
/// has a permission, so exactly the dev stage fails, for `pets-get:dev`.
#[tokio::test]
async fn stage_variable_alias_without_permission_fails_only_its_stage() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("pets-get").await;
    let version = fleet.publish_version("pets-get").await;
    fleet.create_alias("pets-get", "live", &version).await;
    fleet.create_alias("pets-get", "dev", &version).await;
    let api = fleet.create_api("stagevars").await;
    let template = format!(
        "{}:${{stageVariables.alias}}",
        function_arn(&account, "pets-get", None)
    );
    api.lambda_proxy_method("/pets/{id}", "GET", &template, MethodOptions::default())
        .await;
    // The command the console shows for a stage-variable integration (any stage, literal
    // path), run for the `live` alias only.
    fleet
        .permit("pets-get", Some("live"))
        .console(&api.id, "GET", "/pets/{id}")
        .await;
    let deployment = api.deploy("prod", &[("alias", "live")]).await;
    api.stage("dev", &deployment, &[("alias", "dev")]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_route_finding(
        finding,
        &api,
        ("GET", "/pets/{id}"),
        &["dev"],
        &function_arn(&account, "pets-get", Some("dev")),
    );
    // `dev` has no policy of its own, and the statement that would let the dev stage in sits
    // on `live`: the permission was written for another qualifier.
    assert_eq!(reason(finding), "qualifier-mismatch", "{finding:#?}");
    assert_eq!(
        finding.evidence["allowed_on"],
        json!(function_arn(&account, "pets-get", Some("live")))
    );
    assert_add_permission(
        finding,
        Some("dev"),
        &api.route_source_arn("dev", "GET", "/pets/{id}"),
    );
    // Both aliases, plus the unqualified policy of the failing one.
    assert_eq!(report.summary.functions, 2);
    assert_eq!(
        get_policy_calls(&report),
        3,
        "{:?}",
        report.summary.api_calls
    );
}

/// A method whose integration has a `credentials` role is invoked with the role, not through
/// the resource policy: no finding, while its sibling without a role and without a permission
/// is reported.
#[tokio::test]
async fn integration_with_a_credentials_role_needs_no_permission() {
    let (account, sdk, fleet) = new_fleet().await;
    let (function, role) = tokio::join!(
        fleet.python_function("role-fn"),
        fleet.apigateway_invoke_role("apigw-invoke"),
    );
    let api = fleet.create_api("roles").await;
    api.lambda_proxy_method(
        "/with-role",
        "GET",
        &function,
        MethodOptions::default().credentials(&role),
    )
    .await;
    api.lambda_proxy_method("/without-role", "GET", &function, MethodOptions::default())
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_route_finding(
        finding,
        &api,
        ("GET", "/without-role"),
        &["prod"],
        &function_arn(&account, "role-fn", None),
    );
    assert_eq!(reason(finding), "no-policy");
}

// ---------------------------------------------------------------------------------------------
// authorizer-invoke-permission-missing
// ---------------------------------------------------------------------------------------------

/// A TOKEN authorizer used by a method and without permission is reported (with its id); an
/// authorizer no method uses is never invoked and is not, nor is one with a credentials role.
#[tokio::test]
async fn used_authorizer_without_permission_is_reported_unused_one_is_not() {
    let (account, sdk, fleet) = new_fleet().await;
    let (orders, auth, idle, role_auth, role) = tokio::join!(
        fleet.python_function("orders-fn"),
        fleet.python_function("auth-fn"),
        fleet.python_function("idle-auth-fn"),
        fleet.python_function("role-auth-fn"),
        fleet.apigateway_invoke_role("apigw-authorizer"),
    );
    let api = fleet.create_api("guarded").await;
    let used = api.authorizer("token", AuthorizerKind::Token, &auth).await;
    let unused = api.authorizer("idle", AuthorizerKind::Token, &idle).await;
    // Invoked with its credentials role, so its function needs no permission either.
    let with_role = api
        .authorizer_with_credentials("role", AuthorizerKind::Token, &role_auth, Some(&role))
        .await;
    api.lambda_proxy_method(
        "/orders",
        "GET",
        &orders,
        MethodOptions::default().authorizer(&used),
    )
    .await;
    api.lambda_proxy_method(
        "/admin",
        "GET",
        &orders,
        MethodOptions::default().authorizer(&with_role),
    )
    .await;
    fleet.permit("orders-fn", None).serverless(&api.id).await;
    stages(&api, &["prod", "dev"]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    let finding = only(&report, AUTHORIZER_MISSING);
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(
        finding
            .authorizer
            .as_ref()
            .map(|a| (a.id.as_str(), a.name.as_str())),
        Some((used.as_str(), "token"))
    );
    assert_ne!(used, unused);
    assert_eq!(finding.route, None);
    assert_eq!(finding.stages, ["dev", "prod"]);
    assert_eq!(
        finding.function.as_deref(),
        Some(function_arn(&account, "auth-fn", None).as_str())
    );
    assert_eq!(reason(finding), "no-policy");
    assert_add_permission(finding, None, &api.authorizer_source_arn(&used));
    // The idle authorizer's function is not even read.
    assert_eq!(report.summary.functions, 3);
}

/// SAM's `{api}/authorizers/*` and the Serverless Framework's `{api}/*/*` cover an authorizer;
/// a statement for the method's path does not.
#[tokio::test]
async fn authorizer_permissions_in_tool_shapes() {
    let (account, sdk, fleet) = new_fleet().await;
    let (orders, sam, sls, path) = tokio::join!(
        fleet.python_function("orders-fn"),
        fleet.python_function("sam-auth-fn"),
        fleet.python_function("sls-auth-fn"),
        fleet.python_function("path-auth-fn"),
    );
    let api = fleet.create_api("authorizers").await;
    let sam_id = api.authorizer("sam", AuthorizerKind::Token, &sam).await;
    let sls_id = api.authorizer("sls", AuthorizerKind::Request, &sls).await;
    let path_id = api.authorizer("path", AuthorizerKind::Token, &path).await;
    for (route, authorizer) in [("/a", &sam_id), ("/b", &sls_id), ("/c", &path_id)] {
        api.lambda_proxy_method(
            route,
            "GET",
            &orders,
            MethodOptions::default().authorizer(authorizer),
        )
        .await;
    }
    fleet.permit("orders-fn", None).serverless(&api.id).await;
    fleet
        .permit("sam-auth-fn", None)
        .sam_authorizer(&api.id)
        .await;
    fleet.permit("sls-auth-fn", None).serverless(&api.id).await;
    let wrong = fleet
        .permit("path-auth-fn", None)
        .sam(&api.id, "GET", "/c")
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    let finding = only(&report, AUTHORIZER_MISSING);
    assert_eq!(
        finding.authorizer.as_ref().map(|a| a.id.as_str()),
        Some(path_id.as_str())
    );
    assert_eq!(
        finding.function.as_deref(),
        Some(function_arn(&account, "path-auth-fn", None).as_str())
    );
    assert_eq!(reason(finding), "source-arn-mismatch");
    assert_eq!(statement_ids(finding), sids(&wrong));
    assert_add_permission(finding, None, &api.authorizer_source_arn(&path_id));
}

// ---------------------------------------------------------------------------------------------
// invoke-permission-too-broad
// ---------------------------------------------------------------------------------------------

/// A statement for API Gateway (or for `*`) with neither SourceArn nor SourceAccount lets any
/// API of any account invoke; one with a SourceArn does not.
#[tokio::test]
async fn permission_without_source_condition_is_too_broad() {
    let (account, sdk, fleet) = new_fleet().await;
    let (open, scoped, public) = tokio::join!(
        fleet.python_function("open-fn"),
        fleet.python_function("scoped-fn"),
        fleet.python_function("public-fn"),
    );
    let api = fleet.create_api("broad").await;
    api.lambda_proxy_method("/open", "GET", &open, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/public", "GET", &public, MethodOptions::default())
        .await;
    fleet
        .add_permission("public-fn", None, "anyone", "*", None, None)
        .await;
    api.lambda_proxy_method("/scoped", "GET", &scoped, MethodOptions::default())
        .await;
    fleet
        .add_permission(
            "open-fn",
            None,
            "any-api",
            "apigateway.amazonaws.com",
            None,
            None,
        )
        .await;
    fleet.permit("scoped-fn", None).terraform(&api.id).await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    // The broad statements do let this API in.
    none(&report, MISSING);
    let mut found = findings(&report, TOO_BROAD);
    found.sort_by_key(|f| f.function.clone());
    let functions: Vec<Option<String>> = found.iter().map(|f| f.function.clone()).collect();
    assert_eq!(
        functions,
        [
            Some(function_arn(&account, "open-fn", None)),
            Some(function_arn(&account, "public-fn", None))
        ],
        "{found:#?}"
    );
    assert_eq!(statement_ids(found[1]), ["anyone"]);
    let finding = found[0];
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(statement_ids(finding), ["any-api"]);
    let remediation = finding.remediation.as_deref().unwrap_or_default();
    let commands: Vec<&str> = remediation.lines().collect();
    assert_eq!(commands.len(), 2, "{remediation}");
    assert!(
        commands[0].starts_with("aws lambda add-permission --function-name open-fn "),
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--source-arn"),
        [api.execute_api_arn("*")]
    );
    assert!(
        commands[1].starts_with("aws lambda remove-permission --function-name open-fn ")
            && commands[1].ends_with("--statement-id any-api"),
        "{remediation}"
    );
}

// ---------------------------------------------------------------------------------------------
// invoke-permission-stale
// ---------------------------------------------------------------------------------------------

/// A statement for an API that was deleted (re-created APIs get a new id) is stale; the
/// statement for the live API is not.
#[tokio::test]
async fn permission_for_a_deleted_api_is_stale() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("pets-fn").await;
    let old = fleet.create_api("pets-v1").await;
    let old_grants = fleet
        .permit("pets-fn", None)
        .sam(&old.id, "GET", "/pets")
        .await;
    fleet
        .apigw
        .delete_rest_api()
        .rest_api_id(&old.id)
        .send()
        .await
        .expect("DeleteRestApi");
    let api = fleet.create_api("pets-v2").await;
    assert_ne!(api.id, old.id);
    api.lambda_proxy_method("/pets", "GET", &function, MethodOptions::default())
        .await;
    fleet
        .permit("pets-fn", None)
        .sam(&api.id, "GET", "/pets")
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    let finding = only(&report, STALE);
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(
        finding.function.as_deref(),
        Some(function_arn(&account, "pets-fn", None).as_str())
    );
    assert_eq!(
        finding.evidence["statements"],
        json!([{"statement": old_grants[0].statement_id, "source_arn": old_grants[0].source_arn}])
    );
    assert_eq!(
        finding.remediation.as_deref(),
        Some(
            format!(
                "aws lambda remove-permission --function-name pets-fn --region us-east-1 \
                 --statement-id {}",
                old_grants[0].statement_id
            )
            .as_str()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// function-policy-near-size-limit
// ---------------------------------------------------------------------------------------------

/// Adds `count` statements of about 480 bytes each (long statement ids and source ARNs, as
/// one-permission-per-route tools write) to `function` (`qualifier`); returns their ids.
async fn fill_policy(
    fleet: &Fleet,
    api_id: &str,
    function: &str,
    qualifier: Option<&str>,
    count: usize,
) -> Vec<String> {
    let account = fleet.account().await;
    let mut ids = Vec::new();
    for n in 0..count {
        let sid = format!(
            "{function}-{}-route-permission-{n:03}-{}",
            qualifier.unwrap_or("unqualified"),
            "x".repeat(40)
        );
        let source = execute_api_arn(
            &account,
            &format!(
                "{api_id}/*/GET/customers/{{customerId}}/orders/{{orderId}}/items/{n:03}/{}",
                "y".repeat(60)
            ),
        );
        fleet
            .add_permission(
                function,
                qualifier,
                &sid,
                "apigateway.amazonaws.com",
                Some(&source),
                None,
            )
            .await;
        ids.push(sid);
    }
    ids
}

/// Past 80 % of the 20,480-byte limit the policy is reported, with its real size.
#[tokio::test]
async fn policy_past_80_percent_of_the_limit_is_reported() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("big-fn").await;
    let api = fleet.create_api("big").await;
    api.lambda_proxy_method("/items", "GET", &function, MethodOptions::default())
        .await;
    let serverless = fleet.permit("big-fn", None).serverless(&api.id).await;
    let filled = fill_policy(&fleet, &api.id, "big-fn", None, 36).await;
    stages(&api, &["prod"]).await;
    let text = policy_text(&fleet, "big-fn", None).await.expect("a policy");
    assert!(
        text.len() * 100 > 80 * POLICY_LIMIT_BYTES && text.len() < POLICY_LIMIT_BYTES,
        "the fleet's policy is {} bytes: adjust fill_policy",
        text.len()
    );

    let report = audit(&sdk).await;

    let finding = only(&report, NEAR_SIZE_LIMIT);
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(
        finding.function.as_deref(),
        Some(function_arn(&account, "big-fn", None).as_str())
    );
    assert_eq!(finding.evidence["size_bytes"], json!(text.len()));
    assert_eq!(finding.evidence["limit_bytes"], json!(POLICY_LIMIT_BYTES));
    assert_eq!(finding.evidence["statements"], json!(37));
    // Every statement names the API that invokes the function: one wildcard statement
    // replaces them all.
    let mut redundant = sids(&serverless);
    redundant.extend(filled);
    redundant.sort();
    let mut reported: Vec<String> =
        serde_json::from_value(finding.evidence["redundant_statement_ids"].clone()).unwrap();
    reported.sort();
    assert_eq!(reported, redundant);
    assert_eq!(finding.evidence["stale_statement_ids"], json!([]));
    assert_eq!(
        remediation_args(finding, "--source-arn"),
        [api.execute_api_arn("*/*/*")]
    );
    assert_eq!(remediation_args(finding, "--statement-id").len(), 1 + 37);
    none(&report, MISSING);
}

/// The statements of alias `live` belong to the alias's policy only: a big alias policy is
/// reported on the alias, and does not count toward the unqualified function's size.
#[tokio::test]
async fn alias_statements_do_not_count_toward_the_unqualified_policy() {
    let (account, sdk, fleet) = new_fleet().await;
    let alias = function_with_alias(&fleet, "split-fn", "live").await;
    let unqualified = function_arn(&account, "split-fn", None);
    let api = fleet.create_api("split").await;
    api.lambda_proxy_method("/live", "GET", &alias, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/latest", "GET", &unqualified, MethodOptions::default())
        .await;
    fleet.permit("split-fn", None).serverless(&api.id).await;
    fleet
        .permit("split-fn", Some("live"))
        .serverless(&api.id)
        .await;
    fill_policy(&fleet, &api.id, "split-fn", Some("live"), 36).await;
    stages(&api, &["prod"]).await;

    let alias_text = policy_text(&fleet, "split-fn", Some("live"))
        .await
        .expect("the alias has a policy");
    let unqualified_text = policy_text(&fleet, "split-fn", None)
        .await
        .expect("the function has a policy");
    // Quirk: ministack's GetPolicy without a qualifier returns the alias's statements too (AWS
    // keeps the policies apart), so the raw unqualified answer is itself past 80 %. Asserted so
    // the test keeps proving that the collector counts only the function's own statement.
    assert!(
        unqualified_text.len() > alias_text.len()
            && unqualified_text.len() * 100 > 80 * POLICY_LIMIT_BYTES,
        "ministack no longer mixes alias statements into the unqualified policy: \
         unqualified {} bytes, alias {} bytes",
        unqualified_text.len(),
        alias_text.len()
    );

    let report = audit(&sdk).await;

    let finding = only(&report, NEAR_SIZE_LIMIT);
    assert_eq!(finding.function.as_deref(), Some(alias.as_str()));
    assert_eq!(finding.evidence["statements"], json!(37));
    assert_eq!(finding.evidence["size_bytes"], json!(alias_text.len()));
    assert_eq!(report.summary.functions, 2);
    none(&report, MISSING);
}

#[tokio::test]
#[ignore]
async fn zz_probe() {
    let (account, sdk, fleet) = new_fleet().await;
    let a = fleet.python_function("any-fn").await;
    let b = fleet.python_function("case-fn").await;
    let _c = fleet.python_function("sv-fn").await;
    let d = fleet.python_function("region-fn").await;
    let api = fleet.create_api("x").await;
    api.lambda_proxy_method("/{proxy+}", "ANY", &a, MethodOptions::default())
        .await;
    fleet
        .permit("any-fn", None)
        .console(&api.id, "GET", "/{proxy+}")
        .await;
    api.lambda_proxy_method("/case", "GET", &b, MethodOptions::default())
        .await;
    fleet
        .permit("case-fn", None)
        .source_arn("c", &api.route_source_arn("prod", "GET", "/case"))
        .await;
    api.lambda_proxy_method(
        "/sv",
        "GET",
        &format!("arn:aws:lambda:us-east-1:{account}:function:${{stageVariables.fn}}"),
        MethodOptions::default(),
    )
    .await;
    fleet.permit("sv-fn", None).serverless(&api.id).await;
    api.lambda_proxy_method("/region", "GET", &d, MethodOptions::default())
        .await;
    fleet
        .permit("region-fn", None)
        .source_arn(
            "r",
            &format!("arn:aws:execute-api:us-west-2:{account}:{}/*/*", api.id),
        )
        .await;
    api.deploy("Prod", &[("fn", "sv-fn")]).await;
    let report = audit(&sdk).await;
    for f in &report.findings {
        println!(
            "{} {:?} {:?} {} {}",
            f.check, f.route, f.stages, f.evidence, f.message
        );
    }
    println!("{:?}", report.errors);
}
