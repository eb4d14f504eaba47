//! A finding as an AWS Security Finding Format (ASFF) record for Security Hub's
//! `BatchImportFindings`: a stable `Id` from the fingerprint, the check as `GeneratorId`, types
//! and severity (also under `FindingProviderFields`, where providers must put them), the
//! resources, the fix, the check's documentation, compliance FAILED (NOT_AVAILABLE for a check
//! that could not be evaluated), and the finding's identity in `ProductFields` so that a later
//! run can tell which of its findings are gone. Pure: the sink (`security_hub.rs`) supplies the
//! account, the times, and does the calls.
//!
//! Facts (aws-facts §9; the Security Hub User Guide's "Required attributes" and "Types taxonomy
//! for ASFF"; the limits are those of `AwsSecurityFinding` in the Security Hub API model):
//! `SchemaVersion` 2018-10-08; `ProductArn` of one's own findings is
//! `arn:{partition}:securityhub:{region}:{account}:product/{account}/default`; `CreatedAt` equals
//! `UpdatedAt` when a finding is created and `UpdatedAt` grows with every update; `Title` at most
//! 256 characters, `Description` 1,024, `Remediation.Recommendation.Text` 512, `ProductFields` 50
//! pairs of keys up to 128 and values up to 2,048 characters, `Resources` 1 to 32; a finding at
//! most 240 KB.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::checks::{self, Input, ResourceKind};
use crate::publish::resources::{finding_resources, partition_of_region};
use crate::report::{Finding, Severity, Status};

pub const SCHEMA_VERSION: &str = "2018-10-08";
/// `ProductName` of every finding (custom integrations may set it) and `ProviderName`.
pub const PRODUCT_NAME: &str = "apigw-auditor";
/// The prefix of this tool's `ProductFields` keys. A finding without
/// [`FINGERPRINT_FIELD`] is not this tool's, whatever its product ARN says.
pub const FIELD_PREFIX: &str = "apigw-auditor/";
pub const FINGERPRINT_FIELD: &str = "apigw-auditor/Fingerprint";

pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 1_024;
pub const MAX_RECOMMENDATION: usize = 512;
pub const MAX_FIELD_VALUE: usize = 2_048;
pub const MAX_RESOURCES: usize = 32;
/// The largest finding `BatchImportFindings` accepts.
pub const MAX_FINDING_BYTES: usize = 240 * 1024;

/// The check catalogue (docs/checks.md, one anchor per check id) in the project's repository.
pub fn docs_url(check: &str) -> String {
    format!(
        "{}/blob/main/docs/checks.md#{check}",
        env!("CARGO_PKG_REPOSITORY")
    )
}

// The taxonomy's namespaces are fixed; its categories are recommendations ("Types taxonomy for
// ASFF"). The configuration checks get a category of their own so that a filter on it finds them
// all; the one confused-deputy check is a security best practice; what CloudWatch shows is
// behaviour of the application (API Gateway) or of serverless functions (Lambda).
const INTEGRATION: &str = "Software and Configuration Checks/API Gateway Lambda Integration";
const BEST_PRACTICES: &str = "Software and Configuration Checks/AWS Security Best Practices";
const APPLICATION: &str = "Unusual Behaviors/Application";
const SERVERLESS: &str = "Unusual Behaviors/Serverless";
/// Added to every finding whose clients get a 5XX: the API is unavailable to them.
const DENIAL_OF_SERVICE: &str = "Effects/Denial of Service";

/// The ASFF `Types` of a finding.
pub fn finding_types(finding: &Finding) -> Vec<String> {
    // What CloudWatch showed is behaviour, of the API (a stage) or of the function; a check this
    // build does not know (a report of a newer version) counts as a configuration check.
    let base = match checks::find(&finding.check) {
        Some(check) if check.id == checks::invoke_permission_too_broad::CHECK.id => BEST_PRACTICES,
        Some(check) if matches!(check.input, Input::Metrics | Input::Logs) => {
            match check.resource {
                ResourceKind::Function => SERVERLESS,
                _ => APPLICATION,
            }
        }
        _ => INTEGRATION,
    };
    let mut types = vec![base.to_string()];
    if finding.client_status.is_some_and(|status| status >= 500) {
        types.push(DENIAL_OF_SERVICE.to_string());
    }
    types
}

