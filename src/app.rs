//! The commands behind the CLI: load and override the config, run the pipeline, write the
//! output, and map the outcome to the exit codes of DESIGN.md (0 clean, 1 findings at or above
//! `--fail-on`, 2 the run failed).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::audit::{self, AuditSource};
use crate::checks;
use crate::cli::{
    AuditArgs, ChecksAction, ChecksArgs, CollectArgs, Command, DaemonArgs, HealthArgs, ScopeArgs,
};
use crate::config::{self, Config, OutputFormat};
use crate::publish::{self, sinks, sinks::Streams};
use crate::report::{Report, Severity};

/// The run itself failed: bad config, no credentials, no endpoint.
pub const EXIT_FAILED: u8 = 2;
/// Findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// The audit ran and its report was written, but a publishing sink failed.
pub const EXIT_SINK_FAILED: u8 = 3;

pub async fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Audit(args) => audit_command(args).await,
        Command::Collect(args) => collect_command(args).await,
        Command::Checks(args) => checks_command(args),
        Command::Daemon(args) => daemon_command(args).await,
        Command::Health(args) => health_command(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Loads the config file (if any) and applies the environment and flags over it. Every config
/// problem is printed with its key.
fn load_config(scope: &ScopeArgs) -> anyhow::Result<Config> {
    let known = checks::specs();
    let mut config = match &scope.config {
        Some(path) => config::load_file(path, &known).map_err(|errors| {
            anyhow::anyhow!("invalid configuration in {}:\n{errors}", path.display())
        })?,
        None => Config::default(),
    };
    let overrides = config::Overrides {
        regions: scope.regions.clone(),
        profile: scope.profile.clone(),
        endpoint_url: scope.endpoint_url.clone(),
        shard: scope.shard.clone(),
    };
    overrides.apply(&mut config).map_err(|errors| {
        anyhow::anyhow!("invalid command-line or environment setting:\n{errors}")
    })?;
    Ok(config)
}

async fn audit_command(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let mut config = load_config(&args.scope)?;
    if let Some(format) = args.format {
        config.output.format = format.into();
    }
    if let Some(fail_on) = args.fail_on {
        config.output.fail_on = fail_on.into();
    }
    if let Some(output) = args.output {
        config.output.file = Some(output);
    }
    if args.probe {
        config.probe.enabled = true;
    }
    let source = match args.snapshot {
        Some(path) => AuditSource::Snapshot(path),
        None => AuditSource::Live,
    };
    let mut run = audit::audit(&config, source, None).await?;
    let report = &run.report;
    tracing::info!(
        run_id = %report.run.id,
        findings = report.findings.len(),
        high = report.summary.findings.high,
        errors = report.summary.errors,
        suppressed = report.summary.suppressed,
        duration_ms = report.summary.duration_ms,
        "audit finished"
    );
    for notice in &report.notices {
        tracing::warn!(notice = %notice, "notice");
    }
    // stdout first: it never waits on AWS. The sinks follow, then the --output file, which
    // records how they fared.
    if config.output.file.is_none() {
        let colour = config.output.format == OutputFormat::Table
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        let text = publish::render(&run.report, config.output.format, colour)?;
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not a failure of the audit.
        if let Err(error) = stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush())
        {
            if error.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(error).context("cannot write the report to stdout");
            }
        }
    }
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let stderr_is_terminal = stderr.is_terminal();
    let streams = Streams {
        stdout: &mut stdout,
        stderr: &mut stderr,
        stderr_is_terminal,
    };
    sinks::publish(&mut run, &config, None, streams).await;
    let report = &run.report;
    if let Some(path) = &config.output.file {
        let text = publish::render(report, config.output.format, false)?;
        publish::write_atomically(path, text.as_bytes())?;
        eprintln!(
            "{} (report written to {})",
            publish::table::summary_line(report),
            path.display()
        );
    }
    Ok(exit_code(report, config.output.fail_on))
}

