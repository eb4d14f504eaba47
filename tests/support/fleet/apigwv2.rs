//! API Gateway v2 HTTP APIs: Lambda proxy integrations (bare function ARN as CDK writes it, or
//! the path form as Terraform's `invoke_arn`), routes (`GET /x`, `ANY /{proxy+}`, `$default`),
//! Lambda (REQUEST) authorizers, stages with or without auto-deploy, access logs, deployments.

use std::collections::HashMap;

use aws_sdk_apigatewayv2::types::{
    AccessLogSettings, AuthorizationType, AuthorizerType, IntegrationType, ProtocolType,
};

use super::{execute_api_arn, fail, integration_uri, Fleet};

/// How a Lambda proxy integration is written; the default is CDK's `HttpLambdaIntegration`:
/// the bare function ARN, `POST`, payload format 2.0, no role, the 30 s default timeout.
#[derive(Clone, Debug)]
pub struct HttpIntegrationOptions {
    /// Write the path form (`arn:aws:apigateway:…:lambda:path/…/invocations`) instead of the
    /// bare function ARN.
    pub path_form: bool,
    pub payload_format_version: String,
    pub integration_method: String,
    pub credentials: Option<String>,
    pub timeout_ms: Option<i32>,
}

impl Default for HttpIntegrationOptions {
    fn default() -> Self {
        HttpIntegrationOptions {
            path_form: false,
            payload_format_version: "2.0".to_string(),
            integration_method: "POST".to_string(),
            credentials: None,
            timeout_ms: None,
        }
    }
}

impl HttpIntegrationOptions {
    /// The path form of the URI (Terraform's `invoke_arn`), needed for stage variables.
    pub fn path_form(mut self) -> Self {
        self.path_form = true;
        self
    }

    pub fn payload(mut self, version: &str) -> Self {
        self.payload_format_version = version.to_string();
        self
    }

    pub fn credentials(mut self, role_arn: &str) -> Self {
        self.credentials = Some(role_arn.to_string());
        self
    }

    pub fn timeout_ms(mut self, ms: i32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }
}

/// A REQUEST Lambda authorizer as CDK's `HttpLambdaAuthorizer` writes it with simple responses:
/// payload 2.0, `$request.header.Authorization`, caching off.
#[derive(Clone, Debug)]
pub struct HttpAuthorizerOptions {
    pub payload_format_version: String,
    pub simple_responses: bool,
    pub identity_source: Vec<String>,
    pub ttl_seconds: i32,
    pub credentials: Option<String>,
}

impl Default for HttpAuthorizerOptions {
    fn default() -> Self {
        HttpAuthorizerOptions {
            payload_format_version: "2.0".to_string(),
            simple_responses: true,
            identity_source: vec!["$request.header.Authorization".to_string()],
            ttl_seconds: 0,
            credentials: None,
        }
    }
}

/// One HTTP API of the fleet.
pub struct HttpApiHandle {
    pub id: String,
    pub name: String,
    pub account: String,
    client: aws_sdk_apigatewayv2::Client,
}

impl Fleet {
    /// Creates an HTTP API (no routes, no stage).
    pub async fn create_http_api(&self, name: &str) -> HttpApiHandle {
        self.create_v2_api(name, ProtocolType::Http).await
    }

    /// Creates a WebSocket API (listed and counted by the auditor, not audited).
    pub async fn create_websocket_api(&self, name: &str) -> HttpApiHandle {
        self.create_v2_api(name, ProtocolType::Websocket).await
    }

    async fn create_v2_api(&self, name: &str, protocol: ProtocolType) -> HttpApiHandle {
        let mut request = self
            .apigwv2
            .create_api()
            .name(name)
            .protocol_type(protocol.clone());
        if protocol == ProtocolType::Websocket {
            request = request.route_selection_expression("$request.body.action");
        }
        let created = request
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigatewayv2:CreateApi {name}"), e));
        HttpApiHandle {
            id: created
                .api_id()
                .expect("CreateApi returns the id")
                .to_string(),
            name: name.to_string(),
            account: self.account().await,
            client: self.apigwv2.clone(),
        }
    }
}

