//! Builders of HTTP APIs (API Gateway v2) for unit tests, healthy by default as the tools write
//! them: CDK's `HttpLambdaIntegration` (payload 2.0, bare function ARN, 30 s), an auto-deploy
//! stage whose access log carries `$context.integrationErrorMessage`, and a REQUEST authorizer
//! with payload 2.0 and simple responses reading the `Authorization` header.
//!
//! ```ignore
//! let inv = scope()
//!     .http_api(http_api("h1", "orders").route("GET /orders/{id}", "orders-get").stage("$default"))
//!     .target(target("orders-get", "h1"))
//!     .inventory();
//! ```

use std::collections::BTreeMap;

use super::{access_denied, function_arn, ScopeBuilder, ACCOUNT, REGION};
use crate::inventory::{
    AccessLogSettings, Authorizer, HttpApi, HttpAuthorizer, HttpIntegration, HttpRoute,
    Integration, Lookup, Stage,
};

/// A healthy HTTP API Lambda integration to `reference`: the bare function ARN, payload 2.0.
pub fn http_integration(reference: &str) -> Integration {
    Integration {
        kind: "AWS_PROXY".into(),
        http_method: Some("POST".into()),
        uri: Some(function_arn(reference)),
        credentials: None,
        timeout_ms: Some(30_000),
        payload_format_version: Some("2.0".into()),
        response_transfer_mode: None,
        request_parameters: BTreeMap::new(),
    }
}

/// The access-log format the AWS troubleshooting page suggests: CLF plus the integration error.
pub const ACCESS_LOG_FORMAT: &str = "$context.identity.sourceIp - - [$context.requestTime] \
\"$context.httpMethod $context.routeKey $context.protocol\" $context.status \
$context.responseLength $context.requestId $context.integrationErrorMessage";

/// Builds an HTTP API; start with [`http_api`].
pub struct HttpApiBuilder(HttpApi);

/// An HTTP API with no routes, integrations, stages or authorizers yet.
pub fn http_api(id: &str, name: &str) -> HttpApiBuilder {
    HttpApiBuilder(HttpApi {
        id: id.into(),
        name: name.into(),
        routes: Lookup::Found(Vec::new()),
        integrations: Lookup::Found(Vec::new()),
        stages: Lookup::Found(Vec::new()),
        authorizers: Lookup::Found(Vec::new()),
        deployments: BTreeMap::new(),
    })
}

impl HttpApiBuilder {
    /// `route_key` (`GET /orders/{id}`, `$default`) with a healthy integration to `reference`.
    pub fn route(self, route_key: &str, reference: &str) -> Self {
        self.integration(route_key, http_integration(reference))
    }

    /// `route_key` with its own integration (id `int-N`).
    pub fn integration(self, route_key: &str, integration: Integration) -> Self {
        self.add_route(route_key, integration, None)
    }

    /// `route_key` to `reference`, guarded by the Lambda authorizer `authorizer_id`.
    pub fn authorized_route(self, route_key: &str, reference: &str, authorizer_id: &str) -> Self {
        self.add_route(
            route_key,
            http_integration(reference),
            Some(authorizer_id.to_string()),
        )
    }

    fn add_route(
        mut self,
        route_key: &str,
        integration: Integration,
        authorizer_id: Option<String>,
    ) -> Self {
        if let (Lookup::Found(routes), Lookup::Found(integrations)) =
            (&mut self.0.routes, &mut self.0.integrations)
        {
            let integration_id = format!("int-{}", integrations.len() + 1);
            integrations.push(HttpIntegration {
                id: integration_id.clone(),
                integration,
            });
            routes.push(HttpRoute {
                id: format!("route-{}", routes.len() + 1),
                route_key: route_key.into(),
                target: Some(format!("integrations/{integration_id}")),
                authorization_type: Some(
                    if authorizer_id.is_some() {
                        "CUSTOM"
                    } else {
                        "NONE"
                    }
                    .into(),
                ),
                authorizer_id,
            });
        }
        self
    }

    /// An auto-deploy stage with no variables, logging integration errors.
    pub fn stage(self, name: &str) -> Self {
        self.stage_vars(name, &[])
    }

