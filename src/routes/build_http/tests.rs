//! Route targets of HTTP APIs: the source ARN of each route form (docs/aws-facts.md §12.2), both
//! URI forms, stage variables, authorizers, and what a stage without auto-deploy serves.

use super::*;
use crate::inventory::{HttpDeployment, Lookup};
use crate::routes::ScopeRoutes;
use crate::testkit::*;

const API: &str = "h1a2b3c4d5";

fn source(rest: &str) -> String {
    format!("arn:aws:execute-api:us-east-1:123456789012:{API}/{rest}")
}

fn sources(scope: &ScopeInventory) -> Vec<(String, String)> {
    ScopeRoutes::new(scope)
        .targets
        .iter()
        .map(|t| (t.describe(), t.source_arn.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn source_arns_of_routes_default_route_and_default_stage() {
    let scope = scope()
        .http_api(
            http_api(API, "orders")
                .route("GET /orders/{id}", "orders-get")
                .route("ANY /{proxy+}", "orders-proxy")
                .route("GET /", "orders-root")
                .route("$default", "orders-default")
                .stage("$default")
                .stage("prod"),
        )
        .build();
    let got = sources(&scope);
    // §12.2: template path with braces; the `$default` route has no method segment; the
    // `$default` stage is the literal `$default`.
    for (describe, arn) in [
        ("GET /orders/{id}", source("$default/GET/orders/{id}")),
        ("ANY /{proxy+}", source("prod/ANY/{proxy+}")),
        ("GET /", source("prod/GET/")),
        ("$default", source("$default/$default")),
        ("$default", source("prod/$default")),
    ] {
        assert!(
            got.contains(&(describe.to_string(), arn.clone())),
            "{describe} {arn} not in {got:#?}"
        );
    }
    assert_eq!(got.len(), 8);
}

#[test]
fn both_uri_forms_resolve_and_the_default_route_is_any_default() {
    let mut path_form = http_integration("orders-get:live");
    path_form.uri = Some(lambda_uri("orders-get:live"));
    let scope = scope()
        .http_api(
            http_api(API, "orders")
                .integration("GET /a", path_form)
                .route("$default", "orders-get:live")
                .stage("prod"),
        )
        .build();
    let routes = ScopeRoutes::new(&scope);
    let resolved: Vec<String> = routes
        .targets
        .iter()
        .map(|t| t.resolved.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(resolved, vec![function_arn("orders-get:live"); 2]);
    let Invoker::Method { method, path, .. } = routes.targets[1].invoker else {
        panic!("a route");
    };
    assert_eq!((method, path), ("ANY", "$default"));
    assert!(routes.targets[1].is_default_route());
    assert_eq!(
        routes.targets[1].api.protocol(),
        crate::inventory::Protocol::Http
    );
}

#[test]
fn stage_variables_resolve_per_stage_in_the_path_form_only() {
    let mut by_variable = http_integration("x");
    by_variable.uri = Some(lambda_uri("orders:${stageVariables.alias}"));
    let mut bare_variable = http_integration("x");
    bare_variable.uri = Some(function_arn("orders:${stageVariables.alias}"));
    let scope = scope()
        .http_api(
            http_api(API, "orders")
                .integration("GET /a", by_variable)
                .integration("GET /b", bare_variable)
                .stage_vars("prod", &[("alias", "live")])
                .stage("dev"),
        )
        .build();
    let routes = ScopeRoutes::new(&scope);
    let of = |stage: &str, describe: &str| {
        routes
            .targets
            .iter()
            .find(|t| t.stage.name == stage && t.describe() == describe)
            .map(|t| t.resolved.clone())
    };
    assert_eq!(
        of("prod", "GET /a").unwrap().unwrap().to_string(),
        function_arn("orders:live")
    );
    assert!(matches!(
        of("dev", "GET /a").unwrap(),
        Err(ArnError::UndefinedStageVariable(name)) if name == "alias"
    ));
    // A bare ARN with a variable is no documented form (§12.1): the route is a target that does
    // not resolve and cannot be judged (reported as an error, counted in `summary.unaudited`),
    // nothing is guessed.
    assert!(matches!(
        of("prod", "GET /b").unwrap(),
        Err(ArnError::NotLambdaUri(_))
    ));
    let bare = routes
        .targets
        .iter()
        .find(|t| t.describe() == "GET /b")
        .unwrap();
    assert!(bare.unjudgeable());
}

#[test]
fn authorizers_used_by_a_route_are_targets_with_their_own_source_arn() {
    let scope = scope()
        .http_api(
            http_api(API, "orders")
                .authorized_route("GET /orders", "orders-list", "auth1")
                .authorizer("auth1", "tokens", "authz")
                .authorizer("unused", "spare", "authz")
                .stage("prod"),
        )
        .build();
    let got = sources(&scope);
    assert!(got.contains(&(
        "authorizer tokens (auth1)".to_string(),
        source("authorizers/auth1")
    )));
    assert!(!got.iter().any(|(d, _)| d.contains("unused")), "{got:#?}");
}

#[test]
fn non_lambda_integrations_and_failed_reads_yield_nothing() {
    let mut http_proxy = http_integration("x");
    http_proxy.kind = "HTTP_PROXY".into();
    http_proxy.uri = Some("https://example.com/{proxy}".into());
    let scope = scope()
        .http_api(
            http_api(API, "orders")
                .integration("ANY /{proxy+}", http_proxy)
                .stage("prod"),
        )
        .http_api(
            http_api("h2", "broken")
                .route("GET /", "f")
                .stage("prod")
                .routes_failed(),
        )
        .build();
    assert!(ScopeRoutes::new(&scope).targets.is_empty());
}

#[test]
fn a_stage_without_auto_deploy_serves_its_deployment() {
    let mut api = http_api(API, "orders")
        .route("GET /orders", "orders-v2")
        .stage("live")
        .build();
    // `old` serves deployment dep-old, which still sends GET /orders to orders-v1.
    let mut old = http_stage("old", &[]);
    old.auto_deploy = Some(false);
    old.deployment_id = Some("dep-old".into());
    if let Lookup::Found(stages) = &mut api.stages {
        stages.push(old);
    }
    let mut deployed = api.integrations.found().unwrap().clone();
    deployed[0].integration = http_integration("orders-v1");
    api.deployments.insert(
        "dep-old".into(),
        Lookup::Found(HttpDeployment {
            routes: api.routes.found().unwrap().clone(),
            integrations: deployed,
        }),
    );
    let scope = scope().http_api(api).build();
    let routes = ScopeRoutes::new(&scope);
    let target_of = |stage: &str| {
        routes
            .targets
            .iter()
            .find(|t| t.stage.name == stage)
            .map(|t| t.resolved.as_ref().unwrap().name.clone())
    };
    assert_eq!(target_of("live").as_deref(), Some("orders-v2"));
    assert_eq!(target_of("old").as_deref(), Some("orders-v1"));
}
