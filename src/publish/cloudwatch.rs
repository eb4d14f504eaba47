//! The sinks that call CloudWatch: the dashboards (`PutDashboard`, then `DeleteDashboards` of
//! the stale numbered ones this tool wrote), the run's metrics (`PutMetricData`, batched to the
//! request limits) and the optional alarm on high-severity findings (`PutMetricAlarm`). Each
//! returns its outcome; none stops the others.

use aws_sdk_cloudwatch::primitives::DateTime as SmithyDateTime;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, MetricDatum, StandardUnit, Statistic,
};
use chrono::{DateTime, Utc};

use crate::aws::{translate, CallGate, Operation};
use crate::publish::dashboard::{dashboard_name, is_ours, Dashboard};
use crate::publish::metrics::{batches, Datum, Unit};
use crate::report::SinkOutcome;

fn outcome(sink: &str, result: Result<String, String>) -> SinkOutcome {
    match result {
        Ok(detail) => SinkOutcome {
            sink: sink.to_string(),
            ok: true,
            detail,
        },
        Err(detail) => SinkOutcome {
            sink: sink.to_string(),
            ok: false,
            detail,
        },
    }
}

/// Writes `bodies` as `base`, `base-2`, ... and deletes the numbered dashboards past the last
/// one that this tool wrote on an earlier run (recognised by the marker in their body; a
/// dashboard someone else made under such a name stops the clean-up and is left alone).
pub async fn put_dashboards(
    client: &aws_sdk_cloudwatch::Client,
    gate: &CallGate,
    base: &str,
    bodies: &[Dashboard],
) -> SinkOutcome {
    let result = async {
        for (index, body) in bodies.iter().enumerate() {
            let name = dashboard_name(base, index);
            let text = serde_json::to_string(body)
                .map_err(|e| format!("cannot serialise dashboard {name}: {e}"))?;
            gate.send(Operation::CloudWatchPutDashboard, || {
                client
                    .put_dashboard()
                    .dashboard_name(&name)
                    .dashboard_body(&text)
                    .send()
            })
            .await
            .map_err(|e| failure_text(Operation::CloudWatchPutDashboard, &name, &translate(&e)))?;
        }
        let mut deleted = Vec::new();
        // ListDashboards would find them in one call, but look them up by name instead: the
        // names are ours to know, and the numbering has no gaps.
        for index in bodies.len().max(1).. {
            let name = dashboard_name(base, index);
            let got = gate
                .send(Operation::CloudWatchGetDashboard, || {
                    client.get_dashboard().dashboard_name(&name).send()
                })
                .await;
            let body = match got {
                Ok(output) => output.dashboard_body().unwrap_or_default().to_string(),
                Err(e) => {
                    let failure = translate(&e);
                    if failure.not_found {
                        break;
                    }
                    return Err(failure_text(
                        Operation::CloudWatchGetDashboard,
                        &name,
                        &failure,
                    ));
                }
            };
            if !is_ours(&body) {
                break;
            }
            gate.send(Operation::CloudWatchDeleteDashboards, || {
                client.delete_dashboards().dashboard_names(&name).send()
            })
            .await
            .map_err(|e| {
                failure_text(Operation::CloudWatchDeleteDashboards, &name, &translate(&e))
            })?;
            deleted.push(name);
        }
        let mut detail = format!(
            "wrote {} dashboard{} {base}",
            bodies.len(),
            if bodies.len() == 1 { "" } else { "s" }
        );
        if !deleted.is_empty() {
            detail.push_str(&format!("; deleted stale {}", deleted.join(", ")));
        }
        Ok(detail)
    }
    .await;
    outcome("cloudwatch-dashboard", result)
}

fn failure_text(operation: Operation, resource: &str, failure: &crate::aws::CallFailure) -> String {
    format!(
        "{} on {resource} failed with {}: {}",
        operation.name(),
        failure.code,
        failure.message
    )
}

/// Publishes the run's datums with `PutMetricData`, in batches within the request limits.
pub async fn put_metrics(
    client: &aws_sdk_cloudwatch::Client,
    gate: &CallGate,
    namespace: &str,
    datums: &[Datum],
    at: DateTime<Utc>,
) -> SinkOutcome {
    let timestamp = SmithyDateTime::from_millis(at.timestamp_millis());
    let result = async {
        let mut calls = 0;
        for batch in batches(datums) {
            let data: Vec<MetricDatum> = batch
                .iter()
                .map(|datum| metric_datum(datum, timestamp))
                .collect();
            gate.send(Operation::CloudWatchPutMetricData, || {
                client
                    .put_metric_data()
                    .namespace(namespace)
                    .set_metric_data(Some(data.clone()))
                    .send()
            })
            .await
            .map_err(|e| {
                failure_text(
                    Operation::CloudWatchPutMetricData,
                    namespace,
                    &translate(&e),
                )
            })?;
            calls += 1;
        }
        Ok(format!(
            "published {} datums to {namespace} in {calls} call{}",
            datums.len(),
            if calls == 1 { "" } else { "s" }
        ))
    }
    .await;
    outcome("cloudwatch-metrics", result)
}

fn metric_datum(datum: &Datum, timestamp: SmithyDateTime) -> MetricDatum {
    let dimensions = datum
        .dimensions
        .iter()
        .map(|(name, value)| Dimension::builder().name(name).value(value).build())
        .collect();
    MetricDatum::builder()
        .metric_name(&datum.name)
        .set_dimensions(Some(dimensions))
        .value(datum.value)
        .unit(match datum.unit {
            Unit::Count => StandardUnit::Count,
            Unit::Milliseconds => StandardUnit::Milliseconds,
        })
        .timestamp(timestamp)
        .build()
}

/// The alarm's name: one per namespace, updated in place on every run.
pub fn alarm_name(namespace: &str) -> String {
    format!("{namespace}-high-severity-findings")
}

/// Creates or updates the alarm on `Findings` with `Severity=high`. Between runs there is no
/// data: `ignore` keeps the state of the last run instead of flapping to OK or INSUFFICIENT.
pub async fn put_alarm(
    client: &aws_sdk_cloudwatch::Client,
    gate: &CallGate,
    namespace: &str,
    topic_arn: &str,
) -> SinkOutcome {
    let name = alarm_name(namespace);
    let result = gate
        .send(Operation::CloudWatchPutMetricAlarm, || {
            client
        .put_metric_alarm()
        .alarm_name(&name)
        .alarm_description("apigw-auditor found high-severity problems that make API Gateway answer 5XX; see the dashboard or the JSON report")
        .namespace(namespace)
        .metric_name("Findings")
        .dimensions(Dimension::builder().name("Severity").value("high").build())
        .statistic(Statistic::Maximum)
        .period(300)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .treat_missing_data("ignore")
        .alarm_actions(topic_arn)
        .ok_actions(topic_arn)
        .send()
        })
        .await
        .map(|_| format!("alarm {name} notifies {topic_arn}"))
        .map_err(|e| failure_text(Operation::CloudWatchPutMetricAlarm, &name, &translate(&e)));
    outcome("cloudwatch-alarm", result)
}
