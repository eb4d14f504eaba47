//! Configuration: the TOML file (kebab-case keys) turned into a validated [`Config`], with every
//! problem in the file reported at once, each under its full dotted key.
//!
//! The file is parsed into a plain `toml::Table` and walked by hand (`validate.rs`) instead of
//! through serde: `deny_unknown_fields` stops at the first error, and people fixing a config want
//! the whole list. Which keys exist is declared once, in [`KNOWN_KEYS`] (and, for the
//! settings of individual checks, in each check's declaration: `check_settings.rs`);
//! `config/auditor.example.toml`
//! documents each of them and a test keeps the two in step.
//!
//! Precedence is flag > environment > file > default: [`parse`] layers the file over the
//! defaults, and [`Overrides`] (what clap merged from flags and environment) goes on top.

mod check_rules;
mod check_settings;
mod collect_rules;
mod daemon_rules;
mod evidence_rules;
mod glob;
mod keys;
mod overrides;
mod package_rules;
mod probe_rules;
mod publish_rules;
mod scope_rules;
mod validate;
mod values;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::report::Severity;

pub use check_settings::{
    all_keys, example_toml, CheckSettings, CheckSpec, SettingKind, SettingSpec, SettingValue,
};
pub use daemon_rules::schedule_problem;
pub use glob::glob_matches;
pub use keys::{did_you_mean, suggest, KNOWN_KEYS};
pub use overrides::Overrides;
pub use probe_rules::{ProbeSettings, PROBE_VERBS};
pub use publish_rules::{SecurityHubDestination, SecurityHubPublish};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub scope: ScopeSettings,
    pub collect: CollectSettings,
    pub evidence: EvidenceSettings,
    pub packages: PackageSettings,
    pub publish: PublishSettings,
    pub checks: ChecksConfig,
    pub suppressions: Vec<Suppression>,
    pub output: OutputSettings,
    pub daemon: DaemonSettings,
    pub probe: ProbeSettings,
}

/// Where each run lands besides stdout (`[publish]`). Every sink is independent: one failing
/// never stops the others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PublishSettings {
    /// Also write the JSON report to this file, atomically, after the other sinks (so it
    /// records their outcomes).
    pub json_file: Option<PathBuf>,
    /// One JSON line per finding on stderr, for Logs Insights.
    pub finding_events: FindingEvents,
    pub cloudwatch: CloudWatchPublish,
    /// `[publish.security-hub]`: findings imported into AWS Security Hub (ASFF).
    pub security_hub: SecurityHubPublish,
}

/// When to write one JSON event per finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindingEvents {
    /// When stderr is not a terminal (containers, cron): their logs are what gets queried.
    #[default]
    Auto,
    On,
    Off,
}

/// How the run's own metrics reach CloudWatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsMode {
    #[default]
    Off,
    /// `PutMetricData`.
    Api,
    /// Embedded Metric Format lines on stdout, turned into metrics by CloudWatch Logs.
    Emf,
}

/// `[publish.cloudwatch]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudWatchPublish {
    pub metrics: MetricsMode,
    /// The namespace of the run's metrics.
    pub namespace: String,
    /// The dashboard name (and prefix of the numbered ones); `None`: no dashboard.
    pub dashboard: Option<String>,
    /// The auditor's own log group, for the dashboard's Logs Insights widget of finding events.
    pub log_group: Option<String>,
    /// Create or update an alarm on high-severity findings.
    pub alarms: bool,
    /// The SNS topic the alarm notifies.
    pub alarm_topic_arn: Option<String>,
}

impl Default for CloudWatchPublish {
    fn default() -> Self {
        Self {
            metrics: MetricsMode::Off,
            namespace: "APIGatewayAuditor".to_string(),
            dashboard: None,
            log_group: None,
            alarms: false,
            alarm_topic_arn: None,
        }
    }
}

/// The `daemon` subcommand (`[daemon]`): when it audits, and how it stops and reports.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSettings {
    /// A cron expression with seconds (`sec min hour day-of-month month day-of-week`), in UTC.
    pub schedule: String,
    /// Audit once at start instead of waiting for the first tick.
    pub run_at_start: bool,
    /// How long a stop (SIGTERM, SIGINT) waits for the current run before abandoning it.
    pub shutdown_deadline_seconds: u64,
    /// The status file written after every run, which `health` reads.
    pub status_file: PathBuf,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        Self {
            schedule: "0 */15 * * * *".to_string(),
            run_at_start: true,
            // Under ECS's default stop timeout of 30 s, which ends in SIGKILL.
            shutdown_deadline_seconds: 25,
            status_file: PathBuf::from("/tmp/apigw-auditor-status.json"),
        }
    }
}

