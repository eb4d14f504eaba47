//! The same-account and cross-account rules of `access`, one row per rule, each citing its page
//! of the IAM User Guide.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::policy::identity::invoke_request;
use RoleDecision::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/service/apigw-invoke";
const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/apigw-invoke/some-session";
const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets";
const REMOTE_FN: &str = "arn:aws:lambda:us-east-1:210987654321:function:shared";

fn identity(effect: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": format!("id-{effect}"), "Effect": effect, "Action": "lambda:InvokeFunction", "Resource": resource}]})
}

fn function_policy(effect: &str, principal: Value, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": format!("fn-{effect}"), "Effect": effect, "Principal": principal, "Action": "lambda:InvokeFunction", "Resource": resource}]})
}

fn run(
    identity: &[Value],
    boundary: Option<&Value>,
    function: Option<&Value>,
    resource: &str,
) -> RoleEvaluation {
    let names = ["p0", "p1", "p2"];
    let policies: Vec<NamedPolicy<'_>> = identity
        .iter()
        .enumerate()
        .map(|(i, document)| NamedPolicy {
            name: names[i],
            document,
        })
        .collect();
    let boundary = boundary.map(|document| NamedPolicy {
        name: "boundary",
        document,
    });
    let function = function.map(|document| NamedPolicy {
        name: "function",
        document,
    });
    evaluate_role_access(
        &policies,
        boundary.as_ref(),
        function.as_ref(),
        &invoke_request(ROLE, &BTreeMap::new(), resource),
    )
}

#[test]
fn rules() {
    let allow = identity("Allow", "*");
    let deny = identity("Deny", "*");
    let s3_only = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    let to = |effect: &str, principal: Value, resource: &str| {
        function_policy(effect, principal, resource)
    };
    let account = to(
        "Allow",
        json!({"AWS": "arn:aws:iam::123456789012:root"}),
        FN,
    );
    let account_id = to("Allow", json!({"AWS": "123456789012"}), FN);
    let role = to("Allow", json!({"AWS": ROLE}), FN);
    let session = to("Allow", json!({"AWS": SESSION}), FN);
    let everyone = to("Allow", json!("*"), FN);
    let deny_account = to("Deny", json!({"AWS": "123456789012"}), FN);
    let remote_account = to("Allow", json!({"AWS": "123456789012"}), REMOTE_FN);
    let remote_role = to("Allow", json!({"AWS": ROLE}), REMOTE_FN);
    let remote_other = to("Allow", json!({"AWS": "111111111111"}), REMOTE_FN);
    type Case<'a> = (
        &'a str,
        Vec<Value>,
        Option<&'a Value>,
        Option<&'a Value>,
        &'a str,
        RoleDecision,
    );
    #[rustfmt::skip]
    let cases: Vec<Case<'_>> = vec![
        // "Policy evaluation logic", Evaluating identity-based policies with resource-based policies
        ("identity alone, same account", vec![allow.clone()], None, None, FN, Allow),
        ("nothing at all", vec![], None, None, FN, NoAllow),
        // "Principal", AWS account principals: "This delegates authority to the account"
        ("account principal without identity permission", vec![], None, Some(&account), FN, NoAllow),
        ("account id without identity permission", vec![], None, Some(&account_id), FN, NoAllow),
        ("account principal with identity permission", vec![allow.clone()], None, Some(&account), FN, Allow),
        // "Policy evaluation logic", IAM role: "limited by an implicit deny in a permissions boundary"
        ("role ARN grant, no identity permission", vec![], None, Some(&role), FN, Allow),
        ("role ARN grant, boundary not allowing", vec![], Some(&s3_only), Some(&role), FN, NoAllow),
        ("role ARN grant, boundary allowing", vec![], Some(&allow), Some(&role), FN, Allow),
        // "Policy evaluation logic", Evaluating identity-based policies with permissions boundaries
        ("identity within a boundary that does not allow", vec![allow.clone()], Some(&s3_only), None, FN, BoundaryDenies),
        ("boundary alone grants nothing", vec![], Some(&allow), None, FN, NoAllow),
        // IAM role session: "not limited by an implicit deny in ... a permissions boundary"; the
        // session name API Gateway uses is not documented, so a grant to one session is undecided
        ("grant to a named session", vec![], None, Some(&session), FN, Undecided),
        ("grant to a named session, identity allows anyway", vec![allow.clone()], None, Some(&session), FN, Allow),
        // `*`: a grant without a boundary; with one that does not allow, not documented
        ("wildcard principal, no boundary", vec![], None, Some(&everyone), FN, Allow),
        ("wildcard principal, boundary not allowing", vec![], Some(&s3_only), Some(&everyone), FN, Undecided),
        // Deny evaluation: "even one explicit deny" in any policy
        ("deny in an identity policy", vec![allow.clone(), deny.clone()], None, Some(&role), FN, ExplicitDeny),
        ("deny in the boundary", vec![allow.clone()], Some(&deny), None, FN, ExplicitDeny),
        ("deny in the function's policy naming the account", vec![allow.clone()], None, Some(&deny_account), FN, ExplicitDeny),
        // "Cross-account policy evaluation logic": both evaluations must allow
        ("cross account, identity only", vec![allow.clone()], None, None, REMOTE_FN, ResourcePolicyDenies),
        ("cross account, function policy only", vec![], None, Some(&remote_role), REMOTE_FN, NoAllow),
        ("cross account, both (role)", vec![allow.clone()], None, Some(&remote_role), REMOTE_FN, Allow),
        ("cross account, both (account)", vec![allow.clone()], None, Some(&remote_account), REMOTE_FN, Allow),
        ("cross account, another account named", vec![allow.clone()], None, Some(&remote_other), REMOTE_FN, ResourcePolicyDenies),
        ("cross account, boundary not allowing", vec![allow.clone()], Some(&s3_only), Some(&remote_role), REMOTE_FN, BoundaryDenies),
    ];
    for (name, identity, boundary, function, resource, expected) in cases {
        let evaluation = run(&identity, boundary, function, resource);
        assert_eq!(evaluation.decision, expected, "{name}: {evaluation:#?}");
    }
}

#[test]
fn undecided_names_the_keys_and_statements() {
    // "AWS global condition context keys", aws:SourceIp: the address API Gateway calls from is
    // not published, so a boundary that allows only some addresses cannot be judged.
    let boundary = json!({"Version": "2012-10-17", "Statement": [{"Sid": "OfficeOnly", "Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]});
    let evaluation = run(&[identity("Allow", "*")], Some(&boundary), None, FN);
    assert_eq!(evaluation.decision, Undecided, "{evaluation:#?}");
    assert_eq!(evaluation.unknown_keys.len(), 1);
    assert_eq!(evaluation.unknown_keys[0].key, "aws:SourceIp");
    assert_eq!(
        evaluation.statements,
        vec![PolicyStatement {
            policy: "boundary".into(),
            statement: "OfficeOnly".into(),
            effect: "Allow",
            depends_on: vec!["aws:SourceIp".into()],
        }]
    );
    // An unknown Deny where nothing allows: denied whatever the key is.
    let deny_unless = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]});
    assert_eq!(
        run(std::slice::from_ref(&deny_unless), None, None, FN).decision,
        NoAllow
    );
    assert_eq!(
        run(&[identity("Allow", "*"), deny_unless], None, None, FN).decision,
        Undecided
    );
}
