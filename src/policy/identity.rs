//! A role's own permissions: every identity policy attached to it (inline and managed), its
//! permissions boundary, and explicit deny anywhere wins — what IAM decides for a request the
//! role's session makes (IAM `reference_policies_evaluation-logic.md`: identity policies allow,
//! a boundary only limits, an explicit Deny in any of them ends the evaluation).
//!
//! Not covered: SCPs, resource control policies and session policies (API Gateway passes none
//! when it assumes an integration role). The rules that combine these with a function's policy,
//! within and across accounts, are in `access`; this module holds the role's side: its request
//! (`invoke_request`, with the role's tags) and the decision types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Principal, Request, RequestContext};

pub use super::access::{NamedPolicy, PolicyStatement, RoleDecision, RoleEvaluation};

/// The request a role's session makes when API Gateway invokes `function_arn` with it, now. The
/// session name API Gateway uses is not documented; only the account and the role name of the
/// session take part in matching (`principal.rs`). `tags` are the role's tags (GetRole), which
/// the request carries as `aws:PrincipalTag/...`.
pub fn invoke_request(
    role_arn: &str,
    tags: &BTreeMap<String, String>,
    function_arn: &str,
) -> Request {
    invoke_request_at(role_arn, tags, function_arn, Utc::now())
}

/// `invoke_request` at the time `now`.
pub fn invoke_request_at(
    role_arn: &str,
    tags: &BTreeMap<String, String>,
    function_arn: &str,
    now: DateTime<Utc>,
) -> Request {
    let parts: Vec<&str> = function_arn.splitn(6, ':').collect();
    let (region, account) = match parts.as_slice() {
        [_, _, _, region, account, _] => (*region, *account),
        _ => ("", ""),
    };
    Request {
        principal: Principal::RoleSession {
            role: role_arn.to_string(),
        },
        action: super::INVOKE_ACTION.to_string(),
        resource: function_arn.to_string(),
        context: RequestContext::role_session(role_arn, tags, account, region, now),
    }
}

/// Evaluates `request` against every identity policy of a role and its boundary alone (no
/// resource policy), as for a resource without one in the role's account.
pub fn evaluate_role(
    policies: &[NamedPolicy<'_>],
    boundary: Option<&NamedPolicy<'_>>,
    request: &Request,
) -> RoleEvaluation {
    super::access::evaluate_role_access(policies, boundary, None, request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

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
            let evaluation = evaluate_role(
                &named,
                boundary.as_ref(),
                &invoke_request(ROLE, &BTreeMap::new(), resource),
            );
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
        let denied = evaluate_role(
            &policies,
            Some(&boundary),
            &invoke_request(ROLE, &BTreeMap::new(), FN),
        );
        assert_eq!(
            denied.statements,
            vec![PolicyStatement {
                policy: "arn:aws:iam::123456789012:policy/deny".into(),
                statement: "d".into(),
                effect: "Deny",
                depends_on: Vec::new(),
            }]
        );
        let allowed = evaluate_role(
            &policies[..1],
            Some(&boundary),
            &invoke_request(ROLE, &BTreeMap::new(), FN),
        );
        assert_eq!(allowed.decision, RoleDecision::Allow);
        // The boundary's Allow is not a grant: only the inline policy is named.
        assert_eq!(allowed.statements.len(), 1);
        assert_eq!(allowed.statements[0].policy, "inline");
    }

    #[test]
    fn the_session_matches_resource_policies_naming_the_role_or_account() {
        let request = invoke_request(ROLE, &BTreeMap::new(), FN);
        for (entry, expected) in [
            (ROLE, true),
            ("123456789012", true),
            ("arn:aws:iam::123456789012:role/other", false),
            ("210987654321", false),
        ] {
            let policy = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": entry}, "Action": "lambda:InvokeFunction", "Resource": FN}});
            let decision = super::super::evaluate_resource_policy(&policy, &request).decision;
            assert_eq!(
                decision == super::super::Decision::Allow,
                expected,
                "{entry}"
            );
        }
    }
}
