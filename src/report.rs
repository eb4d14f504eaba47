//! The audit report: findings, collection errors and the run summary. Its serde form is the
//! public JSON format `apigw-auditor.report.v1` described in docs/report-format.md.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::inventory::{CollectionError, Protocol};

/// The schema id written in every report.
pub const REPORT_SCHEMA: &str = "apigw-auditor.report.v1";

/// How bad a finding is. Ordered so that `High > Medium > Low > Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            other => Err(format!(
                "unknown severity `{other}` (expected high, medium, low or info)"
            )),
        }
    }
}

/// `fail`: the problem is there. `error`: the check could not be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ApiRef {
    pub id: String,
    pub name: String,
    /// `REST` or `HTTP`; reports written before HTTP APIs were audited hold none (REST).
    #[serde(default)]
    pub protocol: Protocol,
}

impl ApiRef {
    /// The reference to a REST or HTTP API.
    pub fn of(api: crate::inventory::ApiView<'_>) -> ApiRef {
        ApiRef {
            id: api.id().to_string(),
            name: api.name().to_string(),
            protocol: api.protocol(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RouteRef {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AuthorizerRef {
    pub id: String,
    pub name: String,
}

/// One problem (or one check that could not be evaluated) on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub fingerprint: String,
    pub check: String,
    pub severity: Severity,
    pub status: Status,
    pub account: String,
    pub region: String,
    pub api: Option<ApiRef>,
    pub stages: Vec<String>,
    pub route: Option<RouteRef>,
    pub function: Option<String>,
    pub authorizer: Option<AuthorizerRef>,
    pub client_status: Option<u16>,
    pub message: String,
    pub evidence: serde_json::Value,
    pub remediation: Option<String>,
}

impl Finding {
    /// True for a finding about one stage of an API rather than a route, an authorizer or a
    /// function on it.
    pub fn is_about_a_stage(&self) -> bool {
        self.api.is_some()
            && self.route.is_none()
            && self.authorizer.is_none()
            && self.function.is_none()
            && self.stages.len() == 1
    }

    /// A stable hash of the check and the identity of the resource, independent of the
    /// stages affected, the message and the evidence, so it survives re-runs.
    pub fn compute_fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        let parts = [
            self.check.as_str(),
            self.account.as_str(),
            self.region.as_str(),
            self.api.as_ref().map(|a| a.id.as_str()).unwrap_or(""),
            self.route.as_ref().map(|r| r.method.as_str()).unwrap_or(""),
            self.route.as_ref().map(|r| r.path.as_str()).unwrap_or(""),
            self.function.as_deref().unwrap_or(""),
            self.authorizer
                .as_ref()
                .map(|a| a.id.as_str())
                .unwrap_or(""),
        ];
        for part in parts {
            hasher.update(part.as_bytes());
            // A separator that cannot appear in any part keeps ("ab","c") and ("a","bc") apart.
            hasher.update([0u8]);
        }
        // A finding about a stage itself (its 5XX rate, its logs, its logging settings) has no
        // route, authorizer or function: its one stage is part of what it is about.
        if self.is_about_a_stage() {
            for stage in &self.stages {
                hasher.update(stage.as_bytes());
                hasher.update([0u8]);
            }
        }
        let digest = hasher.finalize();
        digest[..10].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        Self {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Live,
    Snapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub source: Source,
}

/// One account × region the run covered, audited or not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeRef {
    pub account: String,
    pub region: String,
    /// The label of the account's `[[scope.accounts]]` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The role assumed to reach the account; absent for the credentials' own account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Why the scope was not audited (its role could not be assumed, its endpoint not reached);
    /// absent when it was. Nothing of a failed scope is counted in `summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub apis: usize,
    pub stages: usize,
    pub routes: usize,
    pub functions: usize,
    pub findings: SeverityCounts,
    /// Collection errors: the length of the report's `errors` list.
    pub errors: usize,
    pub suppressed: usize,
    pub api_calls: BTreeMap<String, u64>,
    /// Attempts AWS throttled, per operation: whether the audit disturbed the account. The
    /// auditor paces itself under the quotas, so these come from other callers spending the
    /// same quotas during the run.
    #[serde(default)]
    pub throttled: BTreeMap<String, u64>,
    /// Attempts after the first, per operation, for any reason.
    #[serde(default)]
    pub retries: BTreeMap<String, u64>,
    /// The most attempts one call took (1 when nothing was retried; 0 without AWS calls).
    #[serde(default)]
    pub most_attempts: u32,
    /// Bytes read from deployment packages (their listings and handler files), all scopes.
    #[serde(default)]
    pub package_bytes_read: u64,
    /// HTTP requests that read them.
    #[serde(default)]
    pub package_requests: u64,
    /// Lambda integrations and authorizers that point at Lambda but could not be judged (a URI
    /// form the auditor does not know, a function reference it cannot parse): each is an `error`
    /// finding too.
    #[serde(default)]
    pub unaudited: usize,
    /// Routes by integration type (`rest/aws-proxy-lambda`, `rest/aws-lambda`, `rest/http-proxy`,
    /// `rest/mock`, ...): what was audited (the Lambda proxy integrations) and what was not.
    #[serde(default)]
    pub integrations: BTreeMap<String, usize>,
    pub duration_ms: u64,
}

/// A finding that a configured suppression hid, kept so that nothing is silently lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressedFinding {
    pub fingerprint: String,
    pub check: String,
    pub reason: String,
    pub expires: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: ToolInfo,
    pub run: RunInfo,
    pub scopes: Vec<ScopeRef>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub errors: Vec<CollectionError>,
    pub suppressed: Vec<SuppressedFinding>,
    /// Things the user should know that are not findings: expired suppressions, and so on.
    pub notices: Vec<String>,
    /// How each publishing sink fared (filled in while publishing; empty before).
    #[serde(default)]
    pub publish: Vec<SinkOutcome>,
}

/// The outcome of one publishing sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkOutcome {
    /// `cloudwatch-metrics`, `cloudwatch-emf`, `cloudwatch-dashboard`, `cloudwatch-alarm`,
    /// `security-hub`, `json-file`, `finding-events`.
    pub sink: String,
    pub ok: bool,
    /// What was published, or why it failed.
    pub detail: String,
}

impl Report {
    /// The highest severity among failing findings, if any.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether any finding (fail or error) is at or above `threshold`.
    pub fn has_findings_at_or_above(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding {
            fingerprint: String::new(),
            check: "invoke-permission-missing".into(),
            severity: Severity::High,
            status: Status::Fail,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            api: Some(ApiRef {
                id: "a1".into(),
                name: "pets".into(),
                protocol: Default::default(),
            }),
            stages: vec!["prod".into()],
            route: Some(RouteRef {
                method: "GET".into(),
                path: "/pets".into(),
            }),
            function: Some("arn:aws:lambda:us-east-1:123456789012:function:f".into()),
            authorizer: None,
            client_status: Some(500),
            message: "m".into(),
            evidence: serde_json::json!({}),
            remediation: None,
        }
    }

    #[test]
    fn fingerprint_ignores_stages_message_and_evidence() {
        let a = finding();
        let mut b = finding();
        b.stages = vec!["dev".into(), "prod".into()];
        b.message = "other".into();
        b.evidence = serde_json::json!({"x": 1});
        assert_eq!(a.compute_fingerprint(), b.compute_fingerprint());
        let mut c = finding();
        c.route = Some(RouteRef {
            method: "POST".into(),
            path: "/pets".into(),
        });
        assert_ne!(a.compute_fingerprint(), c.compute_fingerprint());
        assert_eq!(a.compute_fingerprint().len(), 20);
    }

    #[test]
    fn a_stage_level_finding_is_identified_by_its_stage() {
        let mut prod = finding();
        prod.route = None;
        prod.function = None;
        let mut dev = prod.clone();
        dev.stages = vec!["dev".into()];
        assert!(prod.is_about_a_stage());
        assert_ne!(prod.compute_fingerprint(), dev.compute_fingerprint());
        // An API-wide finding (no stage) is not.
        let mut api_wide = prod.clone();
        api_wide.stages.clear();
        assert!(!api_wide.is_about_a_stage());
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::High > Severity::Medium && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
    }
}
