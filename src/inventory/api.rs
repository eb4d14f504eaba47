//! The REST API part of the inventory: APIs with their resources, methods and integrations,
//! stages with their variables and settings, authorizers, and what each deployment serves.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Lookup;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    pub resources: Lookup<Vec<ApiResource>>,
    pub stages: Lookup<Vec<Stage>>,
    pub authorizers: Lookup<Vec<Authorizer>>,
    /// What each deployment that a stage serves holds (its resources, methods and integrations,
    /// read with GetExport), keyed by deployment id. Empty when `collect.integrations` is
    /// `current`: the routes of every stage are then the current configuration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deployments: BTreeMap<String, Lookup<Vec<ApiResource>>>,
    /// `endpointConfiguration.types`: `EDGE`, `REGIONAL` or `PRIVATE`. A streaming route's idle
    /// timeout depends on it (docs/aws-facts.md §11.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoint_types: Vec<String>,
}

impl RestApi {
    /// The resources a stage serves: its deployment's snapshot when it was read, else the
    /// current configuration (`collect.integrations = "current"`, or the export failed —
    /// `stage-not-redeployed` then reports `error` for the stage).
    pub fn served_resources(&self, stage: &Stage) -> Option<&Vec<ApiResource>> {
        stage
            .deployment_id
            .as_ref()
            .and_then(|id| self.deployments.get(id))
            .and_then(Lookup::found)
            .or_else(|| self.resources.found())
    }
}

/// A resource of a REST API with its methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiResource {
    pub id: String,
    /// The template path: `/`, `/pets/{id}`, `/{proxy+}`.
    pub path: String,
    pub methods: Vec<Method>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// The verb as configured; `ANY` stays `ANY`.
    pub http_method: String,
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<String>,
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// `AWS_PROXY`, `AWS`, `HTTP`, `HTTP_PROXY`, `MOCK`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The integration HTTP method (the verb API Gateway uses to call the backend).
    pub http_method: Option<String>,
    pub uri: Option<String>,
    /// An IAM role ARN API Gateway assumes to call the backend, or the pass-through form.
    pub credentials: Option<String>,
    pub timeout_ms: Option<i32>,
    /// `payloadFormatVersion` (`1.0` or `2.0`): HTTP API integrations only (docs/aws-facts.md
    /// §12.3); REST proxy integrations always send the 1.0 event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_format_version: Option<String>,
    /// `responseTransferMode`: `BUFFERED` or `STREAM`; absent means `BUFFERED`
    /// (docs/aws-facts.md §11.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_transfer_mode: Option<String>,
    /// `requestParameters`: integration request parameter → its source, e.g.
    /// `integration.request.header.X-Amz-Tenant-Id` → `method.request.header.x-tenant-id`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, String>,
}

impl Integration {
    /// True when API Gateway streams the response (`responseTransferMode: STREAM`).
    pub fn streams(&self) -> bool {
        self.response_transfer_mode
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("STREAM"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub deployment_id: Option<String>,
    pub variables: BTreeMap<String, String>,
    /// The stage's method settings, keyed as API Gateway keys them: `*/*` for the whole stage,
    /// `{resource path}/{METHOD}` (path without its leading `/`) for one method.
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    /// `autoDeploy` of an HTTP API stage: it then serves the current configuration
    /// (docs/aws-facts.md §12.1). `None` for REST stages, which always serve a deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_deploy: Option<bool>,
    /// `accessLogSettings` of an HTTP API stage; `None` when access logging is off (or, for
    /// REST stages, not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log: Option<AccessLogSettings>,
}

/// Where a stage writes its access log and in what format (§12.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogSettings {
    /// The CloudWatch Logs group ARN (`arn:aws:logs:{region}:{account}:log-group:{name}`).
    pub destination_arn: Option<String>,
    /// The format, with `$context` variables.
    pub format: Option<String>,
}

impl AccessLogSettings {
    /// True when the format carries a variable that holds the integration's error
    /// (`$context.integrationErrorMessage`, `$context.integration.error`) or the gateway's
    /// (`$context.error.message`, `$context.error.messageString`): the access log then says why a
    /// call failed (docs/aws-facts.md §12.5).
    pub fn shows_errors(&self) -> bool {
        self.shows_integration_errors()
            || self
                .format
                .as_deref()
                .is_some_and(|f| f.contains("$context.error.message"))
    }

    /// True when the format carries the integration's own error text.
    pub fn shows_integration_errors(&self) -> bool {
        self.format.as_deref().is_some_and(|f| {
            f.contains("$context.integrationErrorMessage")
                || f.contains("$context.integration.error")
        })
    }

    /// The log group name of the destination ARN (`…:log-group:{name}`, a trailing `:*`
    /// dropped), if it names a CloudWatch Logs group.
    pub fn log_group(&self) -> Option<&str> {
        let arn = self.destination_arn.as_deref()?;
        let (_, name) = arn.split_once(":log-group:")?;
        let name = name.strip_suffix(":*").unwrap_or(name);
        (!name.is_empty()).then_some(name)
    }
}

/// The logging and metrics part of a stage's method setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodSetting {
    /// `OFF`, `ERROR` or `INFO`: execution logging.
    pub logging_level: Option<String>,
    #[serde(default)]
    pub data_trace_enabled: bool,
    #[serde(default)]
    pub metrics_enabled: bool,
}

impl Stage {
    /// True when some method of the stage writes execution logs (level `ERROR` or `INFO`).
    pub fn execution_logging(&self) -> bool {
        self.method_settings.values().any(|s| {
            matches!(s.logging_level.as_deref(), Some(level) if level.eq_ignore_ascii_case("ERROR") || level.eq_ignore_ascii_case("INFO"))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    #[serde(rename = "type")]
    pub kind: String,
    pub uri: Option<String>,
    pub credentials: Option<String>,
}
