//! `integration-role-invalid`: the role an integration or a Lambda authorizer names in
//! `credentials` cannot be used to invoke its function — it does not exist, does not trust API
//! Gateway, or its policies (within its permissions boundary) do not allow
//! `lambda:InvokeFunction` on the exact target; for a function in another account, the
//! function's policy must also allow the role.

mod fix;

use serde::Serialize;
use serde_json::json;

use crate::arn::is_pass_through;
use crate::arn::FunctionArn;
use crate::checks::shared::route_groups::{run_per_route, Verdict};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{IamRole, Lookup, ScopeInventory};
use crate::log_signatures;
use crate::policy::access::evaluate_role_access;
use crate::policy::identity::{invoke_request, NamedPolicy, RoleDecision};
use crate::policy::{trust, Decision, UnknownKey};
use crate::report::{Finding, Severity};
use crate::routes::{RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("integration-role-invalid"),
    title: "The integration's credentials role cannot invoke the Lambda function",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every deployed stage and every AWS_PROXY Lambda method, HTTP API Lambda route or \
Lambda authorizer whose `credentials` (`credentialsArn` on HTTP APIs) name an IAM role: the role exists (iam:GetRole); its trust policy lets \
apigateway.amazonaws.com call sts:AssumeRole (judged with aws:SourceAccount = the API's account \
and aws:SourceArn = the route's execute-api ARN); its inline and attached managed policies allow \
lambda:InvokeFunction on exactly the ARN the URI resolves to (Lambda's qualifier rules apply: a \
grant on the unqualified ARN does not cover an alias), its permissions boundary also allows it, \
and no Deny in any of them, nor in the function's policy, applies. For a function in another \
account the function's resource policy must also allow the role (or its account). \
evidence.reason is one of role-missing, not-trusted, no-invoke-permission, boundary-denies, \
explicit-deny, resource-policy-denies, pass-through (and undecided for `error` findings); \
evidence.statements names the statements that decided. The function's policy counts as IAM \
counts it: a statement naming the role grants (within its boundary), one naming only the \
account delegates and needs the role's own policies too. Pass-through credentials (arn:aws:iam::*:user/*) are reported once per route as an \
`info` note: whether a call succeeds depends on each caller's own permissions.",
    why: "API Gateway assumes the role to call Lambda. A role it cannot assume fails every call \
with 500 and the execution log line `API Gateway does not have permission to assume the provided \
role`; a role without lambda:InvokeFunction on the target fails with 500 and `Invalid permissions \
on Lambda function` (docs/aws-facts.md §2 \"Integration credentials\"); an HTTP API answers 500 and \
its access log's `$context.integrationErrorMessage` says the role `doesn't have permissions to \
call the integration` (§12.3). The function's resource policy is \
not consulted for a same-account role, so invoke-permission-missing stays silent.",
    fix: "Run the commands in the remediation: `aws iam update-assume-role-policy` to trust \
apigateway.amazonaws.com (merge with the statements the role already has), `aws iam \
put-role-policy` to allow lambda:InvokeFunction on the exact target, a new default version of \
the boundary policy that allows it too, or `aws lambda add-permission --principal ROLE` in the \
function's account. Or remove `credentials` from the integration and grant API Gateway itself \
with add-permission.",
    limits: "Service control policies, resource control policies and session policies are not \
evaluated. Whether API Gateway sends aws:SourceArn/aws:SourceAccount when it assumes the role is \
not documented; they are assumed present. The role's session is judged with the keys the \
auditor knows (principal ARN, account and type, the role's tags as aws:PrincipalTag/..., the \
function's Region as aws:RequestedRegion, the current time); a decision that depends on a key \
it cannot know (aws:SourceIp, aws:PrincipalOrgID, MFA, aws:CalledVia, the session name, ...) \
is reported with status `error` and evidence.reason `undecided`, naming the keys and the \
statements. A role in another account is read only through that account's configured role \
([[scope.accounts]]); otherwise the finding has status `error`.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[
        &log_signatures::INVALID_PERMISSIONS,
        &log_signatures::CANNOT_ASSUME_ROLE,
        &log_signatures::INTEGRATION_PERMISSIONS,
    ],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge_route, fix::render)
}

/// Why the role cannot invoke: the `evidence.reason` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Reason {
    RoleMissing,
    NotTrusted,
    NoInvokePermission,
    BoundaryDenies,
    ExplicitDeny,
    ResourcePolicyDenies,
    PassThrough,
    /// The decision depends on keys the auditor cannot know: an `error` finding.
    Undecided,
}

