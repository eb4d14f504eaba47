//! `lambda-error-rate`: an integrated function (or alias, or version) that failed or was
//! throttled in the evidence window, measured with its `AWS/Lambda` metrics.

use serde_json::json;

use crate::arn::FunctionArn;
use crate::checks::shared::evidence::{
    filter_log_events, gateway_answers, one_decimal, percent, rate_percent, thousands, whole,
    window_json, window_phrase,
};
use crate::checks::shared::{function_args, sh};
use crate::checks::shared::{base_finding, error_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::config::{SettingKind, SettingSpec};
use crate::routes::ScopeRoutes;
use crate::inventory::evidence::{FunctionMetrics, MetricSums, Window};
use crate::inventory::{Lookup, ScopeInventory};
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("lambda-error-rate"),
    title: "Integrated function fails or is throttled",
    severity: Severity::Medium,
    resource: ResourceKind::Function,
    client_status: Some(502),
    checks: "For every function, alias or version an API route or authorizer invokes, reads \
             `Errors`, `Invocations` and `Throttles` (Sum) of `AWS/Lambda` over the evidence \
             window (`FunctionName`, or `Resource` = `name:qualifier` for an alias or version). \
             Fires when the function was invoked at least `lambda_min_invocations` times (20 by \
             default) and Errors/Invocations is above `lambda_error_threshold_percent` \
             (5 % by default), or when it was throttled at all.",
    why: "A function error (an unhandled exception, a crash, `Task timed out`) makes API \
          Gateway answer 502 Bad Gateway (docs/aws-facts.md §4); an HTTP API answers 500 \
          Internal Server Error (§12.3), which the finding reports when only HTTP APIs invoke \
          the function. A throttled call (429: reserved or \
          account concurrency exhausted) becomes 500 Internal server error (§8), and \
          throttled requests count as neither Invocations nor Errors, so any throttle counts. \
          A finding with throttles and no error rate reports `client_status` 500.",
    fix: "Errors: read the function's log for the window (the remediation command; \
          `function-log-errors` counts the known failure lines) and fix the code, package or \
          timeout. Throttles: look at the function's reserved concurrency and the account's \
          unreserved concurrency; remove or raise the reservation (`aws lambda \
          delete-function-concurrency` / `put-function-concurrency`), or ask for a higher \
          concurrent-executions quota.",
    limits: "Errors include those of callers other than API Gateway (other triggers, tests) when \
             they invoke the same function or alias. The numbers cover the window only. Metrics \
             that could not be read give an `error` finding; a target with no data gives \
             nothing.",
    input: Input::Metrics,
    role: Role::Evidence,
    settings: &[THRESHOLD_PERCENT, MIN_INVOCATIONS],
    explains: &[],
    run,
};

const THRESHOLD_PERCENT: SettingSpec = SettingSpec {
    key: "threshold-percent",
    doc: "Report an integrated function whose Errors are above this percentage of its \
          Invocations over the window (any throttle is reported whatever the rate: API Gateway \
          answers a throttled invocation with a 500, and throttles count as neither Invocations \
          nor Errors)",
    kind: SettingKind::Percent { default: 5.0 },
};

const MIN_INVOCATIONS: SettingSpec = SettingSpec {
    key: "min-invocations",
    doc: "...provided the function was invoked at least this many times in the window",
    kind: SettingKind::Integer {
        default: 20,
        min: 0,
        max: i64::MAX,
    },
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        let Some(evidence) = &scope.evidence else {
            continue;
        };
        for metrics in &evidence.function_metrics {
            let finding = match &metrics.sums {
                Lookup::Found(sums) => judge(ctx, scope_routes, &evidence.window, metrics, sums),
                Lookup::Missing => None,
                Lookup::Failed(error) => {
                    Some(error_finding(&CHECK, scope, error, &short(metrics)))
                }
            };
            let Some(mut finding) = finding else {
                continue;
            };
            let routes = scope_routes
                .reached
                .iter()
                .find(|r| r.target.arn == metrics.target)
                .map(|r| r.routes.clone())
                .unwrap_or_default();
            finding.function = Some(metrics.target.to_string());
            if let Some(evidence) = finding.evidence.as_object_mut() {
                evidence.insert("routes".into(), json!(routes));
            }
            finding.fingerprint = finding.compute_fingerprint();
            findings.push(finding);
        }
    }
    findings
}

