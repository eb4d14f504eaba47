//! `invoke-permission-too-broad`: a statement lets API Gateway (or anyone) invoke the function
//! with no `aws:SourceArn` or `aws:SourceAccount` restriction.

use serde_json::json;

use crate::arn::FunctionArn;
use crate::checks::shared::ReachedTarget;
use crate::checks::shared::{base_finding, self};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::ResourcePolicy;
use crate::invoke_permission;
use crate::policy::{self, Decision, Effect, StatementOutcome};
use crate::report::{Finding, Severity, Status};
use crate::routes::ScopeRoutes;

pub static CHECK: Check = Check {
    id: CheckId::new("invoke-permission-too-broad"),
    title: "Any API in any account can invoke the function (confused deputy)",
    severity: Severity::Medium,
    resource: ResourceKind::FunctionPolicy,
    client_status: None,
    checks: "Every Allow statement of an integrated target's resource policy is evaluated for a \
call from apigateway.amazonaws.com that carries no aws:SourceArn and no aws:SourceAccount. A \
statement that still allows it (no condition, only IfExists conditions, negated conditions, or a \
`*` principal) is too broad.",
    why: "Without a source condition any API (REST or HTTP), in any AWS account, can be pointed at the \
function and invoke it with API Gateway's service identity: the confused-deputy problem that \
Security Hub Lambda.1, Checkov CKV_AWS_364 and tfsec AVD-AWS-0067 flag. Clients of your own API \
see nothing; the risk is someone else's API calling your function.",
    fix: "Remove the statement and add one restricted to your API's execute-api ARN; the \
remediation lists both commands, with `{api id}/*` covering every stage, method and authorizer of \
each API that uses the function.",
    limits: "Only the policy of each integrated target is read. Policies that allow other \
services or accounts are out of scope.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    shared::run_per_target(&CHECK, ctx, |t| &t.policy, |reached, policy| {
        judge(ctx.routes_of(reached.scope)?, reached, policy)
    })
}

/// One target's policy: the statements that let any API in any account in, and the fix.
fn judge(
    routes: &ScopeRoutes<'_>,
    reached: &ReachedTarget<'_>,
    policy: &ResourcePolicy,
) -> Option<Finding> {
    let (scope, target) = (reached.scope, reached.target);
    let function = reached.arn();
    // A request with no source keys at all: what any API in any account would send.
    let mut request = invoke_permission::request(&target.arn.to_string(), "", "");
    request.context.clear();
    let evaluation = policy::evaluate_resource_policy(&policy.document, &request);
    let broad_statements: Vec<&StatementOutcome> = evaluation
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.applies)
        .collect();
    let broad: Vec<String> = broad_statements
        .iter()
        .map(|s| {
            s.sid
                .clone()
                .filter(|sid| !sid.is_empty())
                .unwrap_or_else(|| format!("#{}", s.index))
        })
        .collect();
    if broad.is_empty() {
        return None;
    }
    let message = format!(
            "{} lets apigateway.amazonaws.com invoke {} with no source restriction (statement {}): any API in any account can call it",
            if broad.len() == 1 { "A policy statement" } else { "Policy statements" },
            reached.short(),
            broad.join(", ")
        );
    // Add a narrow permission first for every API that would lose access once the broad
    // statements are gone (none when a scoped statement already covers it), then remove them.
    let broad_indices: Vec<usize> = broad_statements.iter().map(|s| s.index).collect();
    let mut commands: Vec<String> = apis_losing_access(routes, function, policy, &broad_indices)
        .into_iter()
        .map(|api_id| {
            let source = format!(
                "arn:{}:execute-api:{}:{}:{}/*",
                function.partition, function.region, scope.account, api_id
            );
            shared::add_permission(scope, function, &api_id, &source)
        })
        .collect();
    commands.extend(
        broad
            .iter()
            .filter(|sid| !sid.starts_with('#'))
            .map(|sid| shared::remove_permission(scope, function, sid)),
    );
    Some(Finding {
        evidence: json!({"statements": broad}),
        remediation: Some(commands.join("\n")),
        ..base_finding(&CHECK, scope, Status::Fail, message)
    })
}

