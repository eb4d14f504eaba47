//! Collection of the evidence CloudWatch holds for one scope: which stages and functions to
//! read, the metrics (`metrics.rs`) and the log scans (`logs.rs`), run concurrently within the
//! client-side rate limits.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use futures::stream::{self, StreamExt};

use crate::arn::FunctionArn;
use crate::aws::clients::RegionalClients;
use crate::aws::CallGate;
use crate::collect::logs::{execution_log_group, function_log_group, scan_log_group, ScanBounds};
use crate::collect::metrics::{collect_metrics, MetricPlan};
use crate::config::EvidenceSettings;
use crate::inventory::evidence::{Evidence, LogScan, Window};
use crate::inventory::{Lookup, ScopeInventory};
use crate::log_signatures::{self, Signature};

/// The window ending at `now` (on a whole minute, as CloudWatch aligns periods).
pub fn evidence_window(settings: &EvidenceSettings, now: DateTime<Utc>) -> Window {
    let end = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
    Window {
        start: end - TimeDelta::minutes(i64::from(settings.window_minutes.max(1))),
        end,
        period_seconds: settings.period_seconds.max(60),
    }
}

/// The same-account targets that exist: their metrics and logs are in this account. (A target
/// in another account keeps them there, out of reach without a role in that account.)
fn readable_functions(scope: &ScopeInventory) -> Vec<FunctionArn> {
    scope
        .targets
        .values()
        .filter(|t| matches!(t.configuration, Lookup::Found(_)))
        .map(|t| t.arn.clone())
        .filter(|f| f.account == scope.account)
        .collect()
}

/// Which kind of log a scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogKind {
    Execution,
    Access,
    Function,
}

/// One log group to scan, and what it belongs to.
struct LogJob {
    kind: LogKind,
    group: String,
    region: String,
    api_id: Option<String>,
    stage: Option<String>,
    function_name: Option<String>,
    signatures: &'static [&'static Signature],
}

fn log_jobs(scope: &ScopeInventory, functions: &[FunctionArn]) -> Vec<LogJob> {
    let mut jobs = Vec::new();
    for api in &scope.apis {
        // Only stages that write execution logs can have any.
        for stage in api
            .stages
            .found()
            .into_iter()
            .flatten()
            .filter(|s| s.execution_logging())
        {
            jobs.push(LogJob {
                kind: LogKind::Execution,
                group: execution_log_group(&api.id, &stage.name),
                region: scope.region.clone(),
                api_id: Some(api.id.clone()),
                stage: Some(stage.name.clone()),
                function_name: None,
                signatures: &log_signatures::EXECUTION_LOG,
            });
        }
    }
    // HTTP APIs have no execution logs; their access logs say why an integration failed when
    // the format carries the integration's error (docs/aws-facts.md §12.5).
    for api in &scope.http_apis {
        for stage in api.stages.found().into_iter().flatten() {
            let Some(access_log) = &stage.access_log else {
                continue;
            };
            let (Some(group), true) = (access_log.log_group(), access_log.shows_errors()) else {
                continue;
            };
            let region = access_log
                .destination_arn
                .as_deref()
                .and_then(crate::arn::region_of)
                .unwrap_or(&scope.region);
            jobs.push(LogJob {
                kind: LogKind::Access,
                group: group.to_string(),
                region: region.to_string(),
                api_id: Some(api.id.clone()),
                stage: Some(stage.name.clone()),
                function_name: None,
                signatures: &log_signatures::ACCESS_LOG,
            });
        }
    }
    // All versions and aliases of a function log to one group: scan it once.
    let by_name: BTreeMap<&str, &str> = functions
        .iter()
        .map(|f| (f.name.as_str(), f.region.as_str()))
        .collect();
    for (name, region) in by_name {
        jobs.push(LogJob {
            kind: LogKind::Function,
            group: function_log_group(name),
            region: region.to_string(),
            api_id: None,
            stage: None,
            function_name: Some(name.to_string()),
            signatures: &log_signatures::FUNCTION_LOG,
        });
    }
    jobs
}

/// Reads the metrics and scans the logs of one scope.
pub async fn collect_evidence(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    scope: &ScopeInventory,
    settings: &EvidenceSettings,
    window: Window,
    concurrency: usize,
) -> Evidence {
    let functions = readable_functions(scope);
    let identity = (scope.account.as_str(), scope.region.as_str());
    let metrics = async {
        if settings.metrics {
            collect_metrics(
                MetricPlan::new(scope, &functions),
                &window,
                gate,
                identity,
                |region| clients.cloudwatch(region),
            )
            .await
        } else {
            (Vec::new(), Vec::new())
        }
    };
    let logs = async {
        if !settings.logs {
            return Vec::new();
        }
        let bounds = ScanBounds::from(settings);
        stream::iter(log_jobs(scope, &functions))
            .map(|job| async move {
                let client = clients.logs(&job.region);
                let hits = match scan_log_group(
                    &client,
                    gate,
                    &job.group,
                    job.signatures,
                    &window,
                    bounds,
                )
                .await
                {
                    Ok(hits) => hits,
                    Err(failure) => Lookup::Failed(failure.into_error(
                        identity,
                        crate::aws::Operation::LogsFilterLogEvents,
                        &job.group,
                    )),
                };
                let scan = LogScan {
                    log_group: job.group,
                    api_id: job.api_id,
                    stage: job.stage,
                    function_name: job.function_name,
                    hits,
                };
                (job.kind, scan)
            })
            .buffered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await
    };
    let ((stage_metrics, function_metrics), scans) = futures::join!(metrics, logs);
    let of = |kind: LogKind| -> Vec<LogScan> {
        scans
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, scan)| scan.clone())
            .collect()
    };
    Evidence {
        window,
        stage_metrics,
        function_metrics,
        execution_logs: of(LogKind::Execution),
        function_logs: of(LogKind::Function),
        access_logs: of(LogKind::Access),
    }
}
