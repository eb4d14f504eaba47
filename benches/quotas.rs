//! The quota benchmark: an account of N REST APIs (two stages each, on two deployments, three
//! Lambda routes per API over a pool of functions) and H HTTP APIs (three routes, an auto-deploy
//! `$default` stage; their v2 calls spend the same API Gateway account bucket) on the local
//! emulator, audited with the default configuration through a proxy that enforces AWS's published control-plane quotas
//! (`tests/support/quota_proxy.py`: token buckets per account and region, throttles in each
//! service's own protocol). For every run it reports the wall time, the quota bound — the least
//! time the account needs to admit the calls the run made, max over buckets of
//! (admitted - burst) / rate — their ratio, the calls sent and the calls throttled.
//!
//! `cargo bench --bench quotas` runs, in one account:
//! 1. the 100-API fleet with the default configuration: no call throttled, wall at most 1.05×
//!    the bound;
//! 2. the same with `collect.integrations = "current"` (no exports; `GetResources` binds);
//! 3. the same while another client spends half of the API Gateway account quota (5 calls/s):
//!    the findings of run 1, the throttles counted in `summary.throttled`, wall at most 1.2× the
//!    bound for the quota left;
//! 4. 200 more APIs (300 in all): no collection error, no call with more than 2 attempts.
//!
//! Sizes: `BENCH_APIS` (100), `BENCH_HTTP_APIS` (25), `BENCH_MORE_APIS` (200), `BENCH_FUNCTIONS`
//! (60). `BENCH_AUDITOR`
//! names another binary to measure (an older build, for a before/after comparison; the
//! assertions are then skipped). Results go to `target/bench/quotas.json`. `cargo test` runs a
//! smoke version (12 APIs, 3 HTTP APIs, 6 functions, runs 1 and 3) that checks only that nothing is
//! throttled on an idle account and that the competing client changes no finding.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{json, Value};
use support::emulator::Emulator;
use support::fleet::apigw::MethodOptions;
use support::fleet::{function_arn, Fleet};
use support::quota_proxy::QuotaProxy;
use support::{new_fleet, sdk_config, REGION};

/// APIs built at once.
const CHUNK: usize = 16;
/// Routes per API.
const ROUTES: usize = 3;
/// The API Gateway account quota (docs/aws-facts.md §7) and the competing client's share.
const APIGW_RATE: f64 = 10.0;
const APIGW_BURST: f64 = 40.0;
const COMPETITOR_RATE: f64 = 5.0;

/// API `i`: three GET routes to functions of the pool, deployed to `prod`, then deployed again
/// to `dev` (two deployments, so two exports). Every tenth API has no invoke permission: its
/// routes are findings.
async fn build_api(fleet: &Fleet, account: &str, i: usize, functions: usize) {
    let api = fleet.create_api(&format!("api-{i}")).await;
    let mut used = BTreeSet::new();
    for r in 0..ROUTES {
        let f = (i * ROUTES + r) % functions;
        used.insert(f);
        let target = function_arn(account, &format!("fn-{f}"), None);
        api.lambda_proxy_method(
            &format!("/res-{r}/{{id}}"),
            "GET",
            &target,
            MethodOptions::default(),
        )
        .await;
    }
    if i % 10 != 0 {
        for f in used {
            fleet
                .permit(&format!("fn-{f}"), None)
                .serverless(&api.id)
                .await;
        }
    }
    api.deploy("prod", &[]).await;
    api.deploy("dev", &[]).await;
}

/// HTTP API `i`: three GET routes to functions of the pool (one integration each, as CDK writes
/// them) on an auto-deploy `$default` stage, which serves the current configuration (no export).
/// Every tenth has no invoke permission.
async fn build_http_api(fleet: &Fleet, account: &str, i: usize, functions: usize) {
    let api = fleet.create_http_api(&format!("http-api-{i}")).await;
    let mut used = BTreeSet::new();
    for r in 0..ROUTES {
        let f = (i * ROUTES + r) % functions;
        used.insert(f);
        let target = function_arn(account, &format!("fn-{f}"), None);
        api.lambda_route(&format!("GET /res-{r}/{{id}}"), &target)
            .await;
    }
    if i % 10 != 0 {
        for f in used {
            fleet
                .permit(&format!("fn-{f}"), None)
                .serverless_http(&api.id)
                .await;
        }
    }
    api.auto_stage("$default", &[]).await;
}

