//! The built `apigw-auditor` binary, run as a container would run it: a clean environment with
//! the emulator account's credentials (access key = account id) and the default chain kept away
//! from the machine's own AWS files and the instance metadata service.

use std::process::Command;

use super::REGION;

/// A command for the built binary, credentials for `account` in its environment; add the
/// arguments (and any other variable) and run it.
pub fn auditor(account: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_apigw-auditor"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", account)
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}
