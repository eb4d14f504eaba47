//! Which findings of earlier runs, still active in Security Hub, this run may archive.
//!
//! A finding this run reports again is updated in place (same `Id`). One it does not report is
//! archived (`RecordState` ARCHIVED, compliance PASSED) only when the run looked at its resource
//! with its check and saw no problem. It is kept, untouched, when the run could not have seen it:
//!
//! - its account and region were not audited in this run: another shard's, a scope no longer
//!   configured, or one that could not start (its role could not be assumed), or whose APIs
//!   could not be listed (`apigateway:GetRestApis` failed: every finding there would vanish);
//! - its check is disabled, or unknown to this build, or did not run for want of its input:
//!   CloudWatch evidence or deployment packages not read, the opt-in probe not run, the deployed
//!   integrations not read (`collect.integrations = "current"`);
//! - its check ended in `error` on that resource this run (an `error` finding of the same check
//!   whose API, route, function, authorizer and stage, where it names them, are the finding's);
//! - it is suppressed in this run's config: the problem is still there, and the auditor does not
//!   declare fixed what it was told to stop reporting (Security Hub's own suppression, workflow
//!   status SUPPRESSED, is for hiding it there).
//!
//! An earlier `error` finding that is not reported again is archived like any other: the check
//! could be evaluated this time.

use std::collections::BTreeMap;

use crate::checks::{self, Input};
use crate::config::{Config, IntegrationsSource};
use crate::inventory::{Inventory, ScopeInventory};
use crate::publish::security_hub_asff::FINGERPRINT_FIELD;
use crate::report::{Finding, Report, Status};

/// What identifies a finding across runs: what the report's fingerprint is computed from, read
/// back from the `ProductFields` the ASFF mapping writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub fingerprint: String,
    pub check: String,
    pub status: Status,
    pub account: String,
    pub region: String,
    pub api_id: Option<String>,
    pub route: Option<(String, String)>,
    pub function: Option<String>,
    pub authorizer_id: Option<String>,
    pub stages: Vec<String>,
}

impl Identity {
    pub fn of(finding: &Finding) -> Identity {
        Identity {
            fingerprint: finding.fingerprint.clone(),
            check: finding.check.clone(),
            status: finding.status,
            account: finding.account.clone(),
            region: finding.region.clone(),
            api_id: finding.api.as_ref().map(|a| a.id.clone()),
            route: finding
                .route
                .as_ref()
                .map(|r| (r.method.clone(), r.path.clone())),
            function: finding.function.clone(),
            authorizer_id: finding.authorizer.as_ref().map(|a| a.id.clone()),
            stages: finding.stages.clone(),
        }
    }

    /// The identity of a finding this tool imported, or `None` for one that is not this tool's
    /// (no fingerprint field) or misses a part of its identity.
    pub fn from_product_fields(fields: &BTreeMap<String, String>) -> Option<Identity> {
        let get = |key: &str| fields.get(&format!("apigw-auditor/{key}")).cloned();
        let status = match get("Status")?.as_str() {
            "fail" => Status::Fail,
            "error" => Status::Error,
            _ => return None,
        };
        let route = match (get("RouteMethod"), get("RoutePath")) {
            (Some(method), Some(path)) => Some((method, path)),
            _ => None,
        };
        Some(Identity {
            fingerprint: fields.get(FINGERPRINT_FIELD)?.clone(),
            check: get("Check")?,
            status,
            account: get("Account")?,
            region: get("Region")?,
            api_id: get("ApiId"),
            route,
            function: get("Function"),
            authorizer_id: get("AuthorizerId"),
            stages: get("Stages")
                .map(|s| s.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        })
    }

    /// Whether an `error` finding of this run is about this finding's resource: same check and
    /// scope, and each part of the resource the error names is this finding's (an error about a
    /// whole API covers every route of it).
    fn covered_by(&self, error: &Finding) -> bool {
        fn agrees<T: PartialEq>(named: Option<T>, ours: Option<T>) -> bool {
            named.is_none_or(|named| ours == Some(named))
        }
        error.status == Status::Error
            && error.check == self.check
            && error.account == self.account
            && error.region == self.region
            && agrees(error.api.as_ref().map(|a| &a.id), self.api_id.as_ref())
            && agrees(
                error.route.as_ref().map(|r| (&r.method, &r.path)),
                self.route.as_ref().map(|(m, p)| (m, p)),
            )
            && agrees(error.function.as_ref(), self.function.as_ref())
            && agrees(
                error.authorizer.as_ref().map(|a| &a.id),
                self.authorizer_id.as_ref(),
            )
            && (!error.is_about_a_stage() || error.stages.iter().all(|s| self.stages.contains(s)))
    }
}

/// Why an earlier finding is kept as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Keep {
    ScopeNotInRun,
    ScopeNotAudited,
    CheckDisabled,
    CheckNotRun,
    NotEvaluated,
    Suppressed,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::ScopeNotInRun => "its account and region were not in this run",
            Keep::ScopeNotAudited => "its account and region could not be audited",
            Keep::CheckDisabled => "its check is disabled or unknown",
            Keep::CheckNotRun => "its check's input was not read",
            Keep::NotEvaluated => "its check could not be evaluated on it",
            Keep::Suppressed => "it is suppressed",
        }
    }
}

