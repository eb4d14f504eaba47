//! One scheduled run: the same pipeline as `audit` (collect, evaluate, every sink of `[publish]`,
//! `output.file`), turned into the [`RunRecord`] of the status file. A run never fails the
//! daemon: a failed audit is a record with outcome `failed`, and the next tick tries again.
//!
//! Unlike `audit`, the daemon prints no report on stdout: in a long-running container a table
//! or a JSON document every tick would only bury the logs. Its output is the log line of each run,
//! the finding events on stderr, the EMF lines on stdout when `publish.cloudwatch.metrics = "emf"`,
//! and the files (`publish.json-file`, `output.file`) rewritten atomically after every run.

use std::io::IsTerminal;

use aws_config::SdkConfig;
use chrono::Utc;

use super::status::RunRecord;
use crate::audit::{self, AuditSource};
use crate::config::Config;
use crate::publish::{self, sinks, sinks::Streams};
use crate::report::SinkOutcome;

/// Audits and publishes once with the daemon's `sdk`, and says how it went.
pub async fn run_once(config: &Config, sdk: &SdkConfig) -> RunRecord {
    let started_at = Utc::now();
    tracing::info!("audit run started");
    let mut run = match audit::audit(config, AuditSource::Live, Some(sdk.clone())).await {
        Ok(run) => run,
        Err(error) => {
            let error = format!("{error:#}");
            tracing::error!(error = %error, "audit run failed");
            return RunRecord::failed(started_at, Utc::now(), error);
        }
    };
    for notice in &run.report.notices {
        tracing::warn!(notice = %notice, "notice");
    }
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let stderr_is_terminal = stderr.is_terminal();
    let streams = Streams {
        stdout: &mut stdout,
        stderr: &mut stderr,
        stderr_is_terminal,
    };
    sinks::publish(&mut run.report, &run.inventory, config, Some(sdk), streams).await;
    if let Some(path) = &config.output.file {
        // Recorded like a sink, so a full disk shows in the status file and in `health`.
        let written = publish::render(&run.report, config.output.format, false)
            .and_then(|text| publish::write_atomically(path, text.as_bytes()));
        let outcome = SinkOutcome {
            sink: "output-file".to_string(),
            ok: written.is_ok(),
            detail: match written {
                Ok(()) => format!("wrote {}", path.display()),
                Err(error) => format!("{error:#}"),
            },
        };
        if !outcome.ok {
            tracing::error!(sink = %outcome.sink, detail = %outcome.detail, "publishing sink failed");
        }
        run.report.publish.push(outcome);
    }
    let record = RunRecord::from_report(&run.report, config.output.fail_on, started_at, Utc::now());
    let report = &run.report;
    tracing::info!(
        run_id = %report.run.id,
        outcome = record.outcome.as_str(),
        findings = report.findings.len(),
        high = report.summary.findings.high,
        medium = report.summary.findings.medium,
        errors = report.summary.errors,
        duration_ms = record.duration_ms,
        "audit run finished"
    );
    record
}
