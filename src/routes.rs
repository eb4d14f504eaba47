//! Route targets: for every deployed stage of every REST API, each `AWS_PROXY` Lambda method
//! and each Lambda authorizer a method uses, resolved with that stage's variables to the exact
//! Lambda ARN API Gateway will invoke and the source ARN it will present (CHECKS.md, "The unit
//! of audit"). Collection uses this to know which functions to read; checks use it to judge.

use crate::arn::{self, ArnError, FunctionArn};
use crate::inventory::{Authorizer, Integration, Method, RestApi, ScopeInventory, Stage};

/// What invokes the function: a method of a resource, or an authorizer.
#[derive(Debug, Clone, PartialEq)]
pub enum Invoker<'a> {
    Method {
        path: &'a str,
        method: &'a Method,
        integration: &'a Integration,
    },
    Authorizer(&'a Authorizer),
}

/// One (API, stage, method-or-authorizer) whose backend is a Lambda function.
#[derive(Debug, Clone)]
pub struct RouteTarget<'a> {
    pub api: &'a RestApi,
    pub stage: &'a Stage,
    pub invoker: Invoker<'a>,
    /// The integration (or authorizer) URI as configured, before substitution.
    pub uri: &'a str,
    /// The role API Gateway assumes to invoke, if any.
    pub credentials: Option<&'a str>,
    /// The function the URI resolves to with this stage's variables.
    pub resolved: Result<FunctionArn, ArnError>,
}

impl<'a> RouteTarget<'a> {
    /// The source ARN API Gateway presents to Lambda for this route on this stage.
    pub fn source_arn(&self, scope: &ScopeInventory, function: &FunctionArn) -> String {
        match &self.invoker {
            Invoker::Method { path, method, .. } => arn::method_source_arn(
                &function.partition,
                &function.region,
                &scope.account,
                &self.api.id,
                &self.stage.name,
                &method.http_method,
                path,
            ),
            Invoker::Authorizer(authorizer) => arn::authorizer_source_arn(
                &function.partition,
                &function.region,
                &scope.account,
                &self.api.id,
                &authorizer.id,
            ),
        }
    }

    pub fn is_authorizer(&self) -> bool {
        matches!(self.invoker, Invoker::Authorizer(_))
    }
}

/// True for an integration API Gateway sends to Lambda as a proxy integration.
pub fn is_lambda_proxy(integration: &Integration) -> bool {
    integration.kind.eq_ignore_ascii_case("AWS_PROXY")
        && integration
            .uri
            .as_deref()
            .is_some_and(|uri| arn::parse_integration_uri(uri).is_ok())
}

/// True for an authorizer backed by a Lambda function.
pub fn is_lambda_authorizer(authorizer: &Authorizer) -> bool {
    matches!(authorizer.kind.as_str(), "TOKEN" | "REQUEST")
        && authorizer
            .uri
            .as_deref()
            .is_some_and(|uri| arn::parse_integration_uri(uri).is_ok())
}

/// Resolves an integration or authorizer URI with a stage's variables.
pub fn resolve_uri(
    scope: &ScopeInventory,
    uri: &str,
    stage: &Stage,
) -> Result<FunctionArn, ArnError> {
    let parsed = arn::parse_integration_uri(uri)?;
    let function = arn::substitute_stage_variables(&parsed.function, &stage.variables)?;
    arn::resolve_function(&function, &parsed.partition, &parsed.region, &scope.account)
}

/// Every route target of one API. APIs whose resources or stages could not be read yield none
/// (the checks report those as `error`); an API with no stage serves no traffic and yields none.
/// Each stage's routes are those of the deployment it serves when it was read
/// (`RestApi::served_resources`), so the checks judge what clients get.
pub fn api_route_targets<'a>(scope: &ScopeInventory, api: &'a RestApi) -> Vec<RouteTarget<'a>> {
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
                    api,
                    stage,
                    invoker: Invoker::Method {
                        path: &resource.path,
                        method,
                        integration,
                    },
                    uri,
                    credentials: integration.credentials.as_deref(),
                    resolved: resolve_uri(scope, uri, stage),
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
                api,
                stage,
                invoker: Invoker::Authorizer(authorizer),
                uri,
                credentials: authorizer.credentials.as_deref(),
                resolved: resolve_uri(scope, uri, stage),
            });
        }
    }
    targets
}

/// Every route target of every API in the scope.
pub fn scope_route_targets(scope: &ScopeInventory) -> Vec<RouteTarget<'_>> {
    scope
        .apis
        .iter()
        .flat_map(|api| api_route_targets(scope, api))
        .collect()
}
