//! The demo account, end to end: `examples/demo-account.json` is a hand-written snapshot of one
//! account (123456789012, us-east-1) in the form `collect --out` writes. It is what `scripts/demo`
//! and the README show, so these tests pin down what it demonstrates:
//!
//! - every registered check fails at least once on it, and each `invoke-permission-missing`
//!   reason that occurs in real accounts is shown;
//! - the routes that are meant to be healthy produce no finding at all (a false positive there
//!   would be shown to every new user);
//! - the whole report is an insta snapshot, so any change to a finding's message, evidence or
//!   remediation is reviewed;
//! - `config/demo.toml` suppresses one finding and reports its expired suppression;
//! - the built binary reads the file, exits 1 and writes the JSON and table formats.
//!
//! Which route demonstrates which check, and why it is broken, is listed in [`DEMONSTRATES`].

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use apigw_auditor::audit::read_snapshot;
use apigw_auditor::checks;
use apigw_auditor::config::{self, Config};
use apigw_auditor::evaluate::{evaluate, RunContext};
use apigw_auditor::report::{Finding, Report, Source, Status};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde_json::Value;

const ACCOUNT: &str = "123456789012";
const SNAPSHOT: &str = "examples/demo-account.json";
const DEMO_CONFIG: &str = "config/demo.toml";

/// (check, API name or "" for function-level findings, stage, subject, what makes it fail).
/// The subject is `METHOD /path`, `authorizer NAME` or a function `name[:qualifier]`.
#[rustfmt::skip]
const DEMONSTRATES: &[(&str, &str, &str, &str, &str)] = &[
    ("invoke-permission-missing", "pets", "dev", "POST /pets",
     "qualifier-mismatch: the console's add-permission command was run without the alias"),
    ("invoke-permission-missing", "pets", "prod", "GET /pets/{petId}/photos",
     "source-account-mismatch: a CloudFormation template copied from the staging account"),
    ("invoke-permission-missing", "orders", "staging", "ANY /{proxy+}",
     "source-arn-mismatch: CDK wrote prod and test-invoke-stage; staging was made in the console"),
    ("invoke-permission-missing", "reports", "v1", "GET /reports/schedules",
     "no-policy: function created with the CLI, add-permission never run"),
    ("authorizer-invoke-permission-missing", "orders", "prod", "authorizer orders-token-authorizer",
     "shared authorizer function only grants the billing API"),
    ("integration-target-missing", "reports", "v1", "POST /reports/{reportId}/export",
     "reports-exporter was deleted"),
    ("integration-http-method-not-post", "partners", "live", "GET /sync/{partnerId}",
     "put-integration --integration-http-method GET"),
    ("stage-variable-unresolved", "pets", "dev", "GET /pets/{petId}/photos",
     "photosFunction was only added to prod"),
    ("lambda-timeout-exceeds-integration", "reports", "v1", "GET /reports",
     "reports-generator runs up to 300 s behind a 29 s integration"),
    ("invoke-permission-too-broad", "", "", "legacy-partner-sync",
     "a 2019 statement with no condition, for a partner's API in another account"),
    ("function-concurrency-zero", "", "", "legacy-partner-sync",
     "switched off during an incident"),
    ("invoke-permission-stale", "", "", "reports-generator",
     "statements for two deleted test APIs"),
    ("function-policy-near-size-limit", "", "", "reports-generator",
     "six years of console saves and one EventBridge rule per scheduled report"),
    ("runtime-deprecated", "", "", "reports-generator", "python3.9"),
    ("function-not-active", "", "", "reports-pdf-renderer", "State Failed (ENI limit)"),
    ("handler-invalid", "", "", "reports-scheduler", "handler `scheduler` has no `.`"),
];

