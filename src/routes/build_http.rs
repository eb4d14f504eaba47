//! Building the route targets of an HTTP API (API Gateway v2): for every stage, each route of
//! what the stage serves whose integration is an `AWS_PROXY` Lambda integration, and each Lambda
//! authorizer such a route uses, resolved with the stage's variables to the exact Lambda ARN
//! API Gateway invokes and the source ARN it presents (docs/aws-facts.md §12.1, §12.2).
//!
//! What differs from REST (`build.rs`): the routes come from route keys (`GET /pets/{id}`,
//! `$default`) and the integrations they target; an integration URI may be a bare function ARN;
//! the `$default` route's source ARN has no method segment; an auto-deploy stage serves the
//! current configuration.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Invoker, RouteTarget};
use crate::arn::{self, ArnError, FunctionArn};
use crate::inventory::{
    ApiView, HttpApi, HttpAuthorizer, HttpIntegration, Integration, ScopeInventory, Stage,
};

/// True for an HTTP API integration API Gateway sends to Lambda: `AWS_PROXY` with a URI meant for
/// Lambda, in either form (the path form, or the bare function ARN CDK's `HttpLambdaIntegration`
/// and the Serverless Framework write, §12.1) — one the auditor cannot parse is still a route
/// target (it resolves to an error the checks report), never silently dropped.
pub fn is_http_lambda_proxy(integration: &Integration) -> bool {
    integration.kind.eq_ignore_ascii_case("AWS_PROXY")
        && integration.uri.as_deref().is_some_and(arn::names_lambda)
}

/// True for an HTTP API authorizer backed by a Lambda function (`REQUEST`; `JWT` authorizers
/// invoke nothing).
pub fn is_http_lambda_authorizer(authorizer: &HttpAuthorizer) -> bool {
    authorizer.authorizer.kind.eq_ignore_ascii_case("REQUEST")
        && authorizer
            .authorizer
            .uri
            .as_deref()
            .is_some_and(arn::names_lambda)
}

/// The integration type of an HTTP API route for `summary.integrations`: `http/` and the
/// integration's type, lower case with `-`, and whether it calls Lambda (`http/none` for a route
/// without integration).
pub fn http_integration_kind(integration: Option<&Integration>) -> String {
    let Some(integration) = integration else {
        return "http/none".to_string();
    };
    let kind = integration.kind.to_ascii_lowercase().replace('_', "-");
    match integration.uri.as_deref().is_some_and(arn::names_lambda) {
        true => format!("http/{kind}-lambda"),
        false => format!("http/{kind}"),
    }
}

/// Every route (API, route key) a stage of the scope's HTTP APIs serves, by integration type, and
/// the WebSocket APIs, listed but not audited, as `websocket/not-audited` (one per API).
pub fn http_integration_counts(scope: &ScopeInventory) -> BTreeMap<String, usize> {
    let mut seen = BTreeSet::new();
    let mut counts = BTreeMap::new();
    for api in &scope.http_apis {
        for stage in api.stages.found().into_iter().flatten() {
            let Some((routes, integrations)) = api.served(stage) else {
                continue;
            };
            for route in routes {
                if seen.insert((&api.id, &route.route_key)) {
                    let integration = route
                        .integration_id()
                        .and_then(|id| integrations.iter().find(|i| i.id == id))
                        .map(|i| &i.integration);
                    *counts
                        .entry(http_integration_kind(integration))
                        .or_insert(0) += 1;
                }
            }
        }
    }
    if !scope.websocket_apis.is_empty() {
        counts.insert(
            "websocket/not-audited".to_string(),
            scope.websocket_apis.len(),
        );
    }
    counts
}

/// Resolves an HTTP API integration or authorizer URI with a stage's variables.
pub fn resolve_http_uri(
    scope: &ScopeInventory,
    uri: &str,
    stage: &Stage,
) -> Result<FunctionArn, ArnError> {
    // The bare-ARN form with a stage variable is no documented form (the console refuses it,
    // §12.1): it does not parse, and the route is reported as one that cannot be judged.
    super::build::resolve_parsed(scope, arn::parse_http_api_integration_uri(uri)?, stage)
}

