//! Reading what a stage serves from API Gateway's export of its deployment (`GetExport`,
//! `exportType=oas30`, `extensions=integrations`): "Exports a deployed version of a RestApi"
//! (API Gateway API reference, GetExport; docs/aws-facts.md §1 "Test invocation"), with each method's
//! `x-amazon-apigateway-integration`. Pure parsing, unit-tested on export documents shaped like
//! AWS's; the Swagger 2.0 form has the same `paths` and is read the same way.

use serde_json::Value;

use crate::inventory::{ApiResource, Authorizer, Integration, Method};

/// The HTTP verbs an OpenAPI path item may hold, and API Gateway's key for `ANY`.
const VERBS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
const INTEGRATION: &str = "x-amazon-apigateway-integration";

/// The resources and methods of an export document, sorted by path like GetResources'. Resource
/// ids are not in an export and are left empty. A method's authorizer is found by the name its
/// `security` requirement gives, among `authorizers` (the API's current authorizers).
pub fn parse_export(
    document: &Value,
    authorizers: &[Authorizer],
) -> Result<Vec<ApiResource>, String> {
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the export has no `paths` object")?;
    let mut resources = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            return Err(format!("path {path} is not an object"));
        };
        let mut methods = Vec::new();
        for (key, operation) in item {
            let verb = if key == ANY_METHOD {
                "ANY".to_string()
            } else if VERBS.contains(&key.as_str()) {
                key.to_ascii_uppercase()
            } else {
                // `parameters`, `summary`, other extensions: not methods.
                continue;
            };
            methods.push(parse_method(verb, operation, authorizers));
        }
        methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
        resources.push(ApiResource {
            id: String::new(),
            path: path.clone(),
            methods,
        });
    }
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(resources)
}

fn parse_method(http_method: String, operation: &Value, authorizers: &[Authorizer]) -> Method {
    // `security: [{"name": []}]`: the first requirement that names a known authorizer.
    let authorizer = operation
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys())
        .find_map(|name| authorizers.iter().find(|a| &a.name == name));
    Method {
        http_method,
        authorization_type: Some(
            if authorizer.is_some() {
                "CUSTOM"
            } else {
                "NONE"
            }
            .to_string(),
        ),
        authorizer_id: authorizer.map(|a| a.id.clone()),
        integration: operation.get(INTEGRATION).map(parse_integration),
    }
}

/// An `x-amazon-apigateway-integration` object as an [`Integration`]; HTTP API exports also carry
/// `payloadFormatVersion`.
pub(crate) fn parse_integration(extension: &Value) -> Integration {
    let text = |key: &str| {
        extension
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Integration {
        // The export writes the type in lower case (`aws_proxy`); GetResources in upper case.
        kind: text("type").unwrap_or_default().to_ascii_uppercase(),
        http_method: text("httpMethod"),
        uri: text("uri"),
        credentials: text("credentials"),
        timeout_ms: extension
            .get("timeoutInMillis")
            .and_then(Value::as_i64)
            .and_then(|ms| i32::try_from(ms).ok()),
        payload_format_version: text("payloadFormatVersion"),
        // OpenAPI takes `responseTransferMode: "STREAM"` (docs/aws-facts.md §11.1); that the
        // export writes it for deployed STREAM methods is expected but unverified.
        response_transfer_mode: text("responseTransferMode"),
        request_parameters: extension
            .get("requestParameters")
            .and_then(Value::as_object)
            .map(|params| {
                params
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets-get:live/invocations";

    /// An export as AWS writes it for `get-export --export-type oas30 --parameters
    /// extensions=integrations`: servers with the stage, responses, and the integration extension
    /// with AWS's lower-case type and integer timeout.
    fn export() -> Value {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "pets", "version": "2026-11-21T10:00:00Z"},
            "servers": [{"url": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/{basePath}",
                         "variables": {"basePath": {"default": "prod"}}}],
            "paths": {
                "/pets/{id}": {
                    "get": {
                        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                        "security": [{"token-auth": []}],
                        "x-amazon-apigateway-integration": {
                            "type": "aws_proxy", "httpMethod": "POST", "uri": URI,
                            "passthroughBehavior": "when_no_match", "timeoutInMillis": 29000,
                            "credentials": "arn:aws:iam::123456789012:role/apigw-invoke"
                        }
                    },
                    "parameters": [{"name": "id", "in": "path", "required": true}]
                },
                "/": {
                    "x-amazon-apigateway-any-method": {
                        "responses": {"200": {"description": "200 response"}},
                        "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}
                    },
                    "options": {"responses": {}}
                }
            },
            "components": {"securitySchemes": {"token-auth": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom"}}}
        })
    }

    fn token_authorizer() -> Authorizer {
        Authorizer {
            id: "x1y2z3".into(),
            name: "token-auth".into(),
            kind: "TOKEN".into(),
            uri: None,
            credentials: None,
        }
    }

    #[test]
    fn reads_paths_methods_and_integrations() {
        let resources = parse_export(&export(), &[token_authorizer()]).unwrap();
        assert_eq!(
            resources
                .iter()
                .map(|r| r.path.as_str())
                .collect::<Vec<_>>(),
            ["/", "/pets/{id}"]
        );
        let root: Vec<&str> = resources[0]
            .methods
            .iter()
            .map(|m| m.http_method.as_str())
            .collect();
        assert_eq!(root, ["ANY", "OPTIONS"]);
        assert_eq!(
            resources[0].methods[0].integration.as_ref().unwrap().kind,
            "MOCK"
        );
        // A method without the extension has no integration.
        assert_eq!(resources[0].methods[1].integration, None);
        let get = &resources[1].methods[0];
        assert_eq!(get.http_method, "GET");
        assert_eq!(get.authorizer_id.as_deref(), Some("x1y2z3"));
        assert_eq!(get.authorization_type.as_deref(), Some("CUSTOM"));
        assert_eq!(
            get.integration,
            Some(Integration {
                kind: "AWS_PROXY".into(),
                http_method: Some("POST".into()),
                uri: Some(URI.into()),
                credentials: Some("arn:aws:iam::123456789012:role/apigw-invoke".into()),
                timeout_ms: Some(29000),
                payload_format_version: None,
                response_transfer_mode: None,
                request_parameters: Default::default(),
            })
        );
    }

    #[test]
    fn unknown_security_names_are_not_authorizers() {
        // API keys appear in `security` as `api_key`; they are not Lambda authorizers.
        let resources = parse_export(&export(), &[]).unwrap();
        assert_eq!(resources[1].methods[0].authorizer_id, None);
        assert_eq!(
            resources[1].methods[0].authorization_type.as_deref(),
            Some("NONE")
        );
    }

    #[test]
    fn swagger_2_is_read_the_same_way() {
        let mut swagger = export();
        let object = swagger.as_object_mut().unwrap();
        object.remove("openapi");
        object.insert("swagger".into(), json!("2.0"));
        object.insert("basePath".into(), json!("/prod"));
        assert_eq!(
            parse_export(&swagger, &[token_authorizer()]).unwrap(),
            parse_export(&export(), &[token_authorizer()]).unwrap()
        );
    }

    #[test]
    fn malformed_exports_are_errors_not_panics() {
        for document in [
            json!(null),
            json!({}),
            json!({"paths": []}),
            json!({"paths": {"/": 7}}),
        ] {
            assert!(parse_export(&document, &[]).is_err(), "{document}");
        }
        // An API without methods exports empty paths: no resources, not an error.
        assert_eq!(
            parse_export(&json!({"paths": {}}), &[]).unwrap(),
            Vec::new()
        );
    }
}
