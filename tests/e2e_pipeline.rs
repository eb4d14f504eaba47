//! End-to-end tests of the whole pipeline against the emulator, through the real SDK: the JSON
//! report honours the contract of docs/report-format.md, the AWS calls stay at the lower bound, a denied
//! `lambda:GetPolicy` and sustained throttling (injected with microburst) leave a complete report,
//! a snapshot audits the same as the live account, and the built binary exits with the
//! documented codes for findings, a bad config and an unreachable endpoint.

mod support;

use std::collections::BTreeSet;
use std::process::Output;

use apigw_auditor::config::Config;
use apigw_auditor::report::{Report, Status};
use apigw_auditor::{run_audit_with, AuditSource};
use serde_json::{json, Value};

use support::emulator::{Emulator, Microburst};
use support::fleet::apigw::MethodOptions;
use support::fleet::{fn_zip, function_arn, Fleet, PYTHON_OK_HANDLER};
use support::{new_fleet, sdk_config, REGION};

/// What `small_fleet` built, for assertions.
struct SmallFleet {
    apis: usize,
    resources_per_api: usize,
    /// Distinct functions, aliases and versions the routes invoke.
    targets: usize,
    /// Distinct function names among them.
    functions: usize,
}

/// `apis` APIs, each with `methods` GET methods under `/items/{n}` (so `methods + 2` resources
/// with the root and `/items`) on stage `prod`. Every API uses the shared unqualified function
/// `shared` for its first method (healthy, Serverless-style permission) and its own alias
/// `fn-{i}:live` for the others; the permission for the alias is written only for odd APIs, so
/// even APIs produce `invoke-permission-missing` findings. `slow` (60 s timeout) is integrated
/// on the last API to produce a function-level finding that needs no policy.
async fn small_fleet(fleet: &Fleet, account: &str, apis: usize, methods: usize) -> SmallFleet {
    let shared = fleet.python_function("shared").await;
    let slow_zip = fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)]);
    let slow = fleet
        .create_function(
            "slow",
            "python3.12",
            "lambda_function.lambda_handler",
            slow_zip,
            60,
        )
        .await;
    for i in 0..apis {
        let function = format!("fn-{i}");
        fleet.python_function(&function).await;
        let version = fleet.publish_version(&function).await;
        fleet.create_alias(&function, "live", &version).await;
        let api = fleet.create_api(&format!("api-{i}")).await;
        for n in 0..methods {
            let target = if n == 0 {
                shared.clone()
            } else {
                function_arn(account, &function, Some("live"))
            };
            api.lambda_proxy_method(
                &format!("/items/{n}"),
                "GET",
                &target,
                MethodOptions::default(),
            )
            .await;
        }
        if i + 1 == apis {
            api.lambda_proxy_method("/slow", "GET", &slow, MethodOptions::default())
                .await;
            fleet.permit("slow", None).serverless(&api.id).await;
        }
        fleet.permit("shared", None).serverless(&api.id).await;
        if i % 2 == 1 {
            fleet
                .permit(&function, Some("live"))
                .serverless(&api.id)
                .await;
        }
        api.deploy("prod", &[]).await;
    }
    SmallFleet {
        apis,
        resources_per_api: methods + 2,
        targets: 1 + apis + 1,
        functions: apis + 2,
    }
}

fn config(page_size: i32) -> Config {
    let mut config = Config::default();
    config.scope.regions = vec![REGION.to_string()];
    config.collect.page_size = page_size;
    config
}

fn calls(report: &Report, operation: &str) -> u64 {
    report
        .summary
        .api_calls
        .get(operation)
        .copied()
        .unwrap_or(0)
}

fn div_ceil(a: usize, b: usize) -> u64 {
    a.div_ceil(b) as u64
}