async fn build(fleet: &Fleet, account: &str, apis: std::ops::Range<usize>, functions: usize) {
    let ids: Vec<usize> = apis.collect();
    for chunk in ids.chunks(CHUNK) {
        join_all(
            chunk
                .iter()
                .map(|&i| build_api(fleet, account, i, functions)),
        )
        .await;
    }
}

/// What one audit through the proxy gave.
struct Run {
    name: String,
    wall: Duration,
    report: Value,
    stats: Value,
    /// The competing client's calls admitted and throttled, when there was one.
    competitor: Option<(u64, u64)>,
}

impl Run {
    fn apigw_admitted(&self) -> f64 {
        self.stats["buckets"][format!("{REGION}/apigateway")]["admitted"]
            .as_f64()
            .unwrap_or(0.0)
    }

    /// The least time the account needed to admit the run's calls; with a competing client,
    /// for the quota it left (its calls taken out of the API Gateway bucket and its rate out of
    /// the quota).
    fn bound(&self) -> f64 {
        let mut bound = self.stats["quota_bound_seconds"].as_f64().unwrap_or(0.0);
        if let Some((admitted, _)) = self.competitor {
            let ours = self.apigw_admitted() - admitted as f64;
            let left = (ours - APIGW_BURST).max(0.0) / (APIGW_RATE - COMPETITOR_RATE);
            let others = self.stats["buckets"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(name, _)| *name != &format!("{REGION}/apigateway"))
                .filter_map(|(_, b)| b["least_seconds"].as_f64())
                .fold(0.0, f64::max);
            bound = left.max(others);
        }
        bound
    }

    fn throttled(&self) -> u64 {
        self.stats["throttled"].as_u64().unwrap_or(0)
            - self.competitor.map_or(0, |(_, throttled)| throttled)
    }

    fn sent(&self) -> u64 {
        self.stats["received"].as_u64().unwrap_or(0) - self.competitor.map_or(0, |(a, t)| a + t)
    }

    fn fingerprints(&self) -> BTreeSet<(String, String)> {
        self.report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| (f["fingerprint"].to_string(), f["stages"].to_string()))
            .collect()
    }

    fn line(&self) -> String {
        let bound = self.bound();
        let throttled_by_op: Vec<String> = self.stats["calls"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, c)| c["throttled"].as_u64() > Some(0))
            .map(|(op, c)| format!("{op} {} of {}", c["throttled"], c["received"]))
            .collect();
        format!(
            "{:<34} wall {:>6.1} s  bound {:>6.1} s ({})  wall/bound {:>5.2}  sent {:>5}  throttled {:>4}{}  errors {}  most attempts {}",
            self.name,
            self.wall.as_secs_f64(),
            bound,
            self.stats["binding"].as_str().unwrap_or("-"),
            self.wall.as_secs_f64() / bound.max(f64::MIN_POSITIVE),
            self.sent(),
            self.throttled(),
            if throttled_by_op.is_empty() {
                String::new()
            } else {
                format!(" ({})", throttled_by_op.join(", "))
            },
            self.report["errors"].as_array().map_or(0, Vec::len),
            self.report["summary"]["most_attempts"]
        )
    }

    fn json(&self) -> Value {
        json!({
            "name": self.name, "wall_s": self.wall.as_secs_f64(), "bound_s": self.bound(),
            "binding": self.stats["binding"], "sent": self.sent(), "throttled": self.throttled(),
            "errors": self.report["errors"].as_array().map_or(0, Vec::len),
            "summary": self.report["summary"], "proxy": self.stats,
            "competitor": self.competitor.map(|(a, t)| json!({"admitted": a, "throttled": t})),
        })
    }
}

/// The auditor to measure: the built one, or `BENCH_AUDITOR`.
fn auditor() -> String {
    std::env::var("BENCH_AUDITOR").unwrap_or_else(|_| env!("CARGO_BIN_EXE_apigw-auditor").into())
}

