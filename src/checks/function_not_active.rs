//! `function-not-active`: a function (version or alias) that Lambda will not run as it stands:
//! `State` is `Failed`, `Pending` or `Inactive`, or the last update failed.

use serde_json::json;

use crate::checks::shared::{function_args, qualifier_arg, run_per_target, ReachedTarget};
use crate::checks::shared::{base_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::FunctionConfig;
use crate::log_signatures;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("function-not-active"),
    title: "Function is not active",
    severity: Severity::High,
    resource: ResourceKind::Function,
    client_status: Some(500),
    checks: "For every function, alias or version an API route or Lambda authorizer invokes, \
             reads `State` and `LastUpdateStatus` from GetFunction. High when State is \
             `Failed`, `Pending`, `Deleting` or `ActiveNonInvocable` or LastUpdateStatus is \
             `Failed`; medium when State is `Inactive`; `error` (undecided) for the \
             Managed Instances states `Deactivating` and `Deactivated`, whose effect on \
             invocations is not documented.",
    why: "Lambda refuses to run a function that is not Active (docs/aws-facts.md §8, \
          `functions-states.md`): a `Pending` function answers Invoke with \
          ResourceConflictException, a `Failed` one never finished provisioning, and an \
          `Inactive` one (idle for weeks) fails its next invoke while it is brought back, with \
          ResourceNotReadyException for VPC functions. When the Lambda API rejects the call, \
          API Gateway answers 500 Internal server error; a function error surfaces as 502. A \
          failed update (`LastUpdateStatus: Failed`) leaves the previous code and configuration \
          live, so the deployment you think is serving is not.",
    fix: "Failed: read `StateReason`/`StateReasonCode` (or `LastUpdateStatusReason`), fix the \
          cause (a deleted subnet or security group, a missing KMS key permission, a broken \
          layer or image) and deploy again with `aws lambda update-function-code` or \
          `update-function-configuration`, then publish a version and move the alias. \
          Inactive: invoke the function once and wait for it to become Active (`aws lambda \
          wait function-active`). Pending: wait; if it stays Pending, look at the VPC \
          configuration (ENI creation) in StateReason.",
    limits: "The state is the one at collection time; a function can move from Pending to \
             Active within seconds. States of functions not reached by any route are not \
             judged. The `$LATEST` of a Managed Instances function is always \
             ActiveNonInvocable: integration-target-not-invocable reports a route to it. What \
             `Deactivating` and `Deactivated` refuse is not documented (docs/aws-facts.md \
             §11.4), so they are reported as undecided.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::CUSTOMER_FUNCTION_ERROR],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_target(&CHECK, ctx, |t| &t.configuration, judge)
}