#[tokio::test]
async fn aws_calls_stay_at_the_lower_bound() {
    let (account, sdk, fleet) = new_fleet().await;
    let built = small_fleet(&fleet, &account, 3, 3).await;
    for page_size in [500, 2] {
        let report = run_audit_with(&config(page_size), AuditSource::Live, Some(sdk.clone()))
            .await
            .unwrap();
        let page = page_size as usize;
        // The last API also has /slow: one more resource.
        let resources: u64 = (0..built.apis)
            .map(|i| {
                div_ceil(
                    built.resources_per_api + usize::from(i + 1 == built.apis),
                    page,
                )
            })
            .sum();
        let qualified_denials = (built.apis as u64).div_ceil(2); // even APIs: alias without permission
        let bound = [
            ("sts:GetCallerIdentity", 1),
            ("apigateway:GetRestApis", div_ceil(built.apis, page)),
            ("apigateway:GetResources", resources),
            ("apigateway:GetStages", built.apis as u64),
            ("apigateway:GetAuthorizers", built.apis as u64),
            // What each stage serves: one export per distinct deployment (one stage per API).
            ("apigateway:GetExport", built.apis as u64),
            // The fleet has no HTTP API: one empty page of GetApis (API Gateway v2).
            ("apigatewayv2:GetApis", 1),
            ("lambda:GetFunction", built.targets as u64),
            // One per distinct target, plus one read of the unqualified policy for each alias
            // whose own policy denies (to tell a permission on the wrong qualifier from none).
            ("lambda:GetPolicy", built.targets as u64 + qualified_denials),
            // Evidence: 2 series per stage (one stage per API) and 3 per target, 500 per call.
            (
                "cloudwatch:GetMetricData",
                (2 * built.apis + 3 * built.targets).div_ceil(500) as u64,
            ),
            // No stage writes execution logs, and no function has logged yet: one call per
            // function log group finds it missing and stops.
            ("logs:FilterLogEvents", built.functions as u64),
        ];
        for (operation, most) in bound {
            let made = calls(&report, operation);
            // The fleet is built so that the bound is reached exactly: no call is wasted.
            assert_eq!(
                made, most,
                "page size {page_size}: {operation} made {made}, bound {most}"
            );
        }
        assert_eq!(
            report
                .summary
                .api_calls
                .keys()
                .cloned()
                .collect::<BTreeSet<_>>(),
            bound
                .iter()
                .map(|(op, _)| op.to_string())
                .collect::<BTreeSet<_>>(),
            "no other operation is called"
        );
        assert_eq!(report.summary.apis, built.apis);
        assert_eq!(report.summary.functions, built.targets);
        assert_eq!(report.summary.routes, built.apis * 3 + 1);
        // Even APIs (0 and 2) have two alias routes each without permission.
        let missing: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.check == "invoke-permission-missing")
            .collect();
        assert_eq!(missing.len(), 4, "{missing:#?}");
        assert!(missing
            .iter()
            .all(|f| f.evidence["reason"] == "no-policy" && f.status == Status::Fail));
    }
}

#[tokio::test]
async fn access_denied_on_get_policy_becomes_error_findings_and_the_rest_completes() {
    let (account, _, fleet) = new_fleet().await;
    small_fleet(&fleet, &account, 2, 2).await;
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(json!([{
        "service": "lambda",
        "operation": "GetPolicy",
        "error": {"code": "AccessDeniedException", "status": 403,
                  "message": "User is not authorized to perform: lambda:GetPolicy"}
    }]));
    let sdk = sdk_config(proxy.endpoint_url(), &account).await;
    let report = run_audit_with(&config(500), AuditSource::Live, Some(sdk))
        .await
        .unwrap();

    // Every target's policy read failed and is listed, with its code.
    assert!(!report.errors.is_empty());
    assert!(report
        .errors
        .iter()
        .all(|e| e.operation == "lambda:GetPolicy"
            && e.code == "AccessDeniedException"
            && e.account == account));
    assert_eq!(report.summary.errors, report.errors.len());
    // The permission check could not judge any route: error findings, never a guess.
    let permission: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check == "invoke-permission-missing")
        .collect();
    assert_eq!(
        permission.len(),
        2 * 2 + 1,
        "every route, one finding each: {permission:#?}"
    );
    assert!(permission
        .iter()
        .all(|f| f.status == Status::Error && f.message.contains("AccessDeniedException")));
    // The rest of the audit went on: configuration checks still judged.
    assert!(report
        .findings
        .iter()
        .any(|f| f.check == "lambda-timeout-exceeds-integration" && f.status == Status::Fail));
    assert_eq!(report.summary.functions, 4);
    assert_eq!(
        proxy.fired().len() as u64,
        calls(&report, "lambda:GetPolicy")
    );
}

