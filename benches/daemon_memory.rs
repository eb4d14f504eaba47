//! The daemon's memory over many runs: builds a fleet of APIs on the local emulator, runs the
//! built binary's `daemon` on a 1-second schedule (every run starts as soon as the previous one
//! ends; the ticks in between are skipped), and reads its resident memory (VmRSS in
//! /proc/<pid>/status) after every run. A daemon that leaks grows run after run; this one must
//! not: the RSS after the last run stays within `TOLERANCE` of the RSS after the warm-up runs.
//!
//! `cargo bench --bench daemon_memory` runs the full size (200 APIs, 50 runs, warm-up 10; or
//! `BENCH_APIS`, `BENCH_RUNS`, `BENCH_WARMUP`) and writes `target/bench/daemon_memory.json`;
//! `cargo test` runs a smoke version (20 APIs, 5 runs, warm-up 2) that only checks the daemon
//! runs and does not balloon.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{json, Value};
use support::emulator::Emulator;
use support::fleet::apigw::MethodOptions;
use support::fleet::{function_arn, Fleet};
use support::{new_fleet, REGION};

/// Functions the APIs share: ten statements per function policy at 200 APIs.
const FUNCTIONS: usize = 20;
/// APIs built at once: enough to keep the emulator busy, few enough not to time out its calls.
const CHUNK: usize = 16;

/// A field of /proc/<pid>/status in KiB (`VmRSS`, `VmHWM`).
fn proc_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// API `i`: two routes to function `i % FUNCTIONS`, with a permission on odd APIs only, so even
/// APIs give `invoke-permission-missing` findings every run.
async fn build_api(fleet: &Fleet, account: &str, i: usize) {
    let function = format!("fn-{}", i % FUNCTIONS);
    let target = function_arn(account, &function, None);
    let api = fleet.create_api(&format!("api-{i}")).await;
    for path in ["/items", "/items/{id}"] {
        api.lambda_proxy_method(path, "GET", &target, MethodOptions::default())
            .await;
    }
    if i % 2 == 1 {
        fleet.permit(&function, None).serverless(&api.id).await;
    }
    api.deploy("prod", &[]).await;
}

async fn build(apis: usize) -> String {
    let (account, _, fleet) = new_fleet().await;
    let names: Vec<String> = (0..FUNCTIONS.min(apis))
        .map(|f| format!("fn-{f}"))
        .collect();
    join_all(names.iter().map(|name| fleet.python_function(name))).await;
    let ids: Vec<usize> = (0..apis).collect();
    for chunk in ids.chunks(CHUNK) {
        join_all(chunk.iter().map(|&i| build_api(&fleet, &account, i))).await;
    }
    account
}

/// The daemon's config: the emulator, rate limits far above AWS's quotas (the emulator has none,
/// and at AWS's a 200-API run takes minutes), a run every second.
fn config(dir: &std::path::Path) -> String {
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
        "[scope]\nregions = [\"{REGION}\"]\nendpoint-url = \"{}\"\n\
         [collect]\nconcurrency = 16\n[collect.rate-limits]\n{limits}\
         [publish]\njson-file = \"{}\"\n\
         [daemon]\nschedule = \"* * * * * *\"\nstatus-file = \"{}\"\n",
        Emulator::shared().endpoint_url(),
        dir.join("report.json").display(),
        dir.join("status.json").display(),
    )
}

fn main() {
    let is_bench = std::env::args().any(|a| a == "--bench");
    let apis = support::bench_size("BENCH_APIS", 200, 20, is_bench);
    let runs = support::bench_size("BENCH_RUNS", 50, 5, is_bench) as u64;
    let warmup =
        support::bench_size("BENCH_WARMUP", 10, 2, is_bench).clamp(1, runs as usize) as u64;
    // A leak of a few KiB per run shows over 40 runs; the smoke run only catches a balloon.
    let tolerance = if is_bench { 0.10 } else { 0.50 };

    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let built = Instant::now();
    let account = runtime.block_on(build(apis));
    println!(
        "fleet: {apis} APIs, {FUNCTIONS} functions, built in {:.1?}",
        built.elapsed()
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auditor.toml"), config(dir.path())).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_apigw-auditor"))
        .args(["daemon", "--config"])
        .arg(dir.path().join("auditor.toml"))
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", &account)
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // Finding events and logs, as a container would ship them; nobody reads them here.
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the daemon starts");
    let pid = child.id();
    let status_path = dir.path().join("status.json");
    let started = Instant::now();
    let mut rss: Vec<u64> = Vec::new();
    let mut last: Value = Value::Null;
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
            let run = &status["last_run"];
            assert!(
                matches!(run["outcome"].as_str(), Some("ok" | "findings")),
                "{status:#}"
            );
            println!(
                "run {:>3}: RSS {:>7.1} MiB, {} ms, findings {}, skipped ticks {}",
                status["runs"],
                kib as f64 / 1024.0,
                run["duration_ms"],
                run["findings"],
                status["skipped_ticks"]
            );
            rss.push(kib);
            last = status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let peak = proc_kib(pid, "VmHWM:").unwrap_or(0);
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "the daemon stops cleanly");

    let (base, end) = (rss[warmup as usize - 1], *rss.last().unwrap());
    let growth = end as f64 / base as f64 - 1.0;
    println!(
        "RSS after run {warmup}: {:.1} MiB; after run {runs}: {:.1} MiB ({:+.1} %); \
         min {:.1}, max {:.1}, peak (VmHWM) {:.1} MiB; {:.0?} for {runs} runs",
        base as f64 / 1024.0,
        end as f64 / 1024.0,
        growth * 100.0,
        *rss.iter().min().unwrap() as f64 / 1024.0,
        *rss.iter().max().unwrap() as f64 / 1024.0,
        peak as f64 / 1024.0,
        started.elapsed()
    );
    assert!(
        growth <= tolerance,
        "RSS grew {:.1} % from run {warmup} to run {runs} (tolerance {:.0} %)",
        growth * 100.0,
        tolerance * 100.0
    );
    if is_bench {
        let result = json!({
            "apis": apis, "runs": runs, "warmup": warmup,
            "rss_kib_after_each_run": rss, "peak_rss_kib": peak,
            "growth_after_warmup_percent": growth * 100.0,
            "skipped_ticks": last["skipped_ticks"],
            "wall_ms": started.elapsed().as_millis() as u64,
        });
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&out).unwrap();
        let text = serde_json::to_string_pretty(&result).unwrap();
        std::fs::write(out.join("daemon_memory.json"), text).unwrap();
        println!("wrote target/bench/daemon_memory.json");
    }
}