/// `Severity.Label`: the report's severities, with `info` as `INFORMATIONAL`.
pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// The ASFF `Id`: the fingerprint, which is stable across runs for one problem on one resource.
/// A check that could not be evaluated gets an id of its own, so that it never overwrites (and
/// so hides) the failure an earlier run found on the same resource.
pub fn finding_id(fingerprint: &str, status: Status) -> String {
    match status {
        Status::Fail => format!("{PRODUCT_NAME}/{fingerprint}"),
        Status::Error => format!("{PRODUCT_NAME}/{fingerprint}/error"),
    }
}

/// `arn:{partition}:securityhub:{region}:{account}:product/{account}/default`.
pub fn product_arn(account: &str, region: &str) -> String {
    let partition = partition_of_region(region);
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// ASFF timestamps: RFC 3339 in UTC with milliseconds.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// At most `max` characters, ending in `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordState {
    Active,
    Archived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceStatus {
    Passed,
    Failed,
    NotAvailable,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffSeverity {
    pub label: String,
    pub original: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderFields {
    pub severity: AsffSeverity,
    pub types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    pub text: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResource {
    #[serde(rename = "Type")]
    pub kind: String,
    pub id: String,
    pub partition: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    pub status: ComplianceStatus,
}

/// The ASFF attributes this tool writes, serialized exactly as `BatchImportFindings` takes them
/// (the snapshot tests show them; the sink converts them to the SDK's types).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: String,
    pub id: String,
    pub product_arn: String,
    pub product_name: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub types: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub first_observed_at: String,
    pub last_observed_at: String,
    pub severity: AsffSeverity,
    pub finding_provider_fields: ProviderFields,
    pub title: String,
    pub description: String,
    pub remediation: Remediation,
    pub source_url: String,
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<AsffResource>,
    pub compliance: Compliance,
    pub record_state: RecordState,
}

impl AsffFinding {
    /// The size Security Hub judges the 240 KB limit on (its JSON form).
    pub fn json_bytes(&self) -> usize {
        serde_json::to_vec(self).map_or(usize::MAX, |bytes| bytes.len())
    }
}

/// Where and when a finding is imported.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    /// The account whose Security Hub receives it: `AwsAccountId` must be the caller's.
    pub account: &'a str,
    pub run_id: &'a str,
    /// `CreatedAt` and `FirstObservedAt`: this run for a new finding, the first import's for
    /// one Security Hub already holds.
    pub created_at: DateTime<Utc>,
    pub first_observed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the inventory was read.
    pub observed_at: DateTime<Utc>,
}

/// The identity of a finding, and what it says, as `ProductFields` (each value within the
/// limit). `FIELD_PREFIX` keys are this tool's; `ProviderName`/`ProviderVersion` follow the
/// convention other providers use.
pub fn product_fields(finding: &Finding, run_id: &str) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut put = |key: &str, value: &str| {
        if !value.is_empty() {
            fields.insert(key.to_string(), truncate(value, MAX_FIELD_VALUE));
        }
    };
    put("ProviderName", PRODUCT_NAME);
    put("ProviderVersion", env!("CARGO_PKG_VERSION"));
    put(FINGERPRINT_FIELD, &finding.fingerprint);
    put("apigw-auditor/Check", &finding.check);
    put(
        "apigw-auditor/Status",
        match finding.status {
            Status::Fail => "fail",
            Status::Error => "error",
        },
    );
    put("apigw-auditor/Account", &finding.account);
    put("apigw-auditor/Region", &finding.region);
    if let Some(api) = &finding.api {
        put("apigw-auditor/ApiId", &api.id);
        put("apigw-auditor/ApiName", &api.name);
    }
    put("apigw-auditor/Stages", &finding.stages.join(","));
    if let Some(route) = &finding.route {
        put("apigw-auditor/RouteMethod", &route.method);
        put("apigw-auditor/RoutePath", &route.path);
    }
    if let Some(function) = &finding.function {
        put("apigw-auditor/Function", function);
    }
    if let Some(authorizer) = &finding.authorizer {
        put("apigw-auditor/AuthorizerId", &authorizer.id);
        put("apigw-auditor/AuthorizerName", &authorizer.name);
    }
    if let Some(status) = finding.client_status {
        put("apigw-auditor/ClientStatus", &status.to_string());
    }
    if let Some(reason) = finding.evidence.get("reason").and_then(|r| r.as_str()) {
        put("apigw-auditor/Reason", reason);
    }
    // The whole command, when the recommendation's 512 characters cut it.
    if let Some(remediation) = &finding.remediation {
        if remediation.chars().count() > MAX_RECOMMENDATION {
            put("apigw-auditor/Remediation", remediation);
        }
    }
    put("apigw-auditor/RunId", run_id);
    fields
}

/// The ASFF record of one finding.
pub fn to_asff(finding: &Finding, place: &Placement<'_>) -> AsffFinding {
    let doc = checks::find(&finding.check);
    let title = doc.map_or(finding.check.as_str(), |d| d.title);
    let title = match finding.status {
        Status::Fail => title.to_string(),
        Status::Error => format!("Could not be evaluated: {title}"),
    };
    let severity = AsffSeverity {
        label: severity_label(finding.severity).to_string(),
        original: finding.severity.as_str().to_string(),
    };
    let types = finding_types(finding);
    // The finding's own command, else the check's documented fix.
    let fix = finding
        .remediation
        .as_deref()
        .or(doc.map(|d| d.fix))
        .unwrap_or("See the check's documentation.");
    let url = docs_url(&finding.check);
    let region = finding.region.clone();
    let resources = finding_resources(finding)
        .into_iter()
        .take(MAX_RESOURCES)
        .map(|r| AsffResource {
            kind: r.kind.asff().to_string(),
            id: r.id,
            partition: r.partition,
            region: r.region,
        })
        .collect();
    AsffFinding {
        schema_version: SCHEMA_VERSION.to_string(),
        id: finding_id(&finding.fingerprint, finding.status),
        product_arn: product_arn(place.account, &region),
        product_name: PRODUCT_NAME.to_string(),
        generator_id: finding.check.clone(),
        aws_account_id: place.account.to_string(),
        types: types.clone(),
        created_at: timestamp(place.created_at),
        updated_at: timestamp(place.updated_at),
        first_observed_at: timestamp(place.first_observed_at),
        last_observed_at: timestamp(place.observed_at),
        severity: severity.clone(),
        finding_provider_fields: ProviderFields { severity, types },
        title: truncate(&title, MAX_TITLE),
        description: truncate(&finding.message, MAX_DESCRIPTION),
        remediation: Remediation {
            recommendation: Recommendation {
                text: truncate(fix, MAX_RECOMMENDATION),
                url: url.clone(),
            },
        },
        source_url: url,
        product_fields: product_fields(finding, place.run_id),
        resources,
        compliance: Compliance {
            status: match finding.status {
                Status::Fail => ComplianceStatus::Failed,
                // "Check could not be performed due to ... API error" (ComplianceStatus).
                Status::Error => ComplianceStatus::NotAvailable,
            },
        },
        record_state: RecordState::Active,
    }
}

/// At most 100 findings and 6 MB of JSON per `BatchImportFindings` call (aws-facts §9), in order.
pub fn batches(findings: &[AsffFinding]) -> Vec<&[AsffFinding]> {
    const MAX_PER_CALL: usize = 100;
    const MAX_CALL_BYTES: usize = 6 * 1024 * 1024;
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, finding) in findings.iter().enumerate() {
        // The array's comma and the request's envelope fit in the margin of 1 KB per call.
        let size = finding.json_bytes().saturating_add(1);
        if i > start && (i - start == MAX_PER_CALL || bytes + size > MAX_CALL_BYTES - 1024) {
            out.push(&findings[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < findings.len() {
        out.push(&findings[start..]);
    }
    out
}

#[cfg(test)]
#[path = "security_hub_asff_tests.rs"]
mod tests;
