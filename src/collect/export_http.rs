//! What a stage of an HTTP API without auto-deploy serves: one `ExportApi` (`OAS30`, JSON, with
//! API Gateway's extensions) per distinct deployment a stage points at, read as routes and
//! integrations (docs/aws-facts.md §12.1: "To see what a stage serves: ExportApi … stageName";
//! without `stageName` it exports the undeployed configuration). Auto-deploy stages serve the
//! current configuration and cost no call. Only with `collect.integrations = "deployed"`.
//!
//! The export names a route by its OpenAPI path and operation: `get` under `/pets/{id}` is
//! `GET /pets/{id}`, `x-amazon-apigateway-any-method` is `ANY`, and the `$default` route is the
//! any-method of path `/$default` marked `isDefaultRoute` (the `x-amazon-apigateway-any-method`
//! object page of the developer guide). Each operation carries its own
//! `x-amazon-apigateway-integration`; an export has no ids, so the integrations get
//! `deployed-N` ones, and a route's authorizer is found by the name its `security` requirement
//! gives among the API's current authorizers.

use aws_sdk_apigatewayv2::Client;
use serde_json::Value;

use crate::aws::{translate, CallGate, Operation};
use crate::collect::deployed::{distinct_deployments, export_lookup};
use crate::collect::export::parse_integration;
use crate::inventory::{
    HttpApi, HttpAuthorizer, HttpDeployment, HttpIntegration, HttpRoute, Lookup,
};

const VERBS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
const INTEGRATION: &str = "x-amazon-apigateway-integration";

/// The routes and integrations of an HTTP API export document.
pub fn parse_http_export(
    document: &Value,
    authorizers: &[HttpAuthorizer],
) -> Result<HttpDeployment, String> {
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the export has no `paths` object")?;
    let mut deployment = HttpDeployment::default();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            return Err(format!("path {path} is not an object"));
        };
        for (key, operation) in item {
            let route_key = if key == ANY_METHOD {
                if operation.get("isDefaultRoute").and_then(Value::as_bool) == Some(true) {
                    crate::inventory::http_api::DEFAULT_ROUTE.to_string()
                } else {
                    format!("ANY {path}")
                }
            } else if VERBS.contains(&key.as_str()) {
                format!("{} {path}", key.to_ascii_uppercase())
            } else {
                // `parameters`, `summary`, other extensions: not operations.
                continue;
            };
            let target = operation.get(INTEGRATION).map(|extension| {
                let id = format!("deployed-{}", deployment.integrations.len() + 1);
                deployment.integrations.push(HttpIntegration {
                    id: id.clone(),
                    integration: parse_integration(extension),
                });
                format!("integrations/{id}")
            });
            let authorizer = security_names(operation)
                .find_map(|name| authorizers.iter().find(|a| a.authorizer.name == name));
            deployment.routes.push(HttpRoute {
                id: String::new(),
                route_key,
                target,
                authorization_type: Some(
                    match authorizer.map(|a| a.authorizer.kind.as_str()) {
                        Some(kind) if kind.eq_ignore_ascii_case("JWT") => "JWT",
                        Some(_) => "CUSTOM",
                        None => "NONE",
                    }
                    .to_string(),
                ),
                authorizer_id: authorizer.map(|a| a.authorizer.id.clone()),
            });
        }
    }
    deployment
        .routes
        .sort_by(|a, b| a.route_key.cmp(&b.route_key));
    Ok(deployment)
}

/// The scheme names of an operation's `security: [{"name": [scopes]}]` requirements.
fn security_names(operation: &Value) -> impl Iterator<Item = &str> {
    operation
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().map(String::as_str))
}

/// The exports an HTTP API needs once its stages are read: `(deployment id, a stage serving it)`,
/// one per distinct deployment of a stage without auto-deploy. None when its routes or stages
/// could not be read: there is nothing to compare what a stage serves with.
pub fn http_exports_to_read(api: &HttpApi) -> Vec<(String, String)> {
    let (Some(stages), Some(_)) = (api.stages.found(), api.routes.found()) else {
        return Vec::new();
    };
    distinct_deployments(stages.iter().filter(|s| !s.auto_deploy.unwrap_or(false)))
}

