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
//! - its CloudWatch evidence tells one story end to end: stage dev of the pets API answers 7 %
//!   5XX, and the finding names the qualifier mismatch on `POST /pets` as its probable cause,
//!   in the JSON and under it in the table; the healthy stages stay under every threshold;
//! - the evidence is what collection would have read for this inventory (window, stages,
//!   targets, log groups, call counts);
//! - its probe results (the opt-in probe, run on a few routes) are what the probe selects for
//!   them, and show one response API Gateway rejects;
//! - `config/demo.toml` suppresses one finding and reports its expired suppression;
//! - the built binary reads the file, exits 1 and writes the JSON and table formats.
//!
//! Which route demonstrates which check, and why it is broken, is listed in [`DEMONSTRATES`].

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use apigw_auditor::arn::FunctionArn;
use apigw_auditor::audit::read_snapshot;
use apigw_auditor::checks;
use apigw_auditor::checks::{self as catalogue, Role};
use apigw_auditor::collect::cloudwatch::evidence_window;
use apigw_auditor::collect::logs::{execution_log_group, function_log_group};
use apigw_auditor::collect::metrics::MetricPlan;
use apigw_auditor::config::{self, Config, EvidenceSettings};
use apigw_auditor::evaluate::{evaluate, RunFacts};
use apigw_auditor::inventory::Lookup;
use apigw_auditor::log_signatures as signatures;
use apigw_auditor::report::{Finding, Report, Source, Status};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde_json::Value;

const ACCOUNT: &str = "123456789012";
const SNAPSHOT: &str = "examples/demo-account.json";
const DEMO_CONFIG: &str = "config/demo.toml";

/// (check, API name or "" for function-level findings, stage, subject, what makes it fail).
/// The subject is `METHOD /path`, `authorizer NAME`, a function `name[:qualifier]`, or "" for a
/// finding about a whole stage.
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
    ("integration-role-invalid", "partners", "live", "POST /sync",
     "its credentials role was copied from the function's execution role: it trusts lambda.amazonaws.com, not API Gateway"),
    ("stage-not-redeployed", "orders", "prod", "",
     "GET /refunds/{refundId} was added in the console and never deployed"),
    ("lambda-timeout-exceeds-integration", "reports", "v1", "GET /reports",
     "reports-generator runs up to 300 s behind a 29 s integration"),
    ("lambda-timeout-exceeds-integration", "reports", "v1", "GET /reports/{reportId}/sections/{sectionId}",
     "a streaming route whose integration still stops after the default 29 s: the stream is cut"),
    ("integration-transfer-mode-mismatch", "reports", "v1", "GET /reports/{reportId}/sections/{sectionId}",
     "a Terraform change set response_transfer_mode = STREAM but kept the buffered invoke_arn"),
    ("integration-target-not-invocable", "orders", "prod", "POST /orders/{orderId}/fulfil",
     "orders-workflow is a durable function and the integration names it unqualified"),
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
    ("handler-not-in-package", "", "", "pets-photos",
     "the build zipped the pets-photos folder, so photos/app.py is one level down"),
    ("package-file-permissions", "", "", "legacy-partner-sync",
     "packaged from a home directory with umask 077: handler.js is -rw-------"),
    // Evidence from CloudWatch, 08:14-09:14 on the day of collection.
    ("api-5xx-rate", "pets", "dev", "",
     "7.1 % of 1,312 requests: every POST /pets is denied (the qualifier mismatch above)"),
    ("execution-log-errors", "pets", "dev", "",
     "87 `Invalid permissions on Lambda function` lines, one per POST /pets"),
    ("execution-log-errors", "orders", "prod", "",
     "the launch canary's 60 calls all fail on the authorizer permission (too few for api-5xx-rate)"),
    ("execution-log-errors", "reports", "v1", "",
     "504s of GET /reports behind its 29 s integration, and the unpermitted GET /reports/schedules"),
    ("lambda-error-rate", "", "", "reports-generator",
     "7 of 61 invocations ran into the function's own 300 s timeout"),
    ("lambda-error-rate", "", "", "legacy-partner-sync",
     "24 throttles: the partner's job still calls POST /sync every 5 minutes"),
    ("function-log-errors", "", "", "reports-generator", "`Task timed out after 300.00 seconds`"),
    ("execution-logging-disabled", "partners", "live", "",
     "logging turned OFF to save on CloudWatch Logs: its 36 5XX leave no trace"),
    // The opt-in probe, run with PROBED_ROUTES.
    ("proxy-response-malformed", "orders", "prod", "ANY /{proxy+}",
     "orders-service was ported from an HTTP API and still returns `cookies`, which REST rejects"),
    // The checkout HTTP API (API Gateway v2), built with CDK and Terraform.
    ("invoke-permission-missing", "checkout", "$default", "ANY $default",
     "source-arn-mismatch: CDK's HttpLambdaIntegration with scopePermissionToRoute off wrote {api}/*/*/*, which misses the $default route"),
    ("authorizer-simple-responses-ignored", "checkout", "$default", "authorizer session-authorizer",
     "Terraform's default payload 1.0, and the function was rewritten to answer {isAuthorized}"),
    ("authorizer-identity-source-unset", "checkout", "beta", "authorizer tenant-authorizer",
     "$stageVariables.tenantPool is defined on $default only"),
    ("api-5xx-rate", "checkout", "$default", "",
     "7.9 % of 5,230 requests: every call the $default route catches is denied"),
    ("access-log-errors", "checkout", "$default", "",
     "412 lines of the integration error API Gateway logs for the $default route's permission"),
    ("access-log-hides-integration-errors", "checkout", "beta", "",
     "beta was created without access logging"),
    ("payload-format-mismatch", "checkout", "$default", "GET /carts/{cartId}/receipt",
     "added with Terraform, whose integration defaults to payload 1.0; checkout-api answers in 2.0's inferred format"),
];

