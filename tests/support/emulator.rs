//! The local AWS for end-to-end tests: one ministack per test binary, and microburst fault-injection
//! proxies per test, both started from the checkout's `.venv` and never outliving the test binary
//! (moto, for Security Hub, is started the same way from `moto.rs`).
//!
//! Statics are never dropped, so the shared server cannot be stopped from Rust when the binary
//! exits. Every process is therefore started under a small `sh` watchdog in its own process group:
//! the watchdog polls the test binary's pid every second and, once it is gone (normal exit, panic,
//! SIGKILL alike), stops the server and then kills the whole group — including the Python worker
//! processes ministack forks to run Lambda handlers.

use std::fs::{self, File};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use super::http;

/// How long a server may take to answer its health endpoint (ministack is ready in < 1 s).
const HEALTH_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts to start a server: the free port we picked may be taken by someone else before the
/// server binds it.
const START_ATTEMPTS: u32 = 3;

/// `$1…` is the server's command line. The loop ends when the test binary or the server is gone;
/// the server gets a SIGTERM and up to 3 s for its clean shutdown (ministack: about 1.5 s), then
/// everything left in the process group (Lambda workers, the watchdog itself) is killed.
const WATCHDOG: &str = r#"
"$@" &
server=$!
while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done
if kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    n=0
    while kill -0 "$server" 2>/dev/null && [ "$n" -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
fi
kill -KILL 0
"#;

/// The account ministack uses for requests whose access key is not a 12-digit account id.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// One ministack server shared by all tests of a test binary. Tests isolate themselves by
/// account (see `support::new_account`), not by server.
pub struct Emulator {
    endpoint: String,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
}

impl Emulator {
    /// The server of this test binary, started on first use.
    pub fn shared() -> &'static Emulator {
        // A failed start is remembered: every test of the binary then fails at once with the
        // same message instead of each waiting for its own health timeout.
        static SHARED: OnceLock<Result<Emulator, String>> = OnceLock::new();
        Emulator::started(&SHARED, || Emulator::start("ministack", &[]))
    }

    /// A second server of this test binary with IAM enforcement on (`AUTH=true`), started on
    /// first use. Only there does STS evaluate role trust policies (on the other server every
    /// AssumeRole succeeds) and is every call authorized against the caller's policies. A
    /// 12-digit access key is that account's root user.
    pub fn shared_with_iam() -> &'static Emulator {
        static SHARED: OnceLock<Result<Emulator, String>> = OnceLock::new();
        // Under AUTH signatures are checked against this secret: the one of `support::sdk_config`.
        let env = [("AUTH", "true"), ("AWS_SECRET_ACCESS_KEY", "test-secret")];
        Emulator::started(&SHARED, || Emulator::start("ministack-iam", &env))
    }

    fn started(
        cell: &'static OnceLock<Result<Emulator, String>>,
        start: impl FnOnce() -> Emulator + std::panic::UnwindSafe,
    ) -> &'static Emulator {
        let started = cell.get_or_init(|| {
            std::panic::catch_unwind(start).map_err(|panic| {
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "ministack failed to start".to_string())
            })
        });
        match started {
            Ok(emulator) => emulator,
            Err(message) => panic!("{message}"),
        }
    }

    /// Starts a server named `name` (its log is `<name>.log`) with `extra_env` set.
    fn start(name: &str, extra_env: &[(&str, &str)]) -> Emulator {
        let ministack = venv_bin("ministack");
        let dir = state_dir();
        let tmp = dir.join(format!("{name}-tmp"));
        let s3 = dir.join(format!("{name}-s3"));
        for d in [&tmp, &s3] {
            fs::create_dir_all(d).unwrap_or_else(|e| panic!("create {}: {e}", d.display()));
        }
        let log = dir.join(format!("{name}.log"));
        let started = start_with_retries(name, &log, "/_ministack/health", |port| {
            let mut cmd = watched(&ministack, &[]);
            cmd.envs(extra_env.iter().copied());
            cmd.env("BIND_HOST", "127.0.0.1")
                .env("GATEWAY_PORT", port.to_string())
                // Lambda code, layers and S3 objects stay inside the build directory.
                .env("TMPDIR", &tmp)
                .env("S3_DATA_DIR", &s3)
                // Without it `Code.Location` URLs point at `localhost`, which may resolve to ::1.
                .env("MINISTACK_HOST", "127.0.0.1")
                // Without it requests with non-numeric keys land in account 000000000000.
                .env("MINISTACK_ACCOUNT_ID", DEFAULT_ACCOUNT)
                .env("MINISTACK_REGION", super::REGION);
            cmd
        });
        Emulator {
            endpoint: format!("http://127.0.0.1:{}", started.port),
            port: started.port,
            dir,
            log,
        }
    }

    /// `http://127.0.0.1:<port>`, for `support::sdk_config` or `Microburst::start`.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `target/emulator/<pid>/`: the server's files and the logs of every server of this binary.
    pub fn state_dir(&self) -> &Path {
        &self.dir
    }

    /// The last `lines` lines of the server's log, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log, lines)
    }
}

/// A microburst fault-injection proxy in front of `upstream`, one per test so that rules never
/// leak between tests. Stopped on drop, and by its watchdog if the test binary dies first.
pub struct Microburst {
    endpoint: String,
    child: Child,
    log: PathBuf,
}

