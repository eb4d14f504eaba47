//! `function-concurrency-zero`: reserved concurrency 0 stops a function from running at all,
//! usually left behind by someone "switching the function off" during an incident.

use std::collections::BTreeMap;

use serde_json::json;

use crate::arn::FunctionArn;
use crate::checks::shared::{base_finding, error_finding, function_args};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::Lookup;
use crate::log_signatures;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("function-concurrency-zero"),
    title: "Function reserved concurrency is zero",
    severity: Severity::High,
    resource: ResourceKind::Function,
    client_status: Some(500),
    checks: "For every function, alias or version an API route or Lambda authorizer invokes, \
             reads the function's reserved concurrency (GetFunction `Concurrency`) and fires \
             when it is 0.",
    why: "Reserved concurrency caps how many instances of the function may run at once, for \
          all its versions and aliases together; 0 means none, so Lambda throttles every \
          invocation with 429 TooManyRequestsException. API Gateway turns a Lambda 429 into \
          500 Internal server error and logs `Lambda invocation failed with status: 429` then \
          `Rate Exceeded.` (docs/aws-facts.md §4, §8). Setting it to 0 is the documented way to stop a \
          function in an emergency, and easy to forget.",
    fix: "Remove the reservation so the function shares the account's unreserved pool: `aws \
          lambda delete-function-concurrency --function-name F`, or reserve a positive \
          number with `aws lambda put-function-concurrency --function-name F \
          --reserved-concurrent-executions N` if it must stay capped.",
    limits: "Only reserved concurrency is judged: account-level exhaustion, provisioned \
             concurrency and burst throttling are visible in `lambda-error-rate` (Throttles). \
             The setting belongs to the function, so one finding names the unqualified function \
             and lists the routes of every alias and version.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::RATE_EXCEEDED],
    run,
};

/// Reserved concurrency is one setting of the function, shared by all its versions and aliases:
/// one finding per unqualified function, listing the routes of every alias and version. A target
/// that could not be read is an `error` of its own.
fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for routes in ctx.routes {
        let scope = routes.scope;
        // Unqualified function → the routes of its throttled targets.
        let mut zero: BTreeMap<FunctionArn, Vec<String>> = BTreeMap::new();
        for reached in &routes.reached {
            match &reached.target.configuration {
                Lookup::Found(config) if config.reserved_concurrency == Some(0) => zero
                    .entry(reached.arn().unqualified())
                    .or_default()
                    .extend(reached.routes.iter().cloned()),
                Lookup::Failed(error) => {
                    let mut finding = error_finding(&CHECK, scope, error, &reached.short());
                    finding.function = Some(reached.arn().to_string());
                    finding.evidence["routes"] = json!(reached.routes);
                    finding.fingerprint = finding.compute_fingerprint();
                    findings.push(finding);
                }
                _ => {}
            }
        }
        for (function, mut function_routes) in zero {
            function_routes.sort();
            function_routes.dedup();
            let message = format!(
                "{} has reserved concurrency 0, so Lambda throttles every call and clients get 500 \
                 Internal server error.",
                function.name
            );
            let mut finding = Finding {
                function: Some(function.to_string()),
                evidence: json!({ "reserved_concurrency": 0, "routes": function_routes }),
                // Concurrency belongs to the function, never to a qualifier.
                remediation: Some(format!(
                    "aws lambda delete-function-concurrency {}",
                    function_args(scope, &function)
                )),
                ..base_finding(&CHECK, scope, Status::Fail, message)
            };
            finding.fingerprint = finding.compute_fingerprint();
            findings.push(finding);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn inventory(reserved: Option<i32>) -> crate::inventory::Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list:live")
                    .stage("prod"),
            )
            .target(target_with("pets-list:live", "a1b2c3", |c| {
                c.reserved_concurrency = reserved
            }))
            .inventory()
    }

    #[test]
    fn zero_reserved_concurrency_fails() {
        let findings = run_check(&CHECK, &inventory(Some(0)));
        let f = only(&findings);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.client_status, Some(500));
        assert_eq!(
            f.evidence["routes"],
            json!(["a1b2c3 (pets) prod GET /pets"])
        );
        // The setting is the function's, so the finding names the unqualified function.
        assert!(f
            .message
            .starts_with("pets-list has reserved concurrency 0"));
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-list").as_str())
        );
        assert_eq!(
            f.remediation.as_deref(),
            Some("aws lambda delete-function-concurrency --function-name pets-list --region us-east-1")
        );
    }

    #[test]
    fn unreserved_or_positive_concurrency_is_healthy() {
        assert!(run_check(&CHECK, &inventory(None)).is_empty());
        assert!(run_check(&CHECK, &inventory(Some(5))).is_empty());
    }

    #[test]
    fn unreadable_function_is_an_error() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list")
                    .stage("prod"),
            )
            .target(failed_target("pets-list"))
            .inventory();
        let findings = run_check(&CHECK, &inv);
        assert_eq!(only(&findings).status, Status::Error);
    }

    #[test]
    fn cross_account_function_is_named_by_arn() {
        let arn = "arn:aws:lambda:us-east-1:210987654321:function:shared";
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", arn)
                    .stage("prod"),
            )
            .target(target_with(arn, "a1b2c3", |c| {
                c.reserved_concurrency = Some(0)
            }))
            .inventory();
        let findings = run_check(&CHECK, &inv);
        let fix = only(&findings).remediation.as_deref().unwrap_or_default();
        assert!(
            fix.contains(&format!("--function-name {arn} --region us-east-1")),
            "{fix}"
        );
    }
}

#[cfg(test)]
mod per_function_tests {
    use super::CHECK;
    use crate::testkit::*;

    #[test]
    fn aliases_of_one_function_make_one_finding() {
        let zero = |c: &mut crate::inventory::FunctionConfig| c.reserved_concurrency = Some(0);
        let inventory = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list:live")
                    .route("GET", "/beta", "pets-list:beta")
                    .stage("prod"),
            )
            .target(target_with("pets-list:live", "a1b2c3", zero))
            .target(target_with("pets-list:beta", "a1b2c3", zero))
            .inventory();
        let findings = run_check(&CHECK, &inventory);
        let finding = only(&findings);
        assert_eq!(
            finding.function.as_deref(),
            Some(function_arn("pets-list").as_str())
        );
        assert_eq!(finding.evidence["routes"].as_array().unwrap().len(), 2);
    }
}