/// The `[probe] routes` the demo was collected with: its `probes` are what the probe selects with
/// them (checked by `probes_are_what_the_probe_selects`).
const PROBED_ROUTES: &[&str] = &[
    "pets /pets",
    "billing /invoices",
    "orders /*",
    "checkout /carts/*",
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
    // A response-streaming route (the 2021-11-15 URI, responseTransferMode STREAM) done right.
    ("pets", "prod", "GET", "/pets/{petId}/feed"),
    ("pets", "dev", "GET", "/pets/{petId}/feed"),
];

/// Targets with nothing wrong: no finding of any check may name them.
const HEALTHY_FUNCTIONS: &[&str] = &["pets-api:live", "billing-invoices:7"];

/// Stages whose CloudWatch evidence must stay quiet, and why their numbers do.
#[rustfmt::skip]
const QUIET_STAGES: &[(&str, &str, &str)] = &[
    ("billing", "prod", "3 5XX in 8,940 requests (0.03 %), no failure line in its execution log"),
    ("pets", "prod", "12 5XX in 41,873 requests (the function's own 503s); photos not yet called"),
    ("orders", "staging", "no request in the window"),
];

/// Stages under `api-5xx-rate`'s minimum of 100 requests: however high their share of 5XX, the
/// rate is not judged (their execution logs and functions tell the story instead).
const BELOW_MINIMUM: &[(&str, &str)] =
    &[("orders", "prod"), ("partners", "live"), ("reports", "v1")];

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
        RunFacts {
            id: "00000000-0000-4000-8000-00000000d3e0".to_string(),
            started_at,
            finished_at: started_at + Duration::milliseconds(1250),
            source: Source::Snapshot,
            today: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        },
    )
}

