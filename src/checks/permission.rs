//! The shared body of `invoke-permission-missing` and `authorizer-invoke-permission-missing`:
//! judge every route (or authorizer) without a credentials role against the resource policy of
//! exactly the target it invokes, and group the denials by stage.

use serde_json::json;

use crate::arn;
use crate::checks::{
    describe_invoker, route_finding, stages_phrase, support, target_of, CheckDoc, Context,
};
use crate::inventory::{Lookup, ScopeInventory};
use crate::invoke::{self, Judgement};
use crate::report::{Finding, Status};
use crate::routes::RouteTarget;

/// Findings of one permission check: methods when `authorizers` is false, Lambda authorizers
/// when true.
pub fn permission_findings(doc: &CheckDoc, ctx: &Context<'_>, authorizers: bool) -> Vec<Finding> {
    support::run_per_route(
        doc,
        ctx,
        |scope, route| judge_route(doc, scope, route, authorizers),
        finish,
    )
}

fn judge_route(
    doc: &CheckDoc,
    scope: &ScopeInventory,
    route: &RouteTarget<'_>,
    authorizers: bool,
) -> Option<Finding> {
    // A route with a credentials role is invoked with the role's identity, not through the
    // resource policy: integration-role-invalid judges it.
    if route.is_authorizer() != authorizers || route.credentials.is_some() {
        return None;
    }
    let function = route.resolved.as_ref().ok()?;
    let target = target_of(scope, route)?;
    if matches!(target.configuration, Lookup::Missing) {
        return None;
    }
    let source_arn = route.source_arn(scope, function);
    match invoke::judge(scope, target, &source_arn) {
        Judgement::Allowed => None,
        Judgement::Unknown(error) => {
            let message = format!(
                "could not evaluate whether API Gateway may invoke {} for {}: {} failed with {}: {}",
                function.short(),
                describe_invoker(route),
                error.operation,
                error.code,
                error.message
            );
            let mut finding = route_finding(
                doc,
                scope,
                route,
                Status::Error,
                Some(target.arn.clone()),
                message,
            );
            finding.evidence = json!({"operation": error.operation, "code": error.code, "source_arns": [source_arn]});
            Some(finding)
        }
        Judgement::Undecided { statements, keys } => {
            let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
            let message = format!(
                "could not decide whether API Gateway may invoke {} for {}: the function's policy decides on {}, which the auditor cannot know ({})",
                function.short(),
                describe_invoker(route),
                names.join(", "),
                keys.iter().map(|k| format!("{}: {}", k.key, k.why)).collect::<Vec<_>>().join("; "),
            );
            let mut finding = route_finding(
                doc,
                scope,
                route,
                Status::Error,
                Some(target.arn.clone()),
                message,
            );
            finding.evidence = json!({"reason": "undecided", "unknown_keys": keys, "statements": statements, "source_arns": [source_arn]});
            Some(finding)
        }
        Judgement::Denied {
            reason,
            statements,
            allowed_on,
        } => {
            let mut finding = route_finding(
                doc,
                scope,
                route,
                Status::Fail,
                Some(target.arn.clone()),
                String::new(),
            );
            finding.evidence = json!({
                "reason": reason,
                "source_arns": [source_arn],
                "statements": statements,
                "allowed_on": allowed_on.as_ref().map(|a| &a.arn),
                "allowed_by": allowed_on.as_ref().map(|a| &a.statements),
                "principal": invoke::APIGATEWAY_PRINCIPAL,
                "api_account": scope.account,
            });
            Some(finding)
        }
    }
}

