//! A role's own permissions: every identity policy attached to it (inline and managed), its
//! permissions boundary, and explicit deny anywhere wins — what IAM decides for a request the
//! role's session makes (IAM `reference_policies_evaluation-logic.md`: identity policies allow,
//! a boundary only limits, an explicit Deny in any of them ends the evaluation).
//!
//! Not covered: SCPs, resource control policies and session policies (API Gateway passes none
//! when it assumes an integration role).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::{evaluate_identity_policy, Decision, Effect, Principal, Request};

/// One policy of a role, as read: its name (inline) or ARN (managed), and its document.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy<'a> {
    pub name: &'a str,
    pub document: &'a Value,
}

/// What IAM decides for the role's request, from its identity policies and boundary alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleDecision {
    Allow,
    /// A Deny statement of an identity policy or of the boundary applies.
    ExplicitDeny,
    /// No identity policy allows the request.
    NoAllow,
    /// An identity policy allows it, but the permissions boundary does not.
    BoundaryDenies,
}

/// A statement that decided, named by its policy and its Sid (or `#index`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyStatement {
    pub policy: String,
    pub statement: String,
    pub effect: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleEvaluation {
    pub decision: RoleDecision,
    /// The statements behind the decision: the Denies for `explicit-deny`, the Allows of the
    /// identity policies otherwise (none for `no-allow`).
    pub statements: Vec<PolicyStatement>,
    /// Anything malformed or suspicious in the documents, prefixed with the policy's name.
    pub problems: Vec<String>,
}

/// The request a role's session makes when API Gateway invokes `function_arn` with it. The
/// session name API Gateway uses is not documented; only the account and the role name of an
/// assumed-role ARN ever take part in matching (`principal.rs`).
pub fn invoke_request(role_arn: &str, function_arn: &str) -> Request {
    let account = role_arn.split(':').nth(4).unwrap_or_default().to_string();
    let name = role_arn.rsplit('/').next().unwrap_or_default();
    let partition = role_arn.split(':').nth(1).unwrap_or("aws");
    let session = format!("arn:{partition}:sts::{account}:assumed-role/{name}/apigateway");
    Request {
        principal: Principal::Aws(session),
        action: super::INVOKE_ACTION.to_string(),
        resource: function_arn.to_string(),
        context: BTreeMap::from([
            ("aws:PrincipalArn".to_string(), vec![role_arn.to_string()]),
            ("aws:PrincipalAccount".to_string(), vec![account]),
        ]),
    }
}

