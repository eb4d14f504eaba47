//! The opt-in probe, `proxy-response-malformed`: real Python and Node.js handlers on the emulator
//! answer a correct response, a dict body, an extra key, a string statusCode of digits, a
//! non-numeric statusCode, a bare string, an exception, and a sleep past the probe's timeout; the
//! auditor invokes each GET route once with a proxy event and judges the answers by docs/aws-facts.md §4.
//! The same account audited with the probe off makes no Invoke call and reports nothing; a POST
//! route is invoked only when `[probe] methods` lists POST. Through the built binary, only
//! `--probe` invokes, and `collect --probe` keeps the verdict (not the payload) in the snapshot.
//!
//! ministack runs the handlers for real but reports every unhandled exception as
//! `Runtime.HandlerError` (AWS: the exception's class, `KeyError`, `TypeError`), so the error type
//! assertion accepts either.

use apigw_auditor::report::{Severity, Status};

use crate::common::{assert_api, assert_fail, calls, on, probe_config, route};
use crate::support::audit::{audit, audit_with, findings, none};
use crate::support::fleet::apigw::{ApiHandle, MethodOptions};
use crate::support::fleet::Fleet;
use crate::support::new_fleet;

const CHECK: &str = "proxy-response-malformed";

/// Builds the account: one API, two stages, a route per handler.
async fn build(fleet: &Fleet) -> ApiHandle {
    // `extra-key` is reached through its alias, not its unqualified ARN.
    let (ok, dict_body, _, digits, text_status, bare, raises, slow, echo, write) = tokio::join!(
        fleet.python_function("ok"),
        fleet.node_handler(
            "dict-body",
            "exports.handler = async () => ({ statusCode: 200, body: { ok: true } });\n",
        ),
        fleet.python_handler(
            "extra-key",
            "def lambda_handler(event, context):\n    \
             return {'statusCode': 200, 'body': 'hi', 'cookies': ['a=b']}\n",
            3,
        ),
        fleet.python_handler(
            "digits",
            "def lambda_handler(event, context):\n    \
             return {'statusCode': '201', 'body': 'created'}\n",
            3,
        ),
        fleet.node_handler(
            "text-status",
            "exports.handler = async () => ({ statusCode: 'OK', body: 'fine' });\n",
        ),
        fleet.python_handler(
            "bare",
            "def lambda_handler(event, context):\n    return 'justAString'\n",
            3,
        ),
        fleet.python_handler(
            "raises",
            "def lambda_handler(event, context):\n    \
             raise KeyError('missing id ' + event['path'])\n",
            3,
        ),
        fleet.python_handler(
            "slow",
            "import time\n\ndef lambda_handler(event, context):\n    \
             time.sleep(20)\n    return {'statusCode': 200, 'body': 'late'}\n",
            25,
        ),
        // Echoes what the event carried, in a dict body (itself malformed), so the finding's
        // offending part shows the event the function received.
        fleet.node_handler(
            "echo",
            "exports.handler = async (e) => ({ statusCode: 200, body: { method: e.httpMethod, \
             path: e.path, resource: e.resource, id: e.pathParameters.id, stage: \
             e.requestContext.stage, api: e.requestContext.apiId, agent: e.headers['user-agent'] \
             } });\n",
        ),
        // Would fail loudly if called: the probe must leave POST alone unless told otherwise.
        fleet.python_handler(
            "write",
            "def lambda_handler(event, context):\n    raise RuntimeError('POST must not be probed')\n",
            3,
        ),
    );
    let version = fleet.publish_version("extra-key").await;
    let alias = fleet.create_alias("extra-key", "live", &version).await;

    let api = fleet.create_api("probed").await;
    let routes: [(&str, &str, &str); 10] = [
        ("GET", "/ok", &ok),
        ("GET", "/dict-body", &dict_body),
        ("GET", "/extra-key", &alias),
        ("GET", "/digits", &digits),
        ("GET", "/text-status", &text_status),
        ("GET", "/bare", &bare),
        ("GET", "/raises", &raises),
        ("GET", "/slow", &slow),
        ("ANY", "/pets/{id}", &echo),
        ("POST", "/write", &write),
    ];
    for (verb, path, target) in routes {
        api.lambda_proxy_method(path, verb, target, MethodOptions::default())
            .await;
    }
    let deployment = api.deploy("prod", &[]).await;
    api.stage("dev", &deployment, &[]).await;
    api
}

