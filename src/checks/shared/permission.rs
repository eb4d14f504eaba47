//! The shared body of `invoke-permission-missing` and `authorizer-invoke-permission-missing`:
//! judge every route (or authorizer) without a credentials role against the resource policy of
//! exactly the target it invokes, and group the denials by stage.

use serde_json::json;

use crate::checks::shared::route_groups::{run_per_route, Group, Rendered, Verdict};
use crate::checks::shared::{add_permission, remove_permission};
use crate::checks::{Check, Context};
use crate::inventory::{CollectionError, Lookup};
use crate::invoke_permission::{self, AllowedOn, DenyReason, Judgement, StatementNote};
use crate::policy::UnknownKey;
use crate::report::Finding;
use crate::routes::{RouteTarget, ScopeRoutes};

/// What one route on one stage was judged to be, with the source ARN it presents.
enum Problem {
    Denied {
        reason: DenyReason,
        statements: Vec<StatementNote>,
        allowed_on: Option<AllowedOn>,
        source_arn: String,
    },
    /// The policy could not be read.
    Unknown {
        error: CollectionError,
        /// The message of the first stage: it names the function and the invoker.
        message: String,
        source_arn: String,
    },
    /// The route points at Lambda, but its URI cannot be resolved to a function: nothing can be
    /// judged (`summary.unaudited` counts it).
    Unjudgeable { uri: String, problem: String },
    /// Allowed or not depending on keys the auditor cannot know.
    Undecided {
        statements: Vec<StatementNote>,
        keys: Vec<UnknownKey>,
        message: String,
        source_arn: String,
    },
}

impl Problem {
    fn source_arn(&self) -> &str {
        match self {
            Problem::Denied { source_arn, .. }
            | Problem::Unknown { source_arn, .. }
            | Problem::Undecided { source_arn, .. } => source_arn,
            Problem::Unjudgeable { .. } => "",
        }
    }
}

/// Findings of one permission check: methods when `authorizers` is false, Lambda authorizers
/// when true.
pub fn permission_findings(
    check: &'static Check,
    ctx: &Context<'_>,
    authorizers: bool,
) -> Vec<Finding> {
    run_per_route(
        check,
        ctx,
        |routes, route| judge_route(routes, route, authorizers),
        render,
    )
}