/// Routes meant to work: their permissions are in the shapes real tools write (console literal
/// paths on an alias, Terraform `execution_arn/*` on version 7) and their functions are fine.
#[rustfmt::skip]
const HEALTHY_ROUTES: &[(&str, &str, &str, &str)] = &[
    ("pets", "prod", "GET", "/pets"),
    ("pets", "prod", "POST", "/pets"),
    ("pets", "prod", "GET", "/pets/{petId}"),
    ("pets", "dev", "GET", "/pets"),
    ("pets", "dev", "GET", "/pets/{petId}"),
    ("billing", "prod", "GET", "/invoices"),
    ("billing", "prod", "POST", "/invoices"),
    ("billing", "prod", "GET", "/invoices/{invoiceId}"),
];

/// Targets with nothing wrong: no finding of any check may name them.
const HEALTHY_FUNCTIONS: &[&str] = &["pets-api:live", "billing-invoices:7"];

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn function_arn(short: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{short}")
}

/// Evaluates the demo with fixed times and run id, so the report is byte-for-byte stable. The
/// day after collection: python3.9 is past its date, nodejs22.x is not yet in the warning window.
fn demo_report(config: &Config) -> Report {
    let inventory = read_snapshot(&repo_path(SNAPSHOT)).expect("the demo snapshot loads");
    let started_at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
    evaluate(
        &inventory,
        config,
        RunContext {
            id: "00000000-0000-4000-8000-00000000d3e0".to_string(),
            started_at,
            finished_at: started_at + Duration::milliseconds(1250),
            source: Source::Snapshot,
            today: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        },
    )
}

fn demo_config() -> Config {
    config::load_file(&repo_path(DEMO_CONFIG), &checks::ids())
        .unwrap_or_else(|errors| panic!("{DEMO_CONFIG} is invalid:\n{errors}"))
}

/// The subject of a finding in the notation of [`DEMONSTRATES`].
fn subject(finding: &Finding) -> String {
    if let Some(route) = &finding.route {
        return format!("{} {}", route.method, route.path);
    }
    if let Some(authorizer) = &finding.authorizer {
        return format!("authorizer {}", authorizer.name);
    }
    let function = finding.function.as_deref().unwrap_or_default();
    function
        .split_once(":function:")
        .map_or(function, |(_, short)| short)
        .to_string()
}

fn api_name(finding: &Finding) -> &str {
    finding.api.as_ref().map_or("", |api| api.name.as_str())
}

#[test]
fn snapshot_is_in_the_form_collect_writes() {
    // Hand edits must keep the file exactly as `collect --out` would write it (field order,
    // policy documents with sorted keys, nulls spelled out), so it doubles as a format example.
    let text = std::fs::read_to_string(repo_path(SNAPSHOT)).unwrap();
    let inventory = read_snapshot(&repo_path(SNAPSHOT)).unwrap();
    let rewritten = serde_json::to_string_pretty(&inventory).unwrap();
    assert!(
        text.trim_end() == rewritten,
        "{SNAPSHOT} differs from its own re-serialization; regenerate it from the Inventory"
    );
    // Policy sizes are those of the compact text GetPolicy returns, as collection records them.
    for target in inventory.scopes.iter().flat_map(|s| s.targets.values()) {
        if let Some(policy) = target.policy.found() {
            let compact = serde_json::to_string(&policy.document).unwrap().len();
            assert_eq!(policy.size_bytes, compact, "size_bytes of {}", target.arn);
        }
    }
}