/// Audits `account` through `proxy` with `config` (TOML) and reads the proxy's counts.
fn audit(name: &str, proxy: &QuotaProxy, account: &str, config: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.toml");
    std::fs::write(&path, config).unwrap();
    let started = Instant::now();
    let output = Command::new(auditor())
        .args(["audit", "--format", "json", "--fail-on", "high", "--config"])
        .arg(&path)
        .args(["--endpoint-url", proxy.endpoint_url()])
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", account)
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("the binary runs");
    let wall = started.elapsed();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{name}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    Run {
        name: name.to_string(),
        wall,
        report,
        stats: proxy.stats(account),
        competitor: None,
    }
}

/// Another client of the account: one `GetRestApis` every 1/`COMPETITOR_RATE` s through the
/// proxy, no retries, until `stop`; counts what was admitted and throttled.
fn competitor(
    runtime: &tokio::runtime::Runtime,
    proxy: &QuotaProxy,
    account: &str,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(u64, u64)> {
    let endpoint = proxy.endpoint_url().to_string();
    let account = account.to_string();
    runtime.spawn(async move {
        let sdk = sdk_config(&endpoint, &account).await;
        let client = aws_sdk_apigateway::Client::from_conf(
            aws_sdk_apigateway::config::Builder::from(&sdk)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .build(),
        );
        let (admitted, throttled) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / COMPETITOR_RATE));
        let mut calls = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            let (client, admitted, throttled) =
                (client.clone(), admitted.clone(), throttled.clone());
            // Each call on its own task, so a slow answer does not slow the rate.
            calls.push(tokio::spawn(async move {
                match client.get_rest_apis().limit(1).send().await {
                    Ok(_) => admitted.fetch_add(1, Ordering::Relaxed),
                    Err(_) => throttled.fetch_add(1, Ordering::Relaxed),
                };
            }));
        }
        join_all(calls).await;
        (
            admitted.load(Ordering::Relaxed),
            throttled.load(Ordering::Relaxed),
        )
    })
}

async fn warm_up(proxy: &QuotaProxy) {
    let sdk = sdk_config(proxy.endpoint_url(), &support::new_account()).await;
    let _ = aws_sdk_sts::Client::new(&sdk)
        .get_caller_identity()
        .send()
        .await;
    let _ = aws_sdk_apigateway::Client::new(&sdk)
        .get_rest_apis()
        .send()
        .await;
    let _ = aws_sdk_apigatewayv2::Client::new(&sdk)
        .get_apis()
        .send()
        .await;
    let _ = aws_sdk_lambda::Client::new(&sdk)
        .get_policy()
        .function_name("warm-up")
        .send()
        .await;
    let _ = aws_sdk_cloudwatch::Client::new(&sdk)
        .get_metric_data()
        .send()
        .await;
    let _ = aws_sdk_cloudwatchlogs::Client::new(&sdk)
        .filter_log_events()
        .log_group_name("warm-up")
        .send()
        .await;
}

fn config(integrations: &str) -> String {
    format!("[scope]\nregions = [\"{REGION}\"]\n[collect]\nintegrations = \"{integrations}\"\n")
}

