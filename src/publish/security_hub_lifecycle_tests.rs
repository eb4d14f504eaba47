//! Which earlier findings a run may archive: every reason to keep one, and the identity that
//! travels through `ProductFields`.

use super::*;
use crate::config::IntegrationsSource;
use crate::inventory::Inventory;
use crate::publish::metrics::tests::run_context;
use crate::publish::resources::tests::finding;
use crate::publish::security_hub_asff::product_fields;
use crate::report::{ApiRef, SuppressedFinding};
use crate::testkit::{access_denied, api, scope};

fn report_of(inventory: &Inventory, config: &Config, findings: Vec<Finding>) -> Report {
    let mut report = crate::evaluate::evaluate(inventory, config, run_context());
    report.findings = findings;
    report.suppressed.clear();
    report
}

fn earlier(check: &str) -> Identity {
    Identity::of(&finding(check))
}

fn keep(
    inventory: &Inventory,
    config: &Config,
    report: &Report,
    earlier: &Identity,
) -> Option<Keep> {
    RunView {
        report,
        inventory,
        config,
    }
    .keep(earlier)
}

#[test]
fn a_finding_the_run_would_have_seen_is_archived() {
    let inventory = scope()
        .api(api("a1b2c3d4e5", "pets").stage("prod"))
        .inventory();
    let config = Config::default();
    let report = report_of(&inventory, &config, Vec::new());
    assert_eq!(
        keep(
            &inventory,
            &config,
            &report,
            &earlier("invoke-permission-missing")
        ),
        None
    );
    // So is an earlier `error` finding: the check could be evaluated this time.
    let mut error = earlier("invoke-permission-missing");
    error.status = Status::Error;
    assert_eq!(keep(&inventory, &config, &report, &error), None);
}

#[test]
fn scopes_outside_the_run_or_not_audited_keep_their_findings() {
    let config = Config::default();
    let mut other_region = earlier("handler-invalid");
    other_region.region = "eu-west-1".into();
    let inventory = scope().inventory();
    let report = report_of(&inventory, &config, Vec::new());
    assert_eq!(
        keep(&inventory, &config, &report, &other_region),
        Some(Keep::ScopeNotInRun)
    );

    let mut failed = scope().build();
    failed.error = Some("cannot assume role".into());
    let inventory = crate::testkit::inventory(vec![failed]);
    let report = report_of(&inventory, &config, Vec::new());
    assert_eq!(
        keep(&inventory, &config, &report, &earlier("handler-invalid")),
        Some(Keep::ScopeNotAudited)
    );

    // APIs that could not be listed: every finding of the scope would vanish.
    let mut unlisted = scope().build();
    unlisted
        .errors
        .push(access_denied("apigateway:GetRestApis", "*"));
    let inventory = crate::testkit::inventory(vec![unlisted]);
    let report = report_of(&inventory, &config, Vec::new());
    assert_eq!(
        keep(&inventory, &config, &report, &earlier("handler-invalid")),
        Some(Keep::ScopeNotAudited)
    );
}

#[test]
fn disabled_and_unknown_checks_keep_their_findings() {
    let inventory = scope().inventory();
    let mut config = Config::default();
    config.checks.disabled.insert("runtime-deprecated".into());
    let report = report_of(&inventory, &config, Vec::new());
    assert_eq!(
        keep(&inventory, &config, &report, &earlier("runtime-deprecated")),
        Some(Keep::CheckDisabled)
    );
    assert_eq!(
        keep(
            &inventory,
            &config,
            &report,
            &earlier("check-of-a-newer-version")
        ),
        Some(Keep::CheckDisabled)
    );
}

#[test]
fn checks_whose_input_was_not_read_keep_their_findings() {
    let mut config = Config::default();
    let plain = scope().inventory();
    let report = report_of(&plain, &config, Vec::new());
    // No evidence collected, no probe run.
    for check in [
        "api-5xx-rate",
        "lambda-error-rate",
        "execution-log-errors",
        "function-log-errors",
        "proxy-response-malformed",
    ] {
        assert_eq!(
            keep(&plain, &config, &report, &earlier(check)),
            Some(Keep::CheckNotRun),
            "{check}"
        );
    }
    // Evidence read, metrics on and logs off: the log findings stay.
    let with_evidence = scope().evidence(|_| {}).inventory();
    config.evidence.logs = false;
    let report = report_of(&with_evidence, &config, Vec::new());
    assert_eq!(
        keep(&with_evidence, &config, &report, &earlier("api-5xx-rate")),
        None
    );
    assert_eq!(
        keep(
            &with_evidence,
            &config,
            &report,
            &earlier("function-log-errors")
        ),
        Some(Keep::CheckNotRun)
    );
    // Packages and deployed integrations not read.
    config.packages.enabled = false;
    config.collect.integrations = IntegrationsSource::Current;
    let report = report_of(&plain, &config, Vec::new());
    for check in [
        "handler-not-in-package",
        "package-file-permissions",
        "stage-not-redeployed",
    ] {
        assert_eq!(
            keep(&plain, &config, &report, &earlier(check)),
            Some(Keep::CheckNotRun),
            "{check}"
        );
    }
    // The probe ran: its findings may go.
    let mut probed = scope().build();
    probed.probes = Some(Vec::new());
    let probed = crate::testkit::inventory(vec![probed]);
    let report = report_of(&probed, &config, Vec::new());
    assert_eq!(
        keep(
            &probed,
            &config,
            &report,
            &earlier("proxy-response-malformed")
        ),
        None
    );
}