/// What one route on one stage was judged to be.
enum Problem {
    Fail {
        reason: Reason,
        /// The role ARN, or the pass-through form, as `credentials` names it.
        role: String,
        source_arn: String,
        /// The statements and decisions behind `reason`, for the evidence.
        detail: serde_json::Value,
        /// The permissions boundary that denies, for `boundary-denies`.
        boundary: Option<String>,
    },
    /// Whether the role may invoke depends on keys the auditor cannot know.
    Undecided {
        role: String,
        source_arn: String,
        detail: serde_json::Value,
        message: String,
    },
    /// The role (or the function's policy, for a cross-account role) could not be read.
    Error {
        message: String,
        evidence: serde_json::Value,
    },
}

fn judge_route(routes: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    let scope = routes.scope;
    let credentials = route.credentials?;
    let function = route.resolved.as_ref().ok()?;
    let target = routes.target_of(route);
    if target.is_some_and(|t| matches!(t.configuration, Lookup::Missing)) {
        // integration-target-missing reports it; there is nothing to invoke.
        return None;
    }
    let named = Some(function.clone());
    let fail = |reason: Reason, detail: serde_json::Value, boundary: Option<String>| {
        Verdict::fail(
            named.clone(),
            Problem::Fail {
                reason,
                role: credentials.to_string(),
                source_arn: route.source_arn.clone().unwrap_or_default(),
                detail,
                boundary,
            },
        )
    };
    let error = |message: String, error: &crate::inventory::CollectionError| {
        Verdict::error(
            named.clone(),
            Problem::Error {
                message,
                evidence: json!({"operation": error.operation, "code": error.code, "role": credentials}),
            },
        )
    };
    if is_pass_through(credentials) {
        return Some(fail(Reason::PassThrough, json!({}), None));
    }
    let role = match scope.roles.get(credentials) {
        // Not read (a snapshot from before roles were collected): nothing to judge.
        None => return None,
        Some(Lookup::Missing) => return Some(fail(Reason::RoleMissing, json!({}), None)),
        Some(Lookup::Failed(failure)) => {
            let message = format!(
                "could not evaluate the credentials role {credentials} of {}: {} failed with {}: {}",
                route.describe(),
                failure.operation,
                failure.code,
                failure.message
            );
            return Some(error(message, failure));
        }
        Some(Lookup::Found(role)) => role,
    };
    // A function in another account: its policy decides too, and it could not be read.
    if crate::arn::account_of(&role.arn) != function.account {
        if let Some(failure) = target.and_then(|t| t.policy.failed()) {
            let message = format!(
                "could not evaluate whether role {credentials} may invoke {} for {}: {}",
                function.short(),
                route.describe(),
                failure.message
            );
            return Some(error(message, failure));
        }
    }
    let source_arn = route.source_arn.clone().unwrap_or_default();
    let (reason, detail, undecided) = judge_role(scope, role, function, &source_arn, target)?;
    if let Some(undecided) = undecided {
        let message = format!(
            "could not decide whether the credentials role {credentials} may invoke {} for {}: the {} decide on {} (statements: {})",
            function.short(),
            route.describe(),
            undecided.policy,
            undecided
                .keys
                .iter()
                .map(|k| format!("{} ({})", k.key, k.why))
                .collect::<Vec<_>>()
                .join(", "),
            undecided.statements.join(", ")
        );
        return Some(Verdict::error(
            named,
            Problem::Undecided {
                role: credentials.to_string(),
                source_arn,
                detail,
                message,
            },
        ));
    }
    let boundary = (reason == Reason::BoundaryDenies)
        .then(|| role.boundary.as_ref().map(|b| b.name.clone()))
        .flatten();
    Some(fail(reason, detail, boundary))
}