    /// An auto-deploy stage with variables.
    pub fn stage_vars(self, name: &str, variables: &[(&str, &str)]) -> Self {
        self.stage_with(http_stage(name, variables))
    }

    /// A stage as given.
    pub fn stage_with(mut self, stage: Stage) -> Self {
        if let Lookup::Found(stages) = &mut self.0.stages {
            stages.push(stage);
        }
        self
    }

    /// A REQUEST Lambda authorizer backed by `reference`: payload 2.0, simple responses, identity
    /// source `$request.header.Authorization`, no caching.
    pub fn authorizer(self, id: &str, name: &str, reference: &str) -> Self {
        self.authorizer_with(id, name, reference, |_| {})
    }

    /// A REQUEST Lambda authorizer that `edit` changes.
    pub fn authorizer_with(
        mut self,
        id: &str,
        name: &str,
        reference: &str,
        edit: impl FnOnce(&mut HttpAuthorizer),
    ) -> Self {
        let mut authorizer = HttpAuthorizer {
            authorizer: Authorizer {
                id: id.into(),
                name: name.into(),
                kind: "REQUEST".into(),
                uri: Some(super::lambda_uri(reference)),
                credentials: None,
            },
            payload_format_version: Some("2.0".into()),
            simple_responses: true,
            identity_source: vec!["$request.header.Authorization".into()],
            ttl_seconds: Some(0),
        };
        edit(&mut authorizer);
        if let Lookup::Found(authorizers) = &mut self.0.authorizers {
            authorizers.push(authorizer);
        }
        self
    }

    /// GetRoutes failed for this API.
    pub fn routes_failed(mut self) -> Self {
        self.0.routes = Lookup::Failed(access_denied("apigateway:GetRoutes", &self.0.id));
        self
    }

    pub fn build(self) -> HttpApi {
        self.0
    }
}

impl From<HttpApiBuilder> for HttpApi {
    fn from(builder: HttpApiBuilder) -> Self {
        builder.build()
    }
}

/// An auto-deploy HTTP API stage whose access log shows integration errors.
pub fn http_stage(name: &str, variables: &[(&str, &str)]) -> Stage {
    Stage {
        name: name.into(),
        deployment_id: Some(format!("dep-{}", name.trim_start_matches('$'))),
        variables: variables
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        method_settings: BTreeMap::new(),
        auto_deploy: Some(true),
        access_log: Some(AccessLogSettings {
            destination_arn: Some(format!(
                "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/{}",
                name.trim_start_matches('$')
            )),
            format: Some(ACCESS_LOG_FORMAT.into()),
        }),
    }
}

impl ScopeBuilder {
    pub fn http_api(mut self, api: impl Into<HttpApi>) -> Self {
        self.0.http_apis.push(api.into());
        self
    }
}

/// `AWS/ApiGateway` totals of one HTTP API stage, read by `ApiId`: `Count` and `5xx`.
pub fn http_stage_metrics(
    api_id: &str,
    api_name: &str,
    stage: &str,
    requests: f64,
    five_xx: f64,
) -> crate::inventory::evidence::StageMetrics {
    let mut metrics = super::stage_metrics(api_id, api_name, stage, requests, 0.0);
    metrics.protocol = crate::inventory::Protocol::Http;
    if let Lookup::Found(sums) = &mut metrics.sums {
        sums.values.remove("5XXError");
        sums.datapoints.remove("5XXError");
        sums.values.insert("5xx".into(), five_xx);
        sums.datapoints.insert("5xx".into(), 60);
    }
    metrics
}

/// The scan of an HTTP API stage's access log group.
pub fn access_log(
    api_id: &str,
    stage: &str,
    found: Vec<crate::inventory::evidence::SignatureHits>,
) -> crate::inventory::evidence::LogScan {
    crate::inventory::evidence::LogScan {
        log_group: format!("/aws/apigateway/{}", stage.trim_start_matches('$')),
        api_id: Some(api_id.into()),
        stage: Some(stage.into()),
        function_name: None,
        hits: Lookup::Found(found),
    }
}
