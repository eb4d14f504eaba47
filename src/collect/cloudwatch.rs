//! Collection of the evidence CloudWatch holds for one scope: the log groups to search, which
//! the pipeline (`pipeline.rs`) scans as soon as they are known (a REST stage's execution log and
//! an HTTP API stage's access log when its API is read, a function's when its target is), and
//! the metrics (`metrics.rs`), read in as few calls as possible once every stage and function is
//! known.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::arn::FunctionArn;
use crate::aws::clients::RegionalClients;
use crate::aws::CallGate;
use crate::collect::logs::{execution_log_group, function_log_group, scan_log_group, ScanBounds};
use crate::collect::metrics::{collect_metrics, MetricPlan};
use crate::config::EvidenceSettings;
use crate::inventory::evidence::{Evidence, LogScan, Window};
use crate::inventory::{HttpApi, Lookup, RestApi, ScopeInventory, Stage};
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
pub fn readable_functions(scope: &ScopeInventory) -> Vec<FunctionArn> {
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
pub enum LogKind {
    Execution,
    Access,
    Function,
}

/// One log group to scan, and what it belongs to.
pub struct LogJob {
    kind: LogKind,
    group: String,
    region: String,
    api_id: Option<String>,
    stage: Option<String>,
    function_name: Option<String>,
    signatures: &'static [&'static Signature],
}

impl LogJob {
    /// The region of the log group (a function's may differ from the scope's).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The log group, with its region: several HTTP API stages may write to one.
    pub fn group(&self) -> (String, String) {
        (self.region.clone(), self.group.clone())
    }

    /// The API and stage the scan is for, if it is a stage's.
    pub fn stage(&self) -> Option<(String, String)> {
        Some((self.api_id.clone()?, self.stage.clone()?))
    }
}

/// The execution-log groups of an API's stages: only stages that write execution logs can have
/// any.
pub fn execution_log_jobs(region: &str, api: &RestApi) -> Vec<LogJob> {
    api.stages
        .found()
        .into_iter()
        .flatten()
        .filter(|s| s.execution_logging())
        .map(|stage| LogJob {
            kind: LogKind::Execution,
            group: execution_log_group(&api.id, &stage.name),
            region: region.to_string(),
            api_id: Some(api.id.clone()),
            stage: Some(stage.name.clone()),
            function_name: None,
            signatures: &log_signatures::EXECUTION_LOG,
        })
        .collect()
}

/// The access-log groups of an HTTP API's stages. HTTP APIs have no execution logs; their access
/// logs say why an integration failed when the format carries the integration's error
/// (docs/aws-facts.md §12.5), so only such stages are scanned.
pub fn access_log_jobs(region: &str, api: &HttpApi) -> Vec<LogJob> {
    let mut jobs = Vec::new();
    for stage in api.stages.found().into_iter().flatten() {
        let Some(access_log) = &stage.access_log else {
            continue;
        };
        let (Some(group), true) = (access_log.log_group(), access_log.shows_errors()) else {
            continue;
        };
        // The destination may be a log group of another region.
        let region = access_log
            .destination_arn
            .as_deref()
            .and_then(crate::arn::region_of)
            .unwrap_or(region);
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
    jobs
}

/// The log group of a function: all its versions and aliases log there, so it is scanned once.
pub fn function_log_job(function: &FunctionArn) -> LogJob {
    LogJob {
        kind: LogKind::Function,
        group: function_log_group(&function.name),
        region: function.region.clone(),
        api_id: None,
        stage: None,
        function_name: Some(function.name.clone()),
        signatures: &log_signatures::FUNCTION_LOG,
    }
}

/// Scans one log group; a failed call becomes the scan's outcome.
pub async fn scan(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    identity: (&str, &str),
    job: LogJob,
    window: &Window,
    bounds: ScanBounds,
) -> (LogKind, LogScan) {
    let client = clients.logs(&job.region);
    let hits = match scan_log_group(&client, gate, &job.group, job.signatures, window, bounds).await
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
}

/// The evidence of a scope whose log groups were scanned: the metrics of every stage and
/// readable function, and the scans by kind in a stable order (stages as the APIs and stages are
/// listed, functions by name).
pub async fn finish_evidence(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    scope: &ScopeInventory,
    settings: &EvidenceSettings,
    window: Window,
    scans: Vec<(LogKind, LogScan)>,
) -> Evidence {
    let functions = readable_functions(scope);
    let identity = (scope.account.as_str(), scope.region.as_str());
    let (stage_metrics, function_metrics) = if settings.metrics {
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
    };
    let rest = stage_order(scope.apis.iter().map(|api| (&api.id, &api.stages)));
    let http = stage_order(scope.http_apis.iter().map(|api| (&api.id, &api.stages)));
    let of = |kind: LogKind, order: &BTreeMap<(&str, &str), usize>| -> Vec<LogScan> {
        let mut logs: Vec<LogScan> = scans
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, scan)| scan.clone())
            .collect();
        logs.sort_by_key(|scan| {
            let key = (
                scan.api_id.as_deref().unwrap_or_default(),
                scan.stage.as_deref().unwrap_or_default(),
            );
            order.get(&key).copied().unwrap_or(usize::MAX)
        });
        logs
    };
    let mut function_logs = of(LogKind::Function, &BTreeMap::new());
    function_logs.sort_by(|a, b| a.function_name.cmp(&b.function_name));
    Evidence {
        window,
        stage_metrics,
        function_metrics,
        execution_logs: of(LogKind::Execution, &rest),
        function_logs,
        access_logs: of(LogKind::Access, &http),
    }
}

/// The position of each (API id, stage name) as the APIs and their stages are listed.
fn stage_order<'a>(
    apis: impl Iterator<Item = (&'a String, &'a Lookup<Vec<Stage>>)>,
) -> BTreeMap<(&'a str, &'a str), usize> {
    apis.flat_map(|(id, stages)| {
        stages
            .found()
            .into_iter()
            .flatten()
            .map(move |stage| (id.as_str(), stage.name.as_str()))
    })
    .enumerate()
    .map(|(i, key)| (key, i))
    .collect()
}
