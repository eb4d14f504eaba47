//! The checks: each is declared once (id, title, severity, documentation) and is a pure
//! function from the inventory to findings. This module holds the `Check` trait, the shared
//! context, the registry and the helpers that group per-stage results into findings.

pub mod api_5xx_rate;
pub mod authorizer_invoke_permission_missing;
pub mod docs;
pub mod evidence_support;
pub mod execution_log_errors;
pub mod execution_logging_disabled;
pub mod invoke_permission_missing;
pub mod invoke_permission_stale;
pub mod invoke_permission_too_broad;
mod permission;
mod role_fix;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::inventory::{CollectionError, Inventory, LambdaTarget, RestApi, ScopeInventory};
use crate::report::{ApiRef, AuthorizerRef, Finding, RouteRef, Severity, Status};
use crate::routes::{Invoker, RouteTarget};

pub mod function_concurrency_zero;
pub mod function_log_errors;
pub mod function_not_active;
pub mod function_policy_near_size_limit;
pub mod handler_invalid;
pub mod handler_not_in_package;
mod handler_package_fix;
pub mod integration_http_method_not_post;
pub mod integration_role_invalid;
pub mod integration_target_missing;
pub mod lambda_error_rate;
pub mod lambda_timeout_exceeds_integration;
pub mod package_file_permissions;
mod package_support;
pub mod proxy_response_malformed;
pub mod runtime_dates;
pub mod runtime_deprecated;
pub mod stage_not_redeployed;
pub mod stage_variable_unresolved;
pub mod support;

/// What kind of resource a check's findings are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Route,
    Authorizer,
    Function,
    FunctionPolicy,
    Stage,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Route => "route",
            ResourceKind::Authorizer => "authorizer",
            ResourceKind::Function => "function",
            ResourceKind::FunctionPolicy => "function policy",
            ResourceKind::Stage => "stage",
        }
    }
}

/// The one declaration of a check. `checks explain`, `docs/checks.md` and every finding's
/// severity come from here.
#[derive(Debug)]
pub struct CheckDoc {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub resource: ResourceKind,
    /// The status a client of the API gets when this goes wrong, if the problem breaks calls.
    pub client_status: Option<u16>,
    /// What the check looks at.
    pub checks: &'static str,
    /// Why it breaks the API, and what the client sees.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// What the check does not cover.
    pub limits: &'static str,
}

/// Per-check settings from the config, with AWS-derived defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSettings {
    /// `runtime-deprecated` reports `low` this many days before a runtime's deprecation date.
    pub runtime_warning_days: i64,
    /// `function-policy-near-size-limit` fires above this share of the 20 KB limit.
    pub policy_size_threshold_percent: u8,
    /// `api-5xx-rate` fires above this 5XX rate, in percent of requests...
    pub api_5xx_threshold_percent: f64,
    /// ...when the stage served at least this many requests in the window.
    pub api_5xx_min_requests: u64,
    /// `lambda-error-rate` fires above this error rate, in percent of invocations...
    pub lambda_error_threshold_percent: f64,
    /// ...when the function was invoked at least this many times (any throttle always counts).
    pub lambda_min_invocations: u64,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self {
            runtime_warning_days: 90,
            policy_size_threshold_percent: 80,
            api_5xx_threshold_percent: 5.0,
            api_5xx_min_requests: 100,
            lambda_error_threshold_percent: 5.0,
            lambda_min_invocations: 20,
        }
    }
}

/// Everything a check may read. No I/O happens through it.
pub struct Context<'a> {
    pub inventory: &'a Inventory,
    pub settings: &'a CheckSettings,
    /// The date the audit runs, for date-based checks (runtime deprecation).
    pub today: NaiveDate,
}

/// A check: a pure function from the inventory to findings. It never panics and never does I/O.
pub trait Check: Sync {
    fn doc(&self) -> &'static CheckDoc;
    fn run(&self, ctx: &Context<'_>) -> Vec<Finding>;
}

/// Every check, in catalogue order.
pub fn registry() -> Vec<&'static dyn Check> {
    vec![
        &invoke_permission_missing::InvokePermissionMissing,
        &authorizer_invoke_permission_missing::AuthorizerInvokePermissionMissing,
        &integration_target_missing::IntegrationTargetMissing,
        &integration_http_method_not_post::IntegrationHttpMethodNotPost,
        &stage_variable_unresolved::StageVariableUnresolved,
        &integration_role_invalid::IntegrationRoleInvalid,
        &invoke_permission_too_broad::InvokePermissionTooBroad,
        &invoke_permission_stale::InvokePermissionStale,
        &stage_not_redeployed::StageNotRedeployed,
        &function_policy_near_size_limit::FunctionPolicyNearSizeLimit,
        &function_not_active::FunctionNotActive,
        &function_concurrency_zero::FunctionConcurrencyZero,
        &handler_invalid::HandlerInvalid,
        &handler_not_in_package::HandlerNotInPackage,
        &package_file_permissions::PackageFilePermissions,
        &runtime_deprecated::RuntimeDeprecated,
        &lambda_timeout_exceeds_integration::LambdaTimeoutExceedsIntegration,
        &api_5xx_rate::Api5xxRate,
        &lambda_error_rate::LambdaErrorRate,
        &execution_log_errors::ExecutionLogErrors,
        &function_log_errors::FunctionLogErrors,
        &execution_logging_disabled::ExecutionLoggingDisabled,
        &proxy_response_malformed::ProxyResponseMalformed,
    ]
}

/// The ids of every check, in catalogue order.
pub fn ids() -> Vec<&'static str> {
    registry().into_iter().map(|c| c.doc().id).collect()
}