/// Whether and within which bounds to read deployment packages (`[packages]`).
#[derive(Debug, Clone, PartialEq)]
pub struct PackageSettings {
    /// Read the listing of every integrated function's zip (and of its layers when needed).
    pub enabled: bool,
    /// Also read the handler file of Python and Node.js functions (the deeper look).
    pub inspect_handler_source: bool,
    /// Bytes read per package at most; over it the package is an `error` finding.
    pub max_bytes_per_package: u64,
    /// Time allowed per package, in seconds.
    pub seconds_per_package: u64,
    /// Handler files larger than this are not read by the deeper look.
    pub max_handler_file_bytes: u64,
}

impl Default for PackageSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            inspect_handler_source: true,
            // Enough for the central directory of a 50 MB package of 60,000 files, and for the
            // whole of a small package when the server ignores `Range`.
            max_bytes_per_package: 8 * 1024 * 1024,
            seconds_per_package: 30,
            max_handler_file_bytes: 1024 * 1024,
        }
    }
}

/// What to read from CloudWatch, over which window, within which bounds (`[evidence]`).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceSettings {
    /// Read metrics and logs at all.
    pub enabled: bool,
    /// The window ends now and starts this many minutes earlier.
    pub window_minutes: u32,
    /// The GetMetricData period: a multiple of 60 seconds.
    pub period_seconds: i32,
    /// Read `AWS/ApiGateway` and `AWS/Lambda` metrics.
    pub metrics: bool,
    /// Search execution and function logs for failure signatures.
    pub logs: bool,
    /// At most this many FilterLogEvents pages per signature and log group.
    pub log_pages_per_signature: u32,
    /// Stop counting a signature in a log group after this many events.
    pub log_events_per_signature: u32,
    /// Time budget for scanning one log group, in seconds.
    pub log_seconds_per_group: u64,
}

impl Default for EvidenceSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            window_minutes: 60,
            period_seconds: 60,
            metrics: true,
            logs: true,
            log_pages_per_signature: 5,
            log_events_per_signature: 1000,
            log_seconds_per_group: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScopeSettings {
    pub regions: Vec<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Accounts reached through a role each (`[[scope.accounts]]`). With none and no
    /// organization, the credentials' own account is audited.
    pub accounts: Vec<AccountScope>,
    /// Every active account of the organization, through a named role (`[scope.organization]`).
    pub organization: Option<OrganizationScope>,
    /// How many scopes (account × region) are collected at once: 1 to 64.
    pub max_concurrent_scopes: usize,
    /// `--shard I/N`: only the accounts this task owns (flag and environment only).
    pub shard: Option<Shard>,
}

impl Default for ScopeSettings {
    fn default() -> Self {
        Self {
            regions: Vec::new(),
            profile: None,
            endpoint_url: None,
            accounts: Vec::new(),
            organization: None,
            max_concurrent_scopes: 4,
            shard: None,
        }
    }
}

/// One account audited through a role (`[[scope.accounts]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountScope {
    /// The role to assume; the account in its ARN is the account audited.
    pub role_arn: String,
    pub external_id: Option<String>,
    /// A label for the report and the logs.
    pub name: Option<String>,
}

/// The accounts of an AWS Organization, each reached through the same role name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationScope {
    pub role_name: String,
    pub external_id: Option<String>,
    /// Only these account ids; empty: every active account.
    pub include: Vec<String>,
    /// Never these account ids.
    pub exclude: Vec<String>,
}

