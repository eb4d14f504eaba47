//! `invoke-permission-missing` on qualified targets: API Gateway invokes exactly the ARN the
//! integration URI names (an alias, a version, the unqualified function, or a qualifier chosen by
//! a stage variable), and only that ARN's own policy lets it in.

use serde_json::json;

use crate::common::{
    assert_denied, function_with_alias, get_policy_calls, proxy_methods, stages, Denied, MISSING,
};
use crate::support::audit::{audit, only};
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

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
