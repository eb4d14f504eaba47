//! End-to-end tests of evidence collection as a whole, against the emulator through the real
//! SDK: GetMetricData stays at its lower bound (500 queries per call) on a fleet of 250 stages
//! and 50 functions, throttled CloudWatch and CloudWatch Logs calls (injected with microburst)
//! are retried without changing a finding, and a denied `logs:FilterLogEvents` (or
//! `cloudwatch:GetMetricData`) turns the two log (or metric) checks into `error` findings, listed
//! in the report's errors, while the other two still judge.
//!
//! ministack emits no `AWS/ApiGateway` metrics, no Lambda metrics and no logs for these
//! fleets: the tests write them as CloudWatch holds them (`support::cloudwatch`).

mod support;

use apigw_auditor::config::{Config, RateLimit};
use apigw_auditor::report::{Report, Status};
use futures::future::join_all;
use serde_json::json;

use support::audit::{audit_with, config, findings, only};
use support::cloudwatch::{
    customer_function_error, execution_line, spread, task_timed_out, LambdaMinute, Seeder,
    IMPORT_MODULE_ERROR, INVALID_PERMISSIONS,
};
use support::emulator::{Emulator, Microburst};
use support::fleet::apigw::MethodOptions;
use support::fleet::{function_arn, Fleet};
use support::{new_fleet, sdk_config};

const GET_METRIC_DATA: &str = "cloudwatch:GetMetricData";
const FILTER_LOG_EVENTS: &str = "logs:FilterLogEvents";
/// The evidence checks a seeded `pets` fleet makes fire.
const EVIDENCE: [&str; 4] = [
    "api-5xx-rate",
    "lambda-error-rate",
    "execution-log-errors",
    "function-log-errors",
];

fn calls(report: &Report, operation: &str) -> u64 {
    report
        .summary
        .api_calls
        .get(operation)
        .copied()
        .unwrap_or(0)
}

/// `(check, fingerprint, stages, status)` of every finding, sorted.
fn identities(report: &Report) -> Vec<(String, String, Vec<String>, Status)> {
    let mut all: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.check.clone(),
                f.fingerprint.clone(),
                f.stages.clone(),
                f.status,
            )
        })
        .collect();
    all.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    all
}