fn demo_config() -> Config {
    config::load_file(&repo_path(DEMO_CONFIG), &checks::specs())
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

/// Findings read from CloudWatch (symptoms and other evidence) rather than configuration causes,
/// as the checks declare their role.
fn is_evidence(check: &str) -> bool {
    catalogue::find(check).is_some_and(|c| c.role != Role::Cause)
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
fn evidence_is_what_collection_would_read() {
    let inventory = read_snapshot(&repo_path(SNAPSHOT)).unwrap();
    let scope = &inventory.scopes[0];
    let evidence = scope.evidence.as_ref().expect("the demo has evidence");
    // The default window: 60 minutes of one-minute periods, ending on the minute of collection.
    let window = evidence_window(&EvidenceSettings::default(), inventory.collected_at);
    assert_eq!(evidence.window, window);

    // Metrics: every deployed stage (REST, then HTTP APIs), and every same-account target that
    // exists.
    let stages: Vec<(&str, &str)> = scope
        .all_apis()
        .flat_map(|api| {
            let stages = api.stages().found().map(Vec::as_slice).unwrap_or_default();
            stages.iter().map(move |s| (api.id(), s.name.as_str()))
        })
        .collect();
    let measured: Vec<(&str, &str)> = evidence
        .stage_metrics
        .iter()
        .map(|m| (m.api_id.as_str(), m.stage.as_str()))
        .collect();
    assert_eq!(measured, stages);
    let functions: Vec<FunctionArn> = scope
        .targets
        .values()
        .filter(|t| t.configuration.found().is_some())
        .map(|t| t.arn.clone())
        .filter(|f| f.account == scope.account)
        .collect();
    let targets: Vec<String> = functions.iter().map(ToString::to_string).collect();
    let measured: Vec<String> = evidence
        .function_metrics
        .iter()
        .map(|m| m.target.to_string())
        .collect();
    assert_eq!(measured, targets);

    // Execution logs of exactly the stages that write them, one scan per function name.
    let logged: Vec<String> = scope
        .apis
        .iter()
        .flat_map(|api| {
            let stages = api.stages.found().map(Vec::as_slice).unwrap_or_default();
            stages
                .iter()
                .filter(|s| s.execution_logging())
                .map(|s| execution_log_group(&api.id, &s.name))
        })
        .collect();
    let scanned: Vec<&str> = evidence
        .execution_logs
        .iter()
        .map(|s| s.log_group.as_str())
        .collect();
    assert_eq!(scanned, logged);
    assert_eq!(
        logged.len(),
        scope.apis.len() + 1,
        "one REST stage writes no logs"
    );
    // Access logs of the HTTP API stages whose format shows integration errors.
    let access: Vec<(&str, &str)> = scope
        .http_apis
        .iter()
        .flat_map(|api| {
            let stages = api.stages.found().map(Vec::as_slice).unwrap_or_default();
            stages
                .iter()
                .filter_map(|s| s.access_log.as_ref().filter(|l| l.shows_errors()))
                .map(|log| (api.id.as_str(), log.log_group().unwrap_or_default()))
        })
        .collect();
    let scanned: Vec<(&str, &str)> = evidence
        .access_logs
        .iter()
        .map(|s| {
            (
                s.api_id.as_deref().unwrap_or_default(),
                s.log_group.as_str(),
            )
        })
        .collect();
    assert_eq!(scanned, access);
    assert_eq!(scanned.len(), 1, "beta has no access log");
    let mut names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let groups: Vec<String> = names.iter().map(|n| function_log_group(n)).collect();
    let scanned: Vec<&str> = evidence
        .function_logs
        .iter()
        .map(|s| s.log_group.as_str())
        .collect();
    assert_eq!(scanned, groups);

    // Each sample is a line holding its signature, cut as collection cuts them.
    let scans = evidence
        .execution_logs
        .iter()
        .chain(&evidence.function_logs)
        .chain(&evidence.access_logs);
    let mut missing = Vec::new();
    let mut searches = 0;
    for scan in scans {
        let per_group = if scan.function_name.is_some() {
            signatures::FUNCTION_LOG.len()
        } else if scan.log_group.starts_with("API-Gateway-Execution-Logs_") {
            signatures::EXECUTION_LOG.len()
        } else {
            signatures::ACCESS_LOG.len()
        };
        match &scan.hits {
            Lookup::Found(hits) => {
                searches += per_group;
                for hit in hits {
                    assert!(
                        signatures::find(&hit.signature).is_some(),
                        "{}",
                        hit.signature
                    );
                    assert!(hit.count > 0 && hit.samples.len() <= 3, "{hit:?}");
                    assert!(hit.samples.len() as u64 <= hit.count, "{hit:?}");
                    for sample in &hit.samples {
                        assert!(sample.contains(&hit.signature), "{sample}");
                        assert_eq!(signatures::cut(sample, 300), *sample);
                    }
                }
            }
            // The first search finds no group and ends the scan.
            Lookup::Missing => {
                searches += 1;
                missing.push(scan.log_group.as_str());
            }
            Lookup::Failed(error) => panic!("{}: {error:?}", scan.log_group),
        }
    }
    assert_eq!(
        missing,
        ["/aws/lambda/reports-scheduler"],
        "never invoked, so no group"
    );

    // The call counters agree: one GetMetricData per 500 queries, one search per signature.
    let calls = |operation: &str| scope.api_calls.get(operation).copied();
    let metric_calls = MetricPlan::new(scope, &functions).calls(&window);
    assert_eq!(calls("cloudwatch:GetMetricData"), Some(metric_calls as u64));
    assert_eq!(calls("logs:FilterLogEvents"), Some(searches as u64));
}

#[test]
fn the_5xx_spike_names_its_configuration_cause() {
    let report = demo_report(&Config::default());
    let spikes: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.check == "api-5xx-rate" && f.status == Status::Fail)
        .collect();
    assert_eq!(spikes.len(), 2, "{spikes:#?}");
    let spike = spikes
        .iter()
        .find(|f| api_name(f) == "pets")
        .expect("the pets spike");
    assert_eq!(
        (api_name(spike), spike.stages.as_slice()),
        ("pets", &["dev".to_string()][..])
    );
    assert_eq!(
        (&spike.evidence["five_xx"], &spike.evidence["requests"]),
        (&Value::from(93), &Value::from(1312))
    );

    // The cause: the permission for POST /pets was added to the function, not to the alias.
    let mismatch = report
        .findings
        .iter()
        .find(|f| f.evidence["reason"] == "qualifier-mismatch")
        .unwrap();
    assert_eq!(
        (subject(mismatch).as_str(), mismatch.stages.as_slice()),
        ("POST /pets", &["dev".to_string()][..])
    );
    let causes = spike.evidence["probable_causes"]
        .as_array()
        .expect("the spike has probable_causes");
    assert!(
        causes.contains(&Value::from(mismatch.fingerprint.as_str())),
        "{causes:?} lacks {}",
        mismatch.fingerprint
    );
    // Every cause is a configuration finding on pets dev that breaks calls.
    for cause in causes {
        let finding = report
            .findings
            .iter()
            .find(|f| cause.as_str() == Some(f.fingerprint.as_str()))
            .unwrap_or_else(|| panic!("cause {cause} is not a finding"));
        assert!(!is_evidence(&finding.check), "{finding:#?}");
        assert!(finding.client_status.is_some(), "{finding:#?}");
        assert_eq!(api_name(finding), "pets");
        assert!(finding.stages.iter().any(|s| s == "dev"), "{finding:#?}");
    }

    // The execution log of the same stage shows the same failure, with the same cause.
    let lines = report
        .findings
        .iter()
        .find(|f| {
            f.check == "execution-log-errors" && api_name(f) == "pets" && f.stages == spike.stages
        })
        .expect("pets dev execution-log-errors");
    assert_eq!(
        lines.evidence["signatures"][0]["signature"],
        "Invalid permissions on Lambda function"
    );
    assert_eq!(
        lines.evidence["probable_causes"],
        spike.evidence["probable_causes"]
    );
}

/// The HTTP API's story: its `$default` stage answers 7.9 % 5XX (its `5xx` read by API id), the
/// cause is the permission that misses the `$default` route, and the stage's access log shows
/// the integration error AWS documents for it, linked to the same cause.
#[test]
fn the_http_api_spike_names_the_default_route_permission() {
    let report = demo_report(&Config::default());
    let spike = report
        .findings
        .iter()
        .find(|f| f.check == "api-5xx-rate" && api_name(f) == "checkout")
        .expect("the checkout spike");
    assert_eq!(spike.stages, ["$default"]);
    assert_eq!(spike.api.as_ref().unwrap().protocol.as_str(), "HTTP");
    assert_eq!(
        (&spike.evidence["five_xx"], &spike.evidence["requests"]),
        (&Value::from(412), &Value::from(5230))
    );
    let denied = report
        .findings
        .iter()
        .find(|f| f.check == "invoke-permission-missing" && api_name(f) == "checkout")
        .expect("the $default route's permission");
    assert_eq!(subject(denied), "ANY $default");
    assert_eq!(denied.stages, ["$default", "beta"]);
    assert_eq!(
        denied.evidence["source_arns"][0],
        "arn:aws:execute-api:us-east-1:123456789012:h7k2p9x4qe/$default/$default"
    );
    assert!(denied.remediation.as_deref().unwrap().ends_with(
        "--source-arn 'arn:aws:execute-api:us-east-1:123456789012:h7k2p9x4qe/*/$default'"
    ));
    for symptom in ["api-5xx-rate", "access-log-errors"] {
        let found = report
            .findings
            .iter()
            .find(|f| f.check == symptom && api_name(f) == "checkout")
            .unwrap();
        assert!(
            found.evidence["probable_causes"]
                .as_array()
                .unwrap()
                .contains(&Value::from(denied.fingerprint.as_str())),
            "{symptom}: {:#?}",
            found.evidence
        );
    }
    // The healthy routes of the same API (CDK's per-route permissions) say nothing; the one
    // other route finding is the probe's payload-format mismatch on the receipt route.
    let checkout_routes: Vec<(&str, String)> = report
        .findings
        .iter()
        .filter(|f| api_name(f) == "checkout" && f.route.is_some())
        .map(|f| (f.check.as_str(), subject(f)))
        .collect();
    assert_eq!(
        checkout_routes,
        [
            ("invoke-permission-missing", "ANY $default".to_string()),
            (
                "payload-format-mismatch",
                "GET /carts/{cartId}/receipt".to_string()
            ),
        ]
    );
}

#[test]
fn healthy_stages_give_no_evidence_finding() {
    let report = demo_report(&Config::default());
    for (api, stage, why) in QUIET_STAGES {
        let about: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| is_evidence(&f.check))
            .filter(|f| api_name(f) == *api && f.stages.iter().any(|s| s == stage))
            .collect();
        assert!(
            about.is_empty(),
            "{api} {stage} is quiet ({why}): {about:#?}"
        );
    }
    let inventory = read_snapshot(&repo_path(SNAPSHOT)).unwrap();
    let evidence = inventory.scopes[0].evidence.as_ref().unwrap();
    let traffic = |api: &str, stage: &str| {
        let metrics = evidence
            .stage_metrics
            .iter()
            .find(|m| m.api_name == api && m.stage == stage)
            .unwrap();
        let sums = metrics.sums.found().unwrap();
        (sums.value("5XXError"), sums.value("Count"))
    };
    // The busy healthy stages are judged, and pass.
    for (api, stage) in [("billing", "prod"), ("pets", "prod")] {
        let (five_xx, requests) = traffic(api, stage);
        assert!(requests >= 100.0 && five_xx > 0.0 && five_xx / requests < 0.05);
    }
    for (api, stage) in BELOW_MINIMUM {
        // Mostly 5XX, but too few requests to judge a rate on.
        let (five_xx, requests) = traffic(api, stage);
        assert!(
            requests < 100.0 && five_xx / requests >= 0.05,
            "{api} {stage}"
        );
        assert!(
            !report.findings.iter().any(|f| f.check == "api-5xx-rate"
                && api_name(f) == *api
                && f.stages.iter().any(|s| s == stage)),
            "{api} {stage} served fewer than 100 requests"
        );
    }
    // Nothing else: every evidence finding is one DEMONSTRATES lists.
    for f in report.findings.iter().filter(|f| is_evidence(&f.check)) {
        let listed = DEMONSTRATES.iter().any(|(check, api, stage, what, _)| {
            f.check == *check
                && api_name(f) == *api
                && (stage.is_empty() || f.stages.iter().any(|s| s == stage))
                && subject(f) == *what
        });
        assert!(listed, "unexpected evidence finding: {f:#?}");
    }
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

#[test]
fn table_prints_the_probable_cause_under_the_spike() {
    let report = demo_report(&Config::default());
    let mismatch = report
        .findings
        .iter()
        .find(|f| f.evidence["reason"] == "qualifier-mismatch")
        .unwrap();
    let table = run_binary(&["audit", "--snapshot", SNAPSHOT, "--format", "table"]);
    let text = String::from_utf8(table.stdout).expect("the table is UTF-8");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // The finding's block: its header, its message, ... up to its `id:` line.
    let start = lines
        .iter()
        .enumerate()
        .position(|(i, l)| {
            l.starts_with("HIGH")
                && l.contains("api-5xx-rate")
                && lines
                    .get(i + 1)
                    .is_some_and(|next| next.starts_with("Stage dev of API pets"))
        })
        .unwrap_or_else(|| panic!("no api-5xx-rate finding on pets dev in:\n{text}"));
    assert!(
        lines[start + 1].starts_with("Stage dev of API pets (k3x9v2m1qa) answered 7.1 % of 1,312"),
        "{}",
        lines[start + 1]
    );
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l.starts_with("id: "))
            .unwrap();
    let block = &lines[start..=end];
    assert!(
        block.iter().any(|l| l.starts_with("probably because:")),
        "{block:#?}"
    );
    let cause = format!(
        "invoke-permission-missing POST /pets → pets-api:dev ({})",
        mismatch.fingerprint
    );
    assert!(
        block.iter().any(|l| l.ends_with(&cause)),
        "{cause} not in {block:#?}"
    );
}