/// `None` when the role can invoke the function, else why and the statements that decided.
/// The identity policies, the boundary and the function's policy are combined by the policy
/// engine as IAM does within and across accounts (`policy::access`).
fn judge_role(
    scope: &ScopeInventory,
    role: &IamRole,
    function: &FunctionArn,
    source_arn: &str,
    target: Option<&crate::inventory::LambdaTarget>,
) -> Option<(Reason, serde_json::Value, Option<Undecided>)> {
    let trust =
        trust::apigateway_may_assume(&role.trust_policy, &role.arn, &scope.account, source_arn);
    if trust.decision != Decision::Allow {
        let deciding: Vec<String> = trust.deciding_statements().map(|s| s.name()).collect();
        if trust.decision == Decision::Undecided {
            let undecided = Undecided {
                policy: "trust policy",
                keys: trust.unknown_keys.clone(),
                statements: deciding.clone(),
            };
            return Some((
                Reason::Undecided,
                json!({"policy": "trust policy", "unknown_keys": trust.unknown_keys, "statements": deciding}),
                Some(undecided),
            ));
        }
        return Some((
            Reason::NotTrusted,
            json!({"trust_decision": trust.decision, "statements": deciding}),
            None,
        ));
    }
    let named: Vec<NamedPolicy<'_>> = role
        .policies
        .iter()
        .map(|p| NamedPolicy {
            name: &p.name,
            document: &p.document,
        })
        .collect();
    let boundary = role.boundary.as_ref().map(|b| NamedPolicy {
        name: &b.name,
        document: &b.document,
    });
    let function_policy = match target.map(|t| &t.policy) {
        Some(Lookup::Found(policy)) => Some(NamedPolicy {
            name: FUNCTION_POLICY,
            document: &policy.document,
        }),
        _ => None,
    };
    let request = invoke_request(&role.arn, &role.tags, &function.to_string());
    let access = evaluate_role_access(
        &named,
        boundary.as_ref(),
        function_policy.as_ref(),
        &request,
    );
    let detail = json!({
        "statements": access.statements,
        "boundary": role.boundary.as_ref().map(|b| &b.name),
    });
    let undecided = (access.decision == RoleDecision::Undecided).then(|| Undecided {
        policy: "role policies",
        keys: access.unknown_keys.clone(),
        statements: access
            .statements
            .iter()
            .map(|s| format!("{} {} of {}", s.effect, s.statement, s.policy))
            .collect(),
    });
    let verdict = match access.decision {
        RoleDecision::Allow => None,
        RoleDecision::ExplicitDeny
            if access
                .statements
                .iter()
                .all(|s| s.policy == FUNCTION_POLICY) =>
        {
            Some((
                Reason::ExplicitDeny,
                json!({"function_policy": "a Deny statement of the function's policy applies to the role", "statements": access.statements}),
            ))
        }
        RoleDecision::ExplicitDeny => Some((Reason::ExplicitDeny, detail)),
        RoleDecision::BoundaryDenies => Some((Reason::BoundaryDenies, detail)),
        RoleDecision::NoAllow => Some((Reason::NoInvokePermission, detail)),
        // Cross-account calls need both sides (IAM cross-account evaluation, docs/aws-facts.md §2).
        RoleDecision::ResourcePolicyDenies => Some((
            Reason::ResourcePolicyDenies,
            json!({"function_account": function.account}),
        )),
        RoleDecision::Undecided => Some((
            Reason::Undecided,
            json!({"policy": "role policies", "unknown_keys": access.unknown_keys, "statements": access.statements}),
        )),
    };
    verdict.map(|(reason, detail)| (reason, detail, undecided))
}

/// A decision that depends on keys the auditor cannot know: which policies, the keys, and the
/// statements that depend on them, for the `error` finding's message.
struct Undecided {
    policy: &'static str,
    keys: Vec<UnknownKey>,
    statements: Vec<String>,
}

/// How the function's policy is named among the role's policies in the evidence.
const FUNCTION_POLICY: &str = "function policy";