/// What the deployment that `stage` of `api` serves holds.
pub async fn export_http(
    client: &Client,
    gate: &CallGate,
    (account, region): (&str, &str),
    api: &HttpApi,
    stage: &str,
) -> Lookup<HttpDeployment> {
    let resource = format!("{}/{stage}", api.id);
    let output = gate
        .send(Operation::ApiGatewayV2ExportApi, || {
            client
                .export_api()
                .api_id(&api.id)
                .stage_name(stage)
                .specification("OAS30")
                .output_type("JSON")
                .include_extensions(true)
                .send()
        })
        .await;
    let authorizers = api.authorizers.found().map(Vec::as_slice).unwrap_or(&[]);
    let body = match &output {
        Ok(output) => Ok(output.body().map(|b| b.as_ref())),
        Err(e) => Err(translate(e)),
    };
    let read = (account, region, Operation::ApiGatewayV2ExportApi, resource);
    export_lookup(read, body, |document| {
        parse_http_export(document, authorizers)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Authorizer;
    use serde_json::json;

    const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders-get";

    /// An export shaped as `aws apigatewayv2 export-api --specification OAS30 --output-type JSON
    /// --stage-name prod` writes it: paths per route, the `$default` route under `/$default`,
    /// the integration extension per operation, authorizers as security schemes.
    fn export() -> Value {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "orders", "version": "2026-11-21 10:00:00UTC"},
            "servers": [{"url": "https://h1.execute-api.us-east-1.amazonaws.com/{basePath}",
                         "variables": {"basePath": {"default": "prod"}}}],
            "paths": {
                "/orders/{id}": {
                    "get": {
                        "responses": {"default": {"description": "Default response"}},
                        "security": [{"tokens": []}],
                        "x-amazon-apigateway-integration": {
                            "payloadFormatVersion": "1.0", "type": "aws_proxy",
                            "httpMethod": "POST", "uri": FN,
                            "connectionType": "INTERNET", "timeoutInMillis": 30000
                        }
                    },
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "string"}}]
                },
                "/$default": {
                    "x-amazon-apigateway-any-method": {
                        "isDefaultRoute": true,
                        "x-amazon-apigateway-integration": {
                            "payloadFormatVersion": "2.0", "type": "aws_proxy",
                            "httpMethod": "POST", "uri": FN, "timeoutInMillis": 30000
                        }
                    }
                },
                "/{proxy+}": {"x-amazon-apigateway-any-method": {"responses": {}}}
            },
            "components": {"securitySchemes": {"tokens": {"type": "apiKey", "name": "Authorization",
                "in": "header", "x-amazon-apigateway-authorizer": {"type": "request"}}}}
        })
    }

    fn authorizer() -> HttpAuthorizer {
        HttpAuthorizer {
            authorizer: Authorizer {
                id: "au1".into(),
                name: "tokens".into(),
                kind: "REQUEST".into(),
                uri: None,
                credentials: None,
            },
            payload_format_version: Some("2.0".into()),
            simple_responses: true,
            identity_source: vec![],
            ttl_seconds: None,
        }
    }

    #[test]
    fn routes_default_route_and_integrations_are_read() {
        let deployment = parse_http_export(&export(), &[authorizer()]).unwrap();
        let keys: Vec<&str> = deployment
            .routes
            .iter()
            .map(|r| r.route_key.as_str())
            .collect();
        assert_eq!(keys, ["$default", "ANY /{proxy+}", "GET /orders/{id}"]);
        let get = &deployment.routes[2];
        assert_eq!(get.authorizer_id.as_deref(), Some("au1"));
        assert_eq!(get.authorization_type.as_deref(), Some("CUSTOM"));
        let integration = deployment
            .integrations
            .iter()
            .find(|i| Some(i.id.as_str()) == get.integration_id())
            .unwrap();
        assert_eq!(integration.integration.kind, "AWS_PROXY");
        assert_eq!(integration.integration.uri.as_deref(), Some(FN));
        assert_eq!(
            integration.integration.payload_format_version.as_deref(),
            Some("1.0")
        );
        assert_eq!(integration.integration.timeout_ms, Some(30000));
        // A route without an integration has no target.
        assert_eq!(deployment.routes[1].target, None);
        assert_eq!(deployment.integrations.len(), 2);
    }

    #[test]
    fn a_document_without_paths_is_malformed() {
        assert!(parse_http_export(&json!({"openapi": "3.0.1"}), &[]).is_err());
    }
}