/// `--shard I/N`: this task audits the accounts whose numeric id modulo N is I-1 (1 <= I <= N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    pub apigateway: RateLimit,
    pub apigateway_get_resources: RateLimit,
    pub lambda_get_function: RateLimit,
    pub lambda_get_policy: RateLimit,
    pub lambda_other: RateLimit,
    pub sts: RateLimit,
    /// `cloudwatch:GetMetricData`: 50 requests/s per account and region (docs/aws-facts.md §6).
    pub cloudwatch_get_metric_data: RateLimit,
    /// `logs:FilterLogEvents`: 5 requests/s per account and region, a hard limit (CloudWatch
    /// Logs quotas; Knowledge Center "cloudwatch-logs-throttling").
    pub logs_filter_log_events: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            apigateway: RateLimit {
                per_second: 10.0,
                burst: 40,
            },
            apigateway_get_resources: RateLimit {
                per_second: 2.5,
                burst: 5,
            },
            lambda_get_function: RateLimit {
                per_second: 100.0,
                burst: 100,
            },
            lambda_get_policy: RateLimit {
                per_second: 15.0,
                burst: 15,
            },
            lambda_other: RateLimit {
                per_second: 15.0,
                burst: 15,
            },
            sts: RateLimit {
                per_second: 10.0,
                burst: 10,
            },
            cloudwatch_get_metric_data: RateLimit {
                per_second: 50.0,
                burst: 50,
            },
            logs_filter_log_events: RateLimit {
                per_second: 5.0,
                burst: 5,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CollectSettings {
    pub page_size: i32,
    pub concurrency: usize,
    pub max_attempts: u32,
    pub rate_limits: RateLimits,
    /// Which integrations the checks judge for each stage.
    pub integrations: IntegrationsSource,
}

/// `collect.integrations`: what each stage serves (its deployment, read with GetExport) or the
/// current configuration of the API (what the console shows, which clients get only once it is
/// deployed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntegrationsSource {
    #[default]
    Deployed,
    Current,
}

impl Default for CollectSettings {
    fn default() -> Self {
        Self {
            page_size: 500,
            concurrency: 8,
            max_attempts: 10,
            rate_limits: RateLimits::default(),
            integrations: IntegrationsSource::Deployed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChecksConfig {
    pub disabled: BTreeSet<String>,
    pub severity: BTreeMap<String, Severity>,
    pub settings: CheckSettings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub check: String,
    pub resource: String,
    pub reason: String,
    pub expires: Option<chrono::NaiveDate>,
}

impl Suppression {
    /// Expired once `today` is past `expires`: the expiry date itself is still covered, so
    /// "expires = 2027-01-31" means "through the end of January".
    pub fn is_expired(&self, today: chrono::NaiveDate) -> bool {
        self.expires.is_some_and(|expires| today > expires)
    }

    /// Whether this suppression names `check` (or every check, with `*`) and its resource glob
    /// matches any of the finding's identities (function ARN, API id, API name, route, fingerprint).
    /// Expiry is not considered here: an expired suppression should still be reported as such.
    pub fn matches<'a>(&self, check: &str, identities: impl IntoIterator<Item = &'a str>) -> bool {
        (self.check == "*" || self.check == check)
            && identities
                .into_iter()
                .any(|identity| glob_matches(&self.resource, identity))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Jsonl,
    /// OCSF 1.6 Compliance Findings (class 2003), one JSON object per line.
    Ocsf,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 4] = [
        OutputFormat::Table,
        OutputFormat::Json,
        OutputFormat::Jsonl,
        OutputFormat::Ocsf,
    ];

    /// The name used in the config file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Ocsf => "ocsf",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputSettings {
    pub format: OutputFormat,
    pub fail_on: Severity,
    pub file: Option<PathBuf>,
}

impl Default for OutputSettings {
    fn default() -> Self {
        Self {
            format: OutputFormat::Table,
            fail_on: Severity::High,
            file: None,
        }
    }
}

/// One thing wrong with the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The dotted path of the offending key, e.g. `collect.rate-limits.lambda-get-policy.burst`
    /// or `suppressions[2].reason`; empty for problems with the file as a whole.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.key, self.message)
        }
    }
}

/// Every problem found in a config file, table by table with keys in sorted order (never empty
/// when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Parses and validates a config file's text, layered over the defaults.
///
/// `checks` are the declarations of the checks in the registry: check ids anywhere in the file must
/// be one of theirs, and `[checks.<id>]` tables hold exactly the settings they declare. Returns
/// every problem at once.
pub fn parse(text: &str, checks: &[CheckSpec<'_>]) -> Result<Config, ConfigErrors> {
    validate::parse(text, checks)
}

/// Reads and parses a config file; an unreadable file is one problem naming the path.
pub fn load_file(path: &Path, checks: &[CheckSpec<'_>]) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigProblem {
            key: String::new(),
            message: format!("cannot read config file {}: {e}", path.display()),
        }])
    })?;
    parse(&text, checks)
}
