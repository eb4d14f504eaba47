//! Building findings: the base of a finding about a scope, the `error` finding of a check that
//! could not be evaluated (for one resource, or for the APIs whose routes could not be read).

use crate::checks::{Check, ResourceKind};
use crate::inventory::{ApiView, CollectionError, Protocol, ScopeInventory};
use crate::report::{ApiRef, Finding, Status};

/// The base of a finding about one scope; fill in the rest with struct update syntax.
pub fn base_finding(
    check: &Check,
    scope: &ScopeInventory,
    status: Status,
    message: String,
) -> Finding {
    Finding {
        fingerprint: String::new(),
        check: check.id.to_string(),
        severity: check.severity,
        status,
        account: scope.account.clone(),
        region: scope.region.clone(),
        api: None,
        stages: Vec::new(),
        route: None,
        function: None,
        authorizer: None,
        client_status: check.client_status,
        message,
        evidence: serde_json::json!({}),
        remediation: None,
    }
}

pub fn api_ref(api: ApiView<'_>) -> ApiRef {
    ApiRef::of(api)
}

/// An `error` finding: the check could not be evaluated because a call failed.
pub fn error_finding(
    check: &Check,
    scope: &ScopeInventory,
    error: &CollectionError,
    what: &str,
) -> Finding {
    let message = format!(
        "could not evaluate {} for {}: {} failed on {} with {}: {}",
        check.id, what, error.operation, error.resource, error.code, error.message
    );
    Finding {
        evidence: serde_json::json!({
            "operation": error.operation,
            "resource": error.resource,
            "code": error.code,
        }),
        ..base_finding(check, scope, Status::Error, message)
    }
}

/// `error` findings for the APIs whose routes could not be read, for a route-level check.
pub fn blocked_api_findings(check: &Check, scope: &ScopeInventory) -> Vec<Finding> {
    let mut findings = Vec::new();
    let authorizers = check.resource == ResourceKind::Authorizer;
    for api in scope.all_apis() {
        let failure = match api {
            ApiView::Rest(api) => api
                .resources
                .failed()
                .or_else(|| api.stages.failed())
                .or_else(|| authorizers.then(|| api.authorizers.failed()).flatten()),
            ApiView::Http(api) => api
                .routes
                .failed()
                .or_else(|| api.integrations.failed())
                .or_else(|| api.stages.failed())
                .or_else(|| authorizers.then(|| api.authorizers.failed()).flatten()),
        };
        if let Some(error) = failure {
            let mut finding = error_finding(
                check,
                scope,
                error,
                &format!("API {} ({})", api.name(), api.id()),
            );
            finding.api = Some(api_ref(api));
            findings.push(finding);
        }
    }
    findings
}

/// What a client gets when API Gateway cannot call Lambda: REST answers
/// `{"message": "Internal server error"}`, HTTP APIs `{"message":"Internal Server Error"}`
/// (docs/aws-facts.md §4, §12.3: note the capitals).
pub fn internal_error(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Rest => "500 Internal server error",
        Protocol::Http => "500 Internal Server Error",
    }
}

/// "stage prod" or "stages dev, prod".
pub fn stages_phrase(stages: &[String]) -> String {
    match stages {
        [one] => format!("stage {one}"),
        many => format!("stages {}", many.join(", ")),
    }
}
