//! The daemon's status file: what the last run did, when the last good run finished, and how many
//! runs and skipped ticks there have been. The daemon rewrites it atomically after every run;
//! `health` reads it.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::publish::write_atomically;
use crate::report::{Report, Severity, SeverityCounts};

/// The `schema` of the status file, bumped when a field changes meaning.
pub const STATUS_SCHEMA: &str = "apigw-auditor.status.v1";

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Completed and published; no finding at or above `output.fail-on`.
    Ok,
    /// Completed and published, with findings at or above `output.fail-on`.
    Findings,
    /// Completed, but a publishing sink (or the `output.file` write) failed.
    SinkFailed,
    /// The audit could not run (no credentials, no endpoint, no scope reached).
    Failed,
}

impl Outcome {
    /// A good run completed and reached every sink: what finds broken APIs is working, whatever
    /// it found. A run whose results did not get out is not good, even though it audited.
    pub fn is_good(self) -> bool {
        matches!(self, Outcome::Ok | Outcome::Findings)
    }

    /// The name in the status file and the logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Findings => "findings",
            Outcome::SinkFailed => "sink-failed",
            Outcome::Failed => "failed",
        }
    }
}

/// One run, as the status file records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The report's run id; none when the audit failed before it made a report.
    pub run_id: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// Findings by severity (all zero for a failed run).
    pub findings: SeverityCounts,
    /// Collection errors in the report.
    pub errors: usize,
    /// The whole run: collection, evaluation and publishing.
    pub duration_ms: u64,
    /// Why the run failed, or which sinks did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl RunRecord {
    /// The record of a run that produced `report` and published it.
    pub fn from_report(
        report: &Report,
        fail_on: Severity,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
    ) -> RunRecord {
        let failed: Vec<String> = report
            .publish
            .iter()
            .filter(|o| !o.ok)
            .map(|o| format!("{}: {}", o.sink, o.detail))
            .collect();
        let outcome = if !failed.is_empty() {
            Outcome::SinkFailed
        } else if report.has_findings_at_or_above(fail_on) {
            Outcome::Findings
        } else {
            Outcome::Ok
        };
        RunRecord {
            run_id: Some(report.run.id.clone()),
            started_at,
            finished_at,
            outcome,
            findings: report.summary.findings.clone(),
            errors: report.summary.errors,
            duration_ms: millis(started_at, finished_at),
            detail: (!failed.is_empty()).then(|| failed.join("; ")),
        }
    }

    /// The record of a run whose audit failed with `error`.
    pub fn failed(started_at: DateTime<Utc>, finished_at: DateTime<Utc>, error: String) -> Self {
        RunRecord {
            run_id: None,
            started_at,
            finished_at,
            outcome: Outcome::Failed,
            findings: SeverityCounts::default(),
            errors: 0,
            duration_ms: millis(started_at, finished_at),
            detail: Some(error),
        }
    }
}

fn millis(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_milliseconds()).unwrap_or(0)
}

/// The whole status file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub schema: String,
    /// The daemon's process id, to tell a restarted daemon's file from its predecessor's.
    pub pid: u32,
    /// When this daemon started: `health` counts from here until its first good run.
    pub daemon_started_at: DateTime<Utc>,
    pub schedule: String,
    pub last_run: Option<RunRecord>,
    /// When the last good run ([`Outcome::is_good`]) finished.
    pub last_good_run_at: Option<DateTime<Utc>>,
    /// Runs finished since the daemon started, whatever their outcome.
    pub runs: u64,
    /// Ticks skipped because a run was still going.
    pub skipped_ticks: u64,
}

/// The status of one daemon and the file it is kept in.
pub struct StatusFile {
    path: PathBuf,
    status: Status,
}

impl StatusFile {
    /// Writes the initial status (no run yet), so that `health` sees the daemon from its start,
    /// and a status file that cannot be written fails the start instead of every health check.
    pub fn create(path: &Path, schedule: &str) -> anyhow::Result<StatusFile> {
        let file = StatusFile {
            path: path.to_path_buf(),
            status: Status {
                schema: STATUS_SCHEMA.to_string(),
                pid: std::process::id(),
                daemon_started_at: Utc::now(),
                schedule: schedule.to_string(),
                last_run: None,
                last_good_run_at: None,
                runs: 0,
                skipped_ticks: 0,
            },
        };
        file.write()
            .with_context(|| format!("cannot write the status file {}", path.display()))?;
        Ok(file)
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Records a finished run and rewrites the file. A failed write is logged, not fatal: the
    /// next run tries again, and meanwhile `health` reports the file as stale.
    pub fn record(&mut self, run: RunRecord, skipped_ticks: u64) {
        let status = &mut self.status;
        status.runs += 1;
        status.skipped_ticks = skipped_ticks;
        if run.outcome.is_good() {
            status.last_good_run_at = Some(run.finished_at);
        }
        status.last_run = Some(run);
        self.rewrite();
    }

    /// Brings the skipped ticks up to date when the daemon stops, so that the file's last
    /// word counts the ticks skipped during the last run too.
    pub fn close(&mut self, skipped_ticks: u64) {
        if self.status.skipped_ticks != skipped_ticks {
            self.status.skipped_ticks = skipped_ticks;
            self.rewrite();
        }
    }

    fn rewrite(&self) {
        if let Err(error) = self.write() {
            tracing::error!(path = %self.path.display(), error = %format!("{error:#}"), "cannot write the status file");
        }
    }

    fn write(&self) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(&self.status)?;
        bytes.push(b'\n');
        write_atomically(&self.path, &bytes)
    }
}

/// Reads a status file written by [`StatusFile`].
pub fn read(path: &Path) -> anyhow::Result<Status> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the status file {}", path.display()))?;
    let status: Status = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an apigw-auditor status file", path.display()))?;
    if status.schema != STATUS_SCHEMA {
        anyhow::bail!(
            "{} has schema `{}`; this version reads `{STATUS_SCHEMA}`",
            path.display(),
            status.schema
        );
    }
    Ok(status)
}