/// Every route target of one HTTP API. An API whose routes, integrations or stages could not be
/// read yields none (the checks report those as `error`); an API with no stage serves nothing.
pub(super) fn http_api_route_targets<'a>(
    scope: &ScopeInventory,
    api: &'a HttpApi,
) -> Vec<RouteTarget<'a>> {
    let (Some(_), Some(_), Some(stages)) = (
        api.routes.found(),
        api.integrations.found(),
        api.stages.found(),
    ) else {
        return Vec::new();
    };
    let authorizers = api.authorizers.found().map(Vec::as_slice).unwrap_or(&[]);
    let mut targets = Vec::new();
    for stage in stages {
        let Some((routes, integrations)) = api.served(stage) else {
            continue;
        };
        for route in routes {
            let Some(integration) = route
                .integration_id()
                .and_then(|id| integrations.iter().find(|i| i.id == id))
                .map(|i: &HttpIntegration| &i.integration)
                .filter(|i| is_http_lambda_proxy(i))
            else {
                continue;
            };
            let (method, path) = route.method_and_path();
            let uri = integration.uri.as_deref().unwrap_or_default();
            targets.push(RouteTarget {
                api: ApiView::Http(api),
                stage,
                invoker: Invoker::Method {
                    path,
                    method,
                    integration,
                },
                uri,
                credentials: integration.credentials.as_deref(),
                resolved: resolve_http_uri(scope, uri, stage),
                source_arn: None,
                action: arn::parse_http_api_integration_uri(uri)
                    .ok()
                    .map(|u| u.action),
                // Response streaming is REST-only (docs/aws-facts.md §11.1).
                streams: false,
            });
        }
        // An authorizer is only invoked through a route that uses it.
        for authorizer in authorizers.iter().filter(|a| is_http_lambda_authorizer(a)) {
            let id = authorizer.authorizer.id.as_str();
            let used = routes
                .iter()
                .any(|r| r.uses_lambda_authorizer() && r.authorizer_id.as_deref() == Some(id));
            if !used {
                continue;
            }
            let uri = authorizer.authorizer.uri.as_deref().unwrap_or_default();
            targets.push(RouteTarget {
                api: ApiView::Http(api),
                stage,
                invoker: Invoker::Authorizer(&authorizer.authorizer),
                uri,
                credentials: authorizer.authorizer.credentials.as_deref(),
                resolved: resolve_http_uri(scope, uri, stage),
                source_arn: None,
                action: arn::parse_http_api_integration_uri(uri)
                    .ok()
                    .map(|u| u.action),
                streams: false,
            });
        }
    }
    for target in &mut targets {
        target.source_arn = target
            .resolved
            .as_ref()
            .ok()
            .map(|function| http_source_arn(scope, target, function));
    }
    targets
}

/// The source ARN API Gateway presents to Lambda for an HTTP API route on a stage (§12.2): as
/// for REST (`{api}/{stage}/{METHOD}/{path}`, the function's region, the API's account), except
/// that the `$default` route has no method segment (`{api}/{stage}/$default`, AWS's
/// `http-api-troubleshooting-lambda.html` and SAM issue #1860) and the `$default` stage is the
/// literal `$default`. Authorizers: `{api}/authorizers/{id}`, as for REST.
fn http_source_arn(
    scope: &ScopeInventory,
    route: &RouteTarget<'_>,
    function: &FunctionArn,
) -> String {
    match &route.invoker {
        Invoker::Method { path, .. } if route.is_default_route() => format!(
            "arn:{}:execute-api:{}:{}:{}/{}/{path}",
            function.partition,
            function.region,
            scope.account,
            route.api.id(),
            route.stage.name
        ),
        _ => super::build::source_arn(scope, route, function),
    }
}

#[cfg(test)]
mod tests;