#[test]
fn an_error_on_the_resource_keeps_the_finding() {
    let inventory = scope().inventory();
    let config = Config::default();
    let target = earlier("invoke-permission-missing");
    let error_on = |edit: fn(&mut Finding)| {
        let mut error = finding("invoke-permission-missing");
        error.status = Status::Error;
        edit(&mut error);
        error
    };
    // The same resource, the whole API, the function wherever it is called from.
    let covering = [
        error_on(|_| {}),
        error_on(|e| {
            e.route = None;
            e.function = None;
            e.stages.clear();
        }),
        error_on(|e| {
            e.api = None;
            e.route = None;
            e.stages.clear();
        }),
    ];
    for error in covering {
        let report = report_of(&inventory, &config, vec![error.clone()]);
        assert_eq!(
            keep(&inventory, &config, &report, &target),
            Some(Keep::NotEvaluated),
            "{error:?}"
        );
    }
    // Not about it: another check, another API, another route, or a failure rather than an error.
    let unrelated = [
        error_on(|e| e.check = "handler-invalid".into()),
        error_on(|e| {
            e.api = Some(ApiRef {
                id: "zzzz".into(),
                name: "other".into(),
                protocol: Default::default(),
            })
        }),
        error_on(|e| e.route.as_mut().unwrap().path = "/other".into()),
        error_on(|e| e.status = Status::Fail),
    ];
    for other in unrelated {
        let report = report_of(&inventory, &config, vec![other.clone()]);
        assert_eq!(
            keep(&inventory, &config, &report, &target),
            None,
            "{other:?}"
        );
    }
    // An error about one stage covers only that stage's finding.
    let mut stage_error = error_on(|e| {
        e.check = "api-5xx-rate".into();
        e.route = None;
        e.function = None;
        e.stages = vec!["dev".into()];
    });
    let with_evidence = scope().evidence(|_| {}).inventory();
    let mut prod = earlier("api-5xx-rate");
    (prod.route, prod.function, prod.stages) = (None, None, vec!["prod".into()]);
    let report = report_of(&with_evidence, &config, vec![stage_error.clone()]);
    assert_eq!(keep(&with_evidence, &config, &report, &prod), None);
    stage_error.stages = vec!["prod".into()];
    let report = report_of(&with_evidence, &config, vec![stage_error]);
    assert_eq!(
        keep(&with_evidence, &config, &report, &prod),
        Some(Keep::NotEvaluated)
    );
}

#[test]
fn a_suppressed_finding_is_kept() {
    let inventory = scope().inventory();
    let config = Config::default();
    let mut report = report_of(&inventory, &config, Vec::new());
    let target = earlier("invoke-permission-too-broad");
    report.suppressed.push(SuppressedFinding {
        fingerprint: target.fingerprint.clone(),
        check: target.check.clone(),
        reason: "partner".into(),
        expires: None,
    });
    assert_eq!(
        keep(&inventory, &config, &report, &target),
        Some(Keep::Suppressed)
    );
}

#[test]
fn the_identity_travels_through_the_product_fields() {
    for check in ["invoke-permission-missing", "api-5xx-rate"] {
        let mut original = finding(check);
        if check == "api-5xx-rate" {
            (original.route, original.function) = (None, None);
            original.stages = vec!["prod".into()];
        }
        let fields = product_fields(&original, "run-1");
        assert_eq!(
            Identity::from_product_fields(&fields),
            Some(Identity::of(&original))
        );
    }
    let mut error = finding("handler-invalid");
    (error.api, error.route, error.status) = (None, None, Status::Error);
    error.stages.clear();
    let fields = product_fields(&error, "run-1");
    assert_eq!(
        Identity::from_product_fields(&fields),
        Some(Identity::of(&error))
    );
    // Another tool's finding, or one missing a part of its identity, is not ours to archive.
    let mut foreign = fields.clone();
    foreign.remove(FINGERPRINT_FIELD);
    assert_eq!(Identity::from_product_fields(&foreign), None);
    let mut odd = fields;
    odd.insert("apigw-auditor/Status".into(), "maybe".into());
    assert_eq!(Identity::from_product_fields(&odd), None);
}