fn judge(reached: &ReachedTarget<'_>, config: &FunctionConfig) -> Option<Finding> {
    let state = config.state.as_deref().unwrap_or("Active");
    let update_failed = config.last_update_status.as_deref() == Some("Failed");
    // The `$LATEST` of a Managed Instances function is never invocable by design:
    // integration-target-not-invocable names the route and the fix.
    if state == "ActiveNonInvocable" && reached.arn().qualifier.as_deref() == Some("$LATEST") {
        return None;
    }
    if matches!(state, "Deactivating" | "Deactivated") {
        let message = format!(
            "could not decide whether Lambda runs {}: its state is {state}, a Lambda Managed \
             Instances state whose effect on invocations is not documented",
            reached.short()
        );
        let mut finding = base_finding(&CHECK, reached.scope, Status::Error, message);
        finding.evidence = json!({
            "reason": "undecided",
            "state": config.state,
            "state_reason": config.state_reason,
        });
        return Some(finding);
    }
    let (severity, problem, reason) = match state {
        "Failed" | "Pending" | "Deleting" | "ActiveNonInvocable" => (
            Severity::High,
            format!("is in state {state}"),
            config.state_reason.as_deref(),
        ),
        "Inactive" => (
            Severity::Medium,
            "is Inactive (idle too long)".to_string(),
            config.state_reason.as_deref(),
        ),
        _ if update_failed => (
            Severity::High,
            "failed its last update (the previous code and configuration are still live)"
                .to_string(),
            config.last_update_status_reason.as_deref(),
        ),
        _ => return None,
    };
    let name = reached.short();
    let because = reason.map(|r| format!(" ({r})")).unwrap_or_default();
    let sees = if state == "Inactive" {
        "the first calls fail with 500 Internal server error while Lambda wakes it"
    } else if matches!(state, "Failed" | "Pending" | "Deleting" | "ActiveNonInvocable") {
        "every call fails with 500 Internal server error"
    } else {
        "clients get the old behaviour, or errors where the update was meant to fix them"
    };
    let message = format!("{name} {problem}{because}: {sees}.");
    let mut finding = base_finding(&CHECK, reached.scope, Status::Fail, message);
    finding.severity = severity;
    finding.evidence = json!({
        "state": config.state,
        "state_reason": config.state_reason,
        "last_update_status": config.last_update_status,
        "last_update_status_reason": config.last_update_status_reason,
    });
    finding.remediation = Some(reached.arn()).map(|arn| {
        let target = format!(
            "{}{}",
            function_args(reached.scope, arn),
            qualifier_arg(arn)
        );
        let wait = format!("aws lambda wait function-active {target}");
        let show = format!(
            "aws lambda get-function-configuration {target} --query \
             '[State,StateReasonCode,StateReason,LastUpdateStatus,LastUpdateStatusReason]'"
        );
        match state {
            // An inactive function is woken by an invocation, which fails while it wakes.
            "Inactive" => format!(
                "aws lambda invoke {target} --payload '{{}}' \
                 --cli-binary-format raw-in-base64-out /dev/null; {wait}"
            ),
            "Pending" => format!("{wait} || {show}"),
            _ => format!(
                "{show}  # fix the cause it reports, then redeploy with aws lambda \
                 update-function-code (publish a version and update the alias if it uses one)"
            ),
        }
    });
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::LambdaTarget;
    use crate::testkit::*;

    fn inventory(fn_target: LambdaTarget) -> crate::inventory::Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .route("DELETE", "/pets/{id}", "pets-get:live")
                    .stage("dev")
                    .stage("prod"),
            )
            .target(fn_target)
            .inventory()
    }

    fn with_state(state: &str, update: &str) -> LambdaTarget {
        target_with("pets-get:live", "a1b2c3", |c| {
            c.state = Some(state.into());
            c.state_reason = Some("The subnet subnet-0abc does not exist".into());
            c.last_update_status = Some(update.into());
        })
    }

    #[test]
    fn failed_function_is_one_finding_listing_its_routes() {
        let findings = run_check(&CHECK,
            &inventory(with_state("Failed", "Successful")),
        );
        let f = only(&findings);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get:live").as_str())
        );
        assert!(f.api.is_none() && f.route.is_none() && f.stages.is_empty());
        assert_eq!(
            f.evidence["routes"],
            json!([
                "a1b2c3 (pets) dev DELETE /pets/{id}",
                "a1b2c3 (pets) dev GET /pets/{id}",
                "a1b2c3 (pets) prod DELETE /pets/{id}",
                "a1b2c3 (pets) prod GET /pets/{id}",
            ])
        );
        assert_eq!(
            f.message,
            "pets-get:live is in state Failed (The subnet subnet-0abc does not exist): every \
             call fails with 500 Internal server error."
        );
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with(
                "aws lambda get-function-configuration --function-name pets-get \
                 --region us-east-1 --qualifier live"
            ),
            "{fix}"
        );
        assert_eq!(f.fingerprint, f.compute_fingerprint());
    }

    #[test]
    fn inactive_is_medium_and_woken_by_an_invoke() {
        let findings = run_check(&CHECK,
            &inventory(with_state("Inactive", "Successful")),
        );
        let f = only(&findings);
        assert_eq!(f.severity, Severity::Medium);
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with("aws lambda invoke --function-name pets-get"),
            "{fix}"
        );
        assert!(fix.ends_with("aws lambda wait function-active --function-name pets-get --region us-east-1 --qualifier live"), "{fix}");
    }

    #[test]
    fn pending_and_failed_update_are_high() {
        for (state, update) in [("Pending", "InProgress"), ("Active", "Failed")] {
            let findings = run_check(&CHECK, &inventory(with_state(state, update)));
            assert_eq!(only(&findings).severity, Severity::High, "{state}/{update}");
        }
    }

    #[test]
    fn deleting_and_non_invocable_versions_are_high() {
        for state in ["Deleting", "ActiveNonInvocable"] {
            let findings = run_check(&CHECK, &inventory(with_state(state, "Successful")));
            let f = only(&findings);
            assert_eq!(f.severity, Severity::High, "{state}");
            assert!(f.message.contains("every call fails with 500"), "{}", f.message);
        }
    }

    #[test]
    fn the_latest_of_a_managed_instances_function_is_left_to_the_route_check() {
        // `$LATEST` of a Managed Instances function is ActiveNonInvocable by design:
        // integration-target-not-invocable reports the route instead.
        let inventory = scope()
            .api(api("a1b2c3", "pets").route("GET", "/pets", "pets:$LATEST").stage("prod"))
            .target(target_with("pets:$LATEST", "a1b2c3", |c| {
                c.state = Some("ActiveNonInvocable".into())
            }))
            .inventory();
        assert!(run_check(&CHECK, &inventory).is_empty());
    }

    #[test]
    fn deactivated_managed_instances_states_are_undecided() {
        for state in ["Deactivating", "Deactivated"] {
            let findings = run_check(&CHECK, &inventory(with_state(state, "Successful")));
            let f = only(&findings);
            assert_eq!(f.status, Status::Error, "{state}");
            assert_eq!(f.evidence["reason"], "undecided");
            assert_eq!(f.evidence["state"], state);
            assert!(f.message.contains("could not decide"), "{}", f.message);
        }
    }

    #[test]
    fn active_function_and_missing_target_are_quiet() {
        let active = inventory(with_state("Active", "InProgress"));
        assert!(run_check(&CHECK, &active).is_empty());
        assert!(run_check(&CHECK,
            &inventory(missing_target("pets-get:live"))
        )
        .is_empty());
    }

    #[test]
    fn unreadable_function_is_one_error() {
        let findings = run_check(&CHECK,
            &inventory(failed_target("pets-get:live")),
        );
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get:live").as_str())
        );
        assert_eq!(f.evidence["code"], "AccessDeniedException");
        assert_eq!(f.evidence["routes"].as_array().map(Vec::len), Some(4));
    }
}
