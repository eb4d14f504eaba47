//! The fleet benchmark: builds an account of N REST APIs and H HTTP APIs with R Lambda routes
//! each on the local emulator, audits it with the built binary, and reports the AWS calls per
//! operation against the lower bound, the wall time and the binary's peak memory.
//!
//! `cargo bench --bench fleet` runs the full size (APIS, HTTP_APIS, ROUTES, FUNCTIONS below, or
//! the `BENCH_APIS`, `BENCH_HTTP_APIS`, `BENCH_ROUTES`, `BENCH_FUNCTIONS` environment variables)
//! and writes
//! `target/bench/fleet.json`; `cargo test` runs it once at a small size as a smoke test. Wall
//! time is dominated by the client-side rate limits (GetResources: 5 per 2 s per account), which
//! is the point: the auditor paces itself to AWS's quotas.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::emulator::Emulator;
use support::fleet::apigw::MethodOptions;
use support::fleet::function_arn;
use support::{new_fleet, REGION};

/// The access-log format of the HTTP API stages: it shows integration errors.
const ACCESS_FORMAT: &str =
    "$context.requestId $context.routeKey $context.status $context.integrationErrorMessage";

/// Peak resident memory (VmHWM) of a running process, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let is_bench = std::env::args().any(|a| a == "--bench");
    let apis = support::bench_size("BENCH_APIS", 20, 2, is_bench);
    let http_apis = support::bench_size("BENCH_HTTP_APIS", 20, 2, is_bench);
    let routes = support::bench_size("BENCH_ROUTES", 25, 3, is_bench);
    let functions = support::bench_size("BENCH_FUNCTIONS", 10, 2, is_bench).max(1);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");

    let built = Instant::now();
    let account = runtime.block_on(async {
        let (account, _, fleet) = new_fleet().await;
        let access_log = format!("arn:aws:logs:{REGION}:{account}:log-group:/aws/apigateway/fleet");
        for f in 0..functions {
            let name = format!("fn-{f}");
            fleet.python_function(&name).await;
            let version = fleet.publish_version(&name).await;
            fleet.create_alias(&name, "live", &version).await;
        }
        for a in 0..apis {
            let api = fleet.create_api(&format!("api-{a}")).await;
            for r in 0..routes {
                let target = function_arn(
                    &account,
                    &format!("fn-{}", (a + r) % functions),
                    Some("live"),
                );
                api.lambda_proxy_method(
                    &format!("/res-{r}/{{id}}"),
                    "GET",
                    &target,
                    MethodOptions::default(),
                )
                .await;
            }
            for f in 0..functions {
                fleet
                    .permit(&format!("fn-{f}"), Some("live"))
                    .serverless(&api.id)
                    .await;
            }
            api.deploy("prod", &[]).await;
        }
        // HTTP APIs as CDK builds them: one integration per route (bare function ARN, payload
        // 2.0), an auto-deploy `$default` stage, the Serverless Framework's `{api}/*` permission.
        for a in 0..http_apis {
            let api = fleet.create_http_api(&format!("http-api-{a}")).await;
            for r in 0..routes {
                let target = function_arn(
                    &account,
                    &format!("fn-{}", (a + r) % functions),
                    Some("live"),
                );
                api.lambda_route(&format!("GET /res-{r}/{{id}}"), &target)
                    .await;
            }
            api.stage("$default", true, &[], Some((&access_log, ACCESS_FORMAT)))
                .await;
            for f in 0..functions {
                fleet
                    .permit(&format!("fn-{f}"), Some("live"))
                    .serverless_http(&api.id)
                    .await;
            }
        }
        account
    });
    let build_time = built.elapsed();

    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_apigw-auditor"))
        .args([
            "audit",
            "--format",
            "json",
            "--fail-on",
            "high",
            "--endpoint-url",
            Emulator::shared().endpoint_url(),
        ])
        .env("AWS_ACCESS_KEY_ID", &account)
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let pid = child.id();
    let mut peak = 0;
    let stdout = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        (child.wait().unwrap(), out)
    });
    while !stdout.is_finished() {
        peak = peak.max(peak_kib(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(10));
    }
    let (status, out) = stdout.join().unwrap();
    let wall = started.elapsed();
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "the audit ran: {status}"
    );
    let report: Value = serde_json::from_slice(&out).expect("a JSON report");

    // The lower bound of docs/architecture.md: 1 page of APIs per 500, ceil(R/500) pages of resources per
    // API, one GetStages and GetAuthorizers per API, one GetExport per API (one deployed stage),
    // one GetFunction and GetPolicy per distinct target, one identity call. HTTP APIs: one
    // GetApis page (the default page size sends no `maxResults`, and the emulator answers every
    // API in one page), then one page each of routes, integrations, stages and authorizers per
    // API, and no ExportApi (auto-deploy). Evidence: 2 series per stage (one per API) and 3 per
    // target, 500 per GetMetricData; no function has logged yet, so one FilterLogEvents per
    // function log group finds it missing, and one more for the access-log group every HTTP
    // stage shares (searched once). No other call may be made.
    // The root, then /res-N and /res-N/{id} per route.
    let resources_per_api = 1 + routes * 2;
    let bound: BTreeMap<&str, u64> = [
        ("sts:GetCallerIdentity", 1),
        ("apigateway:GetRestApis", apis.div_ceil(500) as u64),
        (
            "apigateway:GetResources",
            (apis * resources_per_api.div_ceil(500)) as u64,
        ),
        ("apigateway:GetStages", apis as u64),
        ("apigateway:GetAuthorizers", apis as u64),
        ("apigateway:GetExport", apis as u64),
        ("apigatewayv2:GetApis", 1),
        ("apigatewayv2:GetRoutes", http_apis as u64),
        ("apigatewayv2:GetIntegrations", http_apis as u64),
        ("apigatewayv2:GetStages", http_apis as u64),
        ("apigatewayv2:GetAuthorizers", http_apis as u64),
        ("apigatewayv2:ExportApi", 0),
        (
            "lambda:GetFunction",
            functions.min((apis + http_apis) * routes) as u64,
        ),
        (
            "lambda:GetPolicy",
            functions.min((apis + http_apis) * routes) as u64,
        ),
        (
            "cloudwatch:GetMetricData",
            (2 * (apis + http_apis) + 3 * functions.min((apis + http_apis) * routes)).div_ceil(500)
                as u64,
        ),
        (
            "logs:FilterLogEvents",
            (functions + usize::from(http_apis > 0)) as u64,
        ),
    ]
    .into();
    let calls = report["summary"]["api_calls"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    println!("fleet: {apis} REST APIs and {http_apis} HTTP APIs x {routes} routes, {functions} aliased functions (built in {build_time:.1?})");
    println!("{:<28} {:>7} {:>7}", "operation", "calls", "bound");
    for (operation, most) in &bound {
        let made = calls.get(*operation).and_then(Value::as_u64).unwrap_or(0);
        println!("{operation:<28} {made:>7} {most:>7}");
        // Equal, not just at most: a call missing means a part of the fleet was not read.
        assert_eq!(
            made, *most,
            "{operation}: {made} calls, the lower bound is {most}"
        );
    }
    let unexpected: Vec<&String> = calls
        .keys()
        .filter(|op| !bound.contains_key(op.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "calls outside the bound: {unexpected:?}"
    );
    println!(
        "wall time {wall:.2?}, peak memory {:.1} MiB, findings {}",
        peak as f64 / 1024.0,
        report["findings"].as_array().map_or(0, Vec::len)
    );

    if is_bench {
        let result = json!({
            "apis": apis, "http_apis": http_apis, "routes_per_api": routes, "functions": functions,
            "api_calls": calls, "lower_bound": bound,
            "wall_ms": wall.as_millis() as u64, "peak_rss_kib": peak,
        });
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("fleet.json"),
            serde_json::to_string_pretty(&result).unwrap(),
        )
        .unwrap();
        println!("wrote target/bench/fleet.json");
    }
}