#[tokio::test]
async fn probe_judges_real_handlers_by_the_acceptance_table() {
    let (account, sdk, fleet) = new_fleet().await;
    let api = build(&fleet).await;

    // 8 s per invocation: far above a cold start on a loaded 2-core machine (ministack starts a
    // worker per function), far below `slow`'s 20 s sleep.
    let report = audit_with(&probe_config(8), &sdk).await;
    // Every GET route once (the two stages share one invocation), ANY as GET, never POST.
    assert_eq!(
        calls(&report, "lambda:Invoke"),
        9,
        "{:?}",
        report.summary.api_calls
    );
    let found = findings(&report, CHECK);
    assert_eq!(found.len(), 7, "{found:#?}");
    for finding in &found {
        assert_api(finding, &api);
        assert_eq!(finding.stages, ["dev", "prod"], "{finding:#?}");
    }
    // A correct response and a statusCode of digits are accepted; POST was not called.
    for quiet in ["/ok", "/digits", "/write"] {
        assert!(
            found.iter().all(|f| route(f).1 != quiet),
            "{quiet}: {found:#?}"
        );
    }

    let rule_of = |path: &str| -> (String, String) {
        let f = on(&found, path);
        assert_fail(f, &account, Severity::High, Some(502));
        (
            f.evidence["rule"].as_str().unwrap_or_default().to_string(),
            f.evidence["violations"][0]["detail"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    assert_eq!(
        rule_of("/dict-body"),
        ("body-not-string".into(), r#""body": {"ok":true}"#.into())
    );
    assert_eq!(
        rule_of("/extra-key"),
        ("unknown-key".into(), r#""cookies": ["a=b"]"#.into())
    );
    assert_eq!(
        rule_of("/text-status"),
        (
            "status-code-not-integer".into(),
            r#""statusCode": "OK""#.into()
        )
    );
    assert_eq!(
        rule_of("/bare"),
        ("not-an-object".into(), r#""justAString""#.into())
    );

    // The alias was invoked, not the function.
    let extra = on(&found, "/extra-key");
    assert_eq!(
        extra.function.as_deref(),
        Some(format!("arn:aws:lambda:us-east-1:{account}:function:extra-key:live").as_str())
    );
    assert!(
        extra.remediation.as_deref().is_some_and(|r| r.starts_with(
            "aws lambda invoke --function-name extra-key --region us-east-1 --qualifier live"
        )),
        "{extra:#?}"
    );

    // The exception: a function error with its type and message.
    let raised = on(&found, "/raises");
    assert_fail(raised, &account, Severity::High, Some(502));
    assert_eq!(raised.evidence["rule"], "function-error");
    let error_type = raised.evidence["error_type"].as_str().unwrap_or_default();
    assert!(
        ["KeyError", "Runtime.HandlerError"].contains(&error_type),
        "{raised:#?}"
    );
    assert!(
        raised.evidence["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("missing id /raises")),
        "{raised:#?}"
    );

    // The event as the function saw it: GET for ANY, the path filled, the first stage.
    let echo = on(&found, "/pets/{id}");
    assert_eq!(route(echo), ("ANY", "/pets/{id}"));
    assert_eq!(echo.evidence["probe"]["method"], "GET");
    assert_eq!(echo.evidence["probe"]["path"], "/pets/1");
    let seen = echo.evidence["violations"][0]["detail"]
        .as_str()
        .unwrap_or_default();
    for part in [
        r#""method":"GET""#,
        r#""path":"/pets/1""#,
        r#""resource":"/pets/{id}""#,
        r#""id":"1""#,
        r#""stage":"dev""#,
        &format!(r#""api":"{}""#, api.id),
        r#""agent":"apigw-auditor-probe/"#,
    ] {
        assert!(seen.contains(part), "{part} not in {seen}");
    }

    // Past the probe's timeout: not judged, an error naming the call.
    let slow = on(&found, "/slow");
    assert_eq!(slow.status, Status::Error, "{slow:#?}");
    assert_eq!(slow.evidence["operation"], "lambda:Invoke");
    assert_eq!(slow.evidence["code"], "ProbeTimeout");
    assert!(report.errors.iter().any(|e| e.code == "ProbeTimeout"));

    // The probe off (the default): no Invoke call at all, no finding.
    let off = audit(&sdk).await;
    assert_eq!(
        calls(&off, "lambda:Invoke"),
        0,
        "{:?}",
        off.summary.api_calls
    );
    none(&off, CHECK);

    // POST only when listed; ANY takes the first listed verb; the cap stops after one (routes in
    // path order: /pets/{id} before /write).
    let mut post = probe_config(8);
    post.probe.methods = vec!["POST".to_string()];
    post.probe.max_targets = 1;
    let report = audit_with(&post, &sdk).await;
    assert_eq!(
        calls(&report, "lambda:Invoke"),
        1,
        "{:?}",
        report.summary.api_calls
    );
    let found = findings(&report, CHECK);
    let echo = on(&found, "/pets/{id}");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(echo.evidence["probe"]["method"], "POST");

    // Route patterns select by API name and path: only /write, now as POST, which raises.
    post.probe.routes = vec!["probed /write".to_string()];
    let report = audit_with(&post, &sdk).await;
    let found = findings(&report, CHECK);
    let write = on(&found, "/write");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(write.evidence["rule"], "function-error");
}

/// The built binary: `audit` alone never invokes; `audit --probe` does and exits 1 on the
/// finding; `collect --probe` keeps the verdict (not the payload) in the snapshot, and `audit
/// --snapshot` reports it with no AWS at all.
#[tokio::test]
async fn the_binary_probes_only_with_the_flag_and_snapshots_keep_the_verdict() {
    let (account, _sdk, fleet) = new_fleet().await;
    let function = fleet.node_handler(
        "leaky",
        "exports.handler = async () => ({ statusCode: 200, body: { secret: 'x'.repeat(1000) } });\n",
    )
    .await;
    let api = fleet.create_api("binary-probe").await;
    api.lambda_proxy_method("/items", "GET", &function, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    let endpoint = crate::support::emulator::Emulator::shared().endpoint_url();
    let run = |command: &str, args: &[&str]| {
        crate::support::binary::auditor(&account)
            .arg(command)
            .args(["--region", "us-east-1", "--endpoint-url", endpoint])
            .args(args)
            .output()
            .expect("the binary runs")
    };
    let report = |output: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "not a JSON report ({e}): {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
    };
    let probe_findings = |report: &serde_json::Value| -> Vec<serde_json::Value> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == CHECK)
            .cloned()
            .collect()
    };

    let plain = report(&run("audit", &["--format", "json"]));
    assert!(plain["summary"]["api_calls"].get("lambda:Invoke").is_none());
    assert!(probe_findings(&plain).is_empty());

    let probed = run("audit", &["--format", "json", "--probe"]);
    assert_eq!(probed.status.code(), Some(1), "a high finding exits 1");
    let probed = report(&probed);
    assert_eq!(probed["summary"]["api_calls"]["lambda:Invoke"], 1);
    let found = probe_findings(&probed);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["evidence"]["rule"], "body-not-string");
    let detail = found[0]["evidence"]["violations"][0]["detail"]
        .as_str()
        .unwrap();
    assert_eq!(detail.chars().count(), 300, "cut to 300 characters");

    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    let snapshot_arg = snapshot.to_str().unwrap();
    let collected = run("collect", &["--probe", "--out", snapshot_arg]);
    assert!(
        collected.status.success(),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    let text = std::fs::read_to_string(&snapshot).unwrap();
    // The verdict is kept, the payload is not: only the 300-character cut of the body.
    assert!(text.contains("\"kind\": \"rejected\""), "{text}");
    assert!(
        !text.contains(&"x".repeat(300)),
        "more of the payload than the cut"
    );
    let offline = crate::support::binary::auditor(&account)
        .args(["audit", "--snapshot", snapshot_arg, "--format", "json"])
        .output()
        .unwrap();
    let offline = report(&offline);
    assert_eq!(probe_findings(&offline), found);
    assert_eq!(offline["run"]["source"], "snapshot");
}
