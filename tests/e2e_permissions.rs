//! End-to-end scenarios of the permission checks (`invoke-permission-missing`,
//! `authorizer-invoke-permission-missing`, `invoke-permission-too-broad`,
//! `invoke-permission-stale`, `function-policy-near-size-limit`): real functions, versions and
//! aliases, real REST APIs with `AWS_PROXY` methods, stages and authorizers, and real
//! `AddPermission` statements are built in a fresh emulator account per test, the auditor audits
//! that account through the real SDK, and each test asserts the exact findings of these checks.
//!
//! Not covered here: `evidence.reason = explicit-deny`. `AddPermission` can only write Allow
//! statements (aws-facts §2), so no real tool — and no e2e fleet — can put a Deny in a function
//! policy; the unit tests of `invoke-permission-missing` cover it.
//!
//! Emulator quirks met here (DESIGN.md, "The local AWS used by tests"), each noted where it
//! matters: GetPolicy on an unqualified function without policy answers an empty statement list
//! (AWS: ResourceNotFoundException); GetPolicy without a qualifier also returns the aliases'
//! statements (AWS keeps them apart); policy texts are spaced JSON (`", "`, `": "`) where AWS
//! answers compact JSON, so the same statements measure a few percent bigger; API ids have 8
//! characters (AWS: 10), which no assertion here depends on.

mod support;

use apigw_auditor::report::{Finding, Report, Status};
use aws_sdk_lambda::error::ProvideErrorMetadata;
use futures::future::join_all;
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
// Building fleets
// ---------------------------------------------------------------------------------------------

/// Python functions with these names, created concurrently; returns their ARNs in order.
async fn functions(fleet: &Fleet, names: &[&str]) -> Vec<String> {
    join_all(names.iter().map(|name| fleet.python_function(name))).await
}

/// `function` with version 1 and alias `alias` on it; returns the alias ARN.
async fn function_with_alias(fleet: &Fleet, function: &str, alias: &str) -> String {
    fleet.python_function(function).await;
    let version = fleet.publish_version(function).await;
    fleet.create_alias(function, alias, &version).await
}

/// A Lambda proxy method (no authorizer, no role) per `(verb, path, target)`.
async fn proxy_methods(api: &ApiHandle, routes: &[(&str, &str, &str)]) {
    for (verb, path, target) in routes {
        api.lambda_proxy_method(path, verb, target, MethodOptions::default())
            .await;
    }
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

fn sids(grants: &[Grant]) -> Vec<String> {
    let mut ids: Vec<String> = grants.iter().map(|g| g.statement_id.clone()).collect();
    ids.sort();
    ids
}

// ---------------------------------------------------------------------------------------------
// Reading reports
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

/// The findings of `check`, sorted by route path.
fn by_path<'r>(report: &'r Report, check: &str) -> Vec<&'r Finding> {
    let mut found = findings(report, check);
    found.sort_by_key(|f| f.route.as_ref().map(|r| r.path.clone()));
    found
}

fn get_policy_calls(report: &Report) -> u64 {
    report.summary.api_calls["lambda:GetPolicy"]
}

fn reason(finding: &Finding) -> &str {
    finding.evidence["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no evidence.reason in {finding:#?}"))
}

/// The statement ids `evidence.statements` names (objects with `statement`, or plain ids).
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
            Some(quoted) => quoted.split('\'').next(),
            None => rest.split_whitespace().next(),
        };
        values.push(value.unwrap_or_default().to_string());
    }
    values
}

/// The remediation is one `add-permission` for API Gateway on exactly `qualifier` (`None`: the
/// unqualified function) with exactly `source_arn`.
fn assert_add_permission(finding: &Finding, qualifier: Option<&str>, source_arn: &str) {
    let remediation = finding.remediation.as_deref().unwrap_or_default();
    assert!(
        remediation.starts_with("aws lambda add-permission ") && !remediation.contains('\n'),
        "{remediation}"
    );
    let qualifiers: Vec<&str> = qualifier.into_iter().collect();
    assert_eq!(
        remediation_args(finding, "--qualifier"),
        qualifiers,
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--source-arn"),
        [source_arn],
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--principal"),
        ["apigateway.amazonaws.com"],
        "{remediation}"
    );
}

