//! End-to-end tests of `apigw-auditor daemon` and `health`: the built binary against the emulator
//! on a 2-second schedule. It completes run after run and keeps the status file that `health`
//! judges; runs slowed by microburst latency make it skip the ticks that come during them; and
//! SIGTERM in the middle of a run stops it with exit code 0 within the shutdown deadline, after
//! letting the run finish, or abandoning it when it would outlast the deadline.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::emulator::{Emulator, Microburst};
use support::fleet::apigw::MethodOptions;
use support::{new_fleet, REGION};

/// Slack for process start and exit on a loaded 2-core machine, on top of the deadline.
const SLACK: Duration = Duration::from_millis(1500);

/// One account with one API whose route invokes a function without permission: every run
/// finds it (`invoke-permission-missing`, high).
async fn one_broken_api() -> String {
    let (account, _, fleet) = new_fleet().await;
    let function = fleet.python_function("orders").await;
    let api = fleet.create_api("orders").await;
    api.lambda_proxy_method("/orders", "GET", &function, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    account
}

/// A daemon process with its own folder (config, status file, report, logs); killed on drop if
/// a test failed before stopping it.
struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
}

impl Daemon {
    /// Starts the daemon on `endpoint` for `account`, every 2 seconds, with `daemon_extra` lines
    /// added to its `[daemon]` table.
    fn start(account: &str, endpoint: &str, daemon_extra: &str) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        // Evidence off: its log scans (5 calls/s) would make a run last longer than a tick.
        let config = format!(
            "[scope]\nregions = [\"{REGION}\"]\nendpoint-url = \"{endpoint}\"\n\
             [evidence]\nenabled = false\n\
             [publish]\njson-file = \"{}\"\nfinding-events = \"on\"\n\
             [daemon]\nschedule = \"*/2 * * * * *\"\nrun-at-start = true\n\
             status-file = \"{}\"\n{daemon_extra}\n",
            path("report.json"),
            path("status.json"),
        );
        std::fs::write(dir.path().join("auditor.toml"), config).unwrap();
        let child = support::binary::auditor(account)
            .args(["daemon", "--config", &path("auditor.toml")])
            // Files, not pipes: nobody reads them while the daemon runs, and a full pipe would
            // block it.
            .stdout(std::fs::File::create(dir.path().join("stdout.log")).unwrap())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
            .stdin(Stdio::null())
            .spawn()
            .expect("the daemon starts");
        Daemon { child, dir }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.file("stderr.log")).unwrap_or_default()
    }

    /// The status file, once the daemon has written it.
    fn status(&self) -> Option<Value> {
        let text = std::fs::read_to_string(self.file("status.json")).ok()?;
        Some(serde_json::from_str(&text).expect("the status file is whole JSON (atomic writes)"))
    }

    /// Polls the status file until `ready` holds; panics with the daemon's log after `timeout`.
    fn wait_for(&mut self, what: &str, timeout: Duration, ready: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.status().filter(|s| ready(s)) {
                return status;
            }
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!(
                    "the daemon exited ({exit}) waiting for {what}:\n{}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {what} after {timeout:?}; status {:?}; log:\n{}",
                self.status(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and waits for the exit: its status and how long it took.
    fn terminate(&mut self) -> (ExitStatus, Duration) {
        let sent = Instant::now();
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return (exit, sent.elapsed());
            }
            assert!(
                sent.elapsed() < Duration::from_secs(30),
                "no exit 30 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn health(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apigw-auditor"))
        .arg("health")
        .args(args)
        .env_clear()
        .output()
        .expect("health runs")
}

fn runs(status: &Value) -> u64 {
    status["runs"].as_u64().unwrap()
}

/// The GetRestApis calls microburst has delayed so far: one per run started.
fn delayed_runs(proxy: &Microburst) -> usize {
    proxy
        .fired()
        .iter()
        .filter(|e| e["operation"] == "GetRestApis")
        .count()
}

/// A proxy on which every `GetRestApis` (one per run: one page of APIs) takes `ms` milliseconds.
/// The first request of each AWS service makes microburst load that service's model, which takes
/// seconds on a busy machine; `account` makes one of each first, so that runs take `ms` and
/// little more.
async fn slow_proxy(account: &str, ms: u64) -> Microburst {
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    let sdk = support::sdk_config(proxy.endpoint_url(), account).await;
    aws_sdk_sts::Client::new(&sdk)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    aws_sdk_apigateway::Client::new(&sdk)
        .get_rest_apis()
        .send()
        .await
        .unwrap();
    aws_sdk_lambda::Client::new(&sdk)
        .list_functions()
        .send()
        .await
        .unwrap();
    // A plain number is a fixed latency. (The object form takes `min`/`max`; microburst reads
    // `min_ms`/`max_ms` there as nothing at all, without complaint.)
    proxy.set_rules(json!([
        {"service": "apigateway", "operation": "GetRestApis", "latency": ms}
    ]));
    proxy
}

#[tokio::test]
async fn runs_on_schedule_and_health_follows_the_status_file() {
    let account = one_broken_api().await;
    let mut daemon = Daemon::start(&account, Emulator::shared().endpoint_url(), "");
    let started = Instant::now();
    let status = daemon.wait_for("3 runs", Duration::from_secs(20), |s| runs(s) >= 3);
    // Run at start, then every 2 s: the third run ends after about 4 s.
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    let last = &status["last_run"];
    assert_eq!(last["outcome"], "findings", "{status:#}");
    assert!(
        last["findings"]["high"].as_u64().unwrap() >= 1,
        "{status:#}"
    );
    assert!(status["last_good_run_at"].is_string());
    assert_eq!(status["schedule"], "*/2 * * * * *");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(daemon.file("report.json")).unwrap())
            .unwrap();
    assert_eq!(
        report["run"]["id"], last["run_id"],
        "the JSON file is rewritten every run"
    );
    // The daemon prints no report on stdout; finding events go to stderr.
    assert_eq!(
        std::fs::read_to_string(daemon.file("stdout.log")).unwrap(),
        ""
    );
    assert!(daemon.stderr().contains("apigw-auditor.finding"));

    let status_file = daemon.file("status.json").display().to_string();
    let fresh = health(&["--max-age", "30s", "--status-file", &status_file]);
    assert_eq!(fresh.status.code(), Some(0), "{fresh:?}");
    assert!(String::from_utf8_lossy(&fresh.stderr).starts_with("healthy: the last good run"));
    let config = daemon.file("auditor.toml").display().to_string();
    assert_eq!(
        health(&["--max-age", "30s", "--config", &config])
            .status
            .code(),
        Some(0)
    );
    let zero = health(&["--max-age", "0s", "--status-file", &status_file]);
    assert_eq!(zero.status.code(), Some(1), "{zero:?}");
    let reason = String::from_utf8_lossy(&zero.stderr).to_string();
    assert!(
        reason.starts_with("unhealthy: ") && reason.trim_end().lines().count() == 1,
        "{reason}"
    );
    assert_stale_and_missing_files_are_unhealthy(daemon.dir.path(), &status);

    let (exit, took) = daemon.terminate();
    assert_eq!(exit.code(), Some(0), "{}", daemon.stderr());
    assert!(took < Duration::from_secs(5) + SLACK, "{took:?}");
}