/// Writes the message and the remediation once all affected stages are known.
fn finish(scope: &ScopeInventory, finding: &mut Finding) {
    let Some(function) = finding
        .function
        .as_deref()
        .and_then(|f| arn::parse_function_arn(f).ok())
    else {
        return;
    };
    let what = match (&finding.route, &finding.authorizer) {
        (Some(route), _) => format!("{} {}", route.method, route.path),
        (None, Some(authorizer)) => format!("authorizer {} ({})", authorizer.name, authorizer.id),
        (None, None) => String::new(),
    };
    let api_id = finding
        .api
        .as_ref()
        .map(|a| a.id.clone())
        .unwrap_or_default();
    let source_arns: Vec<String> = finding.evidence["source_arns"]
        .as_array()
        .map(|arns| {
            arns.iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if finding.status == Status::Error {
        return;
    }
    let reason = finding.evidence["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let explanation =
        serde_json::from_value::<invoke::DenyReason>(finding.evidence["reason"].clone())
            .map(|r| r.explain())
            .unwrap_or("no statement allows the call");
    let shown_arn = covering_source_arn(&source_arns);
    // Say where the permission is when it is on another form of the function.
    let explanation = match finding.evidence["allowed_on"]
        .as_str()
        .and_then(|a| arn::parse_function_arn(a).ok())
    {
        Some(other) => format!(
            "the permission is on {}, but the integration invokes {}",
            other.short(),
            function.short()
        ),
        None => explanation.to_string(),
    };
    finding.message = format!(
        "API Gateway cannot invoke {} for {what} on {}: {explanation} (source {shown_arn}); clients get 500",
        function.short(),
        stages_phrase(&finding.stages),
    );
    let mut commands = Vec::new();
    if reason == "explicit-deny" {
        if let Some(statements) = finding.evidence["statements"].as_array() {
            for statement in statements.iter().filter_map(|s| s["statement"].as_str()) {
                commands.push(support::remove_permission(scope, &function, statement));
            }
        }
    } else {
        commands.push(support::add_permission(
            scope, &function, &api_id, &shown_arn,
        ));
    }
    if function.account != scope.account {
        commands.insert(
            0,
            format!(
                "# run in account {} (the function's owner)",
                function.account
            ),
        );
    }
    finding.remediation = Some(commands.join("\n"));
}

/// The narrowest single source ARN covering every affected stage: the stage's own ARN for one
/// stage, the stage replaced by `*` for several (the other parts are identical).
fn covering_source_arn(source_arns: &[String]) -> String {
    match source_arns {
        [] => String::new(),
        [one] => one.clone(),
        [first, ..] => {
            // arn:...:{apiId}/{stage}/{METHOD}/{path}: replace the segment after the API id.
            match first.split_once('/') {
                Some((head, rest)) if !rest.starts_with("authorizers/") => {
                    match rest.split_once('/') {
                        Some((_stage, tail)) => format!("{head}/*/{tail}"),
                        None => first.clone(),
                    }
                }
                _ => first.clone(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::covering_source_arn;
    use crate::checks::invoke_permission_missing::InvokePermissionMissing;
    use crate::checks::testkit::*;
    use crate::inventory::Lookup;
    use crate::report::Status;

    /// A function policy that lets API Gateway in only from some addresses: the address API
    /// Gateway calls from is not published ("AWS global condition context keys", aws:SourceIp),
    /// so the check cannot decide and says so as an `error` naming the key.
    #[test]
    fn a_policy_that_depends_on_an_unknown_key_is_an_error_naming_it() {
        let f = function_arn("pets-get");
        let mut t = target("pets-get", "a1b2c3d4e5");
        t.policy = Lookup::Found(policy(vec![
            serde_json::json!({"Sid": "OfficeOnly", "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction",
            "Resource": f, "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}),
        ]));
        let inventory = scope()
            .api(
                api("a1b2c3d4e5", "pets")
                    .route("GET", "/pets", "pets-get")
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        let findings = run(&InvokePermissionMissing, &inventory);
        let finding = only(&findings);
        assert_eq!(finding.status, Status::Error);
        assert_eq!(finding.evidence["reason"], "undecided");
        assert_eq!(finding.evidence["unknown_keys"][0]["key"], "aws:SourceIp");
        assert_eq!(finding.evidence["statements"][0]["statement"], "OfficeOnly");
        assert!(
            finding.message.contains("could not decide")
                && finding.message.contains("aws:SourceIp"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn covering_arn_widens_only_the_stage() {
        let one = "arn:aws:execute-api:us-east-1:123456789012:a1/prod/GET/pets/{id}".to_string();
        let two = "arn:aws:execute-api:us-east-1:123456789012:a1/dev/GET/pets/{id}".to_string();
        assert_eq!(covering_source_arn(std::slice::from_ref(&one)), one);
        assert_eq!(
            covering_source_arn(&[one, two]),
            "arn:aws:execute-api:us-east-1:123456789012:a1/*/GET/pets/{id}"
        );
        let auth = "arn:aws:execute-api:us-east-1:123456789012:a1/authorizers/x".to_string();
        assert_eq!(covering_source_arn(&[auth.clone(), auth.clone()]), auth);
    }
}