fn main() {
    let is_bench = std::env::args().any(|a| a == "--bench");
    let apis = support::bench_size("BENCH_APIS", 100, 12, is_bench);
    let http_apis = support::bench_size("BENCH_HTTP_APIS", 25, 3, is_bench);
    let more = support::bench_size("BENCH_MORE_APIS", 200, 0, is_bench);
    let functions = support::bench_size("BENCH_FUNCTIONS", 60, 6, is_bench).max(1);
    let checked = std::env::var("BENCH_AUDITOR").is_err();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");

    let built = Instant::now();
    let (account, fleet) = runtime.block_on(async {
        let (account, _, fleet) = new_fleet().await;
        let names: Vec<String> = (0..functions).map(|f| format!("fn-{f}")).collect();
        for chunk in names.chunks(CHUNK) {
            join_all(chunk.iter().map(|name| fleet.python_function(name))).await;
        }
        build(&fleet, &account, 0..apis, functions).await;
        for chunk in (0..http_apis).collect::<Vec<_>>().chunks(CHUNK) {
            join_all(
                chunk
                    .iter()
                    .map(|&i| build_http_api(&fleet, &account, i, functions)),
            )
            .await;
        }
        (account, fleet)
    });
    println!(
        "fleet: {apis} APIs x 2 stages x {ROUTES} routes, {http_apis} HTTP APIs x {ROUTES} routes, {functions} functions, built in {:.1?}; auditor {}",
        built.elapsed(),
        auditor()
    );
    let proxy = QuotaProxy::start(Emulator::shared().endpoint_url());
    // The proxy reads each service's model on its first request, which takes seconds: one call
    // of each service now, in another account, so the runs measure the auditor.
    runtime.block_on(warm_up(&proxy));
    let mut runs = Vec::new();
    let settle = || std::thread::sleep(Duration::from_secs(5));

    let default = audit(
        &format!("{apis}+{http_apis} HTTP APIs, default"),
        &proxy,
        &account,
        &config("deployed"),
    );
    println!("{}", default.line());
    if checked {
        assert_eq!(default.throttled(), 0, "{}", default.line());
        if is_bench {
            assert!(
                default.wall.as_secs_f64() <= 1.05 * default.bound(),
                "{}",
                default.line()
            );
        }
    }
    proxy.reset();
    settle();

    if is_bench {
        let current = audit(
            &format!("{apis}+{http_apis} HTTP APIs, current"),
            &proxy,
            &account,
            &config("current"),
        );
        println!("{}", current.line());
        if checked {
            assert_eq!(current.throttled(), 0, "{}", current.line());
        }
        runs.push(current);
        proxy.reset();
        settle();
    }

    let stop = Arc::new(AtomicBool::new(false));
    let other = competitor(&runtime, &proxy, &account, stop.clone());
    std::thread::sleep(Duration::from_secs(2));
    let mut busy = audit(
        &format!("{apis}+{http_apis} HTTP APIs, competing client"),
        &proxy,
        &account,
        &config("deployed"),
    );
    stop.store(true, Ordering::Relaxed);
    busy.competitor = Some(runtime.block_on(other).unwrap());
    println!(
        "{} (competitor: {:?} admitted, throttled)",
        busy.line(),
        busy.competitor.unwrap()
    );
    if checked {
        assert_eq!(
            busy.fingerprints(),
            default.fingerprints(),
            "the findings of a clean run"
        );
        assert!(busy.report["errors"].as_array().is_some_and(Vec::is_empty));
        let reported: u64 = busy.report["summary"]["throttled"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, n)| n.as_u64())
            .sum();
        assert_eq!(
            reported,
            busy.throttled(),
            "summary.throttled counts every throttle"
        );
        if is_bench {
            assert!(
                busy.wall.as_secs_f64() <= 1.2 * busy.bound(),
                "{}",
                busy.line()
            );
        }
    }
    runs.push(default);
    runs.push(busy);
    proxy.reset();

    if more > 0 {
        runtime.block_on(build(&fleet, &account, apis..apis + more, functions));
        settle();
        let big = audit(
            &format!("{}+{http_apis} HTTP APIs, default", apis + more),
            &proxy,
            &account,
            &config("deployed"),
        );
        println!("{}", big.line());
        if checked {
            assert!(
                big.report["errors"].as_array().is_some_and(Vec::is_empty),
                "{}",
                big.line()
            );
            assert!(
                big.report["summary"]["most_attempts"].as_u64() <= Some(2),
                "{}",
                big.line()
            );
        }
        runs.push(big);
    }

    if is_bench {
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&out).unwrap();
        let result = json!({
            "apis": apis, "http_apis": http_apis, "more_apis": more, "functions": functions,
            "auditor": auditor(),
            "runs": runs.iter().map(Run::json).collect::<Vec<_>>(),
        });
        std::fs::write(
            out.join("quotas.json"),
            serde_json::to_string_pretty(&result).unwrap(),
        )
        .unwrap();
        println!("wrote target/bench/quotas.json");
    }
}
