//! The HTTP API (API Gateway v2, `protocolType: HTTP`) part of the inventory: routes, the
//! integrations they target, stages (the REST [`Stage`] with the v2-only fields filled in) and
//! Lambda authorizers, as `GetRoutes`, `GetIntegrations`, `GetStages` and `GetAuthorizers` return
//! them (docs/aws-facts.md §12.1), and what each deployment a stage without auto-deploy serves.
//! WebSocket APIs are only listed ([`ApiSummary`]): they are counted, not audited.
//!
//! [`Protocol`] and [`ApiView`] let everything after collection treat a REST API and an HTTP API
//! alike where they agree (id, name, stages).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Authorizer, Integration, Lookup, RestApi, Stage};

/// Which kind of API Gateway API: the value of `api.protocol` in the report.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    /// API Gateway v1 REST APIs; reports written before HTTP APIs were audited hold no protocol.
    #[default]
    Rest,
    /// API Gateway v2 HTTP APIs.
    Http,
}

impl Protocol {
    pub fn is_rest(&self) -> bool {
        *self == Protocol::Rest
    }

    /// `REST` or `HTTP`, as the report, the table and the dashboard write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Rest => "REST",
            Protocol::Http => "HTTP",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API that is listed but not audited (a WebSocket API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSummary {
    pub id: String,
    pub name: String,
}

/// One HTTP API as collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpApi {
    pub id: String,
    pub name: String,
    pub routes: Lookup<Vec<HttpRoute>>,
    pub integrations: Lookup<Vec<HttpIntegration>>,
    /// Stages with `auto_deploy` and `access_log` set.
    pub stages: Lookup<Vec<Stage>>,
    pub authorizers: Lookup<Vec<HttpAuthorizer>>,
    /// What the deployment a stage without auto-deploy serves (read with `ExportApi`), keyed by
    /// deployment id. Auto-deploy stages serve the current configuration (§12.1) and have none;
    /// so does every stage when `collect.integrations` is `current`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deployments: BTreeMap<String, Lookup<HttpDeployment>>,
}

/// The routes and integrations one deployment serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpDeployment {
    pub routes: Vec<HttpRoute>,
    pub integrations: Vec<HttpIntegration>,
}

impl HttpApi {
    /// The routes and integrations a stage serves: its deployment's when the stage does not
    /// auto-deploy and the deployment was read, else the current configuration (auto-deploy
    /// stages, `collect.integrations = "current"`, or an export that failed —
    /// `stage-not-redeployed` then reports `error` for the stage).
    pub fn served(&self, stage: &Stage) -> Option<(&[HttpRoute], &[HttpIntegration])> {
        if !stage.auto_deploy.unwrap_or(false) {
            if let Some(deployment) = stage
                .deployment_id
                .as_ref()
                .and_then(|id| self.deployments.get(id))
                .and_then(Lookup::found)
            {
                return Some((&deployment.routes, &deployment.integrations));
            }
        }
        Some((self.routes.found()?, self.integrations.found()?))
    }

    /// The route with this route key in the current configuration.
    pub fn route(&self, route_key: &str) -> Option<&HttpRoute> {
        self.routes
            .found()?
            .iter()
            .find(|r| r.route_key == route_key)
    }

    pub fn authorizer(&self, id: &str) -> Option<&HttpAuthorizer> {
        self.authorizers
            .found()?
            .iter()
            .find(|a| a.authorizer.id == id)
    }
}

/// The route key of the catch-all route (§12.1).
pub const DEFAULT_ROUTE: &str = "$default";

/// One route: `GET /pets/{id}`, `ANY /{proxy+}` or `$default`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRoute {
    /// Empty for a route read from a deployment's export, which carries no ids.
    pub id: String,
    pub route_key: String,
    /// `integrations/{integrationId}`; `None` for a route with no integration.
    pub target: Option<String>,
    /// `NONE`, `JWT`, `AWS_IAM` or `CUSTOM` (a Lambda authorizer, named by `authorizer_id`).
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<String>,
}

impl HttpRoute {
    pub fn is_default(&self) -> bool {
        self.route_key == DEFAULT_ROUTE
    }