/// API `pets` (GET /pets → function `pets`, no invoke permission) on stage prod with execution
/// logging, and CloudWatch holding what such a stage shows: 5XX on 30 of 200 requests,
/// `pets` failing 6 of 40 invocations, `Invalid permissions` in the execution log, an import
/// error and a timeout in the function's log.
async fn seeded_pets(fleet: &Fleet, sdk: &aws_config::SdkConfig) {
    let function = fleet.python_function("pets").await;
    let api = fleet.create_api("pets").await;
    api.lambda_proxy_method("/pets", "GET", &function, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    let seeder = Seeder::new(sdk);
    seeder
        .enable_execution_logging(&api.id, "prod", "ERROR")
        .await;
    seeder
        .api_traffic("pets", "prod", &spread(200, 30, 4))
        .await;
    let minute = LambdaMinute::new(20, 3, 0);
    seeder.lambda_traffic("pets", None, &[minute, minute]).await;
    let mut lines: Vec<String> = (1..=3)
        .map(|n| execution_line(n, INVALID_PERMISSIONS))
        .collect();
    lines.push(execution_line(4, &customer_function_error("boom")));
    seeder.execution_log(&api.id, "prod", &lines).await;
    seeder
        .function_log(
            "pets",
            &[IMPORT_MODULE_ERROR.to_string(), task_timed_out(1)],
        )
        .await;
}

/// 125 APIs with stages prod and dev (250 stages) and 50 functions, each API's GET / invoking
/// one of them: 2 queries per stage and 3 per function, 650 in all, are 2 GetMetricData calls
/// of at most 500 queries. A spike on the last stage and errors of the last function are read
/// back, so both batches map their results to the right owner.
#[tokio::test]
async fn get_metric_data_is_batched_500_queries_per_call() {
    const APIS: usize = 125;
    const FUNCTIONS: usize = 50;
    let (account, sdk, fleet) = new_fleet().await;
    let names: Vec<String> = (0..FUNCTIONS).map(|i| format!("fn-{i:02}")).collect();
    // Functions take about half a second each to become Active: create them concurrently.
    for chunk in names.chunks(25) {
        join_all(chunk.iter().map(|name| fleet.python_function(name))).await;
    }
    let build = |i: usize| {
        let fleet = &fleet;
        let target = function_arn(&account, &names[i % FUNCTIONS], None);
        async move {
            let api = fleet.create_api(&format!("api-{i:03}")).await;
            api.lambda_proxy_method("/", "GET", &target, MethodOptions::default())
                .await;
            let deployment = api.deploy("prod", &[]).await;
            api.stage("dev", &deployment, &[]).await;
            api
        }
    };
    let mut apis = Vec::new();
    for chunk in (0..APIS).collect::<Vec<_>>().chunks(25) {
        apis.extend(join_all(chunk.iter().map(|&i| build(i))).await);
    }
    let seeder = Seeder::new(&sdk);
    seeder
        .api_traffic("api-124", "dev", &spread(400, 40, 4))
        .await;
    let failing = LambdaMinute::new(30, 15, 0);
    seeder.lambda_traffic("fn-49", None, &[failing]).await;

    let report = audit_with(&fast(config()), &sdk).await;
    assert_eq!(
        (report.summary.stages, report.summary.functions),
        (2 * APIS, FUNCTIONS)
    );
    let queries = 2 * 2 * APIS + 3 * FUNCTIONS;
    assert_eq!(
        calls(&report, GET_METRIC_DATA),
        queries.div_ceil(500) as u64
    );
    // No log group exists: one FilterLogEvents per function finds that out (no stage logs).
    assert_eq!(calls(&report, FILTER_LOG_EVENTS), FUNCTIONS as u64);
    let spike = only(&report, "api-5xx-rate");
    assert_eq!(
        (
            spike.api.as_ref().map(|a| a.id.as_str()),
            spike.stages.clone()
        ),
        (Some(apis[124].id.as_str()), vec!["dev".to_string()])
    );
    let failed = only(&report, "lambda-error-rate");
    assert_eq!(failed.function, Some(function_arn(&account, "fn-49", None)));
    assert_eq!(failed.evidence["errors"], 15);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

/// The client-side rate limits follow AWS's quotas; this test is about call counts, so it lifts
/// them to keep a 125-API audit short (the counts do not depend on them).
fn fast(mut config: Config) -> Config {
    let quick = RateLimit {
        per_second: 500.0,
        burst: 500,
    };
    let limits = &mut config.collect.rate_limits;
    limits.apigateway = quick;
    limits.apigateway_get_resources = quick;
    limits.lambda_get_function = quick;
    limits.lambda_get_policy = quick;
    limits.lambda_other = quick;
    limits.logs_filter_log_events = quick;
    config.collect.concurrency = 16;
    config
}

/// Half of the GetMetricData and FilterLogEvents calls are throttled: every one is retried, and
/// the findings are those of the clean run, with no collection error.
#[tokio::test]
async fn throttled_evidence_calls_are_retried_without_changing_a_finding() {
    let (account, sdk, fleet) = new_fleet().await;
    seeded_pets(&fleet, &sdk).await;
    let clean = audit_with(&config(), &sdk).await;
    for check in EVIDENCE {
        assert_eq!(
            findings(&clean, check).len(),
            1,
            "{check}: {:#?}",
            clean.findings
        );
    }

    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    let throttled = |service: &str, operation: &str| {
        json!({"service": service, "operation": operation, "probability": 0.5,
               "error": {"code": "ThrottlingException", "status": 429, "message": "Rate exceeded"}})
    };
    // The audit makes one GetMetricData call: its first attempt is always throttled (the first
    // matching rule wins), so the retry of that call is exercised on every run.
    let mut first = throttled("cloudwatch", "GetMetricData");
    first["probability"] = json!(1.0);
    first["times"] = json!(1);
    proxy.set_rules(json!([
        first,
        throttled("cloudwatch", "GetMetricData"),
        throttled("logs", "FilterLogEvents")
    ]));
    let mut patient = config();
    // At 50 % throttling the default 10 attempts lose one call in 1,024 (0.5^10); 20 make it
    // one in a million, so the test does not flake.
    patient.collect.max_attempts = 20;
    // Backoff under this much throttling can use up the default 20 s budget of a log group,
    // and a scan stopped by its time bound makes fewer calls by design. This test is about
    // retries, so give the scan a budget that retries cannot exhaust.
    patient.evidence.log_seconds_per_group = 600;
    let proxied = sdk_config(proxy.endpoint_url(), &account).await;
    let report = audit_with(&patient, &proxied).await;

    let fired = proxy.fired();
    for service in ["cloudwatch", "logs"] {
        assert!(
            fired.iter().any(|f| f["service"] == service),
            "no {service} call was throttled: {fired:#?}"
        );
    }
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert_eq!(identities(&report), identities(&clean));
    // Every throttled attempt is reported in the summary, per operation.
    for (service, operation) in [("cloudwatch", GET_METRIC_DATA), ("logs", FILTER_LOG_EVENTS)] {
        let injected = fired.iter().filter(|f| f["service"] == service).count() as u64;
        assert_eq!(
            report.summary.throttled.get(operation).copied(),
            Some(injected),
            "{operation}"
        );
    }
    // Retries are not calls: the counters say what the audit needed.
    for operation in [GET_METRIC_DATA, FILTER_LOG_EVENTS] {
        assert_eq!(
            calls(&report, operation),
            calls(&clean, operation),
            "{operation}"
        );
    }
}

/// `logs:FilterLogEvents` is denied: each log group's scan fails once and stops, the two log
/// checks give `error` findings naming the code, and the metric checks judge as usual.
#[tokio::test]
async fn denied_filter_log_events_gives_error_findings_for_the_log_checks_only() {
    let (account, sdk, fleet) = new_fleet().await;
    seeded_pets(&fleet, &sdk).await;
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(json!([{
        "service": "logs", "operation": "FilterLogEvents",
        "error": {"code": "AccessDeniedException", "status": 400,
                  "message": "User is not authorized to perform: logs:FilterLogEvents"}
    }]));
    let proxied = sdk_config(proxy.endpoint_url(), &account).await;
    let report = audit_with(&config(), &proxied).await;

    for check in ["execution-log-errors", "function-log-errors"] {
        let f = only(&report, check);
        assert_eq!(f.status, Status::Error, "{f:#?}");
        assert_eq!(f.evidence["code"], "AccessDeniedException", "{f:#?}");
    }
    assert_eq!(only(&report, "execution-log-errors").stages, ["prod"]);
    assert_eq!(
        only(&report, "function-log-errors").function,
        Some(function_arn(&account, "pets", None))
    );
    for check in ["api-5xx-rate", "lambda-error-rate"] {
        assert_eq!(only(&report, check).status, Status::Fail, "{check}");
    }
    // One denied call per log group (the stage's and the function's), each listed once.
    assert_eq!(calls(&report, FILTER_LOG_EVENTS), 2);
    assert_eq!(proxy.fired().len(), 2);
    assert_eq!(report.errors.len(), 2, "{:#?}", report.errors);
    assert_eq!(report.summary.errors, 2);
    assert!(report
        .errors
        .iter()
        .all(|e| e.operation == FILTER_LOG_EVENTS
            && e.code == "AccessDeniedException"
            && e.account == account));
}

/// `cloudwatch:GetMetricData` is denied: the one batch fails, both metric checks give `error`
/// findings, the log checks judge as usual, and the report lists the failed call once (one
/// error for the batch, as `inventory::metrics` records it).
#[tokio::test]
async fn denied_get_metric_data_gives_error_findings_for_the_metric_checks_only() {
    let (account, sdk, fleet) = new_fleet().await;
    seeded_pets(&fleet, &sdk).await;
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(json!([{
        "service": "cloudwatch", "operation": "GetMetricData",
        "error": {"code": "AccessDeniedException", "status": 400,
                  "message": "User is not authorized to perform: cloudwatch:GetMetricData"}
    }]));
    let proxied = sdk_config(proxy.endpoint_url(), &account).await;
    let report = audit_with(&config(), &proxied).await;

    for check in ["api-5xx-rate", "lambda-error-rate"] {
        let f = only(&report, check);
        assert_eq!(
            (f.status, &f.evidence["code"]),
            (Status::Error, &json!("AccessDeniedException")),
            "{f:#?}"
        );
    }
    for check in ["execution-log-errors", "function-log-errors"] {
        assert_eq!(only(&report, check).status, Status::Fail, "{check}");
    }
    assert_eq!(calls(&report, GET_METRIC_DATA), 1);
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    assert_eq!(report.errors[0].operation, GET_METRIC_DATA);
}
