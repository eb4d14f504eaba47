//! The checks. Each is one declaration, a [`Check`] named `CHECK` in the file named after its id:
//! the id, title, severity, documentation, settings, role in root-cause linking and the log lines
//! it explains, and the function that runs it. Everything else — `checks explain`,
//! `docs/checks.md`, the `[checks.<id>]` config keys and their validation, the example config,
//! probable causes and the log signatures' explanations — is derived from the declarations in
//! [`REGISTRY`]. Helpers the checks share live in `shared/`.
//!
//! Adding a check: one file `src/checks/<id>.rs` declaring `pub static CHECK: Check`, one line in
//! the [`registry!`] list below, `docs/checks.md` regenerated, an end-to-end scenario naming its id
//! (`tests/check_registry.rs` proves nothing else needs touching).

pub mod shared;

use chrono::NaiveDate;

use crate::config::{CheckSettings, CheckSpec, SettingSpec};
use crate::inventory::{Inventory, ScopeInventory};
use crate::log_signatures::Signature;
use crate::report::{Finding, Severity};
use crate::routes::ScopeRoutes;

/// A check's id: the name users put in config, dashboards and alarms (a public contract). It is
/// written once, in the check's declaration; everything else refers to `module::CHECK.id`, so a
/// misspelt reference does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CheckId(&'static str);

impl CheckId {
    /// Only for the `id` of a declaration.
    pub const fn new(id: &'static str) -> Self {
        Self(id)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for CheckId {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

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

/// What part of collection a check judges: whether a run could have seen a problem depends on
/// whether that part was read (a Security Hub finding is archived only when it could).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The APIs, their stages and the Lambda targets' configuration and policies: always read.
    Configuration,
    /// CloudWatch metrics (`[evidence] metrics`).
    Metrics,
    /// CloudWatch Logs (`[evidence] logs`).
    Logs,
    /// Deployment-package listings (`[packages]`).
    Packages,
    /// What each stage serves (`collect.integrations = "deployed"`).
    Deployments,
    /// The opt-in probe's invocations (`[probe]`).
    Probe,
}

/// A check's part in root-cause linking (`crate::causes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A configuration problem. When it breaks calls (it has a `client_status`) its findings are
    /// the probable causes of the symptoms on the same stage and functions.
    Cause,
    /// Failures read from CloudWatch that get `evidence.probable_causes`.
    Symptom,
    /// Other CloudWatch evidence: never offered as a cause, given none.
    Evidence,
}

/// The one declaration of a check.
#[derive(Debug)]
pub struct Check {
    pub id: CheckId,
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
    /// What part of collection it judges.
    pub input: Input,
    pub role: Role,
    /// Its settings under `[checks.<id>]`, read through [`Context::integer`]/[`Context::percent`].
    pub settings: &'static [SettingSpec],
    /// The log lines (execution or function logs) whose failures this check's findings explain:
    /// only such findings are linked as probable causes of a log symptom.
    pub explains: &'static [&'static Signature],
    /// Runs the check: a pure function from the inventory to findings. It never panics and never
    /// does I/O.
    pub run: fn(&Context<'_>) -> Vec<Finding>,
}

impl Check {
    /// What the config loader needs of this check.
    pub fn spec(&self) -> CheckSpec<'static> {
        CheckSpec {
            id: self.id.as_str(),
            settings: self.settings,
        }
    }
}

/// Everything a check may read while it runs. No I/O happens through it.
pub struct Context<'a> {
    /// The check being run: its settings are looked up by its id.
    pub check: &'static Check,
    pub inventory: &'a Inventory,
    /// The route targets of each scope of the inventory, computed once per scope for every check.
    pub routes: &'a [ScopeRoutes<'a>],
    pub settings: &'a CheckSettings,
    /// The date the audit runs, for date-based checks (runtime deprecation).
    pub today: NaiveDate,
}

impl<'a> Context<'a> {
    /// The value of one of the running check's integer settings.
    pub fn integer(&self, setting: &SettingSpec) -> i64 {
        self.settings.integer(self.check.id.as_str(), setting)
    }

    /// The route targets of one scope of the inventory.
    pub fn routes_of(&self, scope: &ScopeInventory) -> Option<&ScopeRoutes<'a>> {
        self.routes.iter().find(|r| std::ptr::eq(r.scope, scope))
    }

    /// The value of one of the running check's percentage settings.
    pub fn percent(&self, setting: &SettingSpec) -> f64 {
        self.settings.percent(self.check.id.as_str(), setting)
    }
}

/// Declares the check modules and [`REGISTRY`] from one list: a check is registered by one line.
macro_rules! registry {
    ($($check:ident),* $(,)?) => {
        $(pub mod $check;)*

        /// Every check, in catalogue order.
        pub static REGISTRY: &[&Check] = &[$(&$check::CHECK),*];
    };
}

registry! {
    invoke_permission_missing,
    authorizer_invoke_permission_missing,
    integration_target_missing,
    integration_target_not_invocable,
    integration_http_method_not_post,
    integration_transfer_mode_mismatch,
    stage_variable_unresolved,
    integration_role_invalid,
    invoke_permission_too_broad,
    invoke_permission_stale,
    stage_not_redeployed,
    function_policy_near_size_limit,
    function_not_active,
    function_concurrency_zero,
    handler_invalid,
    handler_not_in_package,
    package_file_permissions,
    runtime_deprecated,
    lambda_timeout_exceeds_integration,
    api_5xx_rate,
    lambda_error_rate,
    execution_log_errors,
    function_log_errors,
    execution_logging_disabled,
    proxy_response_malformed,
    access_log_errors,
    access_log_hides_integration_errors,
    authorizer_simple_responses_ignored,
    authorizer_identity_source_unset,
    payload_format_mismatch,
}

/// The ids of every check, in catalogue order.
pub fn ids() -> Vec<&'static str> {
    REGISTRY.iter().map(|c| c.id.as_str()).collect()
}

/// Looks up a check by id.
pub fn find(id: &str) -> Option<&'static Check> {
    REGISTRY.iter().copied().find(|c| c.id == *id)
}

/// What the config loader must know of every check: ids and settings.
pub fn specs() -> Vec<CheckSpec<'static>> {
    REGISTRY.iter().map(|c| c.spec()).collect()
}

/// The checks whose findings explain a log line with this phrase.
pub fn explaining(phrase: &str) -> impl Iterator<Item = &'static Check> + '_ {
    REGISTRY
        .iter()
        .copied()
        .filter(move |c| c.explains.iter().any(|s| s.phrase == phrase))
}
