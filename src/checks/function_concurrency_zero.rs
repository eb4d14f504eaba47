//! `function-concurrency-zero`: reserved concurrency 0 stops a function from running at all,
//! usually left behind by someone "switching the function off" during an incident.

use serde_json::json;

use crate::checks::support::{function_args, run_per_target, ReachedTarget};
use crate::checks::{base_finding, Check, CheckDoc, Context, ResourceKind};
use crate::inventory::FunctionConfig;
use crate::report::{Finding, Severity, Status};

pub static DOC: CheckDoc = CheckDoc {
    id: "function-concurrency-zero",
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
          `Rate Exceeded.` (aws-facts §4, §8). Setting it to 0 is the documented way to stop a \
          function in an emergency, and easy to forget.",
    fix: "Remove the reservation so the function shares the account's unreserved pool: `aws \
          lambda delete-function-concurrency --function-name F`, or reserve a positive \
          number with `aws lambda put-function-concurrency --function-name F \
          --reserved-concurrent-executions N` if it must stay capped.",
    limits: "Only reserved concurrency is judged: account-level exhaustion, provisioned \
             concurrency and burst throttling are visible in `lambda-error-rate` (Throttles). \
             Each alias or version a route invokes is reported, though the setting belongs to \
             the function.",
};

pub struct FunctionConcurrencyZero;

impl Check for FunctionConcurrencyZero {
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }

    fn run(&self, ctx: &Context<'_>) -> Vec<Finding> {
        run_per_target(&DOC, ctx, |t| &t.configuration, judge)
    }
}

fn judge(reached: &ReachedTarget<'_>, config: &FunctionConfig) -> Option<Finding> {
    if config.reserved_concurrency != Some(0) {
        return None;
    }
    let message = format!(
        "{} has reserved concurrency 0, so Lambda throttles every call and clients get 500 \
         Internal server error.",
        reached.short()
    );
    let mut finding = base_finding(&DOC, reached.scope, Status::Fail, message);
    finding.evidence = json!({ "reserved_concurrency": 0 });
    // Concurrency belongs to the function, never to a qualifier.
    finding.remediation = reached.arn.as_ref().map(|arn| {
        format!(
            "aws lambda delete-function-concurrency {}",
            function_args(reached.scope, arn)
        )
    });
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

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
        let findings = run(&FunctionConcurrencyZero, &inventory(Some(0)));
        let f = only(&findings);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.client_status, Some(500));
        assert_eq!(
            f.evidence["routes"],
            json!(["a1b2c3 (pets) prod GET /pets"])
        );
        assert!(f
            .message
            .starts_with("pets-list:live has reserved concurrency 0"));
        assert_eq!(
            f.remediation.as_deref(),
            Some("aws lambda delete-function-concurrency --function-name pets-list --region us-east-1")
        );
    }

    #[test]
    fn unreserved_or_positive_concurrency_is_healthy() {
        assert!(run(&FunctionConcurrencyZero, &inventory(None)).is_empty());
        assert!(run(&FunctionConcurrencyZero, &inventory(Some(5))).is_empty());
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
        let findings = run(&FunctionConcurrencyZero, &inv);
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
        let findings = run(&FunctionConcurrencyZero, &inv);
        let fix = only(&findings).remediation.as_deref().unwrap_or_default();
        assert!(
            fix.contains(&format!("--function-name {arn} --region us-east-1")),
            "{fix}"
        );
    }
}
