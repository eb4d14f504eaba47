//! The demo account (`examples/demo-account.json`) as Security Hub and OCSF consumers receive it:
//! the ASFF records the Security Hub sink imports and the OCSF Compliance Findings of
//! `--format ocsf` are insta snapshots, so a change to either is reviewed; every finding of the
//! report is in both, once; and the built binary writes the OCSF lines.

use std::path::{Path, PathBuf};
use std::process::Command;

use apigw_auditor::audit::read_snapshot;
use apigw_auditor::config::Config;
use apigw_auditor::evaluate::{evaluate, RunFacts};
use apigw_auditor::publish::ocsf;
use apigw_auditor::publish::security_hub_asff::{to_asff, AsffFinding, Placement};
use apigw_auditor::report::{Report, Source};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde_json::Value;

const SNAPSHOT: &str = "examples/demo-account.json";

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The demo's report with the fixed times and run id of `tests/demo.rs`.
fn demo() -> (Report, chrono::DateTime<Utc>) {
    let inventory = read_snapshot(&repo_path(SNAPSHOT)).expect("the demo snapshot loads");
    let started_at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
    let report = evaluate(
        &inventory,
        &Config::default(),
        RunFacts {
            id: "00000000-0000-4000-8000-00000000d3e0".to_string(),
            started_at,
            finished_at: started_at + Duration::milliseconds(1250),
            source: Source::Snapshot,
            today: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        },
    );
    (report, inventory.collected_at)
}

/// The records the sink would import on a first run, each into its own account.
fn asff(report: &Report, observed_at: chrono::DateTime<Utc>) -> Vec<AsffFinding> {
    let at = report.run.finished_at;
    report
        .findings
        .iter()
        .map(|finding| {
            let place = Placement {
                account: &finding.account,
                run_id: &report.run.id,
                created_at: at,
                first_observed_at: observed_at,
                updated_at: at,
                observed_at,
            };
            let mut record = to_asff(finding, &place);
            // A version bump is not a change of findings.
            record
                .product_fields
                .insert("ProviderVersion".into(), "[version]".into());
            record
        })
        .collect()
}

#[test]
fn demo_asff_snapshot() {
    let (report, observed_at) = demo();
    let records = asff(&report, observed_at);
    assert_eq!(records.len(), report.findings.len());
    let ids: std::collections::BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), records.len(), "one Id per finding");
    insta::assert_json_snapshot!("demo_asff", records);
}

fn ocsf_lines(report: &Report) -> Vec<Value> {
    ocsf::render_lines(report)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[test]
fn demo_ocsf_snapshot() {
    let (mut report, _) = demo();
    report.tool.version = "[version]".to_string();
    let lines = ocsf_lines(&report);
    assert_eq!(lines.len(), report.findings.len());
    for (line, finding) in lines.iter().zip(&report.findings) {
        assert_eq!(line["class_uid"], 2003);
        assert_eq!(
            line["unmapped"]["fingerprint"],
            finding.fingerprint.as_str()
        );
    }
    insta::assert_json_snapshot!("demo_ocsf", lines);
}

#[test]
fn binary_writes_ocsf_lines() {
    let output = Command::new(env!("CARGO_BIN_EXE_apigw-auditor"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["audit", "--snapshot", SNAPSHOT, "--format", "ocsf"])
        .env_remove("APIGW_AUDITOR_CONFIG")
        .env_remove("APIGW_AUDITOR_FORMAT")
        .env_remove("APIGW_AUDITOR_OUTPUT")
        .env_remove("APIGW_AUDITOR_FAIL_ON")
        .output()
        .expect("the binary runs");
    // High findings: exit 1, and the lines are on stdout all the same.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (report, _) = demo();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), report.findings.len());
    assert!(lines
        .iter()
        .all(|l| l["type_uid"] == 200301 && l["metadata"]["version"] == "1.6.0"));
}
