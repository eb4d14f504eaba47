//! The command line: `audit`, `collect` and `checks`, with clap derive. Flags override the
//! environment, which overrides the config file, which overrides the defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::OutputFormat;
use crate::report::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "apigw-auditor",
    version,
    about = "Finds the misconfigurations that make API Gateway REST APIs with Lambda proxy integrations answer 502/500/504, with the exact fix",
    after_help = "Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 the run failed (config, credentials, no endpoint reachable), 3 the report was written but a publishing sink ([publish]) failed. `daemon`: 0 stopped by SIGTERM/SIGINT, 2 could not start. `health`: 0 healthy, 1 not."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Log format on stderr: `auto` is text on a terminal and JSON otherwise.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        env = "APIGW_AUDITOR_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Auto,
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the account (live by default) and print the findings.
    Audit(AuditArgs),
    /// Collect the inventory and write it as a snapshot for `audit --snapshot`.
    Collect(CollectArgs),
    /// List the checks, or explain one.
    Checks(ChecksArgs),
    /// Audit and publish on a cron schedule until SIGTERM/SIGINT ([daemon] in the config).
    Daemon(DaemonArgs),
    /// Exit 0 when the daemon's last good run is younger than --max-age, else 1 (a health check).
    Health(HealthArgs),
}

/// Where and how to reach AWS, shared by `audit` and `collect`.
#[derive(Debug, Clone, Args)]
pub struct ScopeArgs {
    /// Config file (TOML); see config/auditor.example.toml.
    #[arg(long, short = 'c', env = "APIGW_AUDITOR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Region to audit; repeat for several. Default: the config's `scope.regions`, else the
    /// default chain's region (AWS_REGION, profile).
    #[arg(long = "region", env = "APIGW_AUDITOR_REGIONS", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Named profile of the shared AWS config files.
    #[arg(long, env = "APIGW_AUDITOR_PROFILE")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator, a VPC endpoint). AWS_ENDPOINT_URL
    /// is honoured as well.
    #[arg(long, env = "APIGW_AUDITOR_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Audit only shard I of N (e.g. `2/3`): the configured or organization accounts whose id
    /// modulo N is I-1, so N tasks split the accounts with no overlap and no coordination.
    #[arg(long, env = "APIGW_AUDITOR_SHARD", value_name = "I/N")]
    pub shard: Option<String>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Audit a snapshot written by `collect --out` instead of calling AWS.
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, env = "APIGW_AUDITOR_FORMAT")]
    pub format: Option<FormatArg>,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', env = "APIGW_AUDITOR_OUTPUT")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, env = "APIGW_AUDITOR_FAIL_ON")]
    pub fail_on: Option<SeverityArg>,
    /// Also invoke the functions of the selected routes (`[probe]`; GET only by default) with a
    /// proxy event and check their responses. It runs your code: see the README before using it.
    #[arg(long)]
    pub probe: bool,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// The snapshot file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Also run the probe (`audit --probe`) and keep its verdicts in the snapshot.
    #[arg(long)]
    pub probe: bool,
}

#[derive(Debug, Args)]
pub struct DaemonArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Cron expression with seconds, in UTC (`0 */15 * * * *`); replaces `daemon.schedule`.
    #[arg(long, env = "APIGW_AUDITOR_SCHEDULE")]
    pub schedule: Option<String>,
    /// The status file written after every run; replaces `daemon.status-file`.
    #[arg(long, env = "APIGW_AUDITOR_STATUS_FILE")]
    pub status_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Unhealthy when the last good run finished this long ago or longer: `30m`, `1h`, `900s`.
    #[arg(long, value_parser = crate::daemon::health::parse_duration)]
    pub max_age: std::time::Duration,
    /// The daemon's status file. Default: `daemon.status-file` of --config, else
    /// /tmp/apigw-auditor-status.json.
    #[arg(long, env = "APIGW_AUDITOR_STATUS_FILE")]
    pub status_file: Option<PathBuf>,
    /// Config file, read only for `daemon.status-file`.
    #[arg(long, short = 'c', env = "APIGW_AUDITOR_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    #[command(subcommand)]
    pub action: Option<ChecksAction>,
    /// Print the catalogue as Markdown (the source of docs/checks.md).
    #[arg(long)]
    pub markdown: bool,
    /// Print the `[checks.<id>]` settings tables, each setting with its documentation and default
    /// (the source of that part of config/auditor.example.toml).
    #[arg(long, conflicts_with = "markdown")]
    pub example_settings: bool,
}

#[derive(Debug, Subcommand)]
pub enum ChecksAction {
    /// List every check with its severity and title (the default).
    List,
    /// Print the full documentation of one check.
    Explain {
        /// The check id, e.g. invoke-permission-missing.
        id: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Jsonl,
    /// OCSF 1.6 Compliance Findings, one per line.
    Ocsf,
}

impl From<FormatArg> for OutputFormat {
    fn from(value: FormatArg) -> Self {
        match value {
            FormatArg::Table => OutputFormat::Table,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Ocsf => OutputFormat::Ocsf,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    High,
    Medium,
    Low,
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(value: SeverityArg) -> Self {
        match value {
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_audit_flags() {
        let cli = Cli::try_parse_from([
            "apigw-auditor",
            "audit",
            "--snapshot",
            "s.json",
            "--format",
            "json",
            "--fail-on",
            "medium",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
        ])
        .unwrap();
        let Command::Audit(args) = cli.command else {
            panic!("not audit")
        };
        assert_eq!(args.scope.regions, vec!["us-east-1", "eu-west-1"]);
        assert!(matches!(args.format, Some(FormatArg::Json)));
        assert!(matches!(args.fail_on, Some(SeverityArg::Medium)));
    }

    #[test]
    fn ocsf_is_a_format() {
        let cli = Cli::try_parse_from(["apigw-auditor", "audit", "--format", "ocsf"]).unwrap();
        let Command::Audit(args) = cli.command else {
            panic!("not audit")
        };
        let format: OutputFormat = args.format.expect("a format").into();
        assert_eq!(format, OutputFormat::Ocsf);
    }

    #[test]
    fn probe_is_off_unless_asked_for() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["apigw-auditor", "audit"];
            argv.extend_from_slice(extra);
            match Cli::try_parse_from(argv).unwrap().command {
                Command::Audit(args) => args.probe,
                _ => panic!("not audit"),
            }
        };
        assert!(!parse(&[]));
        assert!(parse(&["--probe"]));
    }
}