impl Microburst {
    pub fn start(upstream: &str) -> Microburst {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let microburst = venv_bin("microburst");
        let log = state_dir().join(format!(
            "microburst-{}.log",
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let started = start_with_retries("microburst", &log, "/_microburst/health", |port| {
            let port = port.to_string();
            let args = [
                "--upstream",
                upstream,
                "--port",
                &port,
                "--host",
                "127.0.0.1",
            ];
            watched(&microburst, &args)
        });
        Microburst {
            endpoint: format!("http://127.0.0.1:{}", started.port),
            child: started.child,
            log,
        }
    }

    /// Point SDK clients here to go through the proxy.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint
    }

    /// Replaces all rules (`POST /_microburst/rules`) and returns them as microburst stored them.
    /// Format (microburst `rules.py` `from_dict`): a list of
    /// `{"service": "lambda", "operation": "GetPolicy", "error": {"code", "status", "message"},
    /// "probability": 1.0, "times": n, "latency": ms, ...}`; service names are botocore's.
    pub fn set_rules(&self, rules: serde_json::Value) -> serde_json::Value {
        self.control("POST", "rules", Some(rules))
    }

    /// Adds rules to the current ones (`PATCH /_microburst/rules`).
    pub fn add_rules(&self, rules: serde_json::Value) -> serde_json::Value {
        self.control("PATCH", "rules", Some(rules))
    }

    /// The faults injected so far (`GET /_microburst/fired`), oldest first; each has at least
    /// `service`, `operation` and `rule_id`.
    pub fn fired(&self) -> Vec<serde_json::Value> {
        match self.control("GET", "fired?limit=100000", None) {
            serde_json::Value::Array(events) => events,
            other => panic!("microburst /fired did not return a list: {other}"),
        }
    }

    fn control(
        &self,
        method: &str,
        tail: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}/_microburst/{tail}", self.endpoint);
        let body = body.map(|b| b.to_string());
        let response = http::request(method, &url, body.as_deref())
            .unwrap_or_else(|e| panic!("{method} {url}: {e}\n{}", log_tail(&self.log, 20)));
        assert!(
            response.status == 200,
            "{method} {url}: HTTP {}: {}\nbody sent: {}",
            response.status,
            response.text(),
            body.unwrap_or_default()
        );
        response.json()
    }
}

impl Drop for Microburst {
    fn drop(&mut self) {
        // The watchdog is the group leader; if it already exited it took the group with it.
        if let Ok(None) = self.child.try_wait() {
            kill_group(self.child.id());
            let _ = self.child.wait();
        }
    }
}

/// `.venv/bin/<name>` at the repository root, where `scripts/test` installs the pinned emulator.
pub fn venv_bin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    assert!(
        path.exists(),
        "{} not found: run scripts/test (it creates .venv with the pinned emulator)",
        path.display()
    );
    path
}

/// `target/emulator/<pid>/`, created on first use. State dirs of test binaries that are no longer
/// running are removed then, so they do not pile up.
pub(super) fn state_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // CARGO_TARGET_TMPDIR is `<target dir>/tmp`, wherever the (shared) target dir is.
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("CARGO_TARGET_TMPDIR has a parent")
            .join("emulator");
        sweep_dead(&root);
        let dir = root.join(std::process::id().to_string());
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        dir
    })
    .clone()
}

fn sweep_dead(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        // Only pid dirs: `manual/` belongs to scripts/emulator.
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !alive(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn alive(pid: u32) -> bool {
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(true)
}

pub(super) fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// `program args…` under the watchdog, in a new process group led by the watchdog.
pub(super) fn watched(program: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(WATCHDOG)
        .arg("apigw-auditor-test-watchdog")
        .arg(program)
        .args(args)
        .env("WATCH_PID", std::process::id().to_string())
        .stdin(Stdio::null())
        .process_group(0);
    cmd
}

pub(super) struct Started {
    pub(super) port: u16,
    pub(super) child: Child,
}

/// Starts `command(port)` on a free port with output to `log` and waits for `health`.
pub(super) fn start_with_retries(
    what: &str,
    log: &Path,
    health: &str,
    command: impl Fn(u16) -> Command,
) -> Started {
    let mut last_failure = String::new();
    for _ in 0..START_ATTEMPTS {
        let port = free_port();
        let out = File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().expect("clone log file handle");
        let mut child = command(port)
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
        let url = format!("http://127.0.0.1:{port}{health}");
        let deadline = Instant::now() + HEALTH_TIMEOUT;
        loop {
            if matches!(http::request("GET", &url, None), Ok(r) if r.status == 200) {
                return Started { port, child };
            }
            if let Ok(Some(_)) = child.try_wait() {
                // The watchdog ends when the server does. Most likely the port was taken between
                // our probe and the server's bind: try another.
                last_failure = format!("{what} exited before it was healthy");
                break;
            }
            if Instant::now() > deadline {
                kill_group(child.id());
                let _ = child.wait();
                panic!(
                    "{what} not healthy at {url} after {HEALTH_TIMEOUT:?}; log {}:\n{}",
                    log.display(),
                    log_tail(log, 40)
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
    panic!(
        "{last_failure} ({START_ATTEMPTS} attempts); log {}:\n{}",
        log.display(),
        log_tail(log, 40)
    );
}

/// A port that was free a moment ago (bind port 0, read it, release it).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

pub(super) fn log_tail(log: &Path, lines: usize) -> String {
    let text = fs::read_to_string(log).unwrap_or_else(|e| format!("(cannot read log: {e})"));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
