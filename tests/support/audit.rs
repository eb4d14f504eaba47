//! Running the auditor from an e2e test: a config that audits the harness's region, a live audit
//! of one test account, and the findings of one check (all of them, exactly one, or none).

use apigw_auditor::config::Config;
use apigw_auditor::report::{Finding, Report};
use apigw_auditor::{run_audit_with, AuditSource};
use aws_config::SdkConfig;

use super::REGION;

/// The default config, auditing only the harness's region.
pub fn config() -> Config {
    let mut config = Config::default();
    config.scope.regions = vec![REGION.to_string()];
    config
}

/// A live audit of the account `sdk` reaches, with `config`; panics if the run itself fails.
pub async fn audit_with(config: &Config, sdk: &SdkConfig) -> Report {
    run_audit_with(config, AuditSource::Live, Some(sdk.clone()))
        .await
        .unwrap_or_else(|e| panic!("the audit failed: {e:#}"))
}

/// A live audit of the account `sdk` reaches, with `config()`.
pub async fn audit(sdk: &SdkConfig) -> Report {
    audit_with(&config(), sdk).await
}

/// The findings of check `check`, in report order.
pub fn findings<'r>(report: &'r Report, check: &str) -> Vec<&'r Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .collect()
}

/// Exactly one finding of `check`; panics with every finding of the report otherwise.
pub fn only<'r>(report: &'r Report, check: &str) -> &'r Finding {
    let found = findings(report, check);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {check} finding, got {}:\n{:#?}",
        found.len(),
        report.findings
    );
    found[0]
}

/// Asserts that `check` found nothing.
pub fn none(report: &Report, check: &str) {
    let found = findings(report, check);
    assert!(
        found.is_empty(),
        "expected no {check} finding, got:\n{found:#?}"
    );
}