#[tokio::test]
async fn sustained_throttling_is_retried_without_losing_anything() {
    let (account, sdk, fleet) = new_fleet().await;
    small_fleet(&fleet, &account, 2, 2).await;
    let clean = run_audit_with(&config(500), AuditSource::Live, Some(sdk))
        .await
        .unwrap();

    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(json!([
        {"service": "lambda", "probability": 0.3,
         "error": {"code": "TooManyRequestsException", "status": 429, "message": "Rate exceeded"}},
        {"service": "apigateway", "probability": 0.3,
         "error": {"code": "TooManyRequestsException", "status": 429, "message": "Too Many Requests"}}
    ]));
    let throttled_sdk = sdk_config(proxy.endpoint_url(), &account).await;
    let throttled = run_audit_with(&config(500), AuditSource::Live, Some(throttled_sdk))
        .await
        .unwrap();

    let fired = proxy.fired().len() as u64;
    assert!(fired > 0, "the proxy throttled some calls");
    assert!(throttled.errors.is_empty(), "{:#?}", throttled.errors);
    // Every throttled attempt is reported, and was retried.
    let reported: u64 = throttled.summary.throttled.values().sum();
    assert_eq!(reported, fired, "{:#?}", throttled.summary);
    assert!(throttled.summary.retries.values().sum::<u64>() >= fired);
    assert!(throttled.summary.most_attempts >= 2);
    assert!(clean.summary.throttled.is_empty() && clean.summary.most_attempts == 1);
    let fingerprints = |r: &Report| {
        r.findings
            .iter()
            .map(|f| (f.fingerprint.clone(), f.stages.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(fingerprints(&throttled), fingerprints(&clean));
    // Retries are not counted as calls: the counters say what the audit needed.
    assert_eq!(throttled.summary.api_calls, clean.summary.api_calls);
}

// ---- the built binary ----

fn binary(account: &str, args: &[&str]) -> Output {
    binary_with_env(account, args, &[])
}

fn binary_with_env(account: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    support::binary::auditor(account)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

/// Checks a report against the JSON contract of docs/report-format.md: every field, with its type.
fn assert_report_contract(report: &Value) {
    assert_eq!(report["schema"], "apigw-auditor.report.v1");
    assert_eq!(report["tool"]["name"], "apigw-auditor");
    assert!(report["tool"]["version"].is_string());
    for key in ["id", "started_at", "finished_at"] {
        assert!(report["run"][key].is_string(), "run.{key}");
    }
    assert!(
        chrono::DateTime::parse_from_rfc3339(report["run"]["started_at"].as_str().unwrap()).is_ok()
    );
    assert!(matches!(
        report["run"]["source"].as_str(),
        Some("live" | "snapshot")
    ));
    for scope in report["scopes"].as_array().expect("scopes") {
        assert_eq!(scope["account"].as_str().unwrap().len(), 12);
        assert!(scope["region"].is_string());
    }
    let summary = &report["summary"];
    for key in ["apis", "stages", "routes", "functions", "errors"] {
        assert!(summary[key].is_u64(), "summary.{key}");
    }
    for key in ["high", "medium", "low", "info"] {
        assert!(summary["findings"][key].is_u64(), "summary.findings.{key}");
    }
    let api_calls = summary["api_calls"].as_object().expect("summary.api_calls");
    assert!(!api_calls.is_empty() && api_calls.values().all(Value::is_u64));
    assert!(
        api_calls.keys().all(|k| k.contains(':')),
        "service:Operation keys"
    );
    let mut by_severity = [0u64; 4];
    for finding in report["findings"].as_array().expect("findings") {
        for key in ["fingerprint", "check", "account", "region", "message"] {
            assert!(finding[key].is_string(), "finding.{key} in {finding}");
        }
        let severity = finding["severity"].as_str().unwrap();
        let index = ["high", "medium", "low", "info"]
            .iter()
            .position(|s| *s == severity)
            .expect("severity");
        by_severity[index] += 1;
        assert!(matches!(finding["status"].as_str(), Some("fail" | "error")));
        assert!(
            finding["api"].is_null()
                || (finding["api"]["id"].is_string() && finding["api"]["name"].is_string())
        );
        assert!(finding["stages"]
            .as_array()
            .is_some_and(|s| s.iter().all(Value::is_string)));
        assert!(
            finding["route"].is_null()
                || (finding["route"]["method"].is_string() && finding["route"]["path"].is_string())
        );
        assert!(
            finding["function"].is_null()
                || finding["function"]
                    .as_str()
                    .unwrap()
                    .starts_with("arn:aws:lambda:")
        );
        assert!(finding["authorizer"].is_null() || finding["authorizer"]["id"].is_string());
        assert!(finding["client_status"].is_null() || finding["client_status"].is_u64());
        assert!(finding["evidence"].is_object());
        assert!(finding["remediation"].is_null() || finding["remediation"].is_string());
        if finding["status"] == "fail" {
            assert!(
                finding["remediation"].is_string(),
                "every failing finding has a remediation: {finding}"
            );
        }
    }
    for (index, key) in ["high", "medium", "low", "info"].iter().enumerate() {
        assert_eq!(
            summary["findings"][key].as_u64().unwrap(),
            by_severity[index],
            "summary.findings.{key}"
        );
    }
    for error in report["errors"].as_array().expect("errors") {
        for key in [
            "account",
            "region",
            "operation",
            "resource",
            "code",
            "message",
        ] {
            assert!(error[key].is_string(), "error.{key}");
        }
    }
}

#[tokio::test]
async fn binary_writes_a_report_that_honours_the_contract_and_a_snapshot_that_audits_the_same() {
    let (account, _, fleet) = new_fleet().await;
    small_fleet(&fleet, &account, 2, 2).await;
    let endpoint = Emulator::shared().endpoint_url();

    let live = binary(
        &account,
        &["audit", "--endpoint-url", endpoint, "--format", "json"],
    );
    assert_eq!(
        live.status.code(),
        Some(1),
        "high findings exit 1; stderr: {}",
        String::from_utf8_lossy(&live.stderr)
    );
    let live_report: Value =
        serde_json::from_slice(&live.stdout).expect("stdout is one JSON object");
    assert_report_contract(&live_report);
    assert_eq!(
        live_report["scopes"],
        json!([{"account": account, "region": REGION}])
    );
    assert_eq!(live_report["run"]["source"], "live");

    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    let collected = binary(
        &account,
        &[
            "collect",
            "--endpoint-url",
            endpoint,
            "--out",
            snapshot.to_str().unwrap(),
        ],
    );
    assert_eq!(
        collected.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    let text = std::fs::read_to_string(&snapshot).unwrap();
    assert!(
        !text.contains("Location") && !text.contains("X-Amz-Signature"),
        "no presigned URL is stored"
    );

    let report_file = dir.path().join("report.json");
    let offline = binary(
        "000000000000",
        &[
            "audit",
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--format",
            "json",
            "--output",
            report_file.to_str().unwrap(),
        ],
    );
    assert_eq!(offline.status.code(), Some(1));
    let offline_report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_file).unwrap()).unwrap();
    assert_report_contract(&offline_report);
    assert_eq!(offline_report["run"]["source"], "snapshot");
    let fingerprints = |r: &Value| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(fingerprints(&offline_report), fingerprints(&live_report));
    assert!(
        String::from_utf8_lossy(&offline.stderr).contains("findings"),
        "summary line on stderr"
    );

    // JSON Lines: one finding per line, then the summary.
    let lines = binary(
        &account,
        &["audit", "--endpoint-url", endpoint, "--format", "jsonl"],
    );
    let parsed: Vec<Value> = String::from_utf8_lossy(&lines.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed.last().unwrap()["type"], "summary");
    assert_eq!(
        parsed.iter().filter(|l| l["type"] == "finding").count(),
        fingerprints(&live_report).len()
    );

    // --fail-on info still exits 1; the table ends with the summary line.
    let table = binary(
        &account,
        &["audit", "--endpoint-url", endpoint, "--fail-on", "info"],
    );
    assert_eq!(table.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .contains(" findings ("),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "no colour when piped");
}

#[tokio::test]
async fn a_clean_account_exits_zero() {
    let (account, _, fleet) = new_fleet().await;
    fleet.python_function("ok").await;
    let api = fleet.create_api("clean").await;
    let target = function_arn(&account, "ok", None);
    api.lambda_proxy_method("/ok", "GET", &target, MethodOptions::default())
        .await;
    fleet.permit("ok", None).sam(&api.id, "GET", "/ok").await;
    api.deploy("prod", &[]).await;
    // A clean stage also writes execution logs (else execution-logging-disabled).
    fleet
        .apigw
        .update_stage()
        .rest_api_id(&api.id)
        .stage_name("prod")
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/*/*/logging/loglevel")
                .value("ERROR")
                .build(),
        )
        .send()
        .await
        .expect("logging enabled on the stage");
    // AWS_ENDPOINT_URL (read by the SDK's configuration chain) instead of --endpoint-url.
    let output = binary_with_env(
        &account,
        &["audit"],
        &[("AWS_ENDPOINT_URL", Emulator::shared().endpoint_url())],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("No findings."), "{stdout}");
}

#[test]
fn a_bad_config_lists_every_problem_with_its_key_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.toml");
    std::fs::write(
        &path,
        "[collect]\npage-size = 900\nconcurency = 4\n\n[checks]\ndisable = [\"invoke-permision-missing\"]\n\n[scope]\nregions = [\"US-EAST-1\"]\n",
    )
    .unwrap();
    let output = binary(
        "123456789012",
        &["audit", "--config", path.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "collect.page-size",
        "collect.concurency",
        "concurrency",
        "checks.disable[0]",
        "invoke-permission-missing",
        "scope.regions[0]",
    ] {
        assert!(
            stderr.contains(expected),
            "`{expected}` missing from:\n{stderr}"
        );
    }
    assert!(output.stdout.is_empty(), "no report on a bad config");
}

#[test]
fn an_unreachable_endpoint_fails_the_run_with_exit_2() {
    // A port nothing listens on: bind one, note it, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    let output = binary("123456789012", &["audit", "--endpoint-url", &endpoint]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: cannot reach"), "{stderr}");
    assert!(
        stderr.contains(&endpoint) || stderr.contains("onnection refused"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "fails fast, took {:?}",
        started.elapsed()
    );
}

#[test]
fn unknown_check_in_explain_is_exit_2_with_a_suggestion() {
    let output = binary("123456789012", &["checks", "explain", "handler-invaild"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `handler-invalid`"));
    let explained = binary(
        "123456789012",
        &["checks", "explain", "invoke-permission-missing"],
    );
    assert_eq!(explained.status.code(), Some(0));
    let text = String::from_utf8_lossy(&explained.stdout);
    for heading in ["What it checks", "Why it breaks", "How to fix", "Limits"] {
        assert!(text.contains(heading), "{heading}");
    }
}
