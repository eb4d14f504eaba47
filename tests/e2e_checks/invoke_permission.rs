//! `invoke-permission-missing`: the statements real tools write (SAM, CDK, Serverless Framework,
//! Terraform, the console) cover their routes, and statements for another stage, method, path or
//! account, for another service only, or missing where an integration role makes them needless,
//! are told apart by `evidence.reason`. The qualifier cases (aliases, versions, stage variables)
//! are in `invoke_permission_qualifiers`.
//!
//! Not covered here: `evidence.reason = explicit-deny`. `AddPermission` can only write Allow
//! statements (docs/aws-facts.md §2), so no real tool — and no e2e fleet — can put a Deny in a function
//! policy; the unit tests of `invoke-permission-missing` cover it.

use apigw_auditor::report::{Finding, Report};
use serde_json::json;

use crate::common::{
    assert_denied, functions, get_policy_calls, proxy_methods, sids, stages, Denied, MISSING,
    STALE, TOO_BROAD,
};
use crate::support::audit::{audit, audit_with, config, findings, none, only};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

/// The findings of `check`, sorted by route path.
fn by_path<'r>(report: &'r Report, check: &str) -> Vec<&'r Finding> {
    let mut found = findings(report, check);
    found.sort_by_key(|f| f.route.as_ref().map(|r| r.path.clone()));
    found
}

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
    console.console(id, "GET", "/").await;
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
