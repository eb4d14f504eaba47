//! Publishing one run to every configured sink, each independent of the others: Security Hub,
//! CloudWatch dashboards, the alarm and the metrics (API or EMF), one JSON event per finding, and
//! the JSON report file, written last so it records how the other sinks fared. A failing sink is
//! logged and recorded in `report.publish`; the run's exit code says so (`EXIT_SINK_FAILED`).

use std::io::Write;

use aws_config::SdkConfig;
use serde_json::json;

use crate::aws::clients::regional;
use crate::aws::load_sdk_config;
use crate::aws::CallGate;
use crate::config::{Config, FindingEvents, MetricsMode};
use crate::inventory::Inventory;
use crate::publish::{cloudwatch, dashboard, emf, metrics, security_hub, write_atomically};
use crate::report::{Report, SinkOutcome};

/// Where the local sinks write: EMF lines go to stdout (after the report), finding events to
/// stderr, as a container's log driver ships both.
pub struct Streams<'a> {
    pub stdout: &'a mut (dyn Write + Send),
    pub stderr: &'a mut (dyn Write + Send),
    pub stderr_is_terminal: bool,
}

/// True when some sink needs AWS credentials.
pub fn needs_aws(config: &Config) -> bool {
    needs_cloudwatch(config) || config.publish.security_hub.enabled
}

fn needs_cloudwatch(config: &Config) -> bool {
    let cloudwatch = &config.publish.cloudwatch;
    cloudwatch.dashboard.is_some() || cloudwatch.metrics == MetricsMode::Api || cloudwatch.alarms
}

/// Publishes the run everywhere it is configured to go and records each outcome in
/// `report.publish`. The inventory names every audited stage and function, for the dashboard and
/// the per-stage metrics. `sdk` replaces the default credential chain.
pub async fn publish(
    report: &mut Report,
    inventory: &Inventory,
    config: &Config,
    sdk: Option<&SdkConfig>,
    streams: Streams<'_>,
) {
    let settings = &config.publish;
    let cw = &settings.cloudwatch;
    let mut outcomes: Vec<SinkOutcome> = Vec::new();

    let sdk = match (needs_aws(config), sdk) {
        (false, _) => None,
        (true, Some(sdk)) => Some(sdk.clone()),
        (true, None) => Some(load_sdk_config(config).await),
    };
    // First, so that the metrics' PublishFailures count it.
    if let (Some(sdk), true) = (&sdk, settings.security_hub.enabled) {
        outcomes.push(security_hub::publish(report, inventory, config, sdk).await);
    }
    if let (Some(sdk), true) = (&sdk, needs_cloudwatch(config)) {
        // CloudWatch of the first audited region (dashboards are global; metrics and the alarm
        // live in one region).
        let region = report
            .scopes
            .first()
            .map(|s| s.region.clone())
            .or_else(|| sdk.region().map(|r| r.to_string()))
            .unwrap_or_else(|| "us-east-1".to_string());
        let client = aws_sdk_cloudwatch::Client::new(&regional(sdk, &region));
        let gate = CallGate::new(&config.collect.rate_limits, config.collect.max_attempts);
        if let Some(base) = &cw.dashboard {
            let bodies = dashboard::dashboards(&*report, inventory, cw);
            outcomes.push(cloudwatch::put_dashboards(&client, &gate, base, &bodies).await);
        }
        if cw.alarms {
            if let Some(topic) = &cw.alarm_topic_arn {
                outcomes.push(cloudwatch::put_alarm(&client, &gate, &cw.namespace, topic).await);
            }
        }
        if cw.metrics == MetricsMode::Api {
            let datums = metrics::datums(&*report, inventory, config, failures(&outcomes));
            outcomes.push(
                cloudwatch::put_metrics(
                    &client,
                    &gate,
                    &cw.namespace,
                    &datums,
                    report.run.finished_at,
                )
                .await,
            );
        }
    }

    if cw.metrics == MetricsMode::Emf {
        let datums = metrics::datums(&*report, inventory, config, failures(&outcomes));
        let lines = emf::emf_lines(
            &datums,
            &cw.namespace,
            report.run.finished_at.timestamp_millis(),
        );
        let written = lines
            .iter()
            .try_for_each(|line| writeln!(streams.stdout, "{line}"))
            .and_then(|_| streams.stdout.flush());
        outcomes.push(SinkOutcome {
            sink: "cloudwatch-emf".to_string(),
            ok: written.is_ok(),
            detail: match written {
                Ok(()) => format!(
                    "wrote {} EMF lines ({} datums) to stdout",
                    lines.len(),
                    datums.len()
                ),
                Err(e) => format!("cannot write EMF lines to stdout: {e}"),
            },
        });
    }

    let events = match settings.finding_events {
        FindingEvents::On => true,
        FindingEvents::Off => false,
        FindingEvents::Auto => !streams.stderr_is_terminal,
    };
    if events {
        outcomes.push(write_finding_events(&*report, streams.stderr));
    }

    for outcome in outcomes.iter().filter(|o| !o.ok) {
        tracing::error!(sink = %outcome.sink, detail = %outcome.detail, "publishing sink failed");
    }
    report.publish = outcomes;
    if let Some(path) = &settings.json_file {
        let written = serde_json::to_vec_pretty(&report)
            .map_err(anyhow::Error::from)
            .and_then(|mut bytes| {
                bytes.push(b'\n');
                write_atomically(path, &bytes)
            });
        let outcome = SinkOutcome {
            sink: "json-file".to_string(),
            ok: written.is_ok(),
            detail: match &written {
                Ok(()) => format!("wrote {}", path.display()),
                Err(e) => format!("{e:#}"),
            },
        };
        if !outcome.ok {
            tracing::error!(sink = %outcome.sink, detail = %outcome.detail, "publishing sink failed");
        }
        report.publish.push(outcome);
    }
}

fn failures(outcomes: &[SinkOutcome]) -> usize {
    outcomes.iter().filter(|o| !o.ok).count()
}

/// One JSON line per finding: every field of the report's finding, plus `event` (to filter on
/// in Logs Insights) and the run id.
fn write_finding_events(report: &Report, out: &mut (dyn Write + Send)) -> SinkOutcome {
    let result = report.findings.iter().try_for_each(|finding| {
        let mut event = serde_json::to_value(finding).unwrap_or_else(|_| json!({}));
        if let Some(object) = event.as_object_mut() {
            object.insert("event".to_string(), json!("apigw-auditor.finding"));
            object.insert("run_id".to_string(), json!(report.run.id));
        }
        writeln!(out, "{event}")
    });
    SinkOutcome {
        sink: "finding-events".to_string(),
        ok: result.is_ok(),
        detail: match result {
            Ok(()) => format!("wrote {} finding events to stderr", report.findings.len()),
            Err(e) => format!("cannot write finding events: {e}"),
        },
    }
}