fn assert_stale_and_missing_files_are_unhealthy(dir: &Path, status: &Value) {
    let mut stale = status.clone();
    let hour_ago = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    stale["last_good_run_at"] = json!(hour_ago.to_rfc3339());
    let path = dir.join("stale.json");
    std::fs::write(&path, stale.to_string()).unwrap();
    let path = path.display().to_string();
    assert_eq!(
        health(&["--max-age", "30m", "--status-file", &path])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        health(&["--max-age", "2h", "--status-file", &path])
            .status
            .code(),
        Some(0)
    );
    let missing = dir.join("missing.json").display().to_string();
    let output = health(&["--max-age", "1h", "--status-file", &missing]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read the status file"));
}

#[tokio::test]
async fn slow_runs_skip_overlapping_ticks_and_sigterm_lets_the_current_run_finish() {
    let account = one_broken_api().await;
    // Runs of 3+ s on a 2 s schedule: the tick in the middle of every run is skipped.
    let proxy = slow_proxy(&account, 3000).await;
    let mut daemon = Daemon::start(
        &account,
        proxy.endpoint_url(),
        "shutdown-deadline-seconds = 5",
    );
    let status = daemon.wait_for("a skipped tick", Duration::from_secs(20), |s| {
        s["skipped_ticks"].as_u64() >= Some(1) && runs(s) >= 1
    });
    assert!(
        status["last_run"]["duration_ms"].as_u64().unwrap() >= 3000,
        "{status:#}"
    );
    assert!(daemon
        .stderr()
        .contains("tick skipped: the previous run is still going"));

    // SIGTERM right after a run has started: it is 3 s from done, within the 5 s deadline.
    let before = delayed_runs(&proxy);
    let deadline = Instant::now() + Duration::from_secs(10);
    while delayed_runs(&proxy) == before {
        assert!(Instant::now() < deadline, "no new run within 10 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (exit, took) = daemon.terminate();
    assert_eq!(exit.code(), Some(0), "{}", daemon.stderr());
    assert!(took < Duration::from_secs(5) + SLACK, "{took:?}");
    assert!(
        took > Duration::from_millis(1500),
        "it waited for the run: {took:?}"
    );
    let status = daemon.status().unwrap();
    assert_eq!(
        runs(&status) as usize,
        delayed_runs(&proxy),
        "the last run was recorded: {status:#}"
    );
    assert_eq!(status["last_run"]["outcome"], "findings");
}

#[tokio::test]
async fn sigterm_abandons_a_run_that_would_outlast_the_deadline() {
    let account = one_broken_api().await;
    let proxy = slow_proxy(&account, 20_000).await;
    let mut daemon = Daemon::start(
        &account,
        proxy.endpoint_url(),
        "shutdown-deadline-seconds = 2",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while delayed_runs(&proxy) == 0 {
        assert!(
            Instant::now() < deadline,
            "the first run did not start:\n{}",
            daemon.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (exit, took) = daemon.terminate();
    assert_eq!(exit.code(), Some(0), "{}", daemon.stderr());
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(2) + SLACK,
        "{took:?}"
    );
    assert!(daemon.stderr().contains("abandoned"), "{}", daemon.stderr());
    let status = daemon.status().unwrap();
    assert_eq!(
        runs(&status),
        0,
        "an abandoned run is not a run: {status:#}"
    );
    assert!(status["last_good_run_at"].is_null());
    // The file's last word counts the ticks skipped while the abandoned run went on.
    assert!(daemon.stderr().contains(&format!(
        "\"skipped_ticks\":{},\"abandoned\":true",
        status["skipped_ticks"]
    )));
}