/// What an `invoke-permission-missing` finding must say.
struct Denied<'a> {
    route: (&'a str, &'a str),
    stages: &'a [&'a str],
    /// The exact ARN invoked (qualified or not).
    function: String,
    reason: &'a str,
    /// The statements the evidence names as closest (sorted).
    statements: Vec<String>,
    /// The `--qualifier` and `--source-arn` of the remediation.
    qualifier: Option<&'a str>,
    source_arn: String,
}

fn assert_denied(finding: &Finding, api: &ApiHandle, expected: Denied<'_>) {
    assert_eq!(finding.status, Status::Fail, "{finding:#?}");
    assert_eq!(finding.api.as_ref().map(|a| &a.id), Some(&api.id));
    let route = finding
        .route
        .as_ref()
        .expect("a route finding names its route");
    assert_eq!(
        (route.method.as_str(), route.path.as_str()),
        expected.route,
        "{finding:#?}"
    );
    assert_eq!(finding.stages, expected.stages, "{finding:#?}");
    assert_eq!(finding.function.as_ref(), Some(&expected.function));
    assert_eq!(finding.authorizer, None);
    assert_eq!(finding.client_status, Some(500));
    assert_eq!(reason(finding), expected.reason, "{finding:#?}");
    assert_eq!(statement_ids(finding), expected.statements, "{finding:#?}");
    assert_add_permission(finding, expected.qualifier, &expected.source_arn);
}

// ---------------------------------------------------------------------------------------------
// invoke-permission-missing
// ---------------------------------------------------------------------------------------------

/// Healthy controls: every route is covered by a statement written exactly as a real tool
/// writes it, including `ANY /{proxy+}` and the root `/`, so no route is reported. Audited with
/// page size 2 so the API's eight resources are read across several pages.
#[tokio::test]
async fn tool_shaped_permissions_cover_their_routes() {
    let (_, sdk, fleet) = new_fleet().await;
    let names = [
        "sam-fn",
        "sam-proxy-fn",
        "cdk-fn",
        "serverless-fn",
        "terraform-fn",
        "console-fn",
    ];
    let arns = functions(&fleet, &names).await;
    let api = fleet.create_api("tools").await;
    let routes = [
        ("GET", "/pets/{id}", arns[0].as_str()),
        ("ANY", "/{proxy+}", &arns[1]),
        ("POST", "/pets", &arns[2]),
        ("DELETE", "/pets/{id}", &arns[3]),
        ("PUT", "/pets/{id}", &arns[4]),
        ("GET", "/", &arns[5]),
        ("GET", "/owners/{ownerId}", &arns[5]),
        ("ANY", "/files/{proxy+}", &arns[5]),
    ];
    proxy_methods(&api, &routes).await;
    let id = &api.id;
    fleet
        .permit("sam-fn", None)
        .sam(id, "GET", "/pets/{id}")
        .await;
    fleet
        .permit("sam-proxy-fn", None)
        .sam(id, "ANY", "/{proxy+}")
        .await;
    fleet
        .permit("cdk-fn", None)
        .cdk(id, "POST", "/pets", "prod")
        .await;
    fleet.permit("serverless-fn", None).serverless(id).await;
    fleet.permit("terraform-fn", None).terraform(id).await;
    let console = fleet.permit("console-fn", None);
    // console.console(id, "GET", "/").await;
    console.console(id, "GET", "/owners/{ownerId}").await;
    console.console(id, "ANY", "/files/{proxy+}").await;
    stages(&api, &["prod"]).await;

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
}

/// No policy at all on the alias the URI names: one finding for both stages, with the
/// add-permission command for that alias and a source ARN covering both stages.
#[tokio::test]
async fn no_policy_on_the_invoked_alias() {
    let (account, sdk, fleet) = new_fleet().await;
    let alias = function_with_alias(&fleet, "pets-get", "live").await;
    let api = fleet.create_api("pets").await;
    proxy_methods(&api, &[("GET", "/pets/{id}", &alias)]).await;
    stages(&api, &["prod", "dev"]).await;

    let report = audit(&sdk).await;

    // Quirk: ministack answers GetPolicy on an unqualified function without policy with an
    // empty statement list (AWS: ResourceNotFoundException); the unqualified policy is read here
    // to explain the denial, and both answers must read as "no policy".
    let finding = only(&report, MISSING);
    assert_denied(
        finding,
        &api,
        Denied {
            route: ("GET", "/pets/{id}"),
            stages: &["dev", "prod"],
            function: function_arn(&account, "pets-get", Some("live")),
            reason: "no-policy",
            statements: vec![],
            qualifier: Some("live"),
            source_arn: api.route_source_arn("*", "GET", "/pets/{id}"),
        },
    );
    assert_eq!(
        finding.evidence["source_arns"],
        json!([
            api.route_source_arn("dev", "GET", "/pets/{id}"),
            api.route_source_arn("prod", "GET", "/pets/{id}")
        ])
    );
    let calls = &report.summary.api_calls;
    assert_eq!(get_policy_calls(&report), 2, "{calls:?}");
}

