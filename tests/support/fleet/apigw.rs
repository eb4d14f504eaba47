//! API Gateway REST APIs: nested resources, Lambda proxy methods, Lambda authorizers, deployments
//! and stages.

use std::collections::HashMap;

use aws_sdk_apigateway::types::{AuthorizerType, IntegrationType};
use tokio::sync::Mutex;

use super::{execute_api_arn, fail, integration_uri, Fleet};

/// TOKEN or REQUEST Lambda authorizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizerKind {
    Token,
    Request,
}

/// How a Lambda proxy method is set up; the default is what the console creates (`POST`, no
/// credentials, no authorizer, default 29 s timeout).
#[derive(Clone, Debug)]
pub struct MethodOptions {
    /// The integration's HTTP method; anything but `POST` makes every call a 500.
    pub integration_http_method: String,
    /// A role ARN API Gateway assumes to call Lambda (then the resource policy is not used).
    pub credentials: Option<String>,
    /// A Lambda authorizer id; sets authorization type `CUSTOM` unless `authorization_type` says.
    pub authorizer_id: Option<String>,
    /// Overrides the method's authorization type (`NONE`, `CUSTOM`, `AWS_IAM`, ...).
    pub authorization_type: Option<String>,
    /// The integration timeout in ms (API Gateway's default: 29000).
    pub timeout_ms: Option<i32>,
    /// `responseTransferMode: STREAM`, set with UpdateIntegration: ministack's PutIntegration
    /// drops the field, UpdateIntegration keeps it (docs/testing.md).
    pub streaming: bool,
    /// Integration request parameters (`integration.request.header.X` → source).
    pub request_parameters: Vec<(String, String)>,
}

impl Default for MethodOptions {
    fn default() -> Self {
        MethodOptions {
            integration_http_method: "POST".to_string(),
            credentials: None,
            authorizer_id: None,
            authorization_type: None,
            timeout_ms: None,
            streaming: false,
            request_parameters: Vec::new(),
        }
    }
}

impl MethodOptions {
    pub fn integration_http_method(mut self, method: &str) -> Self {
        self.integration_http_method = method.to_string();
        self
    }

    pub fn credentials(mut self, role_arn: &str) -> Self {
        self.credentials = Some(role_arn.to_string());
        self
    }

    pub fn authorizer(mut self, authorizer_id: &str) -> Self {
        self.authorizer_id = Some(authorizer_id.to_string());
        self
    }

    pub fn authorization_type(mut self, kind: &str) -> Self {
        self.authorization_type = Some(kind.to_string());
        self
    }

    pub fn timeout_ms(mut self, ms: i32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    pub fn streaming(mut self) -> Self {
        self.streaming = true;
        self
    }

    pub fn request_parameter(mut self, name: &str, source: &str) -> Self {
        self.request_parameters
            .push((name.to_string(), source.to_string()));
        self
    }
}

/// One REST API of the fleet. Knows its resources by path so that `resource("/a/b")` creates
/// only what is missing.
pub struct ApiHandle {
    pub id: String,
    pub name: String,
    pub root_id: String,
    pub account: String,
    client: aws_sdk_apigateway::Client,
    /// path → resource id; the lock is held while creating, so concurrent calls do not create
    /// the same resource twice.
    resources: Mutex<HashMap<String, String>>,
}

impl Fleet {
    /// Creates a REST API with the emulator's default endpoint type (ministack: REGIONAL; AWS's
    /// CreateRestApi defaults to EDGE). Tests whose outcome depends on the endpoint type use
    /// `create_api_with_endpoint`.
    pub async fn create_api(&self, name: &str) -> ApiHandle {
        self.create_api_with_endpoint(name, None).await
    }

    /// Creates a REST API with `endpointConfiguration.types = [endpoint]` (`EDGE`, `REGIONAL`,
    /// `PRIVATE`), or the emulator's default when `None`.
    pub async fn create_api_with_endpoint(&self, name: &str, endpoint: Option<&str>) -> ApiHandle {
        let created = self
            .apigw
            .create_rest_api()
            .name(name)
            .set_endpoint_configuration(endpoint.map(|kind| {
                aws_sdk_apigateway::types::EndpointConfiguration::builder()
                    .types(aws_sdk_apigateway::types::EndpointType::from(kind))
                    .build()
            }))
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigateway:CreateRestApi {name}"), e));
        let id = created
            .id()
            .expect("CreateRestApi returns the id")
            .to_string();
        let root_id = match created.root_resource_id() {
            Some(root) => root.to_string(),
            // Older API Gateway responses have no rootResourceId: find `/` among the resources.
            None => self
                .apigw
                .get_resources()
                .rest_api_id(&id)
                .send()
                .await
                .unwrap_or_else(|e| fail(format!("apigateway:GetResources {id}"), e))
                .items()
                .iter()
                .find(|r| r.path() == Some("/"))
                .and_then(|r| r.id())
                .expect("a new API has a root resource")
                .to_string(),
        };
        ApiHandle {
            resources: Mutex::new(HashMap::from([("/".to_string(), root_id.clone())])),
            id,
            name: name.to_string(),
            root_id,
            account: self.account().await,
            client: self.apigw.clone(),
        }
    }
}

impl ApiHandle {
    /// The id of the resource at `path` (`/`, `/pets/{id}`, `/{proxy+}`), creating it and its
    /// missing parents.
    pub async fn resource(&self, path: &str) -> String {
        let mut known = self.resources.lock().await;
        let mut current = "/".to_string();
        let mut parent_id = self.root_id.clone();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            current = if current == "/" {
                format!("/{part}")
            } else {
                format!("{current}/{part}")
            };
            parent_id = match known.get(&current) {
                Some(id) => id.clone(),
                None => {
                    let id = self
                        .client
                        .create_resource()
                        .rest_api_id(&self.id)
                        .parent_id(&parent_id)
                        .path_part(part)
                        .send()
                        .await
                        .unwrap_or_else(|e| {
                            fail(
                                format!("apigateway:CreateResource {} {current}", self.id),
                                e,
                            )
                        })
                        .id()
                        .expect("CreateResource returns the id")
                        .to_string();
                    known.insert(current.clone(), id.clone());
                    id
                }
            };
        }
        parent_id
    }