/// `pets-get:live`.
fn short(metrics: &FunctionMetrics) -> String {
    match &metrics.qualifier {
        Some(q) => format!("{}:{q}", metrics.function_name),
        None => metrics.function_name.clone(),
    }
}

fn judge(
    ctx: &Context<'_>,
    routes: &ScopeRoutes<'_>,
    window: &Window,
    metrics: &FunctionMetrics,
    sums: &MetricSums,
) -> Option<Finding> {
    let scope = routes.scope;
    let threshold = ctx.percent(&THRESHOLD_PERCENT);
    let min_invocations = u64::try_from(ctx.integer(&MIN_INVOCATIONS)).unwrap_or(0);
    let errors = whole(sums.value("Errors"));
    let invocations = whole(sums.value("Invocations"));
    let throttles = whole(sums.value("Throttles"));
    let rate = rate_percent(errors, invocations);
    let failing = invocations >= min_invocations && rate > threshold;
    if !failing && throttles == 0 {
        return None;
    }
    let name = short(metrics);
    let when = window_phrase(window);
    let throttled = format!(
        "was throttled {} time{} (API Gateway answers 500 for each)",
        thousands(throttles),
        if throttles == 1 { "" } else { "s" }
    );
    // A function that outlives its integration timeout has its timeouts answered 504 (503 by an
    // HTTP API) before Lambda counts them as errors (docs/aws-facts.md §8, §12.3); HTTP APIs
    // answer a function error with 500.
    let gateway = gateway_answers(routes, &metrics.function_name);
    let answers = match gateway.timeout {
        Some(timeout) => format!(
            "API Gateway answers {} for each error, {timeout} for calls that outlive the \
             integration timeout",
            gateway.error
        ),
        None => format!("API Gateway answers {} for each", gateway.error),
    };
    let message = match (failing, throttles > 0) {
        (true, true) => format!(
            "{name} failed {} of {} invocations and {throttled} {when}.",
            percent(one_decimal(rate)),
            thousands(invocations)
        ),
        (true, false) => format!(
            "{name} failed {} of {} invocations {when} ({}).",
            percent(one_decimal(rate)),
            thousands(invocations),
            answers
        ),
        _ => format!("{name} {throttled} {when}."),
    };
    let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
    finding.client_status = Some(if failing { gateway.error } else { 500 });
    finding.evidence = json!({
        "errors": errors,
        "invocations": invocations,
        "throttles": throttles,
        "rate_percent": one_decimal(rate),
        "threshold_percent": threshold,
        "min_invocations": min_invocations,
        "window": window_json(window),
    });
    finding.remediation = Some(remediation(
        scope,
        &metrics.target,
        window,
        failing,
        throttles > 0,
    ));
    Some(finding)
}