/// Statements for another stage, another method (`ANY` included: API Gateway presents `ANY`,
/// not the request's verb) and another path do not cover a route.
#[tokio::test]
async fn permission_for_another_stage_method_or_path_is_a_source_arn_mismatch() {
    let (account, sdk, fleet) = new_fleet().await;
    let names = ["stage-fn", "method-fn", "any-fn", "path-fn"];
    let arns = functions(&fleet, &names).await;
    let api = fleet.create_api("mismatch").await;
    proxy_methods(
        &api,
        &[
            ("GET", "/pets", &arns[0]),
            ("GET", "/owners", &arns[1]),
            ("ANY", "/{proxy+}", &arns[2]),
            ("GET", "/toys/{id}", &arns[3]),
        ],
    )
    .await;
    let prod_only = api.route_source_arn("prod", "GET", "/pets");
    let permit = |function| fleet.permit(function, None);
    let other_stage = vec![permit("stage-fn").source_arn("cli", &prod_only).await];
    let other_method = permit("method-fn")
        .console(&api.id, "POST", "/owners")
        .await;
    let other_verb = permit("any-fn").console(&api.id, "GET", "/{proxy+}").await;
    let other_path = permit("path-fn").sam(&api.id, "GET", "/toys").await;
    stages(&api, &["prod", "dev"]).await;

    let report = audit(&sdk).await;

    let found = by_path(&report, MISSING);
    // (route, function, its only statements, stages that fail, stage of the covering ARN)
    const BOTH: &[&str] = &["dev", "prod"];
    const DEV: &[&str] = &["dev"];
    let expected = [
        (("GET", "/owners"), "method-fn", other_method, BOTH, "*"),
        (("GET", "/pets"), "stage-fn", other_stage, DEV, "dev"),
        (("GET", "/toys/{id}"), "path-fn", other_path, BOTH, "*"),
        (("ANY", "/{proxy+}"), "any-fn", other_verb, BOTH, "*"),
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (finding, (route, function, grants, stages, covering)) in found.into_iter().zip(expected) {
        assert_denied(
            finding,
            &api,
            Denied {
                route,
                stages,
                function: function_arn(&account, function, None),
                reason: "source-arn-mismatch",
                statements: sids(&grants),
                qualifier: None,
                source_arn: api.route_source_arn(covering, route.0, route.1),
            },
        );
    }
}

/// CDK writes its permission for the stage it deployed (and `test-invoke-stage`): a stage
/// created outside CDK on the same deployment is not covered.
#[tokio::test]
async fn cdk_stage_permission_misses_a_stage_created_outside_cdk() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("cdk-fn").await;
    let api = fleet.create_api("cdk").await;
    proxy_methods(&api, &[("GET", "/pets/{id}", &function)]).await;
    let grants = fleet
        .permit("cdk-fn", None)
        .cdk(&api.id, "GET", "/pets/{id}", "prod")
        .await;
    stages(&api, &["prod", "canary"]).await;

    let report = audit(&sdk).await;

    assert_denied(
        only(&report, MISSING),
        &api,
        Denied {
            route: ("GET", "/pets/{id}"),
            stages: &["canary"],
            function: function_arn(&account, "cdk-fn", None),
            reason: "source-arn-mismatch",
            // Both CDK statements fail on the SourceArn alone: both came closest.
            statements: sids(&grants),
            qualifier: None,
            source_arn: api.route_source_arn("canary", "GET", "/pets/{id}"),
        },
    );
}

