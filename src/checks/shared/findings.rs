//! Building findings: the base of a finding about a scope, a route on a stage, or a check that
//! could not be evaluated; and [`FindingSet`], which groups per-stage findings into one per
//! resource with the list of stages it affects.

use std::collections::BTreeMap;

use crate::checks::{Check, ResourceKind};
use crate::inventory::{CollectionError, LambdaTarget, RestApi, ScopeInventory};
use crate::report::{ApiRef, AuthorizerRef, Finding, RouteRef, Status};
use crate::routes::{Invoker, RouteTarget};

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

/// A finding about one route target on one stage, before stages are grouped.
pub fn route_finding(
    check: &Check,
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
        ..base_finding(check, scope, status, message)
    }
}

pub fn api_ref(api: &RestApi) -> ApiRef {
    ApiRef {
        id: api.id.clone(),
        name: api.name.clone(),
    }
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
    for api in &scope.apis {
        let failure = api
            .resources
            .failed()
            .or_else(|| api.stages.failed())
            .or_else(|| {
                if check.resource == ResourceKind::Authorizer {
                    api.authorizers.failed()
                } else {
                    None
                }
            });
        if let Some(error) = failure {
            let mut finding = error_finding(
                check,
                scope,
                error,
                &format!("API {} ({})", api.name, api.id),
            );
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