#[test]
fn probes_are_what_the_probe_selects() {
    let inventory = read_snapshot(&repo_path(SNAPSHOT)).unwrap();
    let scope = &inventory.scopes[0];
    let settings = config::ProbeSettings {
        enabled: true,
        routes: PROBED_ROUTES.iter().map(|r| r.to_string()).collect(),
        ..config::ProbeSettings::default()
    };
    let selected: Vec<(String, String, String, Vec<String>, String)> =
        apigw_auditor::probe::select::select(
            apigw_auditor::probe::select::candidates(
                &apigw_auditor::routes::ScopeRoutes::new(scope),
                &settings,
            ),
            scope,
            &settings,
        )
        .planned
        .into_iter()
        .map(|p| {
            let path = apigw_auditor::probe::event::fill_path(&p.path, &settings).path;
            (
                p.api_id.clone(),
                p.method.to_string(),
                p.target.to_string(),
                p.stages,
                path,
            )
        })
        .collect();
    let probes = scope.probes.as_ref().expect("the demo has probe results");
    let recorded: Vec<(String, String, String, Vec<String>, String)> = probes
        .iter()
        .map(|p| {
            assert_eq!(p.probed_method, "GET", "only GET is probed by default");
            (
                p.api_id.clone(),
                p.method.clone(),
                p.target.to_string(),
                p.stages.clone(),
                p.probed_path.clone(),
            )
        })
        .collect();
    assert_eq!(recorded, selected);
    assert_eq!(
        scope.api_calls.get("lambda:Invoke").copied(),
        Some(probes.len() as u64),
        "one invocation per probe"
    );
}