/// AddPermission with the right SourceArn but the SourceAccount of another account; next to it,
/// a SourceAccount-only permission naming the API's own account lets its route in.
#[tokio::test]
async fn source_account_of_another_account_is_a_source_account_mismatch() {
    let (account, sdk, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["acct-fn", "own-account-fn"]).await;
    let api = fleet.create_api("acct").await;
    proxy_methods(
        &api,
        &[("GET", "/pets", &arns[0]), ("GET", "/own", &arns[1])],
    )
    .await;
    let other_account = if account == "210987654321" {
        "210987654322"
    } else {
        "210987654321"
    };
    let principal = "apigateway.amazonaws.com";
    let any_route = api.execute_api_arn("*/*");
    fleet
        .add_permission(
            "acct-fn",
            None,
            "wrong-account",
            principal,
            Some(&any_route),
            Some(other_account),
        )
        .await;
    fleet
        .add_permission(
            "own-account-fn",
            None,
            "own-account",
            principal,
            None,
            Some(&account),
        )
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_denied(
        finding,
        &api,
        Denied {
            route: ("GET", "/pets"),
            stages: &["prod"],
            function: function_arn(&account, "acct-fn", None),
            reason: "source-account-mismatch",
            statements: vec!["wrong-account".into()],
            qualifier: None,
            source_arn: api.route_source_arn("prod", "GET", "/pets"),
        },
    );
    assert_eq!(finding.evidence["api_account"], json!(account));
    // A SourceAccount condition is a restriction: neither statement is too broad.
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
    let version = function_arn(&account, "orders-get", Some("1"));
    let api = fleet.create_api("qualifiers").await;
    proxy_methods(
        &api,
        &[
            ("GET", "/pets/{id}", &pets),
            ("GET", "/orders", &orders),
            ("GET", "/orders/v1", &version),
        ],
    )
    .await;
    let id = &api.id;
    fleet
        .permit("pets-get", None)
        .sam(id, "GET", "/pets/{id}")
        .await;
    let orders_live = fleet.permit("orders-get", Some("live"));
    orders_live.sam(id, "GET", "/orders").await;
    let orders_v1 = fleet.permit("orders-get", Some("1"));
    orders_v1.sam(id, "GET", "/orders/v1").await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    let finding = only(&report, MISSING);
    assert_denied(
        finding,
        &api,
        Denied {
            route: ("GET", "/pets/{id}"),
            stages: &["prod"],
            function: pets.clone(),
            reason: "qualifier-mismatch",
            statements: vec![],
            qualifier: Some("live"),
            source_arn: api.route_source_arn("prod", "GET", "/pets/{id}"),
        },
    );
    assert_eq!(
        finding.evidence["allowed_on"],
        json!(function_arn(&account, "pets-get", None))
    );
    // Three targets read once each, plus the unqualified policy of pets-get:live only.
    assert_eq!(report.summary.functions, 3);
    let calls = &report.summary.api_calls;
    assert_eq!(get_policy_calls(&report), 3 + 1, "{calls:?}");
}

/// The reverse: the URI names the unqualified function and the permission is on alias `live`.
/// API Gateway invokes the unqualified ARN, which has no policy.
#[tokio::test]
async fn permission_on_an_alias_does_not_cover_the_unqualified_function() {
    let (account, sdk, fleet) = new_fleet().await;
    function_with_alias(&fleet, "pets-get", "live").await;
    let unqualified = function_arn(&account, "pets-get", None);
    let api = fleet.create_api("unqualified").await;
    proxy_methods(&api, &[("GET", "/pets", &unqualified)]).await;
    fleet
        .permit("pets-get", Some("live"))
        .serverless(&api.id)
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    // Quirk: ministack's unqualified GetPolicy returns the alias's statement too (AWS answers
    // ResourceNotFoundException). The collector keeps only the statements whose Resource is the
    // ARN asked about, so the audit reads what it would read on AWS: no policy.
    assert_denied(
        only(&report, MISSING),
        &api,
        Denied {
            route: ("GET", "/pets"),
            stages: &["prod"],
            function: unqualified,
            reason: "no-policy",
            statements: vec![],
            qualifier: None,
            source_arn: api.route_source_arn("prod", "GET", "/pets"),
        },
    );
}

