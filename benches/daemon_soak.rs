//! The daemon under sustained faults: an account of APIs whose stages and functions have
//! CloudWatch evidence (metrics, execution and function logs) on the local emulator, audited once
//! cleanly, then by the built binary's `daemon` on a 3-second schedule through microburst
//! injecting, on every AWS service, 20 % throttling in the service's own protocol, then 500s and
//! connection resets on a few more calls. Every run's findings (check, fingerprint, stages and
//! status) must equal the clean run's — a retry budget used up by earlier runs would turn some
//! into `error` findings — with no collection error, and the daemon's resident memory must stay
//! flat.
//!
//! `cargo bench --bench daemon_soak` runs 30 runs over 10 APIs (`BENCH_RUNS`, `BENCH_APIS`,
//! `BENCH_WARMUP`) and writes `target/bench/daemon_soak.json`; `cargo test` runs 6 runs over one
//! API. `BENCH_AUDITOR` names another binary for the daemon (an older build, for a before/after
//! comparison); the clean run is always the built one's.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::cloudwatch::{
    customer_function_error, execution_line, spread, task_timed_out, LambdaMinute, Seeder,
    IMPORT_MODULE_ERROR, INVALID_PERMISSIONS,
};
use support::emulator::{Emulator, Microburst};
use support::fleet::apigw::MethodOptions;
use support::{new_fleet, sdk_config, REGION};

/// API `pets-{i}`: GET /pets → function `pets-{i}` with no invoke permission, stage prod with
/// execution logging, and CloudWatch holding what such a stage shows (as `e2e_evidence.rs`):
/// 5XX on 30 of 200 requests, the function failing 6 of 40 invocations, `Invalid permissions`
/// in the execution log, an import error and a timeout in the function's log.
async fn seeded_api(fleet: &support::fleet::Fleet, seeder: &Seeder, i: usize) {
    let name = format!("pets-{i}");
    let function = fleet.python_function(&name).await;
    let api = fleet.create_api(&name).await;
    api.lambda_proxy_method("/pets", "GET", &function, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    seeder
        .enable_execution_logging(&api.id, "prod", "ERROR")
        .await;
    seeder.api_traffic(&name, "prod", &spread(200, 30, 4)).await;
    let minute = LambdaMinute::new(20, 3, 0);
    seeder.lambda_traffic(&name, None, &[minute, minute]).await;
    let mut lines: Vec<String> = (1..=3)
        .map(|n| execution_line(n, INVALID_PERMISSIONS))
        .collect();
    lines.push(execution_line(4, &customer_function_error("boom")));
    seeder.execution_log(&api.id, "prod", &lines).await;
    seeder
        .function_log(&name, &[IMPORT_MODULE_ERROR.to_string(), task_timed_out(1)])
        .await;
}

/// The faults: on every service, 20 % of calls throttled the way that service throttles, then
/// 3 % answered with a 500 and 3 % reset (microburst applies the first rule that fires).
fn faults() -> Value {
    let throttle = |service: &str, status: u16, code: &str| {
        json!({"service": service, "probability": 0.2,
               "error": {"code": code, "status": status, "message": "Rate exceeded"}})
    };
    json!([
        throttle("apigateway", 429, "TooManyRequestsException"),
        throttle("lambda", 429, "TooManyRequestsException"),
        throttle("cloudwatch", 400, "Throttling"),
        throttle("logs", 400, "ThrottlingException"),
        throttle("sts", 400, "Throttling"),
        {"probability": 0.03,
         "error": {"code": "InternalFailure", "status": 500, "message": "Internal failure"}},
        {"probability": 0.03, "reset": true}
    ])
}

/// `(check, fingerprint, stages, status)` of every finding, sorted.
fn identities(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["check"], f["fingerprint"], f["stages"], f["status"]
            )
        })
        .collect()
}