/// Looks up a check by id.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    registry().into_iter().find(|c| c.doc().id == id)
}

/// The base of a finding about one scope; fill in the rest with struct update syntax.
pub fn base_finding(
    doc: &CheckDoc,
    scope: &ScopeInventory,
    status: Status,
    message: String,
) -> Finding {
    Finding {
        fingerprint: String::new(),
        check: doc.id.to_string(),
        severity: doc.severity,
        status,
        account: scope.account.clone(),
        region: scope.region.clone(),
        api: None,
        stages: Vec::new(),
        route: None,
        function: None,
        authorizer: None,
        client_status: doc.client_status,
        message,
        evidence: serde_json::json!({}),
        remediation: None,
    }
}

/// A finding about one route target on one stage, before stages are grouped.
pub fn route_finding(
    doc: &CheckDoc,
    scope: &ScopeInventory,
    target: &RouteTarget<'_>,
    status: Status,
    function: Option<String>,
    message: String,
) -> Finding {
    let (route, authorizer) = match &target.invoker {
        Invoker::Method { path, method, .. } => (
            Some(RouteRef {
                method: method.http_method.clone(),
                path: path.to_string(),
            }),
            None,
        ),
        Invoker::Authorizer(a) => (
            None,
            Some(AuthorizerRef {
                id: a.id.clone(),
                name: a.name.clone(),
            }),
        ),
    };
    Finding {
        api: Some(api_ref(target.api)),
        stages: vec![target.stage.name.clone()],
        route,
        authorizer,
        function,
        ..base_finding(doc, scope, status, message)
    }
}

pub fn api_ref(api: &RestApi) -> ApiRef {
    ApiRef {
        id: api.id.clone(),
        name: api.name.clone(),
    }
}

/// `GET /pets/{id}` or `authorizer auth (a1b2c3)`, for messages.
pub fn describe_invoker(target: &RouteTarget<'_>) -> String {
    match &target.invoker {
        Invoker::Method { path, method, .. } => format!("{} {}", method.http_method, path),
        Invoker::Authorizer(a) => format!("authorizer {} ({})", a.name, a.id),
    }
}

/// An `error` finding: the check could not be evaluated because a call failed.
pub fn error_finding(
    doc: &CheckDoc,
    scope: &ScopeInventory,
    error: &CollectionError,
    what: &str,
) -> Finding {
    let message = format!(
        "could not evaluate {} for {}: {} failed on {} with {}: {}",
        doc.id, what, error.operation, error.resource, error.code, error.message
    );
    Finding {
        evidence: serde_json::json!({
            "operation": error.operation,
            "resource": error.resource,
            "code": error.code,
        }),
        ..base_finding(doc, scope, Status::Error, message)
    }
}

/// `error` findings for the APIs whose routes could not be read, for a route-level check.
pub fn blocked_api_findings(doc: &CheckDoc, scope: &ScopeInventory) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in &scope.apis {
        let failure = api
            .resources
            .failed()
            .or_else(|| api.stages.failed())
            .or_else(|| {
                if doc.resource == ResourceKind::Authorizer {
                    api.authorizers.failed()
                } else {
                    None
                }
            });
        if let Some(error) = failure {
            let mut finding =
                error_finding(doc, scope, error, &format!("API {} ({})", api.name, api.id));
            finding.api = Some(api_ref(api));
            findings.push(finding);
        }
    }
    findings
}

/// The target a resolved route points at, if collection recorded it.
pub fn target_of<'s>(
    scope: &'s ScopeInventory,
    route: &RouteTarget<'_>,
) -> Option<&'s LambdaTarget> {
    let arn = route.resolved.as_ref().ok()?;
    scope.targets.get(&arn.to_string())
}

/// Groups per-stage findings into one finding per (check, resource identity) with the list of
/// stages affected, merging the `source_arns` evidence arrays. Fingerprints are filled in and
/// the order is deterministic.
#[derive(Default)]
pub struct FindingSet {
    by_fingerprint: BTreeMap<String, Finding>,
}

impl FindingSet {
    pub fn add(&mut self, mut finding: Finding) {
        let fingerprint = finding.compute_fingerprint();
        match self.by_fingerprint.get_mut(&fingerprint) {
            Some(existing) => {
                for stage in finding.stages.drain(..) {
                    if !existing.stages.contains(&stage) {
                        existing.stages.push(stage);
                    }
                }
                existing.stages.sort();
                merge_array(&mut existing.evidence, &finding.evidence, "source_arns");
            }
            None => {
                finding.fingerprint = fingerprint.clone();
                finding.stages.sort();
                self.by_fingerprint.insert(fingerprint, finding);
            }
        }
    }

    /// The grouped findings; `finish` may rewrite each one now that all its stages are known
    /// (for example to build a remediation that covers every affected stage).
    pub fn into_findings(self, mut finish: impl FnMut(&mut Finding)) -> Vec<Finding> {
        let mut findings: Vec<Finding> = self.by_fingerprint.into_values().collect();
        for finding in &mut findings {
            finish(finding);
        }
        findings
    }
}

fn merge_array(into: &mut serde_json::Value, from: &serde_json::Value, key: &str) {
    let (Some(serde_json::Value::Array(extra)), Some(serde_json::Value::Array(existing))) =
        (from.get(key), into.get_mut(key))
    else {
        return;
    };
    for item in extra {
        if !existing.contains(item) {
            existing.push(item.clone());
        }
    }
}

/// "stage prod" or "stages dev, prod".
pub fn stages_phrase(stages: &[String]) -> String {
    match stages {
        [one] => format!("stage {one}"),
        many => format!("stages {}", many.join(", ")),
    }
}
