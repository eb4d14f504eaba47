//! Differential test of the policy engine against an independent IAM evaluator,
//! `@cloud-copilot/iam-simulate` (npm, pinned in `tests/support/iam-simulate/package.json`,
//! installed by `scripts/test`): every case below is judged by both, with the same documents and
//! a request context that lists every key (so neither has anything unknown), and the decisions
//! must agree. Each case names the IAM User Guide page its rule comes from.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use apigw_auditor::policy::access::evaluate_role_access;
use apigw_auditor::policy::identity::{NamedPolicy, RoleDecision};
use apigw_auditor::policy::{
    evaluate_resource_policy, Decision, Principal, Request, RequestContext,
};
use serde_json::{json, Value};

#[path = "policy_differential/cases.rs"]
mod cases;

use cases::{Caller, Case, ROLE, SESSION};

/// Our engine's decision, in the simulator's words.
fn ours(case: &Case) -> String {
    let mut context = RequestContext::default();
    for (key, value) in &case.context {
        let values = match value {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Value::String(s) => vec![s.clone()],
            other => vec![other.to_string()],
        };
        context.insert(*key, values);
    }
    let principal = match case.caller {
        Caller::ApiGateway => Principal::Service("apigateway.amazonaws.com".into()),
        Caller::Role => Principal::RoleSession { role: ROLE.into() },
    };
    let request = Request {
        principal,
        action: "lambda:InvokeFunction".into(),
        resource: case.resource.into(),
        context,
    };
    if case.caller == Caller::ApiGateway {
        let policy = case.function_policy.as_ref().expect("a function policy");
        return match evaluate_resource_policy(policy, &request).decision {
            Decision::Allow => "Allowed",
            Decision::ExplicitDeny => "ExplicitlyDenied",
            Decision::ImplicitDeny => "ImplicitlyDenied",
            Decision::Undecided => "Undecided",
        }
        .into();
    }
    let names = ["p0", "p1", "p2"];
    let identity: Vec<NamedPolicy<'_>> = case
        .identity
        .iter()
        .enumerate()
        .map(|(i, document)| NamedPolicy {
            name: names[i],
            document,
        })
        .collect();
    let boundary = case.boundary.as_ref().map(|document| NamedPolicy {
        name: "boundary",
        document,
    });
    let function = case.function_policy.as_ref().map(|document| NamedPolicy {
        name: "function",
        document,
    });
    match evaluate_role_access(&identity, boundary.as_ref(), function.as_ref(), &request).decision {
        RoleDecision::Allow => "Allowed",
        RoleDecision::ExplicitDeny => "ExplicitlyDenied",
        RoleDecision::NoAllow
        | RoleDecision::BoundaryDenies
        | RoleDecision::ResourcePolicyDenies => "ImplicitlyDenied",
        RoleDecision::Undecided => "Undecided",
    }
    .into()
}

/// The simulator's decisions for all cases, in one Node run.
fn theirs(cases: &[Case]) -> Vec<String> {
    let harness = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/iam-simulate");
    assert!(
        harness
            .join("node_modules/@cloud-copilot/iam-simulate")
            .is_dir(),
        "the independent evaluator is not installed: run scripts/test, or `npm ci --prefix {}`",
        harness.display()
    );
    let input: Vec<Value> = cases
        .iter()
        .map(|case| {
            let context: BTreeMap<&str, &Value> = case.context.iter().map(|(k, v)| (*k, v)).collect();
            let policies: Vec<Value> = case
                .identity
                .iter()
                .enumerate()
                .map(|(i, policy)| json!({"name": format!("p{i}"), "policy": policy}))
                .collect();
            json!({
                "principal": if case.caller == Caller::ApiGateway { "apigateway.amazonaws.com" } else { SESSION },
                "action": "lambda:InvokeFunction",
                "resource": case.resource,
                "resourceAccount": case.resource.split(':').nth(4),
                "context": context,
                "identityPolicies": policies,
                "resourcePolicy": case.function_policy,
                "boundary": case.boundary.as_ref().map(|b| json!({"name": "boundary", "policy": b})),
            })
        })
        .collect();
    let mut child = Command::new("node")
        .arg("simulate.mjs")
        .current_dir(&harness)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(Value::Array(input).to_string().as_bytes())
        .expect("write the cases");
    let output = child.wait_with_output().expect("node finishes");
    assert!(output.status.success(), "node failed: {output:?}");
    serde_json::from_slice(&output.stdout).expect("a JSON array of results")
}

#[test]
fn the_engine_agrees_with_an_independent_evaluator() {
    let cases = cases::cases();
    let theirs = theirs(&cases);
    assert_eq!(theirs.len(), cases.len());
    let mut disagreements = Vec::new();
    for (case, theirs) in cases.iter().zip(&theirs) {
        let ours = ours(case);
        println!("{:<55} {:<18} ({})", case.name, ours, case.page);
        if &ours != theirs {
            disagreements.push(format!(
                "{}: ours {ours}, theirs {theirs} ({})",
                case.name, case.page
            ));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    // Both decide both ways: a table where everything is allowed (or denied) proves little.
    for decision in ["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"] {
        assert!(
            theirs.iter().any(|t| t == decision),
            "no case is {decision}"
        );
    }
}