    /// `verb` on `path` with an `AWS_PROXY` integration to `function_target` (a function ARN,
    /// qualified or not, or a `${stageVariables.x}` template, or a full integration URI; see
    /// `integration_uri`). Returns the resource id.
    pub async fn lambda_proxy_method(
        &self,
        path: &str,
        verb: &str,
        function_target: &str,
        options: MethodOptions,
    ) -> String {
        let resource_id = self.resource(path).await;
        let authorization = options.authorization_type.clone().unwrap_or_else(|| {
            if options.authorizer_id.is_some() {
                "CUSTOM"
            } else {
                "NONE"
            }
            .to_string()
        });
        let what = format!("{} {verb} {path}", self.id);
        self.client
            .put_method()
            .rest_api_id(&self.id)
            .resource_id(&resource_id)
            .http_method(verb)
            .authorization_type(authorization)
            .set_authorizer_id(options.authorizer_id.clone())
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigateway:PutMethod {what}"), e));
        self.client
            .put_integration()
            .rest_api_id(&self.id)
            .resource_id(&resource_id)
            .http_method(verb)
            .r#type(IntegrationType::AwsProxy)
            .integration_http_method(&options.integration_http_method)
            .uri(integration_uri(function_target))
            .set_credentials(options.credentials.clone())
            .set_timeout_in_millis(options.timeout_ms)
            .set_request_parameters(
                (!options.request_parameters.is_empty())
                    .then(|| options.request_parameters.iter().cloned().collect()),
            )
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigateway:PutIntegration {what}"), e));
        if options.streaming {
            self.client
                .update_integration()
                .rest_api_id(&self.id)
                .resource_id(&resource_id)
                .http_method(verb)
                .patch_operations(
                    aws_sdk_apigateway::types::PatchOperation::builder()
                        .op(aws_sdk_apigateway::types::Op::Replace)
                        .path("/responseTransferMode")
                        .value("STREAM")
                        .build(),
                )
                .send()
                .await
                .unwrap_or_else(|e| fail(format!("apigateway:UpdateIntegration {what}"), e));
        }
        resource_id
    }

    /// A Lambda authorizer (identity source: the `Authorization` header); returns its id.
    pub async fn authorizer(
        &self,
        name: &str,
        kind: AuthorizerKind,
        function_target: &str,
    ) -> String {
        self.authorizer_with_credentials(name, kind, function_target, None)
            .await
    }

    /// A Lambda authorizer that API Gateway calls with role `credentials`.
    pub async fn authorizer_with_credentials(
        &self,
        name: &str,
        kind: AuthorizerKind,
        function_target: &str,
        credentials: Option<&str>,
    ) -> String {
        let kind = match kind {
            AuthorizerKind::Token => AuthorizerType::Token,
            AuthorizerKind::Request => AuthorizerType::Request,
        };
        self.client
            .create_authorizer()
            .rest_api_id(&self.id)
            .name(name)
            .r#type(kind)
            .authorizer_uri(integration_uri(function_target))
            .identity_source("method.request.header.Authorization")
            .set_authorizer_credentials(credentials.map(str::to_string))
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigateway:CreateAuthorizer {} {name}", self.id), e))
            .id()
            .expect("CreateAuthorizer returns the id")
            .to_string()
    }

    /// Deploys the current configuration, creating or updating `stage` with `variables`; returns
    /// the deployment id.
    pub async fn deploy(&self, stage: &str, variables: &[(&str, &str)]) -> String {
        self.client
            .create_deployment()
            .rest_api_id(&self.id)
            .stage_name(stage)
            .set_variables(to_map(variables))
            .send()
            .await
            .unwrap_or_else(|e| {
                fail(
                    format!("apigateway:CreateDeployment {} {stage}", self.id),
                    e,
                )
            })
            .id()
            .expect("CreateDeployment returns the id")
            .to_string()
    }

    /// A stage on an existing deployment (e.g. a second stage, or one left on an old deployment).
    pub async fn stage(&self, name: &str, deployment_id: &str, variables: &[(&str, &str)]) {
        self.client
            .create_stage()
            .rest_api_id(&self.id)
            .stage_name(name)
            .deployment_id(deployment_id)
            .set_variables(to_map(variables))
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("apigateway:CreateStage {} {name}", self.id), e));
    }

    /// `arn:aws:execute-api:us-east-1:{account}:{api id}/{rest}`.
    pub fn execute_api_arn(&self, rest: &str) -> String {
        execute_api_arn(&self.account, &format!("{}/{rest}", self.id))
    }

    /// The source ARN API Gateway presents to Lambda for a route: `{api}/{stage}/{VERB}{path}`
    /// (the root resource ends in `/`).
    pub fn route_source_arn(&self, stage: &str, verb: &str, path: &str) -> String {
        self.execute_api_arn(&format!("{stage}/{verb}{path}"))
    }

    /// The source ARN API Gateway presents to Lambda for an authorizer.
    pub fn authorizer_source_arn(&self, authorizer_id: &str) -> String {
        self.execute_api_arn(&format!("authorizers/{authorizer_id}"))
    }
}

fn to_map(variables: &[(&str, &str)]) -> Option<HashMap<String, String>> {
    (!variables.is_empty()).then(|| {
        variables
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}