fn remediation(
    scope: &ScopeInventory,
    arn: &FunctionArn,
    window: &Window,
    failing: bool,
    throttled: bool,
) -> String {
    let mut lines = Vec::new();
    if failing {
        let group = format!("/aws/lambda/{}", arn.name);
        lines.push(format!(
            "{}  # the errors and their stack traces",
            filter_log_events(&group, "?ERROR ?\"Task timed out\"", window, &arn.region)
        ));
    }
    if throttled {
        lines.push(format!(
            "aws lambda get-function-concurrency {} && aws lambda get-account-settings --region {} \
             --query AccountLimit.UnreservedConcurrentExecutions  # raise or remove the \
             reservation (put-/delete-function-concurrency) or ask for more account concurrency",
            function_args(scope, &arn.unqualified()),
            sh(&arn.region)
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingValue;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn inventory(errors: f64, invocations: f64, throttles: f64) -> Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .stage("prod"),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .evidence(|e| {
                e.function_metrics.push(function_metrics(
                    "pets-get:live",
                    errors,
                    invocations,
                    throttles,
                ))
            })
            .inventory()
    }

    #[test]
    fn error_rate_above_threshold_names_the_routes() {
        let findings = run_check(&CHECK, &inventory(20.0, 160.0, 0.0));
        let f = only(&findings);
        assert_eq!((f.severity, f.client_status), (Severity::Medium, Some(502)));
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get:live").as_str())
        );
        assert_eq!(
            f.message,
            "pets-get:live failed 12.5 % of 160 invocations in the last 60 minutes (API Gateway \
             answers 502 for each)."
        );
        assert_eq!(f.evidence["errors"], 20);
        assert_eq!(f.evidence["invocations"], 160);
        assert_eq!(f.evidence["rate_percent"], 12.5);
        assert_eq!(f.evidence["min_invocations"], 20);
        assert_eq!(
            f.evidence["routes"],
            json!(["a1b2c3 (pets) prod GET /pets/{id}"])
        );
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with(
                "aws logs filter-log-events --log-group-name /aws/lambda/pets-get \
                 --filter-pattern '?ERROR ?\"Task timed out\"'"
            ),
            "{fix}"
        );
        assert_eq!(f.fingerprint, f.compute_fingerprint());
    }

    #[test]
    fn healthy_function_is_quiet() {
        assert!(run_check(&CHECK, &inventory(1.0, 160.0, 0.0)).is_empty());
        assert!(run_check(&CHECK, &inventory(0.0, 0.0, 0.0)).is_empty());
    }

    #[test]
    fn rate_must_be_above_the_threshold_with_at_least_the_minimum() {
        // 1 of 20 is exactly 5 %: not above it. 2 of 20 is.
        assert!(run_check(&CHECK, &inventory(1.0, 20.0, 0.0)).is_empty());
        assert_eq!(run_check(&CHECK, &inventory(2.0, 20.0, 0.0)).len(), 1);
        assert!(run_check(&CHECK, &inventory(1.0, 21.0, 0.0)).is_empty());
        assert!(run_check(&CHECK, &inventory(19.0, 19.0, 0.0)).is_empty());
        let loose = settings_of(
            &CHECK,
            &[
                ("threshold-percent", SettingValue::Float(50.0)),
                ("min-invocations", SettingValue::Integer(2)),
            ],
        );
        assert!(run_check_with(&CHECK, &inventory(1.0, 2.0, 0.0), &loose).is_empty());
        assert_eq!(
            run_check_with(&CHECK, &inventory(2.0, 3.0, 0.0), &loose).len(),
            1
        );
        assert!(run_check_with(&CHECK, &inventory(4.0, 10.0, 0.0), &loose).is_empty());
    }

    #[test]
    fn any_throttle_fires_with_500() {
        let findings = run_check(&CHECK, &inventory(0.0, 3.0, 1.0));
        let f = only(&findings);
        assert_eq!(f.client_status, Some(500));
        assert_eq!(
            f.message,
            "pets-get:live was throttled 1 time (API Gateway answers 500 for each) in the last 60 \
             minutes."
        );
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(fix.starts_with("aws lambda get-function-concurrency --function-name pets-get"));
        let both = run_check(&CHECK, &inventory(50.0, 100.0, 7.0));
        assert_eq!(only(&both).client_status, Some(502));
        assert_eq!(
            only(&both)
                .remediation
                .as_deref()
                .map(|r| r.lines().count()),
            Some(2)
        );
    }

    #[test]
    fn errors_of_a_function_only_http_apis_invoke_are_500s_and_its_timeouts_503s() {
        let inventory = |function_s: i32| {
            scope()
                .http_api(
                    http_api("h1", "orders")
                        .route("GET /orders", "orders")
                        .stage("$default"),
                )
                .target(target_with("orders", "h1", |c| {
                    c.timeout_seconds = Some(function_s)
                }))
                .evidence(|e| {
                    e.function_metrics
                        .push(function_metrics("orders", 20.0, 160.0, 0.0))
                })
                .inventory()
        };
        let findings = run_check(&CHECK, &inventory(10));
        let f = only(&findings);
        assert_eq!(f.client_status, Some(500));
        assert_eq!(
            f.message,
            "orders failed 12.5 % of 160 invocations in the last 60 minutes (API Gateway \
             answers 500 for each)."
        );
        let findings = run_check(&CHECK, &inventory(31));
        assert!(
            only(&findings)
                .message
                .ends_with("(API Gateway answers 500 for each error, 503 for calls that outlive \
                            the integration timeout)."),
            "{}",
            only(&findings).message
        );
    }

    #[test]
    fn unreadable_metrics_are_an_error_and_missing_ones_nothing() {
        let mut inv = inventory(50.0, 100.0, 0.0);
        if let Some(e) = &mut inv.scopes[0].evidence {
            e.function_metrics[0].sums =
                Lookup::Failed(access_denied("cloudwatch:GetMetricData", "pets-get:live"));
        }
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert_eq!(f.evidence["routes"].as_array().map(Vec::len), Some(1));
        if let Some(e) = &mut inv.scopes[0].evidence {
            e.function_metrics[0].sums = Lookup::Missing;
        }
        assert!(run_check(&CHECK, &inv).is_empty());
    }
}