fn proc_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The daemon's config: a run every 3 seconds, and rate limits far above AWS's quotas — the
/// emulator enforces none, and this soak is about faults, not pacing (`quotas.rs` is), so the
/// calls of a run go out as fast as concurrency allows and their retries overlap.
fn config(dir: &std::path::Path, endpoint: &str) -> String {
    let limit = "{ per-second = 1000.0, burst = 1000 }";
    let limits: String = [
        "apigateway",
        "apigateway-get-resources",
        "lambda-get-function",
        "lambda-get-policy",
        "lambda-other",
        "sts",
        "cloudwatch-get-metric-data",
        "logs-filter-log-events",
    ]
    .iter()
    .map(|name| format!("{name} = {limit}\n"))
    .collect();
    format!(
        "[scope]\nregions = [\"{REGION}\"]\nendpoint-url = \"{endpoint}\"\n\
         [collect]\nconcurrency = 16\n[collect.rate-limits]\n{limits}\
         [publish]\njson-file = \"{}\"\n\
         [daemon]\nschedule = \"*/3 * * * * *\"\nrun-at-start = true\nstatus-file = \"{}\"\n",
        dir.join("report.json").display(),
        dir.join("status.json").display(),
    )
}

fn main() {
    let is_bench = std::env::args().any(|a| a == "--bench");
    let apis = support::bench_size("BENCH_APIS", 10, 1, is_bench);
    let runs = support::bench_size("BENCH_RUNS", 30, 6, is_bench) as u64;
    let warmup = support::bench_size("BENCH_WARMUP", 5, 2, is_bench).clamp(1, runs as usize);
    // A leak of a few KiB per run shows over 25 runs; the smoke run only catches a balloon.
    let tolerance = if is_bench { 0.10 } else { 0.50 };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");

    let (account, proxy) = runtime.block_on(async {
        let (account, sdk, fleet) = new_fleet().await;
        let seeder = Seeder::new(&sdk);
        for i in 0..apis {
            seeded_api(&fleet, &seeder, i).await;
        }
        // microburst loads each service's model on its first request: once now, fault-free.
        let proxy = Microburst::start(Emulator::shared().endpoint_url());
        let warm = sdk_config(proxy.endpoint_url(), &account).await;
        let _ = aws_sdk_sts::Client::new(&warm)
            .get_caller_identity()
            .send()
            .await;
        let _ = aws_sdk_apigateway::Client::new(&warm)
            .get_rest_apis()
            .send()
            .await;
        let _ = aws_sdk_lambda::Client::new(&warm)
            .list_functions()
            .send()
            .await;
        let _ = aws_sdk_cloudwatch::Client::new(&warm)
            .get_metric_data()
            .send()
            .await;
        let _ = aws_sdk_cloudwatchlogs::Client::new(&warm)
            .filter_log_events()
            .log_group_name("warm-up")
            .send()
            .await;
        (account, proxy)
    });

    let dir = tempfile::tempdir().unwrap();
    let clean_config = dir.path().join("clean.toml");
    std::fs::write(
        &clean_config,
        config(dir.path(), Emulator::shared().endpoint_url()),
    )
    .unwrap();
    let clean = support::binary::auditor(&account)
        .args(["audit", "--format", "json", "--config"])
        .arg(&clean_config)
        .output()
        .expect("the binary runs");
    let clean: Value = serde_json::from_slice(&clean.stdout).expect("a JSON report");
    assert!(clean["errors"].as_array().is_some_and(Vec::is_empty));
    let expected = identities(&clean);
    assert!(
        expected.iter().any(|f| f.contains("function-log-errors")),
        "{expected:#?}"
    );
    println!(
        "clean run: {} findings; {apis} APIs, then {runs} daemon runs through microburst",
        expected.len()
    );

    proxy.set_rules(faults());
    let soak_config = dir.path().join("auditor.toml");
    std::fs::write(&soak_config, config(dir.path(), proxy.endpoint_url())).unwrap();
    let mut daemon = support::binary::auditor(&account);
    if let Some(other) = std::env::var_os("BENCH_AUDITOR") {
        // The same environment, another program.
        let mut before = Command::new(other);
        before.env_clear();
        for (key, value) in daemon.get_envs() {
            if let Some(value) = value {
                before.env(key, value);
            }
        }
        daemon = before;
    }
    let mut child = daemon
        .args(["daemon", "--config"])
        .arg(&soak_config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .expect("the daemon starts");
    let pid = child.id();
    let status_path = dir.path().join("status.json");
    let started = Instant::now();
    let mut rss: Vec<u64> = Vec::new();
    let mut per_run = Vec::new();
    let mut unequal = 0;
    while (rss.len() as u64) < runs {
        assert!(
            started.elapsed() < Duration::from_secs(120 * runs),
            "{} runs after {:?}",
            rss.len(),
            started.elapsed()
        );
        assert!(child.try_wait().unwrap().is_none(), "the daemon exited");
        let status: Option<Value> = std::fs::read_to_string(&status_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        if let Some(status) = status.filter(|s| s["runs"].as_u64() > Some(rss.len() as u64)) {
            let kib = proc_kib(pid, "VmRSS:").expect("the daemon's VmRSS");
            let run = rss.len() + 1;
            // A run that failed outright has no report: it is not equal to the clean run.
            let report: Value = if status["last_run"]["outcome"] == "failed" {
                println!("run {run}: failed: {}", status["last_run"]["detail"]);
                json!({"findings": [], "errors": [status["last_run"]["detail"]], "summary": {}})
            } else {
                let report: Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.path().join("report.json")).unwrap(),
                )
                .unwrap();
                assert_eq!(
                    report["run"]["id"], status["last_run"]["run_id"],
                    "the report of the run just recorded"
                );
                report
            };
            let summary = &report["summary"];
            let sum = |field: &str| -> u64 {
                summary[field]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, n)| n.as_u64())
                    .sum()
            };
            println!(
                "run {run:>3}: {:>6} ms, RSS {:>6.1} MiB, {} findings, {} errors, throttled {}, retries {}, most attempts {}",
                status["last_run"]["duration_ms"],
                kib as f64 / 1024.0,
                identities(&report).len(),
                report["errors"].as_array().map_or(0, Vec::len),
                sum("throttled"),
                sum("retries"),
                summary["most_attempts"]
            );
            let got = identities(&report);
            let errors = report["errors"].as_array().map_or(0, Vec::len);
            let equal = got == expected && errors == 0;
            if !equal {
                let missing: Vec<_> = expected.difference(&got).collect();
                let extra: Vec<_> = got.difference(&expected).collect();
                println!(
                    "run {run}: differs from the clean run: {} missing (first {:?}), {} extra \
                     (first {:?}), errors {}",
                    missing.len(),
                    missing.first(),
                    extra.len(),
                    extra.first(),
                    report["errors"]
                );
            }
            unequal += usize::from(!equal);
            per_run.push(json!({
                "run": run, "duration_ms": status["last_run"]["duration_ms"], "rss_kib": kib,
                "throttled": sum("throttled"), "retries": sum("retries"),
                "most_attempts": summary["most_attempts"], "equal": equal,
            }));
            rss.push(kib);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let fired = proxy.fired().len();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert_eq!(
        child.wait().unwrap().code(),
        Some(0),
        "the daemon stops cleanly"
    );

    println!(
        "{} of {runs} runs equal to the clean run",
        runs as usize - unequal
    );
    if std::env::var_os("BENCH_AUDITOR").is_none() {
        assert_eq!(unequal, 0, "every run's findings equal the clean run's");
    }
    let (base, end) = (rss[warmup - 1], *rss.last().unwrap());
    let growth = end as f64 / base as f64 - 1.0;
    println!(
        "{runs} runs in {:.0?}; {fired} faults injected; RSS after run {warmup}: {:.1} MiB, \
         after run {runs}: {:.1} MiB ({:+.1} %)",
        started.elapsed(),
        base as f64 / 1024.0,
        end as f64 / 1024.0,
        growth * 100.0
    );
    assert!(
        growth <= tolerance,
        "RSS grew {:.1} % from run {warmup} to run {runs} (tolerance {:.0} %)",
        growth * 100.0,
        tolerance * 100.0
    );
    if is_bench {
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&out).unwrap();
        let result = json!({
            "apis": apis, "runs": runs, "warmup": warmup, "faults_injected": fired,
            "runs_equal_to_clean": runs as usize - unequal,
            "rss_growth_after_warmup_percent": growth * 100.0, "runs_detail": per_run,
            "wall_ms": started.elapsed().as_millis() as u64,
        });
        std::fs::write(
            out.join("daemon_soak.json"),
            serde_json::to_string_pretty(&result).unwrap(),
        )
        .unwrap();
        println!("wrote target/bench/daemon_soak.json");
    }
}