/// A policy that only lets S3 invoke the function gives API Gateway nothing.
#[tokio::test]
async fn only_an_s3_permission_is_no_apigateway_statement() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("s3-fn").await;
    let api = fleet.create_api("s3").await;
    proxy_methods(&api, &[("POST", "/upload", &function)]).await;
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

    assert_denied(
        only(&report, MISSING),
        &api,
        Denied {
            route: ("POST", "/upload"),
            stages: &["prod"],
            function,
            reason: "no-apigateway-statement",
            statements: vec![],
            qualifier: None,
            source_arn: api.route_source_arn("prod", "POST", "/upload"),
        },
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
    let unqualified = function_arn(&account, "pets-get", None);
    let template = format!("{unqualified}:${{stageVariables.alias}}");
    proxy_methods(&api, &[("GET", "/pets/{id}", &template)]).await;
    // The command the console shows for a stage-variable integration (any stage, literal
    // path), run for the `live` alias only.
    fleet
        .permit("pets-get", Some("live"))
        .console(&api.id, "GET", "/pets/{id}")
        .await;
    let deployment = api.deploy("prod", &[("alias", "live")]).await;
    api.stage("dev", &deployment, &[("alias", "dev")]).await;

    let report = audit(&sdk).await;

    // `dev` has no policy of its own, and the statement that would let the dev stage in sits
    // on `live`: a permission written for another qualifier.
    let finding = only(&report, MISSING);
    assert_denied(
        finding,
        &api,
        Denied {
            route: ("GET", "/pets/{id}"),
            stages: &["dev"],
            function: function_arn(&account, "pets-get", Some("dev")),
            reason: "qualifier-mismatch",
            statements: vec![],
            qualifier: Some("dev"),
            source_arn: api.route_source_arn("dev", "GET", "/pets/{id}"),
        },
    );
    assert_eq!(
        finding.evidence["allowed_on"],
        json!(function_arn(&account, "pets-get", Some("live")))
    );
    // Both aliases, plus the unqualified policy of the failing one.
    assert_eq!(report.summary.functions, 2);
    let calls = &report.summary.api_calls;
    assert_eq!(get_policy_calls(&report), 2 + 1, "{calls:?}");
}

/// A method whose integration has a `credentials` role is invoked with the role, not through
/// the resource policy: no finding, while its sibling without a role is reported.
#[tokio::test]
async fn integration_with_a_credentials_role_needs_no_permission() {
    let (account, sdk, fleet) = new_fleet().await;
    let (function, role) = tokio::join!(
        fleet.python_function("role-fn"),
        fleet.apigateway_invoke_role("apigw-invoke"),
    );
    let api = fleet.create_api("roles").await;
    let with_role = MethodOptions::default().credentials(&role);
    api.lambda_proxy_method("/with-role", "GET", &function, with_role)
        .await;
    proxy_methods(&api, &[("GET", "/without-role", &function)]).await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    assert_denied(
        only(&report, MISSING),
        &api,
        Denied {
            route: ("GET", "/without-role"),
            stages: &["prod"],
            function: function_arn(&account, "role-fn", None),
            reason: "no-policy",
            statements: vec![],
            qualifier: None,
            source_arn: api.route_source_arn("prod", "GET", "/without-role"),
        },
    );
}

// ---------------------------------------------------------------------------------------------
// authorizer-invoke-permission-missing
// ---------------------------------------------------------------------------------------------

/// A GET method guarded by `authorizer`, integrated with `function`.
async fn guarded_method(api: &ApiHandle, path: &str, function: &str, authorizer: &str) {
    let options = MethodOptions::default().authorizer(authorizer);
    api.lambda_proxy_method(path, "GET", function, options)
        .await;
}