fn judge_route(
    routes: &ScopeRoutes<'_>,
    route: &RouteTarget<'_>,
    authorizers: bool,
) -> Option<Verdict<Problem>> {
    // A route with a credentials role is invoked with the role's identity, not through the
    // resource policy: integration-role-invalid judges it.
    if route.is_authorizer() != authorizers {
        return None;
    }
    // Nothing in silence: a Lambda integration whose target cannot be worked out blocks every
    // link check, this one reports it (with or without a credentials role).
    if route.unjudgeable() {
        let problem = route
            .resolved
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Some(Verdict::error(
            None,
            Problem::Unjudgeable {
                uri: route.uri.to_string(),
                problem,
            },
        ));
    }
    if route.credentials.is_some() {
        return None;
    }
    let function = route.resolved.as_ref().ok()?;
    let target = routes.target_of(route)?;
    if matches!(target.configuration, Lookup::Missing) {
        return None;
    }
    let source_arn = route.source_arn.clone().unwrap_or_default();
    let named = Some(target.arn.clone());
    let mut judgement = invoke_permission::judge(routes.scope, target, &source_arn);
    // An unqualified call of a Managed Instances function runs `$LATEST.PUBLISHED`; which of the
    // two policies authorizes it is not documented (docs/aws-facts.md §11.4). When they agree
    // that is the answer; when they differ the auditor cannot know.
    if let Some(published) = routes.published_of(function) {
        if published.configuration.found().is_some() {
            let other = invoke_permission::judge(routes.scope, published, &source_arn);
            let allowed = |j: &Judgement| matches!(j, Judgement::Allowed);
            if allowed(&judgement) != allowed(&other) {
                judgement = Judgement::Undecided {
                    statements: Vec::new(),
                    keys: vec![UnknownKey {
                        key: "the policy an unqualified Managed Instances call is judged by".into(),
                        why: format!(
                            "{} allows it and {} does not; an unqualified call runs \
                             $LATEST.PUBLISHED, and which policy authorizes it is not documented",
                            if allowed(&judgement) {
                                "the unqualified function's policy"
                            } else {
                                "$LATEST.PUBLISHED's policy"
                            },
                            if allowed(&judgement) {
                                "$LATEST.PUBLISHED's policy"
                            } else {
                                "the unqualified function's policy"
                            },
                        ),
                    }],
                };
            }
        }
    }
    match judgement {
        Judgement::Allowed => None,
        Judgement::Unknown(error) => {
            let message = format!(
                "could not evaluate whether API Gateway may invoke {} for {}: {} failed with {}: {}",
                function.short(),
                route.describe(),
                error.operation,
                error.code,
                error.message
            );
            Some(Verdict::error(
                named,
                Problem::Unknown {
                    error,
                    message,
                    source_arn,
                },
            ))
        }
        Judgement::Undecided { statements, keys } => {
            let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
            let message = format!(
                "could not decide whether API Gateway may invoke {} for {}: the function's policy decides on {}, which the auditor cannot know ({})",
                function.short(),
                route.describe(),
                names.join(", "),
                keys.iter()
                    .map(|k| format!("{}: {}", k.key, k.why))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            Some(Verdict::error(
                named,
                Problem::Undecided {
                    statements,
                    keys,
                    message,
                    source_arn,
                },
            ))
        }
        Judgement::Denied {
            reason,
            statements,
            allowed_on,
        } => Some(Verdict::fail(
            named,
            Problem::Denied {
                reason,
                statements,
                allowed_on,
                source_arn,
            },
        )),
    }
}

/// The message, evidence and remediation once all affected stages are known.
fn render(group: &Group<'_, Problem>) -> Rendered {
    let scope = group.routes.scope;
    if let Problem::Unjudgeable { uri, problem } = group.first() {
        let message = format!(
            "could not judge whether API Gateway may invoke Lambda for {} on {}: {problem}; \
             the auditor does not know this form, so no check of the link ran",
            group.route.describe(),
            group.on()
        );
        return Rendered::new(
            message,
            json!({"reason": "unjudgeable", "uri": uri, "problem": problem}),
            None,
        );
    }
    let mut source_arns: Vec<String> = Vec::new();
    for (_, problem) in &group.problems {
        if !source_arns.iter().any(|a| a == problem.source_arn()) {
            source_arns.push(problem.source_arn().to_string());
        }
    }
    let (reason, statements, allowed_on) = match group.first() {
        Problem::Unknown { error, message, .. } => {
            return Rendered::new(
                message.clone(),
                json!({"operation": error.operation, "code": error.code, "source_arns": source_arns}),
                None,
            );
        }
        Problem::Unjudgeable { .. } => return Rendered::new(String::new(), json!({}), None),
        Problem::Undecided {
            statements,
            keys,
            message,
            ..
        } => {
            return Rendered::new(
                message.clone(),
                json!({"reason": "undecided", "unknown_keys": keys, "statements": statements, "source_arns": source_arns}),
                None,
            );
        }
        Problem::Denied {
            reason,
            statements,
            allowed_on,
            ..
        } => (reason, statements, allowed_on),
    };
    let evidence = json!({
        "reason": reason,
        "source_arns": source_arns,
        "statements": statements,
        "allowed_on": allowed_on.as_ref().map(|a| &a.arn),
        "allowed_by": allowed_on.as_ref().map(|a| &a.statements),
        "principal": invoke_permission::APIGATEWAY_PRINCIPAL,
        "api_account": scope.account,
    });
    let Some(function) = &group.function else {
        return Rendered::new(String::new(), evidence, None);
    };
    let shown_arn = covering_source_arn(&source_arns);
    // Say where the permission is when it is on another form of the function.
    let explanation = match allowed_on.as_ref().map(|a| &a.arn) {
        Some(other) => format!(
            "the permission is on {}, but the integration invokes {}",
            other.short(),
            function.short()
        ),
        None => reason.explain().to_string(),
    };
    let message = format!(
        "API Gateway cannot invoke {} for {} on {}: {explanation} (source {shown_arn}); clients get 500",
        function.short(),
        group.route.describe(),
        group.on(),
    );
    let mut commands = Vec::new();
    if *reason == DenyReason::ExplicitDeny {
        for statement in statements {
            commands.push(remove_permission(scope, function, &statement.statement));
        }
    } else {
        commands.push(add_permission(
            scope,
            function,
            group.route.api.id(),
            &shown_arn,
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
    Rendered::new(message, evidence, Some(commands.join("\n")))
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
    use crate::checks::invoke_permission_missing::CHECK;
    use crate::inventory::Lookup;
    use crate::report::Status;
    use crate::testkit::*;

    /// A function policy that lets API Gateway in only from some addresses: the address API
    /// Gateway calls from is not published ("AWS global condition context keys", aws:SourceIp),
    /// so the check cannot decide and says so as an `error` naming the key.
    #[test]
    fn a_policy_that_depends_on_an_unknown_key_is_an_error_naming_it() {
        let f = function_arn("pets-get");
        let mut t = target("pets-get", "a1b2c3d4e5");
        t.policy = Lookup::Found(policy(vec![serde_json::json!({
            "Sid": "OfficeOnly", "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": f,
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
        })]));
        let inventory = scope()
            .api(
                api("a1b2c3d4e5", "pets")
                    .route("GET", "/pets", "pets-get")
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        let findings = run_check(&CHECK, &inventory);
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
