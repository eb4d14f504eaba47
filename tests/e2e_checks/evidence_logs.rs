//! The checks that read CloudWatch Logs: `execution-logging-disabled` (a stage's method
//! settings), `execution-log-errors` (failure lines in `API-Gateway-Execution-Logs_{api}/{stage}`,
//! counted per signature, with samples and probable causes) and `function-log-errors` (runtime
//! failures in `/aws/lambda/{function}`).
//!
//! ministack writes no execution logs and no function logs for these fleets: every scenario
//! writes the lines API Gateway and the runtimes write (docs/aws-facts.md §4, §5) with PutLogEvents
//! (`support::cloudwatch`). ministack's filter patterns are looser than AWS's: a quoted phrase
//! matches a line holding all of its words, in any order and any case (AWS: the exact phrase,
//! case-sensitive). No line here depends on that difference: every line holds a phrase exactly
//! or lacks at least one of its words.

use serde_json::json;

use crate::common::{function_with_alias, functions};
use crate::evidence_metrics::{
    alias_routes_without_permission, assert_has, assert_stage_fail, missing_permission, on_stage,
    served,
};
use crate::support::audit::{audit, findings, none, only};
use crate::support::cloudwatch::{
    customer_function_error, execution_line, healthy_execution_lines, healthy_function_lines,
    task_timed_out, Seeder, IMPORT_MODULE_ERROR, INVALID_PERMISSIONS, MALFORMED,
};
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

const DISABLED: &str = "execution-logging-disabled";
const EXECUTION: &str = "execution-log-errors";
const FUNCTION: &str = "function-log-errors";

/// API `pets` has prod (logging at ERROR, as the remediation sets it) and dev (never set); API
/// `orders` logs at INFO. One low finding: pets/dev, with the command that turns logging on.
#[tokio::test]
async fn execution_logging_disabled_names_the_stage_without_it() {
    let (account, sdk, fleet) = new_fleet().await;
    let arn = fleet.python_function("pets").await;
    let pets = served(&fleet, "pets", &[("/pets", &arn)], &["prod", "dev"]).await;
    let orders = served(&fleet, "orders", &[("/orders", &arn)], &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .enable_execution_logging(&pets.id, "prod", "ERROR")
        .await;
    seeder
        .enable_execution_logging(&orders.id, "prod", "INFO")
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, DISABLED);
    assert_stage_fail(f, &account, &pets, "dev");
    let fix = format!(
        "aws apigateway update-stage --rest-api-id {} --stage-name dev --patch-operations \
         'op=replace,path=/*/*/logging/loglevel,value=ERROR' --region us-east-1",
        pets.id
    );
    assert_has(
        f,
        json!({"severity": "low", "client_status": null, "remediation": fix,
               "evidence": {"logging_levels": {}}}),
    );
}

/// prod's execution log holds five customer function errors (the first longer than 300
/// characters) and one malformed proxy response among healthy requests' lines. One finding:
/// the two signatures, most frequent first, each with its count and at most three samples cut
/// to 300 characters; the client status is that of the most frequent (502). The route is
/// healthy (SAM's permission), so nothing is a probable cause.
#[tokio::test]
async fn execution_log_errors_counts_each_signature_with_samples() {
    let (account, sdk, fleet) = new_fleet().await;
    let arn = fleet.python_function("pets").await;
    let api = served(&fleet, "pets", &[("/pets", &arn)], &["prod"]).await;
    fleet.permit(&arn, None).sam(&api.id, "GET", "/pets").await;
    let seeder = Seeder::new(&sdk);
    seeder
        .enable_execution_logging(&api.id, "prod", "ERROR")
        .await;
    let key_error = format!("KeyError: '{}'", "x".repeat(320));
    let long = execution_line(1, &customer_function_error(&key_error));
    let mut lines = vec![long.clone()];
    for n in 2..=5 {
        lines.extend(healthy_execution_lines(n));
        let failed = customer_function_error("name 'db' is not defined");
        lines.push(execution_line(n, &failed));
    }
    let malformed = execution_line(6, MALFORMED);
    lines.push(malformed.clone());
    seeder.execution_log(&api.id, "prod", &lines).await;

    let report = audit(&sdk).await;
    let f = only(&report, EXECUTION);
    assert_stage_fail(f, &account, &api, "prod");
    // At most 300 characters, the last one an ellipsis.
    let cut = format!("{}…", long.chars().take(299).collect::<String>());
    let group = format!("API-Gateway-Execution-Logs_{}/prod", api.id);
    assert_has(
        f,
        json!({"severity": "high", "client_status": 502, "evidence": {
            "log_group": group, "probable_causes": [], "signatures": [
                {"signature": "customer function error", "count": 5, "capped": false,
                 "client_status": 502, "samples": [cut, lines[7], lines[14]]},
                {"signature": "Malformed Lambda proxy response", "count": 1, "capped": false,
                 "client_status": 502, "samples": [malformed]}]}}),
    );
    let said = "holds 6 failed integration lines";
    assert!(f.message.contains(said), "{}", f.message);
}

