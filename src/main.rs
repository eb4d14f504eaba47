//! The `apigw-auditor` binary: parse the command line, set up logging, run, exit.

use std::io::IsTerminal;
use std::process::ExitCode;

use apigw_auditor::cli::{Cli, Command, LogFormat};
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn init_logging(format: LogFormat, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon logs each run at info: between runs its log is all there is to see. Other
    // commands print their results and log only what went wrong.
    let default = match cli.command {
        Command::Daemon(_) => "warn,apigw_auditor=info",
        _ => "warn",
    };
    init_logging(cli.log_format, default);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(apigw_auditor::app::EXIT_FAILED);
        }
    };
    runtime.block_on(apigw_auditor::app::run(cli.command))
}
