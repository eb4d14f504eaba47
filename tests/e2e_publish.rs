//! End-to-end tests of publishing against the emulator, through the real SDK: after a run the
//! dashboard (`GetDashboard`) holds the expected sections and every high finding, the metrics
//! (`GetMetricData`) hold the published values including zeros, the JSON file parses as the
//! report, finding events and EMF lines have their documented structure; throttled calls are
//! retried, a sink that keeps failing leaves the others landed and the run says so; a fleet past
//! 500 widgets splits into numbered dashboards and stale ones this tool wrote are deleted, never
//! others.

mod support;

use std::collections::BTreeMap;

use apigw_auditor::app::exit_code;
use apigw_auditor::audit::{audit, Audit};
use apigw_auditor::config::{Config, FindingEvents, MetricsMode};
use apigw_auditor::publish::dashboard::{dashboard_name, MARKER};
use apigw_auditor::publish::sinks::{publish, Streams};
use apigw_auditor::report::{Report, Severity};
use apigw_auditor::AuditSource;
use aws_config::SdkConfig;
use aws_sdk_cloudwatch::primitives::DateTime as SmithyDateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use serde_json::{json, Value};

use support::emulator::{Emulator, Microburst};
use support::fleet::apigw::MethodOptions;
use support::fleet::{function_arn, Fleet};
use support::{new_fleet, sdk_config, REGION};

const NAMESPACE: &str = "APIGatewayAuditorE2E";

/// One API with a healthy route and a broken one (an alias without permission: high).
async fn broken_fleet(fleet: &Fleet, account: &str) {
    fleet.python_function("ok").await;
    let version = fleet.publish_version("ok").await;
    fleet.create_alias("ok", "live", &version).await;
    let api = fleet.create_api("shop").await;
    api.lambda_proxy_method(
        "/items",
        "GET",
        &function_arn(account, "ok", None),
        MethodOptions::default(),
    )
    .await;
    api.lambda_proxy_method(
        "/orders",
        "POST",
        &function_arn(account, "ok", Some("live")),
        MethodOptions::default(),
    )
    .await;
    fleet.permit("ok", None).serverless(&api.id).await;
    api.deploy("prod", &[]).await;
}

fn publish_config(account: &str, json_file: Option<std::path::PathBuf>) -> Config {
    let mut config = Config::default();
    config.scope.regions = vec![REGION.to_string()];
    config.publish.json_file = json_file;
    config.publish.finding_events = FindingEvents::On;
    let cw = &mut config.publish.cloudwatch;
    cw.metrics = MetricsMode::Api;
    cw.namespace = NAMESPACE.to_string();
    cw.dashboard = Some(format!("audit-{account}"));
    cw.log_group = Some("/ecs/apigw-auditor".to_string());
    config
}