/// 3 when a publishing sink failed (operators may not have seen the results, the more urgent
/// news), else 1 for findings at or above `fail_on`, else 0.
pub fn exit_code(report: &Report, fail_on: Severity) -> ExitCode {
    if report.publish.iter().any(|outcome| !outcome.ok) {
        ExitCode::from(EXIT_SINK_FAILED)
    } else if report.has_findings_at_or_above(fail_on) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

async fn collect_command(args: CollectArgs) -> anyhow::Result<ExitCode> {
    let mut config = load_config(&args.scope)?;
    if args.probe {
        config.probe.enabled = true;
    }
    let inventory = audit::collect_live(&config, None).await?;
    audit::write_snapshot(&inventory, &args.out)?;
    let apis: usize = inventory.scopes.iter().map(|s| s.apis.len()).sum();
    let targets: usize = inventory.scopes.iter().map(|s| s.targets.len()).sum();
    let errors: usize = inventory.scopes.iter().map(|s| s.errors.len()).sum();
    let calls: u64 = inventory
        .scopes
        .iter()
        .flat_map(|s| s.api_calls.values())
        .sum();
    eprintln!(
        "wrote {} ({apis} APIs, {targets} Lambda targets, {errors} collection errors, {calls} AWS calls)",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn checks_command(args: ChecksArgs) -> anyhow::Result<ExitCode> {
    if args.markdown {
        print!("{}", checks::shared::catalogue::markdown());
        return Ok(ExitCode::SUCCESS);
    }
    if args.example_settings {
        print!("{}", config::example_toml(&checks::specs()));
        return Ok(ExitCode::SUCCESS);
    }
    match args.action.unwrap_or(ChecksAction::List) {
        ChecksAction::List => print!("{}", checks::shared::catalogue::list()),
        ChecksAction::Explain { id } => match checks::find(&id) {
            Some(check) => print!("{}", checks::shared::catalogue::explain(check)),
            None => {
                let hint = config::did_you_mean(&id, checks::ids().iter().copied());
                anyhow::bail!("unknown check `{id}`{hint}; `apigw-auditor checks` lists them");
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs until SIGTERM or SIGINT; 0 on a clean stop, whatever the runs found (they are in the
/// status file and the logs).
async fn daemon_command(args: DaemonArgs) -> anyhow::Result<ExitCode> {
    let stop = crate::daemon::stop_signals().context("cannot listen for SIGTERM and SIGINT")?;
    let mut config = load_config(&args.scope)?;
    if let Some(schedule) = args.schedule {
        if let Some(problem) = config::schedule_problem(&schedule) {
            anyhow::bail!("invalid command-line or environment setting:\n`--schedule`: {problem}");
        }
        config.daemon.schedule = schedule.trim().to_string();
    }
    if let Some(path) = args.status_file {
        config.daemon.status_file = path;
    }
    crate::daemon::run_daemon(config, stop).await?;
    Ok(ExitCode::SUCCESS)
}

/// The container health check: 0 when the daemon's last good run is younger than `--max-age`,
/// 1 otherwise (or when the status file is missing or unreadable), with the reason on stderr.
fn health_command(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let path = match (args.status_file, &args.config) {
        (Some(path), _) => path,
        (None, Some(file)) => {
            config::load_file(file, &checks::specs())
                .map_err(|errors| {
                    anyhow::anyhow!("invalid configuration in {}:\n{errors}", file.display())
                })?
                .daemon
                .status_file
        }
        (None, None) => config::DaemonSettings::default().status_file,
    };
    match crate::daemon::health::check(&path, args.max_age, chrono::Utc::now()) {
        Ok(reason) => {
            eprintln!("healthy: {reason}");
            Ok(ExitCode::SUCCESS)
        }
        Err(reason) => {
            eprintln!("unhealthy: {reason}");
            Ok(ExitCode::from(1))
        }
    }
}