/// Evaluates `request` against every identity policy of a role and its boundary.
pub fn evaluate_role(
    policies: &[NamedPolicy<'_>],
    boundary: Option<&NamedPolicy<'_>>,
    request: &Request,
) -> RoleEvaluation {
    let mut problems = Vec::new();
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    let mut judge = |policy: &NamedPolicy<'_>| {
        let evaluation = evaluate_identity_policy(policy.document, request);
        problems.extend(
            evaluation
                .problems
                .iter()
                .map(|p| format!("{}: {p}", policy.name)),
        );
        for s in evaluation.statements.iter().filter(|s| s.applies) {
            let named = PolicyStatement {
                policy: policy.name.to_string(),
                statement: s
                    .sid
                    .clone()
                    .filter(|sid| !sid.is_empty())
                    .unwrap_or_else(|| format!("#{}", s.index)),
                effect: match s.effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny",
                },
            };
            match s.effect {
                Effect::Deny => denies.push(named),
                Effect::Allow => allows.push(named),
            }
        }
        evaluation.decision
    };
    // Every policy is judged (not just up to the first Allow): a Deny in a later one wins, and
    // the evidence names every deciding statement.
    let decisions: Vec<Decision> = policies.iter().map(&mut judge).collect();
    let identity_allows = decisions.contains(&Decision::Allow);
    let boundary_decision = boundary.map(&mut judge);
    // Allows of the boundary only permit; they are not grants. Keep the identity ones.
    if let Some(boundary) = boundary {
        allows.retain(|s| s.policy != boundary.name);
    }
    let (decision, statements) = if !denies.is_empty() {
        (RoleDecision::ExplicitDeny, denies)
    } else if !identity_allows {
        (RoleDecision::NoAllow, Vec::new())
    } else if boundary_decision.is_some_and(|d| d != Decision::Allow) {
        (RoleDecision::BoundaryDenies, allows)
    } else {
        (RoleDecision::Allow, allows)
    };
    RoleEvaluation {
        decision,
        statements,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::123456789012:role/service/apigw-invoke";
    const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets";
    const FN_LIVE: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets:live";

    fn allow(action: &str, resource: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "a", "Effect": "Allow", "Action": action, "Resource": resource}]})
    }
    fn deny(action: &str, resource: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "d", "Effect": "Deny", "Action": action, "Resource": resource}]})
    }

    #[test]
    fn table() {
        let none = json!({"Version": "2012-10-17", "Statement": []});
        type Case<'a> = (&'a str, Vec<Value>, Option<Value>, &'a str, RoleDecision);
        #[rustfmt::skip]
        let cases: Vec<Case<'_>> = vec![
            ("allow on the exact ARN", vec![allow("lambda:InvokeFunction", FN)], None, FN, RoleDecision::Allow),
            ("wildcard action and resource", vec![allow("lambda:*", "*")], None, FN, RoleDecision::Allow),
            ("action names are case-insensitive", vec![allow("Lambda:invokefunction", FN)], None, FN, RoleDecision::Allow),
            ("another action only", vec![allow("lambda:GetFunction", "*")], None, FN, RoleDecision::NoAllow),
            ("no policy at all", vec![], None, FN, RoleDecision::NoAllow),
            ("empty policy", vec![none.clone()], None, FN, RoleDecision::NoAllow),
            // Lambda's qualifier rules hold for identity policies too (docs/aws-facts.md §2).
            ("unqualified ARN does not cover an alias", vec![allow("lambda:InvokeFunction", FN)], None, FN_LIVE, RoleDecision::NoAllow),
            ("name* covers both", vec![allow("lambda:InvokeFunction", &format!("{FN}*"))], None, FN_LIVE, RoleDecision::Allow),
            ("deny in another policy wins", vec![allow("lambda:*", "*"), deny("lambda:InvokeFunction", FN)], None, FN, RoleDecision::ExplicitDeny),
            ("deny of another function does not apply", vec![allow("lambda:*", "*"), deny("lambda:InvokeFunction", FN_LIVE)], None, FN, RoleDecision::Allow),
            ("boundary allowing", vec![allow("lambda:InvokeFunction", FN)], Some(allow("lambda:*", "*")), FN, RoleDecision::Allow),
            ("boundary not allowing", vec![allow("lambda:InvokeFunction", FN)], Some(allow("s3:*", "*")), FN, RoleDecision::BoundaryDenies),
            ("boundary denying", vec![allow("lambda:InvokeFunction", FN)], Some(deny("lambda:*", "*")), FN, RoleDecision::ExplicitDeny),
            ("boundary alone grants nothing", vec![], Some(allow("lambda:*", "*")), FN, RoleDecision::NoAllow),
            ("NotAction allow", vec![json!({"Statement": {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}})], None, FN, RoleDecision::Allow),
            ("NotResource deny of others", vec![allow("lambda:*", "*"), json!({"Statement": {"Effect": "Deny", "Action": "lambda:*", "NotResource": FN}})], None, FN, RoleDecision::Allow),
            ("condition on the principal's account", vec![json!({"Statement": {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}}})], None, FN, RoleDecision::Allow),
            ("condition on a key API Gateway never sends", vec![json!({"Statement": {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}})], None, FN, RoleDecision::NoAllow),
            // An identity policy with a Principal is refused by IAM; here it matches nothing.
            ("a Principal makes the statement void", vec![json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "lambda:*", "Resource": "*"}})], None, FN, RoleDecision::NoAllow),
            // The policy text as IAM returns it (a JSON string) is read too.
            ("policy given as a JSON string", vec![Value::String(allow("lambda:InvokeFunction", FN).to_string())], None, FN, RoleDecision::Allow),
        ];
        for (name, policies, boundary, resource, expected) in cases {
            let named: Vec<NamedPolicy<'_>> = policies
                .iter()
                .enumerate()
                .map(|(i, document)| NamedPolicy {
                    name: ["p0", "p1", "p2"][i],
                    document,
                })
                .collect();
            let boundary = boundary.as_ref().map(|document| NamedPolicy {
                name: "boundary",
                document,
            });
            let evaluation =
                evaluate_role(&named, boundary.as_ref(), &invoke_request(ROLE, resource));
            assert_eq!(evaluation.decision, expected, "{name}: {evaluation:#?}");
        }
    }

    #[test]
    fn deciding_statements_are_named_by_policy() {
        let a = allow("lambda:*", "*");
        let d = deny("lambda:InvokeFunction", FN);
        let b = allow("lambda:*", "*");
        let policies = [
            NamedPolicy {
                name: "inline",
                document: &a,
            },
            NamedPolicy {
                name: "arn:aws:iam::123456789012:policy/deny",
                document: &d,
            },
        ];
        let boundary = NamedPolicy {
            name: "arn:aws:iam::123456789012:policy/boundary",
            document: &b,
        };
        let denied = evaluate_role(&policies, Some(&boundary), &invoke_request(ROLE, FN));
        assert_eq!(
            denied.statements,
            vec![PolicyStatement {
                policy: "arn:aws:iam::123456789012:policy/deny".into(),
                statement: "d".into(),
                effect: "Deny",
            }]
        );
        let allowed = evaluate_role(&policies[..1], Some(&boundary), &invoke_request(ROLE, FN));
        assert_eq!(allowed.decision, RoleDecision::Allow);
        // The boundary's Allow is not a grant: only the inline policy is named.
        assert_eq!(allowed.statements.len(), 1);
        assert_eq!(allowed.statements[0].policy, "inline");
    }

    #[test]
    fn the_session_matches_resource_policies_naming_the_role_or_account() {
        let request = invoke_request(ROLE, FN);
        for (entry, expected) in [
            (ROLE, true),
            ("123456789012", true),
            ("arn:aws:iam::123456789012:role/other", false),
            ("210987654321", false),
        ] {
            let policy = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": entry}, "Action": "lambda:InvokeFunction", "Resource": FN}});
            let decision = super::super::evaluate_resource_policy(&policy, &request).decision;
            assert_eq!(decision == Decision::Allow, expected, "{entry}");
        }
    }
}