impl HttpApiHandle {
    /// An `AWS_PROXY` integration to `function` (an ARN, qualified or not, or a
    /// `${stageVariables.x}` template with `path_form`); returns its id.
    pub async fn lambda_integration(
        &self,
        function: &str,
        options: HttpIntegrationOptions,
    ) -> String {
        let uri = if options.path_form {
            integration_uri(function)
        } else {
            function.to_string()
        };
        self.client
            .create_integration()
            .api_id(&self.id)
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri(uri)
            .integration_method(&options.integration_method)
            .payload_format_version(&options.payload_format_version)
            .set_credentials_arn(options.credentials.clone())
            .set_timeout_in_millis(options.timeout_ms)
            .send()
            .await
            .unwrap_or_else(|e| {
                fail(
                    format!("apigatewayv2:CreateIntegration {} {function}", self.id),
                    e,
                )
            })
            .integration_id()
            .expect("CreateIntegration returns the id")
            .to_string()
    }

    /// A route (`GET /orders/{id}`, `$default`) targeting `integration_id`, optionally guarded by
    /// the Lambda authorizer `authorizer_id`; returns the route id.
    pub async fn route(
        &self,
        route_key: &str,
        integration_id: &str,
        authorizer_id: Option<&str>,
    ) -> String {
        let authorization = if authorizer_id.is_some() {
            AuthorizationType::Custom
        } else {
            AuthorizationType::None
        };
        self.client
            .create_route()
            .api_id(&self.id)
            .route_key(route_key)
            .target(format!("integrations/{integration_id}"))
            .authorization_type(authorization)
            .set_authorizer_id(authorizer_id.map(str::to_string))
            .send()
            .await
            .unwrap_or_else(|e| {
                fail(
                    format!("apigatewayv2:CreateRoute {} {route_key}", self.id),
                    e,
                )
            })
            .route_id()
            .expect("CreateRoute returns the id")
            .to_string()
    }

    /// A route with its own default integration to `function`: what CDK's
    /// `addRoutes({path, methods, integration: new HttpLambdaIntegration(...)})` makes.
    pub async fn lambda_route(&self, route_key: &str, function: &str) -> String {
        let integration = self
            .lambda_integration(function, HttpIntegrationOptions::default())
            .await;
        self.route(route_key, &integration, None).await
    }

    /// A REQUEST Lambda authorizer (path-form URI, as every tool writes it, §12.4); returns its id.
    pub async fn authorizer(
        &self,
        name: &str,
        function: &str,
        options: HttpAuthorizerOptions,
    ) -> String {
        self.client
            .create_authorizer()
            .api_id(&self.id)
            .name(name)
            .authorizer_type(AuthorizerType::Request)
            .authorizer_uri(integration_uri(function))
            .authorizer_payload_format_version(&options.payload_format_version)
            .enable_simple_responses(options.simple_responses)
            .set_identity_source(Some(options.identity_source.clone()))
            .authorizer_result_ttl_in_seconds(options.ttl_seconds)
            .set_authorizer_credentials_arn(options.credentials.clone())
            .send()
            .await
            .unwrap_or_else(|e| {
                fail(
                    format!("apigatewayv2:CreateAuthorizer {} {name}", self.id),
                    e,
                )
            })
            .authorizer_id()
            .expect("CreateAuthorizer returns the id")
            .to_string()
    }

    /// A stage with auto-deploy (CDK's and the Serverless Framework's `$default` stage).
    pub async fn auto_stage(&self, name: &str, variables: &[(&str, &str)]) {
        self.stage(name, true, variables, None).await
    }

    /// A stage; `access_log` is `(log group ARN, format)`.
    pub async fn stage(
        &self,
        name: &str,
        auto_deploy: bool,
        variables: &[(&str, &str)],
        access_log: Option<(&str, &str)>,
    ) {
        let variables: HashMap<String, String> = variables
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.client
            .create_stage()
            .api_id(&self.id)
            .stage_name(name)
            .auto_deploy(auto_deploy)
            .set_stage_variables((!variables.is_empty()).then_some(variables))
            .set_access_log_settings(access_log.map(|(arn, format)| {
                AccessLogSettings::builder()
                    .destination_arn(arn)
                    .format(format)
                    .build()
            }))
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigatewayv2:CreateStage {} {name}", self.id), e));
    }

    /// Deletes the API (to leave permissions naming it behind).
    pub async fn delete(&self) {
        self.client
            .delete_api()
            .api_id(&self.id)
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigatewayv2:DeleteApi {}", self.id), e));
    }

    /// `arn:aws:execute-api:us-east-1:{account}:{api id}/{rest}`.
    pub fn execute_api_arn(&self, rest: &str) -> String {
        execute_api_arn(&self.account, &format!("{}/{rest}", self.id))
    }
}
