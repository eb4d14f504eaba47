//! moto's server, for the AWS service ministack lacks: Security Hub (`BatchImportFindings`,
//! `GetFindings`). One `moto_server` per test binary on a free 127.0.0.1 port, started from the
//! checkout's `.venv` under the same watchdog as ministack, so it never outlives the binary.
//!
//! moto keeps state per account and region. It does not take an access key for an account id
//! the way ministack does (an unknown key is its default account 123456789012); the credentials
//! its own `sts:AssumeRole` hands out belong to the role's account, whether the role exists or
//! not. [`sdk_config`] uses that to give a test its own account on the shared server. What it
//! does not emulate: `GetFindings` ignores `Filters` (the sink checks every finding it reads back
//! itself), and `BatchImportFindings` validates nothing but `Resources`.

use std::collections::BTreeMap;
use std::fs;
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_securityhub::types::AwsSecurityFinding;

use super::emulator::{start_with_retries, state_dir, venv_bin, watched};
use super::REGION;

/// The moto server of this test binary.
pub struct Moto {
    endpoint: String,
}

impl Moto {
    /// Started on first use; a failed start fails every test that asks, with the same message.
    pub fn shared() -> &'static Moto {
        static SHARED: OnceLock<Result<Moto, String>> = OnceLock::new();
        let started = SHARED.get_or_init(|| {
            std::panic::catch_unwind(Moto::start).map_err(|panic| {
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "moto_server failed to start".to_string())
            })
        });
        match started {
            Ok(moto) => moto,
            Err(message) => panic!("{message}"),
        }
    }

    fn start() -> Moto {
        let moto = venv_bin("moto_server");
        let dir = state_dir();
        let tmp = dir.join("moto-tmp");
        fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("create {}: {e}", tmp.display()));
        let log = dir.join("moto.log");
        // `/moto-api/` is moto's dashboard: it answers 200 once the server serves requests.
        let started = start_with_retries("moto_server", &log, "/moto-api/", |port| {
            let port = port.to_string();
            let mut cmd = watched(&moto, &["-H", "127.0.0.1", "-p", &port]);
            cmd.env("TMPDIR", &tmp);
            cmd
        });
        Moto {
            endpoint: format!("http://127.0.0.1:{}", started.port),
        }
    }

    /// `http://127.0.0.1:<port>`, for [`sdk_config`] or `Microburst::start`.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint
    }
}

/// An SDK config for `account` at `endpoint` (moto, or a microburst in front of it): credentials
/// of a role in that account, from moto's own AssumeRole.
pub async fn sdk_config(endpoint: &str, account: &str) -> SdkConfig {
    let bootstrap = Credentials::new("moto-bootstrap", "test-secret", None, None, "e2e");
    let base = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(Moto::shared().endpoint_url())
        .credentials_provider(SharedCredentialsProvider::new(bootstrap))
        .load()
        .await;
    let assumed = aws_sdk_sts::Client::new(&base)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/apigw-auditor-e2e"))
        .role_session_name("apigw-auditor-e2e")
        .send()
        .await
        .expect("moto sts:AssumeRole");
    let c = assumed
        .credentials()
        .expect("AssumeRole returns credentials");
    let credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "moto-e2e",
    );
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .load()
        .await
}

/// The binary's main thread's stack: 8 MiB (the runs of `audit` and `daemon` are polled there).
const MAIN_THREAD_STACK: usize = 8 * 1024 * 1024;

/// Runs a test's body the way the binary runs an audit, on a thread with the main thread's
/// stack. libtest's threads have 2 MiB, and the SDK's deserializers of ASFF findings (hundreds of
/// nested optional types) take more than that in an unoptimized build.
pub fn on_main_sized_stack<F: std::future::Future<Output = ()>>(test: impl FnOnce() -> F + Send) {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .stack_size(MAIN_THREAD_STACK)
            .spawn_scoped(scope, || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the test")
                    .block_on(test())
            })
            .expect("spawn the test's thread");
        if let Err(panic) = thread.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

/// Every finding Security Hub holds for the account of `sdk` in its region, by `Id`, read with
/// the real `GetFindings`, page by page.
pub async fn hub(sdk: &SdkConfig) -> BTreeMap<String, AwsSecurityFinding> {
    let client = aws_sdk_securityhub::Client::new(sdk);
    let mut all = BTreeMap::new();
    let mut token = None;
    loop {
        let page = client
            .get_findings()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .expect("securityhub:GetFindings");
        for finding in page.findings() {
            all.insert(
                finding.id().unwrap_or_default().to_string(),
                finding.clone(),
            );
        }
        token = page
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return all;
        }
    }
}