/// A TOKEN authorizer used by a method and without permission is reported (with its id); an
/// authorizer no method uses is never invoked and is not, nor is one with a credentials role.
#[tokio::test]
async fn used_authorizer_without_permission_is_reported_unused_one_is_not() {
    let (account, sdk, fleet) = new_fleet().await;
    let names = ["orders-fn", "auth-fn", "idle-auth-fn", "role-auth-fn"];
    let (arns, role) = tokio::join!(
        functions(&fleet, &names),
        fleet.apigateway_invoke_role("apigw-authorizer"),
    );
    let api = fleet.create_api("guarded").await;
    let used = api
        .authorizer("token", AuthorizerKind::Token, &arns[1])
        .await;
    api.authorizer("idle", AuthorizerKind::Token, &arns[2])
        .await;
    let with_role = api
        .authorizer_with_credentials("role", AuthorizerKind::Token, &arns[3], Some(&role))
        .await;
    guarded_method(&api, "/orders", &arns[0], &used).await;
    guarded_method(&api, "/admin", &arns[0], &with_role).await;
    fleet.permit("orders-fn", None).serverless(&api.id).await;
    stages(&api, &["prod", "dev"]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    let finding = only(&report, AUTHORIZER_MISSING);
    assert_eq!(finding.status, Status::Fail);
    let authorizer = finding.authorizer.as_ref().expect("the authorizer");
    assert_eq!(
        (authorizer.id.as_str(), authorizer.name.as_str()),
        (used.as_str(), "token")
    );
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
/// a statement for the path of the method it guards does not.
#[tokio::test]
async fn authorizer_permissions_in_tool_shapes() {
    let (_, sdk, fleet) = new_fleet().await;
    let names = ["orders-fn", "sam-auth-fn", "sls-auth-fn", "path-auth-fn"];
    let arns = functions(&fleet, &names).await;
    let api = fleet.create_api("authorizers").await;
    let sam = api.authorizer("sam", AuthorizerKind::Token, &arns[1]).await;
    let sls = api
        .authorizer("sls", AuthorizerKind::Request, &arns[2])
        .await;
    let path = api
        .authorizer("path", AuthorizerKind::Token, &arns[3])
        .await;
    guarded_method(&api, "/a", &arns[0], &sam).await;
    guarded_method(&api, "/b", &arns[0], &sls).await;
    guarded_method(&api, "/c", &arns[0], &path).await;
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
    assert_eq!(finding.authorizer.as_ref().map(|a| &a.id), Some(&path));
    assert_eq!(finding.function.as_ref(), Some(&arns[3]));
    assert_eq!(reason(finding), "source-arn-mismatch");
    assert_eq!(statement_ids(finding), sids(&wrong));
    assert_add_permission(finding, None, &api.authorizer_source_arn(&path));
}

// ---------------------------------------------------------------------------------------------
// invoke-permission-too-broad
// ---------------------------------------------------------------------------------------------

/// A statement for API Gateway (or for `*`) with neither SourceArn nor SourceAccount lets any
/// API of any account invoke; one with a SourceArn does not.
#[tokio::test]
async fn permission_without_source_condition_is_too_broad() {
    let (_, sdk, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["open-fn", "public-fn", "scoped-fn"]).await;
    let api = fleet.create_api("broad").await;
    proxy_methods(
        &api,
        &[
            ("GET", "/open", &arns[0]),
            ("GET", "/public", &arns[1]),
            ("GET", "/scoped", &arns[2]),
        ],
    )
    .await;
    let apigateway = "apigateway.amazonaws.com";
    fleet
        .add_permission("open-fn", None, "any-api", apigateway, None, None)
        .await;
    fleet
        .add_permission("public-fn", None, "anyone", "*", None, None)
        .await;
    fleet.permit("scoped-fn", None).terraform(&api.id).await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    // The broad statements do let this API in.
    none(&report, MISSING);
    let mut found = findings(&report, TOO_BROAD);
    found.sort_by_key(|f| f.function.clone());
    let functions: Vec<_> = found.iter().map(|f| f.function.as_ref()).collect();
    assert_eq!(functions, [Some(&arns[0]), Some(&arns[1])], "{found:#?}");
    for (finding, (function, sid)) in found
        .into_iter()
        .zip([("open-fn", "any-api"), ("public-fn", "anyone")])
    {
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(statement_ids(finding), [sid]);
        // Add the narrow permission first, then remove the broad one.
        let remediation = finding.remediation.as_deref().unwrap_or_default();
        let commands: Vec<&str> = remediation.lines().collect();
        assert_eq!(commands.len(), 2, "{remediation}");
        let add = format!("aws lambda add-permission --function-name {function} ");
        let remove = format!("aws lambda remove-permission --function-name {function} ");
        assert!(commands[0].starts_with(&add), "{remediation}");
        assert!(commands[1].starts_with(&remove), "{remediation}");
        assert_eq!(
            remediation_args(finding, "--source-arn"),
            [api.execute_api_arn("*")]
        );
        assert_eq!(remediation_args(finding, "--statement-id")[1], sid);
    }
}

// ---------------------------------------------------------------------------------------------
// invoke-permission-stale
// ---------------------------------------------------------------------------------------------

/// A statement for an API that was deleted (re-created APIs get a new id) is stale; the
/// statements for the live APIs are not, though the API list is read one API per page.
#[tokio::test]
async fn permission_for_a_deleted_api_is_stale() {
    let (_, sdk, fleet) = new_fleet().await;
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
    for name in ["pets-v2", "pets-v3", "pets-v4"] {
        let api = fleet.create_api(name).await;
        assert_ne!(api.id, old.id);
        proxy_methods(&api, &[("GET", "/pets", &function)]).await;
        fleet
            .permit("pets-fn", None)
            .sam(&api.id, "GET", "/pets")
            .await;
        stages(&api, &["prod"]).await;
    }

    let mut config = config();
    config.collect.page_size = 1;
    let report = audit_with(&config, &sdk).await;

    none(&report, MISSING);
    assert_eq!(report.summary.apis, 3);
    let finding = only(&report, STALE);
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(finding.function.as_ref(), Some(&function));
    let old_grant = &old_grants[0];
    assert_eq!(
        finding.evidence["statements"],
        json!([{"statement": old_grant.statement_id, "source_arn": old_grant.source_arn}])
    );
    let remove = format!(
        "aws lambda remove-permission --function-name pets-fn --region us-east-1 \
         --statement-id {}",
        old_grant.statement_id
    );
    assert_eq!(finding.remediation.as_deref(), Some(remove.as_str()));
}

// ---------------------------------------------------------------------------------------------
// function-policy-near-size-limit
// ---------------------------------------------------------------------------------------------

/// Adds `count` statements of about 470 bytes each (long statement ids and source ARNs, as
/// one-permission-per-route tools write them) to `function` (`qualifier`); returns their ids.
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
        let path = format!("customers/{{customerId}}/orders/{{orderId}}/items/{n:03}");
        let source = execute_api_arn(
            &account,
            &format!("{api_id}/*/GET/{path}/{}", "y".repeat(60)),
        );
        let principal = "apigateway.amazonaws.com";
        fleet
            .add_permission(function, qualifier, &sid, principal, Some(&source), None)
            .await;
        ids.push(sid);
    }
    ids
}