/// Both stages of the alias routes log `Invalid permissions on Lambda function`: each stage's
/// finding names its own alias's `invoke-permission-missing` as probable cause, not the other's.
#[tokio::test]
async fn execution_log_errors_link_the_missing_permission_of_their_stage() {
    let (account, sdk, fleet) = new_fleet().await;
    let api = alias_routes_without_permission(&fleet, &account).await;
    let seeder = Seeder::new(&sdk);
    let lines: Vec<String> = (1..=3)
        .map(|n| execution_line(n, INVALID_PERMISSIONS))
        .collect();
    for stage in ["prod", "dev"] {
        seeder
            .enable_execution_logging(&api.id, stage, "ERROR")
            .await;
        seeder.execution_log(&api.id, stage, &lines).await;
    }

    let report = audit(&sdk).await;
    assert_eq!(
        findings(&report, EXECUTION).len(),
        2,
        "{:#?}",
        report.findings
    );
    for (stage, alias) in [("prod", "live"), ("dev", "beta")] {
        let cause = missing_permission(&report, &account, alias, stage);
        let f = on_stage(&report, EXECUTION, &api.id, stage);
        assert_stage_fail(f, &account, &api, stage);
        let signature = json!({"signature": "Invalid permissions on Lambda function", "count": 3});
        assert_has(
            f,
            json!({"client_status": 500,
                   "evidence": {"signatures": [signature], "probable_causes": [cause]}}),
        );
    }
}

/// A stage with logging on whose log group does not exist yet (nothing logged): no finding and
/// no collection error.
#[tokio::test]
async fn execution_log_errors_without_a_log_group_is_quiet() {
    let (_, sdk, fleet) = new_fleet().await;
    let arn = fleet.python_function("pets").await;
    let api = served(&fleet, "pets", &[("/pets", &arn)], &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .enable_execution_logging(&api.id, "prod", "ERROR")
        .await;

    let report = audit(&sdk).await;
    none(&report, EXECUTION);
    none(&report, DISABLED);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

/// The route invokes alias `pets-get:live`; its function's log group (shared by every version
/// and alias) holds two import errors and one timeout among healthy invocations. `orders` logs
/// only healthy invocations. One finding, on the unqualified `pets-get`, naming the route.
#[tokio::test]
async fn function_log_errors_counts_runtime_failures() {
    let (account, sdk, fleet) = new_fleet().await;
    let alias = function_with_alias(&fleet, "pets-get", "live").await;
    let orders = functions(&fleet, &["orders"]).await;
    let routes = [("/pets/{id}", &*alias), ("/orders", &orders[0])];
    let api = served(&fleet, "shop", &routes, &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    let mut lines = healthy_function_lines(1);
    let import = IMPORT_MODULE_ERROR.to_string();
    lines.extend([import.clone(), import, task_timed_out(2)]);
    seeder.function_log("pets-get", &lines).await;
    seeder
        .function_log("orders", &healthy_function_lines(3))
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, FUNCTION);
    assert_has(
        f,
        json!({"status": "fail", "severity": "high", "client_status": 502,
               "function": function_arn(&account, "pets-get", None), "evidence": {
               "log_group": "/aws/lambda/pets-get",
               "routes": [format!("{} (shop) prod GET /pets/{{id}}", api.id)],
               "signatures": [
                   {"signature": "Runtime.ImportModuleError", "count": 2},
                   {"signature": "Task timed out", "count": 1, "samples": [lines[5]]}]}}),
    );
    assert_eq!(f.fingerprint, f.compute_fingerprint());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

/// Execution and function logs holding only the lines of requests that went well: no
/// signature matches, so neither log check fires.
#[tokio::test]
async fn unrelated_log_lines_match_nothing() {
    let (_, sdk, fleet) = new_fleet().await;
    let arn = fleet.python_function("pets").await;
    let api = served(&fleet, "pets", &[("/pets", &arn)], &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .enable_execution_logging(&api.id, "prod", "INFO")
        .await;
    let healthy = healthy_execution_lines(1);
    seeder.execution_log(&api.id, "prod", &healthy).await;
    seeder
        .function_log("pets", &healthy_function_lines(1))
        .await;

    let report = audit(&sdk).await;
    none(&report, EXECUTION);
    none(&report, FUNCTION);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}
