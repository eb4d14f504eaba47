//! Between this tool's ASFF records and the Security Hub SDK's types: a record to import, and a
//! finding read back with `GetFindings` turned into a record again (only the attributes this
//! tool writes, so archiving it never echoes the fields Security Hub or its users own, such as
//! `Workflow` or `Note`).

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance as SdkCompliance, ComplianceStatus as SdkComplianceStatus,
    FindingProviderFields, FindingProviderSeverity, Partition, Recommendation as SdkRecommendation,
    RecordState as SdkRecordState, Remediation as SdkRemediation, Resource,
    Severity as SdkSeverity, SeverityLabel,
};
use chrono::{DateTime, Utc};

use crate::publish::security_hub_asff::{
    AsffFinding, AsffResource, AsffSeverity, Compliance, ComplianceStatus, ProviderFields,
    Recommendation, RecordState, Remediation, FIELD_PREFIX, PRODUCT_NAME,
};
use crate::publish::security_hub_lifecycle::Identity;

/// The SDK form of a record, for `BatchImportFindings`.
pub fn to_sdk(finding: &AsffFinding) -> AwsSecurityFinding {
    let severity = |s: &AsffSeverity| {
        SdkSeverity::builder()
            .label(SeverityLabel::from(s.label.as_str()))
            .original(&s.original)
            .build()
    };
    let provider = &finding.finding_provider_fields;
    let resources = finding.resources.iter().map(|r| {
        Resource::builder()
            .r#type(&r.kind)
            .id(&r.id)
            .partition(Partition::from(r.partition.as_str()))
            .region(&r.region)
            .build()
    });
    AwsSecurityFinding::builder()
        .schema_version(&finding.schema_version)
        .id(&finding.id)
        .product_arn(&finding.product_arn)
        .product_name(&finding.product_name)
        .generator_id(&finding.generator_id)
        .aws_account_id(&finding.aws_account_id)
        .set_types(Some(finding.types.clone()))
        .created_at(&finding.created_at)
        .updated_at(&finding.updated_at)
        .first_observed_at(&finding.first_observed_at)
        .last_observed_at(&finding.last_observed_at)
        .severity(severity(&finding.severity))
        .finding_provider_fields(
            FindingProviderFields::builder()
                .severity(
                    FindingProviderSeverity::builder()
                        .label(SeverityLabel::from(provider.severity.label.as_str()))
                        .original(&provider.severity.original)
                        .build(),
                )
                .set_types(Some(provider.types.clone()))
                .build(),
        )
        .title(&finding.title)
        .description(&finding.description)
        .remediation(
            SdkRemediation::builder()
                .recommendation(
                    SdkRecommendation::builder()
                        .text(&finding.remediation.recommendation.text)
                        .url(&finding.remediation.recommendation.url)
                        .build(),
                )
                .build(),
        )
        .source_url(&finding.source_url)
        .set_product_fields(Some(
            finding
                .product_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
        .set_resources(Some(resources.collect()))
        .compliance(
            SdkCompliance::builder()
                .status(match finding.compliance.status {
                    ComplianceStatus::Passed => SdkComplianceStatus::Passed,
                    ComplianceStatus::Failed => SdkComplianceStatus::Failed,
                    ComplianceStatus::NotAvailable => SdkComplianceStatus::NotAvailable,
                })
                .build(),
        )
        .record_state(match finding.record_state {
            RecordState::Active => SdkRecordState::Active,
            RecordState::Archived => SdkRecordState::Archived,
        })
        .build()
}

/// A finding of an earlier run, as Security Hub holds it.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub record: AsffFinding,
    pub identity: Identity,
    /// Its `UpdatedAt`: the next update must be later, or Security Hub ignores it.
    pub updated_at: Option<DateTime<Utc>>,
}

/// Parses an ASFF timestamp.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An active finding of this tool read back with `GetFindings`, or `None` when it is not this
/// tool's (no identity in its product fields) or lacks an attribute a record needs. The product
/// fields Security Hub adds (`aws/securityhub/...`) are left out.
pub fn read_back(found: &AwsSecurityFinding) -> Option<Earlier> {
    let fields: BTreeMap<String, String> = found
        .product_fields()?
        .iter()
        .filter(|(key, _)| {
            key.starts_with(FIELD_PREFIX)
                || key.as_str() == "ProviderName"
                || key.as_str() == "ProviderVersion"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let identity = Identity::from_product_fields(&fields)?;
    let severity = found.severity()?;
    let severity = AsffSeverity {
        label: severity.label()?.as_str().to_string(),
        original: severity.original().unwrap_or_default().to_string(),
    };
    let provider = found.finding_provider_fields();
    let provider = ProviderFields {
        severity: provider
            .and_then(|p| p.severity())
            .and_then(|s| {
                Some(AsffSeverity {
                    label: s.label()?.as_str().to_string(),
                    original: s.original().unwrap_or_default().to_string(),
                })
            })
            .unwrap_or_else(|| severity.clone()),
        types: match provider.map(|p| p.types()) {
            Some(types) if !types.is_empty() => types.to_vec(),
            _ => found.types().to_vec(),
        },
    };
    let recommendation = found.remediation().and_then(|r| r.recommendation());
    let resources: Vec<AsffResource> = found
        .resources()
        .iter()
        .filter_map(|r| {
            Some(AsffResource {
                kind: r.r#type()?.to_string(),
                id: r.id()?.to_string(),
                partition: r.partition().map_or("aws", |p| p.as_str()).to_string(),
                region: r.region().unwrap_or_default().to_string(),
            })
        })
        .collect();
    if resources.is_empty() {
        return None;
    }
    let text = |value: Option<&str>| value.map(str::to_string);
    let created_at = text(found.created_at())?;
    let record = AsffFinding {
        schema_version: text(found.schema_version())?,
        id: text(found.id())?,
        product_arn: text(found.product_arn())?,
        product_name: text(found.product_name()).unwrap_or_else(|| PRODUCT_NAME.to_string()),
        generator_id: text(found.generator_id())?,
        aws_account_id: text(found.aws_account_id())?,
        types: found.types().to_vec(),
        first_observed_at: text(found.first_observed_at()).unwrap_or_else(|| created_at.clone()),
        last_observed_at: text(found.last_observed_at()).unwrap_or_else(|| created_at.clone()),
        updated_at: text(found.updated_at()).unwrap_or_else(|| created_at.clone()),
        created_at,
        severity,
        finding_provider_fields: provider,
        title: text(found.title())?,
        description: text(found.description())?,
        remediation: Remediation {
            recommendation: Recommendation {
                text: recommendation
                    .and_then(|r| r.text())
                    .unwrap_or_default()
                    .to_string(),
                url: recommendation
                    .and_then(|r| r.url())
                    .unwrap_or_default()
                    .to_string(),
            },
        },
        source_url: text(found.source_url()).unwrap_or_default(),
        product_fields: fields,
        resources,
        compliance: Compliance {
            status: match found.compliance().and_then(|c| c.status()) {
                Some(SdkComplianceStatus::Passed) => ComplianceStatus::Passed,
                Some(SdkComplianceStatus::NotAvailable) => ComplianceStatus::NotAvailable,
                _ => ComplianceStatus::Failed,
            },
        },
        record_state: match found.record_state() {
            Some(SdkRecordState::Archived) => RecordState::Archived,
            _ => RecordState::Active,
        },
    };
    Some(Earlier {
        updated_at: parse_time(&record.updated_at),
        record,
        identity,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::publish::resources::tests::finding;
    use crate::publish::security_hub_asff::{to_asff, Placement};

    fn record() -> AsffFinding {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
        let place = Placement {
            account: "123456789012",
            run_id: "run-1",
            created_at: at,
            first_observed_at: at,
            updated_at: at,
            observed_at: at,
        };
        to_asff(&finding("invoke-permission-missing"), &place)
    }

    #[test]
    fn a_record_comes_back_as_it_went() {
        let original = record();
        let mut sent = to_sdk(&original);
        // What Security Hub adds and what its users own must not come back into an update.
        let mut fields = sent.product_fields.clone().unwrap();
        fields.insert("aws/securityhub/FindingId".into(), "arn:...".into());
        sent.product_fields = Some(fields);
        sent.workflow = Some(
            aws_sdk_securityhub::types::Workflow::builder()
                .status(aws_sdk_securityhub::types::WorkflowStatus::Suppressed)
                .build(),
        );
        let earlier = read_back(&sent).expect("ours");
        assert_eq!(earlier.record, original);
        assert_eq!(
            earlier.identity,
            Identity::of(&finding("invoke-permission-missing"))
        );
        assert_eq!(earlier.updated_at, parse_time("2026-11-21T10:00:00.000Z"));
        assert_eq!(to_sdk(&earlier.record).workflow, None);
    }

    #[test]
    fn other_findings_are_not_read_back() {
        let mut foreign = to_sdk(&record());
        foreign.product_fields = Some(
            [("ProviderName".to_string(), "Prowler".to_string())]
                .into_iter()
                .collect(),
        );
        assert!(read_back(&foreign).is_none());
        let mut no_resources = to_sdk(&record());
        no_resources.resources = None;
        assert!(read_back(&no_resources).is_none());
    }
}