#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::CHECK;
    use crate::inventory::{IamRole, Lookup, RolePolicy};
    use crate::report::{Finding, Severity, Status};
    use crate::testkit::*;

    const API: &str = "a1b2c3d4e5";
    const ROLE: &str = "arn:aws:iam::123456789012:role/apigw-invoke";

    fn trust_apigw() -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    }

    fn allow_invoke(resource: &str) -> RolePolicy {
        RolePolicy {
            name: "invoke".into(),
            managed: false,
            document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resource}]}),
        }
    }

    fn healthy_role() -> IamRole {
        IamRole {
            arn: ROLE.into(),
            trust_policy: trust_apigw(),
            policies: vec![allow_invoke("*")],
            boundary: None,
            tags: Default::default(),
        }
    }

    /// GET /pets on prod and dev to `reference` with `credentials`; the role as given.
    fn run_with(reference: &str, credentials: &str, role: Option<Lookup<IamRole>>) -> Vec<Finding> {
        let mut integration = proxy_integration(reference);
        integration.credentials = Some(credentials.into());
        let mut t = target(reference, API);
        // The function's policy does not name the role: only the role's own policies count.
        t.policy = Lookup::Missing;
        let mut scope = scope()
            .api(
                api(API, "pets")
                    .integration("GET", "/pets", integration)
                    .stage("prod")
                    .stage("dev"),
            )
            .target(t)
            .build();
        if let Some(role) = role {
            scope.roles.insert(credentials.into(), role);
        }
        run_check(&CHECK, &inventory(vec![scope]))
    }

    fn reason(findings: &[Finding]) -> String {
        only(findings).evidence["reason"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_healthy_role_is_silent() {
        assert!(run_with("pets-get", ROLE, Some(Lookup::Found(healthy_role()))).is_empty());
        // Granted on exactly the alias the URI names.
        let mut role = healthy_role();
        role.policies = vec![allow_invoke(&function_arn("pets-get:live"))];
        assert!(run_with("pets-get:live", ROLE, Some(Lookup::Found(role))).is_empty());
    }

    #[test]
    fn every_reason() {
        let findings = run_with("pets-get", ROLE, Some(Lookup::Missing));
        assert_eq!(reason(&findings), "role-missing");
        let finding = only(&findings);
        assert_eq!(finding.stages, vec!["dev", "prod"]);
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(finding.client_status, Some(500));
        assert!(finding
            .remediation
            .as_deref()
            .unwrap()
            .starts_with("aws iam create-role --role-name apigw-invoke"));

        let mut role = healthy_role();
        role.trust_policy = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let findings = run_with("pets-get", ROLE, Some(Lookup::Found(role)));
        assert_eq!(reason(&findings), "not-trusted");
        assert!(only(&findings)
            .remediation
            .as_deref()
            .unwrap()
            .contains("update-assume-role-policy"));

        // A grant on the unqualified function does not cover the alias the URI names.
        let mut role = healthy_role();
        role.policies = vec![allow_invoke(&function_arn("pets-get"))];
        let findings = run_with("pets-get:live", ROLE, Some(Lookup::Found(role)));
        assert_eq!(reason(&findings), "no-invoke-permission");
        let finding = only(&findings);
        assert!(
            finding.message.contains("pets-get:live")
                && finding.message.contains("stages dev, prod"),
            "{}",
            finding.message
        );
        assert!(finding
            .remediation
            .as_deref()
            .unwrap()
            .contains("put-role-policy"));

        let mut role = healthy_role();
        role.boundary = Some(RolePolicy {
            name: "arn:aws:iam::123456789012:policy/boundary".into(),
            managed: true,
            document: json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        });
        let findings = run_with("pets-get", ROLE, Some(Lookup::Found(role)));
        assert_eq!(reason(&findings), "boundary-denies");
        assert_eq!(
            only(&findings).evidence["detail"]["boundary"],
            "arn:aws:iam::123456789012:policy/boundary"
        );

        let mut role = healthy_role();
        role.policies.push(RolePolicy {
            name: "arn:aws:iam::123456789012:policy/no-lambda".into(),
            managed: true,
            document: json!({"Statement": [{"Sid": "nolambda", "Effect": "Deny", "Action": "lambda:*", "Resource": "*"}]}),
        });
        let findings = run_with("pets-get", ROLE, Some(Lookup::Found(role)));
        assert_eq!(reason(&findings), "explicit-deny");
        assert_eq!(
            only(&findings).evidence["detail"]["statements"][0]["statement"],
            "nolambda"
        );
    }

    /// GET /pets to pets-get with the role, the function's policy as given.
    fn run_with_function_policy(role: IamRole, statements: Vec<Value>) -> Vec<Finding> {
        let mut integration = proxy_integration("pets-get");
        integration.credentials = Some(ROLE.into());
        let mut t = target("pets-get", API);
        t.policy = Lookup::Found(policy(statements));
        let mut scope = scope()
            .api(
                api(API, "pets")
                    .integration("GET", "/pets", integration)
                    .stage("prod"),
            )
            .target(t)
            .build();
        scope.roles.insert(ROLE.into(), Lookup::Found(role));
        run_check(&CHECK, &inventory(vec![scope]))
    }

    /// IAM User Guide, "Principal": an account principal "delegates authority to the account";
    /// "Policy evaluation logic": a grant to the role's ARN needs no identity permission.
    #[test]
    fn account_principals_delegate_and_role_principals_grant() {
        let mut role = healthy_role();
        role.policies = vec![];
        let fn_arn = function_arn("pets-get");
        let to = |principal: Value| {
            json!({"Sid": "grant", "Effect": "Allow", "Principal": principal,
                "Action": "lambda:InvokeFunction", "Resource": fn_arn})
        };
        let findings =
            run_with_function_policy(role.clone(), vec![to(json!({"AWS": "123456789012"}))]);
        assert_eq!(reason(&findings), "no-invoke-permission");
        assert!(run_with_function_policy(role, vec![to(json!({"AWS": ROLE}))]).is_empty());
    }

    /// A boundary that allows only some source addresses: the address API Gateway calls from is
    /// unknown, so the finding is an `error` naming aws:SourceIp and the boundary's statement.
    #[test]
    fn a_decision_on_an_unknown_key_is_an_error_naming_it() {
        let mut role = healthy_role();
        role.boundary = Some(RolePolicy {
            name: "arn:aws:iam::123456789012:policy/office".into(),
            managed: true,
            document: json!({"Version": "2012-10-17", "Statement": [{"Sid": "OfficeOnly", "Effect": "Allow",
                "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}),
        });
        let findings = run_with("pets-get", ROLE, Some(Lookup::Found(role)));
        let finding = only(&findings);
        assert_eq!(finding.status, Status::Error);
        assert_eq!(finding.evidence["reason"], "undecided");
        assert!(
            finding.message.contains("aws:SourceIp") && finding.message.contains("OfficeOnly"),
            "{}",
            finding.message
        );
        assert_eq!(finding.remediation, None);
    }

    #[test]
    fn pass_through_is_an_info_note() {
        let findings = run_with("pets-get", "arn:aws:iam::*:user/*", None);
        let finding = only(&findings);
        assert_eq!(finding.evidence["reason"], "pass-through");
        assert_eq!(finding.severity, Severity::Info);
        assert_eq!(finding.client_status, None);
        assert_eq!(finding.remediation, None);
    }

    #[test]
    fn failures_and_routes_without_a_role() {
        let findings = run_with(
            "pets-get",
            ROLE,
            Some(Lookup::Failed(access_denied("iam:GetRole", ROLE))),
        );
        let finding = only(&findings);
        assert_eq!(finding.status, Status::Error);
        assert!(
            finding.message.contains("iam:GetRole"),
            "{}",
            finding.message
        );

        // No credentials: invoke-permission-missing's business.
        let inventory = scope()
            .api(
                api(API, "pets")
                    .route("GET", "/pets", "pets-get")
                    .stage("prod"),
            )
            .target(target("pets-get", API))
            .inventory();
        assert!(crate::testkit::run_check(&CHECK, &inventory).is_empty());
    }

    #[test]
    fn cross_account_needs_the_functions_policy_too() {
        let remote = "arn:aws:lambda:us-east-1:210987654321:function:shared";
        let findings = run_with(remote, ROLE, Some(Lookup::Found(healthy_role())));
        assert_eq!(reason(&findings), "resource-policy-denies");
        let remediation = only(&findings).remediation.clone().unwrap();
        assert!(
            remediation.starts_with("# run in account 210987654321"),
            "{remediation}"
        );
        assert!(
            remediation.contains(&format!("--principal {ROLE}")),
            "{remediation}"
        );

        // With a statement for the role in the function's policy, the call is allowed.
        let mut integration = proxy_integration(remote);
        integration.credentials = Some(ROLE.into());
        let mut t = target(remote, API);
        t.policy = Lookup::Found(policy(vec![json!({"Sid": "role", "Effect": "Allow",
            "Principal": {"AWS": ROLE}, "Action": "lambda:InvokeFunction", "Resource": remote})]));
        let mut scope = scope()
            .api(
                api(API, "pets")
                    .integration("GET", "/pets", integration)
                    .stage("prod"),
            )
            .target(t)
            .build();
        scope
            .roles
            .insert(ROLE.into(), Lookup::Found(healthy_role()));
        assert!(run_check(&CHECK, &inventory(vec![scope])).is_empty());
    }

    /// An HTTP API route's `credentialsArn` is judged like a REST integration's credentials: the
    /// role, not the function policy, decides.
    #[test]
    fn an_http_route_credentials_role_is_judged() {
        let run = |role: IamRole| {
            let mut integration = http_integration("orders");
            integration.credentials = Some(ROLE.into());
            let mut t = target("orders", "h1");
            t.policy = Lookup::Missing;
            let mut scope = scope()
                .http_api(
                    http_api("h1", "orders")
                        .integration("$default", integration)
                        .stage("$default"),
                )
                .target(t)
                .build();
            scope.roles.insert(ROLE.into(), Lookup::Found(role));
            run_check(&CHECK, &inventory(vec![scope]))
        };
        assert!(run(healthy_role()).is_empty());
        let mut role = healthy_role();
        role.trust_policy = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let findings = run(role);
        let f = only(&findings);
        assert_eq!(f.evidence["reason"], "not-trusted");
        assert_eq!(f.stages, vec!["$default"]);
        let route = f.route.as_ref().unwrap();
        assert_eq!((route.method.as_str(), route.path.as_str()), ("ANY", "$default"));
    }
}
