//! `--format ocsf`: each finding as an OCSF 1.6 Compliance Finding (class 2003, category 2
//! Findings), one JSON object per line, for Amazon Security Lake or any OCSF pipeline (the newer
//! Security Hub formats findings in OCSF 1.6, aws-facts §9).
//!
//! The attributes follow the schema at tag 1.6.0 of ocsf/ocsf-schema (the facts the tests check
//! against are in `tests/data/ocsf-1.6.0-compliance-finding.json`, with their source): the
//! class's required `activity_id`, `category_uid`, `class_uid`, `type_uid` (class × 100 +
//! activity), `severity_id`, `time` (epoch milliseconds), `metadata` (`version`, `product`),
//! `finding_info` (`uid`) and `compliance`; the recommended `message`, `status_id`, `resources`
//! and `remediation`; and the `cloud` profile (`cloud.provider`, the account and region).
//! Each line is a finding of this run, so the activity is Create; a check that could not be
//! evaluated is compliance status Warning ("did not yield a result due to missing information"),
//! a failing one Fail. What OCSF has no place for (fingerprint, route, evidence) is in `unmapped`.

use serde_json::{json, Value};

use crate::checks;
use crate::publish::resources::finding_resources;
use crate::publish::security_hub_asff::{docs_url, finding_id, finding_types, PRODUCT_NAME};
use crate::report::{Finding, Report, Severity, Status};

pub const OCSF_VERSION: &str = "1.6.0";
pub const CATEGORY_FINDINGS: u32 = 2;
pub const CLASS_COMPLIANCE_FINDING: u32 = 2003;
const ACTIVITY_CREATE: u32 = 1;
/// `account.type_id` 10, "AWS Account".
const AWS_ACCOUNT: u32 = 10;

/// `severity_id` and its caption.
pub fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
    }
}

/// One finding as an OCSF Compliance Finding.
pub fn compliance_finding(finding: &Finding, report: &Report) -> Value {
    let doc = checks::find(&finding.check);
    let title = doc.map_or(finding.check.as_str(), |d| d.title);
    let (severity_id, severity_name) = severity(finding.severity);
    let (compliance_id, compliance_name) = match finding.status {
        Status::Fail => (3, "Fail"),
        Status::Error => (2, "Warning"),
    };
    let time = report.run.finished_at.timestamp_millis();
    let url = docs_url(&finding.check);
    let scope = report
        .scopes
        .iter()
        .find(|s| s.account == finding.account && s.region == finding.region);
    let mut account =
        json!({"uid": finding.account, "type_id": AWS_ACCOUNT, "type": "AWS Account"});
    if let Some(name) = scope.and_then(|s| s.name.as_deref()) {
        account["name"] = json!(name);
    }
    let resources: Vec<Value> = finding_resources(finding)
        .into_iter()
        .map(|r| {
            let mut resource = json!({
                "uid": r.id,
                "type": r.kind.asff(),
                "region": r.region,
                "cloud_partition": r.partition,
            });
            if let Some(name) = r.name {
                resource["name"] = json!(name);
            }
            resource
        })
        .collect();
    let remediation = finding
        .remediation
        .as_deref()
        .or(doc.map(|d| d.fix))
        .unwrap_or("See the check's documentation.");
    let mut event = json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_FINDINGS,
        "category_name": "Findings",
        "class_uid": CLASS_COMPLIANCE_FINDING,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_COMPLIANCE_FINDING * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity_name,
        "time": time,
        "message": finding.message,
        "status_id": 1,
        "status": "New",
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": PRODUCT_NAME,
                "vendor_name": PRODUCT_NAME,
                "version": report.tool.version,
                "url_string": env!("CARGO_PKG_REPOSITORY"),
            },
            "profiles": ["cloud"],
            "correlation_uid": report.run.id,
        },
        "cloud": {
            "provider": "AWS",
            "region": finding.region,
            "account": account,
        },
        "finding_info": {
            "uid": finding_id(&finding.fingerprint, finding.status),
            "title": title,
            "desc": finding.message,
            "types": finding_types(finding),
            "src_url": url,
            "created_time": time,
            "analytic": {"uid": finding.check, "name": title, "type_id": 1, "type": "Rule"},
        },
        "compliance": {
            "control": finding.check,
            "status_id": compliance_id,
            "status": compliance_name,
        },
        "resources": resources,
        "remediation": {"desc": remediation, "references": [url]},
        "unmapped": {
            "fingerprint": finding.fingerprint,
            "stages": finding.stages,
            "route": finding.route,
            "authorizer": finding.authorizer,
            "client_status": finding.client_status,
            "evidence": finding.evidence,
        },
    });
    if finding.status == Status::Error {
        event["status_detail"] = json!(finding.message);
        event["compliance"]["status_detail"] = json!(finding.message);
    }
    event
}

/// One Compliance Finding per line, in the report's order.
pub fn render_lines(report: &Report) -> anyhow::Result<String> {
    let mut out = String::new();
    for finding in &report.findings {
        out.push_str(&serde_json::to_string(&compliance_finding(
            finding, report,
        ))?);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
#[path = "ocsf_tests.rs"]
mod tests;
