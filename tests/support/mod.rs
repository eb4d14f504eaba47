//! Harness for the end-to-end tests (`tests/e2e_*.rs` and `tests/e2e_checks/`, each with `mod support;`): the local AWS
//! emulator (`emulator`), moto for Security Hub (`moto`), per-test accounts and SDK configs (here), and a builder that creates
//! real API Gateway / Lambda / IAM resources through the SDK (`fleet`), the CloudWatch metrics and
//! logs the emulator does not produce itself (`cloudwatch`), and a live audit of a test account
//! (`audit`), and the proxy that enforces AWS's quotas (`quota_proxy`).
//!
//! Isolation: ministack is multi-tenant — an access key id of 12 digits selects that account — so
//! every test works in its own fresh account on the one shared server and tests of a binary run
//! concurrently without seeing each other's resources. The auditor audits whole accounts, so a
//! test must never share its account.

// Each integration test is its own crate and uses a different subset of the harness.
#![allow(dead_code)]

pub mod audit;
pub mod binary;
pub mod cloudwatch;
pub mod emulator;
pub mod fleet;
pub mod http;
pub mod moto;
pub mod packages;
pub mod quota_proxy;

use std::sync::atomic::{AtomicU32, Ordering};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::config::{Credentials, SharedCredentialsProvider};

use emulator::Emulator;
use fleet::Fleet;

/// The region of every e2e resource.
pub const REGION: &str = "us-east-1";

/// A fresh 12-digit account id, unique per process and call: `7` + the pid (7 digits) + a counter
/// (4 digits). The leading 7 keeps it away from ministack's default 123456789012 and from
/// 000000000000.
pub fn new_account() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    assert!(n < 10_000, "more than 9999 accounts in one test binary");
    format!("7{:07}{n:04}", std::process::id() % 10_000_000)
}

/// An SDK config for `account` on the emulator at `endpoint`: static credentials whose access key
/// id *is* the account id (ministack's multi-tenancy), region us-east-1.
pub async fn sdk_config(endpoint: &str, account: &str) -> SdkConfig {
    let credentials = Credentials::new(account, "test-secret", None, None, "apigw-auditor-e2e");
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .load()
        .await
}

/// A benchmark's size: the environment variable `name` if set, else `full` under `cargo bench`
/// (`is_bench`) and `smoke` under `cargo test`.
pub fn bench_size(name: &str, full: usize, smoke: usize, is_bench: bool) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if is_bench { full } else { smoke })
}

/// A fresh account on the shared emulator, ready to use: `(account, config, fleet)`.
pub async fn new_fleet() -> (String, SdkConfig, Fleet) {
    let account = new_account();
    let config = sdk_config(Emulator::shared().endpoint_url(), &account).await;
    let fleet = Fleet::new(&config);
    (account, config, fleet)
}