/// Audits with `audit_sdk` and publishes with `publish_sdk`; returns the run and what the sinks
/// wrote to stdout and stderr.
async fn run(
    config: &Config,
    audit_sdk: &SdkConfig,
    publish_sdk: &SdkConfig,
) -> (Audit, String, String) {
    let mut run = audit(config, AuditSource::Live, Some(audit_sdk.clone()))
        .await
        .expect("the audit runs");
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let streams = Streams {
        stdout: &mut stdout,
        stderr: &mut stderr,
        stderr_is_terminal: false,
    };
    publish(
        &mut run.report,
        &run.inventory,
        config,
        Some(publish_sdk),
        streams,
    )
    .await;
    (
        run,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

async fn dashboard_body(sdk: &SdkConfig, name: &str) -> Option<Value> {
    let client = aws_sdk_cloudwatch::Client::new(sdk);
    let output = client
        .get_dashboard()
        .dashboard_name(name)
        .send()
        .await
        .ok()?;
    serde_json::from_str(output.dashboard_body()?).ok()
}

/// The window's total of one of the run's own metrics.
async fn published(sdk: &SdkConfig, metric: &str, dimensions: &[(&str, &str)]) -> Option<f64> {
    let client = aws_sdk_cloudwatch::Client::new(sdk);
    let mut m = Metric::builder().namespace(NAMESPACE).metric_name(metric);
    for (name, value) in dimensions {
        m = m.dimensions(Dimension::builder().name(*name).value(*value).build());
    }
    let query = MetricDataQuery::builder()
        .id("q0")
        .metric_stat(
            MetricStat::builder()
                .metric(m.build())
                .period(60)
                .stat("Maximum")
                .build(),
        )
        .build();
    let now = chrono::Utc::now();
    let output = client
        .get_metric_data()
        .metric_data_queries(query)
        .start_time(SmithyDateTime::from_millis(
            (now - chrono::Duration::minutes(10)).timestamp_millis(),
        ))
        .end_time(SmithyDateTime::from_millis(
            (now + chrono::Duration::minutes(1)).timestamp_millis(),
        ))
        .send()
        .await
        .expect("GetMetricData");
    output
        .metric_data_results()
        .first()
        .and_then(|r| r.values().iter().copied().reduce(f64::max))
}

fn outcomes(report: &Report) -> BTreeMap<&str, bool> {
    report
        .publish
        .iter()
        .map(|o| (o.sink.as_str(), o.ok))
        .collect()
}

fn markdown_of(body: &Value) -> String {
    body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["type"] == "text")
        .map(|w| {
            w["properties"]["markdown"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn every_sink_lands_dashboard_metrics_json_file_and_events() {
    let (account, sdk, fleet) = new_fleet().await;
    broken_fleet(&fleet, &account).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let config = publish_config(&account, Some(path.clone()));
    let (run, _, stderr) = run(&config, &sdk, &sdk).await;
    let report = &run.report;
    assert_eq!(
        outcomes(report),
        BTreeMap::from([
            ("cloudwatch-dashboard", true),
            ("cloudwatch-metrics", true),
            ("finding-events", true),
            ("json-file", true)
        ]),
        "{:#?}",
        report.publish
    );
    let high: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::High)
        .collect();
    assert!(!high.is_empty(), "the fleet has a high finding");

    // The dashboard: every section, and every high finding in the table.
    let body = dashboard_body(&sdk, &format!("audit-{account}"))
        .await
        .expect("the dashboard exists");
    let widgets = body["widgets"].as_array().unwrap();
    let markdown = markdown_of(&body);
    assert!(markdown.contains(MARKER));
    for finding in &high {
        assert!(
            markdown.contains(&finding.check),
            "{} missing from the table",
            finding.check
        );
        let route = finding.route.as_ref().unwrap();
        assert!(
            markdown.contains(&route.path),
            "{} missing from the table",
            route.path
        );
    }
    let metrics_text = serde_json::to_string(widgets).unwrap();
    assert!(
        metrics_text.contains("\"5XXError\"") && metrics_text.contains("\"prod\""),
        "a stage widget"
    );
    assert!(metrics_text.contains("\"Throttles\""), "a function widget");
    assert!(
        metrics_text.contains(NAMESPACE),
        "the auditor's own metrics"
    );
    assert!(widgets.iter().any(|w| w["type"] == "log"
        && w["properties"]["query"]
            .as_str()
            .unwrap()
            .contains("/ecs/apigw-auditor")));

    // The metrics, zeros included.
    let high_count = report.summary.findings.high as f64;
    assert_eq!(
        published(&sdk, "Findings", &[("Severity", "high")]).await,
        Some(high_count)
    );
    assert_eq!(
        published(&sdk, "Findings", &[("Severity", "info")]).await,
        Some(0.0),
        "zeros are published"
    );
    assert_eq!(
        published(
            &sdk,
            "Findings",
            &[("Check", "handler-invalid"), ("Severity", "high")]
        )
        .await,
        Some(0.0)
    );
    assert_eq!(
        published(&sdk, "Findings", &[]).await,
        Some(report.findings.len() as f64)
    );
    assert_eq!(published(&sdk, "PublishFailures", &[]).await, Some(0.0));

    // The JSON file is the report, with the sinks' outcomes.
    let file: Report = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .expect("the file parses as the report");
    assert_eq!(file.findings, report.findings);
    assert_eq!(file.publish.len(), 3, "the outcomes of the sinks before it");

    // One event per finding, with the report's fields.
    let events: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    assert_eq!(events.len(), report.findings.len());
    for (event, finding) in events.iter().zip(&report.findings) {
        assert_eq!(event["event"], "apigw-auditor.finding");
        assert_eq!(event["fingerprint"], json!(finding.fingerprint));
        assert_eq!(event["run_id"], json!(report.run.id));
        assert!(event["remediation"].is_string() || event["status"] == "error");
    }
    // Every sink landed: the exit code is the findings' (1), not the failed-sink one (3).
    assert_eq!(
        exit_code(report, Severity::High),
        std::process::ExitCode::from(1)
    );
}

#[tokio::test]
async fn emf_lines_have_the_required_structure() {
    let (account, sdk, fleet) = new_fleet().await;
    broken_fleet(&fleet, &account).await;
    let mut config = publish_config(&account, None);
    config.publish.cloudwatch.metrics = MetricsMode::Emf;
    config.publish.cloudwatch.dashboard = None;
    config.publish.finding_events = FindingEvents::Off;
    let (run, stdout, _) = run(&config, &sdk, &sdk).await;
    assert_eq!(
        outcomes(&run.report),
        BTreeMap::from([("cloudwatch-emf", true)])
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each EMF line is JSON"))
        .collect();
    assert!(!lines.is_empty());
    let mut total = None;
    for line in &lines {
        let meta = &line["_aws"];
        assert!(
            meta["Timestamp"].is_i64() || meta["Timestamp"].is_u64(),
            "numeric Timestamp"
        );
        for directive in meta["CloudWatchMetrics"]
            .as_array()
            .expect("CloudWatchMetrics")
        {
            assert_eq!(directive["Namespace"], NAMESPACE);
            for set in directive["Dimensions"].as_array().unwrap() {
                let names = set.as_array().unwrap();
                assert!(names.len() <= 30);
                for name in names {
                    assert!(
                        line[name.as_str().unwrap()].is_string(),
                        "dimension {name} is a root string member"
                    );
                }
            }
            let metrics = directive["Metrics"].as_array().unwrap();
            assert!(!metrics.is_empty() && metrics.len() <= 100);
            for metric in metrics {
                let name = metric["Name"].as_str().unwrap();
                assert!(line[name].is_number(), "metric {name} is a root number");
                if name == "Findings" && directive["Dimensions"] == json!([[]]) {
                    total = line[name].as_f64();
                }
            }
        }
    }
    assert_eq!(total, Some(run.report.findings.len() as f64));
}

#[tokio::test]
async fn a_throttled_put_is_retried_and_everything_lands() {
    let (account, sdk, fleet) = new_fleet().await;
    broken_fleet(&fleet, &account).await;
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(json!([
        {"service": "cloudwatch", "operation": "PutMetricData", "times": 1,
         "error": {"code": "Throttling", "status": 400, "message": "Rate exceeded"}},
        {"service": "cloudwatch", "operation": "PutDashboard", "times": 1,
         "error": {"code": "Throttling", "status": 400, "message": "Rate exceeded"}}
    ]));
    let through_proxy = sdk_config(proxy.endpoint_url(), &account).await;
    let config = publish_config(&account, None);
    let (run, _, _) = run(&config, &sdk, &through_proxy).await;
    assert_eq!(proxy.fired().len(), 2, "both calls were throttled once");
    assert!(
        run.report.publish.iter().all(|o| o.ok),
        "{:#?}",
        run.report.publish
    );
    assert!(dashboard_body(&sdk, &format!("audit-{account}"))
        .await
        .is_some());
    assert_eq!(
        published(&sdk, "Findings", &[]).await,
        Some(run.report.findings.len() as f64)
    );
}

#[tokio::test]
async fn a_dashboard_that_keeps_failing_leaves_the_other_sinks_landed_and_the_run_says_so() {
    let (account, sdk, fleet) = new_fleet().await;
    broken_fleet(&fleet, &account).await;
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(
        json!([{"service": "cloudwatch", "operation": "PutDashboard",
        "error": {"code": "InternalServiceError", "status": 500, "message": "internal failure"}}]),
    );
    let through_proxy = sdk_config(proxy.endpoint_url(), &account).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let config = publish_config(&account, Some(path.clone()));
    let (run, _, _) = run(&config, &sdk, &through_proxy).await;
    let report = &run.report;
    assert_eq!(
        outcomes(report),
        BTreeMap::from([
            ("cloudwatch-dashboard", false),
            ("cloudwatch-metrics", true),
            ("finding-events", true),
            ("json-file", true)
        ])
    );
    assert!(dashboard_body(&sdk, &format!("audit-{account}"))
        .await
        .is_none());
    assert_eq!(
        published(&sdk, "PublishFailures", &[]).await,
        Some(1.0),
        "the failure is in the run's metrics"
    );
    let file: Report = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(file
        .publish
        .iter()
        .any(|o| o.sink == "cloudwatch-dashboard" && !o.ok && o.detail.contains("PutDashboard")));
    assert_eq!(
        exit_code(report, Severity::High),
        std::process::ExitCode::from(3)
    );
}

#[tokio::test]
async fn a_large_fleet_splits_and_only_our_stale_dashboards_are_deleted() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("f").await;
    let target = function_arn(&account, "f", None);
    // 260 APIs × 2 stages: 520 stage widgets, past the 500 of one dashboard.
    let mut ids = Vec::new();
    for chunk in (0..260).collect::<Vec<_>>().chunks(20) {
        let created = futures::future::join_all(chunk.iter().map(|i| {
            let (fleet, target) = (&fleet, &target);
            async move {
                let api = fleet.create_api(&format!("api-{i}")).await;
                api.lambda_proxy_method("/x", "GET", target, MethodOptions::default())
                    .await;
                let deployment = api.deploy("prod", &[]).await;
                api.stage("dev", &deployment, &[]).await;
                api.id.clone()
            }
        }))
        .await;
        ids.extend(created);
    }
    let mut config = publish_config(&account, None);
    config.publish.cloudwatch.metrics = MetricsMode::Off;
    config.publish.finding_events = FindingEvents::Off;
    // The quotas are AWS's; the emulator does not need the pacing, and the test should be quick.
    config
        .collect
        .rate_limits
        .apigateway_get_resources
        .per_second = 1000.0;
    config.collect.rate_limits.apigateway.per_second = 1000.0;
    config.collect.concurrency = 32;
    let base = format!("audit-{account}");
    let (big, _, _) = run(&config, &sdk, &sdk).await;
    assert!(
        big.report.publish.iter().all(|o| o.ok),
        "{:#?}",
        big.report.publish
    );
    let second = dashboard_body(&sdk, &dashboard_name(&base, 1))
        .await
        .expect("a second dashboard");
    assert!(second["widgets"].as_array().unwrap().len() <= 500);
    let first = dashboard_body(&sdk, &base).await.unwrap();
    assert_eq!(first["widgets"].as_array().unwrap().len(), 500);

    // Someone else's dashboard under the next numbered name must survive.
    let foreign = json!({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3, "properties": {"markdown": "team dashboard"}}]});
    aws_sdk_cloudwatch::Client::new(&sdk)
        .put_dashboard()
        .dashboard_name(dashboard_name(&base, 2))
        .dashboard_body(foreign.to_string())
        .send()
        .await
        .unwrap();
    // Shrink the fleet: one dashboard is enough now; ours (`-2`) goes, the foreign `-3` stays.
    let apigw = aws_sdk_apigateway::Client::new(&sdk);
    for id in ids.iter().skip(20) {
        apigw
            .delete_rest_api()
            .rest_api_id(id)
            .send()
            .await
            .unwrap();
    }
    let (small, _, _) = run(&config, &sdk, &sdk).await;
    let detail = &small.report.publish[0].detail;
    assert!(
        detail.contains(&format!("deleted stale {}", dashboard_name(&base, 1))),
        "{detail}"
    );
    assert!(dashboard_body(&sdk, &dashboard_name(&base, 1))
        .await
        .is_none());
    assert_eq!(
        dashboard_body(&sdk, &dashboard_name(&base, 2)).await,
        Some(foreign)
    );
}

#[tokio::test]
async fn the_alarm_watches_high_findings_and_notifies_the_topic() {
    let (account, sdk, fleet) = new_fleet().await;
    broken_fleet(&fleet, &account).await;
    let mut config = publish_config(&account, None);
    config.publish.cloudwatch.dashboard = None;
    config.publish.cloudwatch.alarms = true;
    let topic = format!("arn:aws:sns:us-east-1:{account}:ops");
    config.publish.cloudwatch.alarm_topic_arn = Some(topic.clone());
    let (run, _, _) = run(&config, &sdk, &sdk).await;
    assert!(
        run.report.publish.iter().all(|o| o.ok),
        "{:#?}",
        run.report.publish
    );
    let alarms = aws_sdk_cloudwatch::Client::new(&sdk)
        .describe_alarms()
        .alarm_names(format!("{NAMESPACE}-high-severity-findings"))
        .send()
        .await
        .unwrap();
    let alarm = alarms.metric_alarms().first().expect("the alarm exists");
    assert_eq!(alarm.namespace(), Some(NAMESPACE));
    assert_eq!(alarm.metric_name(), Some("Findings"));
    assert_eq!(
        alarm.dimensions().first().and_then(|d| d.value()),
        Some("high")
    );
    assert_eq!(alarm.threshold(), Some(1.0));
    assert_eq!(alarm.alarm_actions(), std::slice::from_ref(&topic));
    assert_eq!(alarm.treat_missing_data(), Some("ignore"));
}