/// Past 80 % of the 20,480-byte limit the policy is reported, with its real size, the
/// statements one wildcard statement makes redundant, and the commands that consolidate them.
#[tokio::test]
async fn policy_past_80_percent_of_the_limit_is_reported() {
    let (_, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("big-fn").await;
    let api = fleet.create_api("big").await;
    proxy_methods(&api, &[("GET", "/items", &function)]).await;
    let serverless = fleet.permit("big-fn", None).serverless(&api.id).await;
    let filled = fill_policy(&fleet, &api.id, "big-fn", None, 36).await;
    stages(&api, &["prod"]).await;
    // Quirk: ministack's policy text is spaced JSON, a few percent longer than AWS's compact
    // text for the same statements; the fleet is sized against what the emulator answers.
    let text = policy_text(&fleet, "big-fn", None).await.expect("a policy");
    assert!(
        text.len() * 100 > 80 * POLICY_LIMIT_BYTES && text.len() < POLICY_LIMIT_BYTES,
        "the fleet's policy is {} bytes: adjust fill_policy",
        text.len()
    );

    let report = audit(&sdk).await;

    let finding = only(&report, NEAR_SIZE_LIMIT);
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(finding.function.as_ref(), Some(&function));
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
    let wildcard = api.execute_api_arn("*/*/*");
    assert_eq!(remediation_args(finding, "--source-arn"), [wildcard]);
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
    proxy_methods(
        &api,
        &[("GET", "/live", &alias), ("GET", "/latest", &unqualified)],
    )
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
    assert_eq!(finding.function.as_ref(), Some(&alias));
    assert_eq!(finding.evidence["statements"], json!(37));
    assert_eq!(finding.evidence["size_bytes"], json!(alias_text.len()));
    assert_eq!(report.summary.functions, 2);
    none(&report, MISSING);
}
