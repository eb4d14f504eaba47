//! Building the route targets of a REST API: for every stage, each `AWS_PROXY` Lambda method of
//! the deployment the stage serves and each Lambda authorizer a method uses, resolved with that
//! stage's variables to the exact Lambda ARN API Gateway will invoke and the source ARN it will
//! present (docs/aws-facts.md §1).

use super::model::{Invoker, RouteTarget};
use crate::arn::{self, ArnError, FunctionArn};
use crate::inventory::{ApiView, Authorizer, Integration, RestApi, ScopeInventory, Stage};

/// True for an integration API Gateway sends to Lambda as a proxy integration: `AWS_PROXY`
/// with a URI meant for Lambda, in any form — one the auditor cannot parse is still a route
/// target (it resolves to an error the checks report), never silently dropped.
pub fn is_lambda_proxy(integration: &Integration) -> bool {
    integration.kind.eq_ignore_ascii_case("AWS_PROXY")
        && integration.uri.as_deref().is_some_and(arn::names_lambda)
}

/// True for an authorizer backed by a Lambda function (TOKEN and REQUEST authorizers invoke
/// their `authorizerUri`; COGNITO_USER_POOLS ones invoke nothing).
pub fn is_lambda_authorizer(authorizer: &Authorizer) -> bool {
    matches!(authorizer.kind.as_str(), "TOKEN" | "REQUEST")
        && authorizer.uri.as_deref().is_some_and(arn::names_lambda)
}

/// The integration type of a REST method for `summary.integrations`: its `type` as API Gateway
/// writes it, lower case with `-`, and whether it calls Lambda (only Lambda proxy integrations are
/// audited; a non-proxy `AWS` integration to Lambda is counted, not judged).
pub fn integration_kind(integration: Option<&Integration>) -> String {
    let Some(integration) = integration else {
        return "rest/none".to_string();
    };
    let kind = integration.kind.to_ascii_lowercase().replace('_', "-");
    let lambda = integration.uri.as_deref().is_some_and(arn::names_lambda);
    match (kind.as_str(), lambda) {
        ("aws-proxy", true) if integration.streams() => {
            "rest/aws-proxy-lambda-streaming".to_string()
        }
        (_, true) => format!("rest/{kind}-lambda"),
        _ => format!("rest/{kind}"),
    }
}

/// Every route (API, method, path) a stage of the scope serves, by integration type; HTTP API
/// routes and WebSocket APIs too (`build_http::http_integration_counts`).
pub fn integration_counts(scope: &ScopeInventory) -> std::collections::BTreeMap<String, usize> {
    let mut seen = std::collections::BTreeSet::new();
    let mut counts = super::build_http::http_integration_counts(scope);
    for api in &scope.apis {
        for stage in api.stages.found().into_iter().flatten() {
            for resource in api.served_resources(stage).into_iter().flatten() {
                for method in &resource.methods {
                    if seen.insert((&api.id, &resource.path, &method.http_method)) {
                        *counts
                            .entry(integration_kind(method.integration.as_ref()))
                            .or_insert(0) += 1;
                    }
                }
            }
        }
    }
    counts
}

/// Resolves an integration or authorizer URI with a stage's variables.
pub fn resolve_uri(
    scope: &ScopeInventory,
    uri: &str,
    stage: &Stage,
) -> Result<FunctionArn, ArnError> {
    resolve_parsed(scope, arn::parse_integration_uri(uri)?, stage)
}

/// Resolves a parsed Lambda URI (REST or HTTP API) with a stage's variables, in the scope's
/// account when it names none.
pub(super) fn resolve_parsed(
    scope: &ScopeInventory,
    parsed: arn::LambdaIntegrationUri,
    stage: &Stage,
) -> Result<FunctionArn, ArnError> {
    let function = arn::substitute_stage_variables(&parsed.function, &stage.variables)?;
    arn::resolve_function(&function, &parsed.partition, &parsed.region, &scope.account)
}

/// Every route target of one API. APIs whose resources or stages could not be read yield none
/// (the checks report those as `error`); an API with no stage serves no traffic and yields none.
/// Each stage's routes are those of the deployment it serves when it was read
/// (`RestApi::served_resources`), so the checks judge what clients get.
pub(super) fn api_route_targets<'a>(
    scope: &ScopeInventory,
    api: &'a RestApi,
) -> Vec<RouteTarget<'a>> {
    let (Some(_), Some(stages)) = (api.resources.found(), api.stages.found()) else {
        return Vec::new();
    };
    let authorizers = api.authorizers.found().map(Vec::as_slice).unwrap_or(&[]);
    let mut targets = Vec::new();
    for stage in stages {
        let Some(resources) = api.served_resources(stage) else {
            continue;
        };
        for resource in resources {
            for method in &resource.methods {
                let Some(integration) = method.integration.as_ref().filter(|i| is_lambda_proxy(i))
                else {
                    continue;
                };
                let uri = integration.uri.as_deref().unwrap_or_default();
                targets.push(RouteTarget {
                    api: ApiView::Rest(api),
                    stage,
                    invoker: Invoker::Method {
                        path: &resource.path,
                        method: &method.http_method,
                        integration,
                    },
                    uri,
                    credentials: integration.credentials.as_deref(),
                    resolved: resolve_uri(scope, uri, stage),
                    source_arn: None,
                    action: arn::parse_integration_uri(uri).ok().map(|u| u.action),
                    streams: integration.streams(),
                });
            }
        }
        // An authorizer is only ever invoked through a method that uses it.
        for authorizer in authorizers.iter().filter(|a| is_lambda_authorizer(a)) {
            let used = resources
                .iter()
                .flat_map(|r| &r.methods)
                .any(|m| m.authorizer_id.as_deref() == Some(authorizer.id.as_str()));
            if !used {
                continue;
            }
            let uri = authorizer.uri.as_deref().unwrap_or_default();
            targets.push(RouteTarget {
                api: ApiView::Rest(api),
                stage,
                invoker: Invoker::Authorizer(authorizer),
                uri,
                credentials: authorizer.credentials.as_deref(),
                resolved: resolve_uri(scope, uri, stage),
                source_arn: None,
                action: arn::parse_integration_uri(uri).ok().map(|u| u.action),
                // Authorizers are always invoked for the whole response.
                streams: false,
            });
        }
    }
    for target in &mut targets {
        target.source_arn = target
            .resolved
            .as_ref()
            .ok()
            .map(|function| source_arn(scope, target, function));
    }
    targets
}

/// The source ARN API Gateway presents to Lambda for a route on a stage: the function's region,
/// the API's account (docs/aws-facts.md §1).
pub(super) fn source_arn(
    scope: &ScopeInventory,
    route: &RouteTarget<'_>,
    function: &FunctionArn,
) -> String {
    match &route.invoker {
        Invoker::Method { path, method, .. } => arn::method_source_arn(
            &function.partition,
            &function.region,
            &scope.account,
            route.api.id(),
            &route.stage.name,
            method,
            path,
        ),
        Invoker::Authorizer(authorizer) => arn::authorizer_source_arn(
            &function.partition,
            &function.region,
            &scope.account,
            route.api.id(),
            &authorizer.id,
        ),
    }
}