/// What one run saw.
pub struct RunView<'a> {
    pub report: &'a Report,
    pub inventory: &'a Inventory,
    pub config: &'a Config,
}

impl RunView<'_> {
    /// `None` when this run would have reported the earlier finding had its problem still been
    /// there (so its absence means it is fixed), else why it must be kept.
    pub fn keep(&self, earlier: &Identity) -> Option<Keep> {
        let Some(scope) = self
            .inventory
            .scopes
            .iter()
            .find(|s| s.account == earlier.account && s.region == earlier.region)
        else {
            return Some(Keep::ScopeNotInRun);
        };
        if !scope_was_audited(scope) {
            return Some(Keep::ScopeNotAudited);
        }
        if self.config.checks.disabled.contains(&earlier.check)
            || checks::find(&earlier.check).is_none()
        {
            return Some(Keep::CheckDisabled);
        }
        if !inputs_read(&earlier.check, scope, self.config) {
            return Some(Keep::CheckNotRun);
        }
        if self.report.findings.iter().any(|f| earlier.covered_by(f)) {
            return Some(Keep::NotEvaluated);
        }
        if self
            .report
            .suppressed
            .iter()
            .any(|s| s.fingerprint == earlier.fingerprint)
        {
            return Some(Keep::Suppressed);
        }
        None
    }
}

/// Started, and its APIs listed.
pub fn scope_was_audited(scope: &ScopeInventory) -> bool {
    scope.error.is_none()
        && !scope
            .errors
            .iter()
            .any(|e| e.operation == "apigateway:GetRestApis")
}

/// Whether the input a check judges was read in this scope. The inventory says so when it holds
/// any of it; an empty part means "nothing there" only when the config had it read.
fn inputs_read(check: &str, scope: &ScopeInventory, config: &Config) -> bool {
    let evidence = scope.evidence.as_ref();
    // A check this build does not know judged something else: nothing says it was read.
    let Some(declared) = checks::find(check) else {
        return true;
    };
    match declared.input {
        Input::Metrics => evidence.is_some_and(|e| {
            config.evidence.metrics || !e.stage_metrics.is_empty() || !e.function_metrics.is_empty()
        }),
        Input::Logs => evidence.is_some_and(|e| {
            config.evidence.logs || !e.execution_logs.is_empty() || !e.function_logs.is_empty()
        }),
        Input::Packages => config.packages.enabled || !scope.packages.is_empty(),
        Input::Deployments => {
            config.collect.integrations == IntegrationsSource::Deployed
                || scope.apis.iter().any(|api| !api.deployments.is_empty())
        }
        Input::Probe => scope.probes.is_some(),
        Input::Configuration => true,
    }
}

#[cfg(test)]
#[path = "security_hub_lifecycle_tests.rs"]
mod tests;