#[test]
fn every_check_fails_at_least_once() {
    let report = demo_report(&Config::default());
    let missing: Vec<&str> = checks::ids()
        .into_iter()
        .filter(|id| {
            !report
                .findings
                .iter()
                .any(|f| f.check == *id && f.status == Status::Fail)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no `fail` finding for {missing:?}: the demo must show every check"
    );
    // A check added to the registry must be given a place in the demo (and in DEMONSTRATES).
    for id in checks::ids() {
        assert!(
            DEMONSTRATES.iter().any(|(check, ..)| *check == id),
            "{id} is not listed in DEMONSTRATES"
        );
    }
}

#[test]
fn each_listed_demonstration_is_there() {
    let report = demo_report(&Config::default());
    for (check, api, stage, what, why) in DEMONSTRATES {
        let found = report.findings.iter().any(|f| {
            f.check == *check
                && f.status == Status::Fail
                && api_name(f) == *api
                && (stage.is_empty() || f.stages.iter().any(|s| s == stage))
                && subject(f) == *what
        });
        assert!(found, "no {check} finding on {api} {stage} {what} ({why})");
    }
}

#[test]
fn every_natural_deny_reason_is_shown() {
    let report = demo_report(&Config::default());
    let reasons: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.check == "invoke-permission-missing" && f.status == Status::Fail)
        .filter_map(|f| f.evidence["reason"].as_str())
        .collect();
    // explicit-deny and no-apigateway-statement are left out: add-permission cannot write a
    // Deny, and a policy with only other services' statements reads like no-policy in a demo.
    for reason in [
        "no-policy",
        "source-arn-mismatch",
        "qualifier-mismatch",
        "source-account-mismatch",
    ] {
        assert!(
            reasons.contains(&reason),
            "{reason} missing from {reasons:?}"
        );
    }
    // The qualifier mismatch is explained by the unqualified policy collection read for it.
    let mismatch = report
        .findings
        .iter()
        .find(|f| f.evidence["reason"] == "qualifier-mismatch")
        .unwrap();
    assert_eq!(
        mismatch.evidence["allowed_on"],
        Value::from(function_arn("pets-api"))
    );
    // CDK granted `prod` and `test-invoke-stage`: only the hand-made stage is broken.
    let cdk = report
        .findings
        .iter()
        .find(|f| f.check == "invoke-permission-missing" && subject(f) == "ANY /{proxy+}")
        .unwrap();
    assert_eq!(cdk.stages, ["staging"]);
}

#[test]
fn access_denied_on_get_policy_is_an_error_finding() {
    let report = demo_report(&Config::default());
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert_eq!(
        (error.operation.as_str(), error.code.as_str()),
        ("lambda:GetPolicy", "AccessDeniedException")
    );
    assert_eq!(error.resource, function_arn("payments-refunds"));
    // The route it blocks is reported as `error` on both stages, never as a pass or a fail.
    let refunds: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.function.as_deref() == Some(error.resource.as_str()))
        .collect();
    assert!(!refunds.is_empty());
    assert!(
        refunds.iter().all(|f| f.status == Status::Error),
        "{refunds:#?}"
    );
    let route = refunds
        .iter()
        .find(|f| f.check == "invoke-permission-missing")
        .expect("an error finding for POST /refunds");
    assert_eq!(subject(route), "POST /refunds");
    assert_eq!(route.stages, ["prod", "staging"]);
}

#[test]
fn healthy_routes_produce_no_finding() {
    let report = demo_report(&Config::default());
    for (api, stage, method, path) in HEALTHY_ROUTES {
        let on_route: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| {
                api_name(f) == *api
                    && f.stages.iter().any(|s| s == stage)
                    && f.route
                        .as_ref()
                        .is_some_and(|r| r.method == *method && r.path == *path)
            })
            .collect();
        assert!(
            on_route.is_empty(),
            "{api} {stage} {method} {path} is meant to be healthy: {on_route:#?}"
        );
    }
    for short in HEALTHY_FUNCTIONS {
        let arn = function_arn(short);
        let about: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.function.as_deref() == Some(arn.as_str()))
            .collect();
        assert!(
            about.is_empty(),
            "{short} is meant to be healthy: {about:#?}"
        );
    }
    // The billing API's REQUEST authorizer shares its function with the broken orders one: the
    // permission written for billing must still count.
    assert!(
        report.findings.iter().all(|f| api_name(f) != "billing"),
        "billing is the healthy API"
    );
}