/// The APIs with a route to `function` that the policy would no longer allow once the
/// statements at `removed` are deleted, in order.
fn apis_losing_access(
    routes: &ScopeRoutes<'_>,
    function: &FunctionArn,
    policy: &ResourcePolicy,
    removed: &[usize],
) -> Vec<String> {
    let kept: Vec<serde_json::Value> = policy
        .statements()
        .into_iter()
        .enumerate()
        .filter(|(index, _)| !removed.contains(index))
        .map(|(_, statement)| statement.clone())
        .collect();
    let narrowed = json!({"Version": "2012-10-17", "Statement": kept});
    let mut apis: Vec<String> = Vec::new();
    let scope = routes.scope;
    for route in &routes.targets {
        if route.credentials.is_some() || route.resolved.as_ref().ok() != Some(function) {
            continue;
        }
        let request = invoke_permission::request(
            &function.to_string(),
            &route.source_arn.clone().unwrap_or_default(),
            &scope.account,
        );
        let allowed =
            policy::evaluate_resource_policy(&narrowed, &request).decision == Decision::Allow;
        if !allowed && !apis.iter().any(|a| a == route.api.id()) {
            apis.push(route.api.id().to_string());
        }
    }
    apis
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::CHECK;
    use crate::inventory::Lookup;
    use crate::testkit::*;

    const API: &str = "a1b2c3d4e5";

    fn findings_for(statement: serde_json::Value) -> Vec<crate::report::Finding> {
        let mut t = target("legacy-fn", API);
        t.policy = Lookup::Found(policy(vec![statement]));
        let inventory = scope()
            .api(
                api(API, "legacy")
                    .route("GET", "/x", "legacy-fn")
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        run_check(&CHECK, &inventory)
    }

    #[test]
    fn statements_without_source_restriction_are_too_broad() {
        let f = function_arn("legacy-fn");
        let bare = json!({"Sid": "open", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": f});
        let findings = findings_for(bare);
        let finding = only(&findings);
        assert_eq!(finding.evidence["statements"], json!(["open"]));
        let remediation = finding.remediation.as_deref().unwrap();
        let lines: Vec<&str> = remediation.lines().collect();
        assert!(
            lines[0].contains("add-permission") && lines[0].contains(&format!("{API}/*")),
            "{remediation}"
        );
        assert!(
            lines[1].contains("remove-permission") && lines[1].ends_with("--statement-id open"),
            "{remediation}"
        );

        let star = json!({"Sid": "public", "Effect": "Allow", "Principal": "*", "Action": "lambda:*", "Resource": f});
        assert_eq!(findings_for(star).len(), 1);
        let if_exists = json!({"Sid": "ie", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": f,
            "Condition": {"ArnLikeIfExists": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:*"}}});
        assert_eq!(findings_for(if_exists).len(), 1);
    }

    #[test]
    fn no_new_permission_when_a_scoped_statement_already_covers_the_api() {
        let f = function_arn("legacy-fn");
        let bare = json!({"Sid": "open", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": f});
        let scoped = allow_statement(
            "scoped",
            &f,
            &format!("arn:aws:execute-api:us-east-1:123456789012:{API}/*/*"),
        );
        let mut t = target("legacy-fn", API);
        t.policy = Lookup::Found(policy(vec![bare, scoped]));
        let inventory = scope()
            .api(
                api(API, "legacy")
                    .route("GET", "/x", "legacy-fn")
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        let findings = run_check(&CHECK, &inventory);
        let remediation = only(&findings).remediation.clone().unwrap();
        assert!(!remediation.contains("add-permission"), "{remediation}");
        assert!(
            remediation.ends_with("--statement-id open"),
            "{remediation}"
        );
    }

    #[test]
    fn an_unreadable_policy_is_an_error_not_a_pass() {
        let mut t = target("legacy-fn", API);
        t.policy = Lookup::Failed(access_denied("lambda:GetPolicy", &t.arn.to_string()));
        let inventory = scope()
            .api(
                api(API, "legacy")
                    .route("GET", "/x", "legacy-fn")
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        let findings = run_check(&CHECK, &inventory);
        let finding = only(&findings);
        assert_eq!(finding.status, crate::report::Status::Error);
        assert_eq!(
            finding.function.as_deref(),
            Some(function_arn("legacy-fn").as_str())
        );
    }

    #[test]
    fn a_source_arn_or_account_condition_is_enough() {
        let f = function_arn("legacy-fn");
        let arn = allow_statement(
            "scoped",
            &f,
            &format!("arn:aws:execute-api:us-east-1:123456789012:{API}/*/*"),
        );
        assert!(findings_for(arn).is_empty());
        let account = json!({"Sid": "acct", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": f,
            "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"}}});
        assert!(findings_for(account).is_empty());
    }
}