    /// The method and path as the report names the route: `GET /pets/{id}` → `("GET",
    /// "/pets/{id}")`; the `$default` route → `("ANY", "$default")` (docs/report-format.md).
    pub fn method_and_path(&self) -> (&str, &str) {
        if self.is_default() {
            return ("ANY", DEFAULT_ROUTE);
        }
        match self.route_key.split_once(' ') {
            Some((method, path)) => (method, path),
            None => ("ANY", self.route_key.as_str()),
        }
    }

    /// The id of the integration the route targets.
    pub fn integration_id(&self) -> Option<&str> {
        self.target.as_deref()?.strip_prefix("integrations/")
    }

    /// True when a Lambda authorizer guards the route.
    pub fn uses_lambda_authorizer(&self) -> bool {
        self.authorization_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("CUSTOM"))
    }
}

/// One integration: the REST [`Integration`] fields (`integrationType`, `integrationMethod`,
/// `integrationUri`, `credentialsArn`, `timeoutInMillis`, `payloadFormatVersion`) and its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpIntegration {
    /// Empty for an integration read from a deployment's export.
    pub id: String,
    #[serde(flatten)]
    pub integration: Integration,
}

/// One authorizer: the REST [`Authorizer`] fields (`REQUEST` is a Lambda authorizer, `JWT` is
/// not) and what only HTTP API authorizers have (§12.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpAuthorizer {
    #[serde(flatten)]
    pub authorizer: Authorizer,
    /// `AuthorizerPayloadFormatVersion`: `1.0` or `2.0`.
    pub payload_format_version: Option<String>,
    /// `EnableSimpleResponses`: the function answers `{"isAuthorized": …}` (payload 2.0 only).
    #[serde(default)]
    pub simple_responses: bool,
    /// `IdentitySource`: `$request.header.X`, `$request.querystring.x`, `$context.x`,
    /// `$stageVariables.x`.
    #[serde(default)]
    pub identity_source: Vec<String>,
    /// `AuthorizerResultTtlInSeconds` (0: no caching).
    pub ttl_seconds: Option<i32>,
}

/// A REST API or an HTTP API, where the two agree.
#[derive(Debug, Clone, Copy)]
pub enum ApiView<'a> {
    Rest(&'a RestApi),
    Http(&'a HttpApi),
}

impl<'a> ApiView<'a> {
    pub fn id(self) -> &'a str {
        match self {
            ApiView::Rest(api) => &api.id,
            ApiView::Http(api) => &api.id,
        }
    }

    pub fn name(self) -> &'a str {
        match self {
            ApiView::Rest(api) => &api.name,
            ApiView::Http(api) => &api.name,
        }
    }

    pub fn protocol(self) -> Protocol {
        match self {
            ApiView::Rest(_) => Protocol::Rest,
            ApiView::Http(_) => Protocol::Http,
        }
    }

    pub fn stages(self) -> &'a Lookup<Vec<Stage>> {
        match self {
            ApiView::Rest(api) => &api.stages,
            ApiView::Http(api) => &api.stages,
        }
    }

    pub fn rest(self) -> Option<&'a RestApi> {
        match self {
            ApiView::Rest(api) => Some(api),
            ApiView::Http(_) => None,
        }
    }

    pub fn http(self) -> Option<&'a HttpApi> {
        match self {
            ApiView::Http(api) => Some(api),
            ApiView::Rest(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(key: &str) -> HttpRoute {
        HttpRoute {
            id: "r1".into(),
            route_key: key.into(),
            target: Some("integrations/i1".into()),
            authorization_type: None,
            authorizer_id: None,
        }
    }

    #[test]
    fn route_keys_split_into_method_and_path() {
        assert_eq!(
            route("GET /pets/{id}").method_and_path(),
            ("GET", "/pets/{id}")
        );
        assert_eq!(
            route("ANY /{proxy+}").method_and_path(),
            ("ANY", "/{proxy+}")
        );
        // docs/report-format.md: the `$default` route is method ANY, path `$default`.
        assert_eq!(route("$default").method_and_path(), ("ANY", "$default"));
        assert!(route("$default").is_default());
        assert_eq!(route("GET /").integration_id(), Some("i1"));
    }

    #[test]
    fn protocols_serialize_in_capitals() {
        assert_eq!(serde_json::to_string(&Protocol::Http).unwrap(), "\"HTTP\"");
        assert_eq!(
            serde_json::from_str::<Protocol>("\"REST\"").unwrap(),
            Protocol::Rest
        );
    }
}