#[test]
fn report_snapshot() {
    let mut report = demo_report(&Config::default());
    // A version bump is not a change of findings: keep it out of the snapshot.
    report.tool.version = "[version]".to_string();
    insta::assert_json_snapshot!("demo_report", report);
}

#[test]
fn demo_config_suppresses_and_reports_the_expired_suppression() {
    let plain = demo_report(&Config::default());
    let report = demo_report(&demo_config());

    // Active until 2027-06-30: the too-broad legacy statement moves to `suppressed`.
    let broad = plain
        .findings
        .iter()
        .find(|f| f.check == "invoke-permission-too-broad" && f.status == Status::Fail)
        .expect("the default run shows the too-broad statement");
    assert_eq!(
        broad.function.as_deref(),
        Some(function_arn("legacy-partner-sync").as_str())
    );
    assert!(report
        .suppressed
        .iter()
        .any(|s| s.fingerprint == broad.fingerprint && s.check == broad.check));
    assert!(report
        .findings
        .iter()
        .all(|f| f.fingerprint != broad.fingerprint));
    // The unreadable policy of payments-refunds is still reported: suppression is by resource.
    assert!(report
        .findings
        .iter()
        .any(|f| f.check == "invoke-permission-too-broad" && f.status == Status::Error));
    assert_eq!(report.summary.suppressed, 1);

    // Expired on 2026-01-31: a notice says so and the finding stays, marked in its evidence.
    assert_eq!(report.notices.len(), 1, "{:?}", report.notices);
    let notice = &report.notices[0];
    assert!(
        notice.contains("runtime-deprecated") && notice.contains("expired on 2026-01-31"),
        "{notice}"
    );
    let deprecated = report
        .findings
        .iter()
        .find(|f| f.check == "runtime-deprecated")
        .expect("the runtime finding is reported again");
    assert_eq!(
        deprecated.function.as_deref(),
        Some(function_arn("reports-generator").as_str())
    );
    assert_eq!(
        deprecated.evidence["suppression_expired"]["expired_on"],
        "2026-01-31"
    );
    assert_eq!(report.findings.len(), plain.findings.len() - 1);
}

/// Runs the built binary on the demo from the repository root, with none of the settings the
/// CLI reads from the environment so the developer's shell cannot change the outcome.
fn run_binary(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_apigw-auditor"));
    command.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
    for variable in [
        "APIGW_AUDITOR_CONFIG",
        "APIGW_AUDITOR_REGIONS",
        "APIGW_AUDITOR_PROFILE",
        "APIGW_AUDITOR_ENDPOINT_URL",
        "APIGW_AUDITOR_FORMAT",
        "APIGW_AUDITOR_OUTPUT",
        "APIGW_AUDITOR_FAIL_ON",
        "APIGW_AUDITOR_LOG_FORMAT",
    ] {
        command.env_remove(variable);
    }
    command.output().expect("the binary runs")
}

#[test]
fn binary_audits_the_demo() {
    let json = run_binary(&["audit", "--snapshot", SNAPSHOT, "--format", "json"]);
    let stderr = String::from_utf8_lossy(&json.stderr);
    // 1: findings at or above the default --fail-on high.
    assert_eq!(json.status.code(), Some(1), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&json.stdout).expect("stdout is one JSON document");
    assert_eq!(report["schema"], "apigw-auditor.report.v1");
    assert_eq!(report["run"]["source"], "snapshot");
    let counts = &report["summary"]["findings"];
    let total: u64 = ["high", "medium", "low", "info"]
        .iter()
        .map(|s| counts[s].as_u64().unwrap())
        .sum();
    assert!(counts["high"].as_u64().unwrap() > 0);

    let table = run_binary(&["audit", "--snapshot", SNAPSHOT, "--format", "table"]);
    assert_eq!(table.status.code(), Some(1));
    let text = String::from_utf8(table.stdout).expect("the table is UTF-8");
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.starts_with(&format!("{total} findings (")),
        "last line: {last}"
    );
}
