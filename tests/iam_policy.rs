//! `deploy/iam-policy.json` grants exactly the actions the code calls: the set is derived from
//! the single registry of operations, so adding a call without its permission (or leaving a
//! permission the code no longer needs) fails here. The opt-in probe's calls, which run
//! functions, are granted only by the separate, optional `deploy/iam-policy-probe.json`.

use std::collections::BTreeSet;

use apigw_auditor::aws::Operation;

fn policy() -> serde_json::Value {
    policy_file("deploy/iam-policy.json")
}

fn policy_file(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path} is readable: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is JSON: {e}"))
}

fn policy_actions(policy: &serde_json::Value) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"]
        .as_array()
        .expect("Statement is an array")
    {
        assert_eq!(statement["Effect"], "Allow", "the policy only allows");
        match &statement["Action"] {
            serde_json::Value::String(action) => {
                actions.insert(action.clone());
            }
            serde_json::Value::Array(list) => actions.extend(
                list.iter()
                    .map(|a| a.as_str().expect("actions are strings").to_string()),
            ),
            other => panic!("unexpected Action {other}"),
        }
    }
    actions
}

/// The actions the code calls, from the registry of operations.
fn called_actions() -> BTreeSet<String> {
    Operation::ALL
        .iter()
        .filter_map(|op| op.iam_action())
        .map(str::to_string)
        .collect()
}

/// How a policy disagrees with the code: the actions the code calls that it does not grant, and
/// the ones it grants that the code never calls. `None` when it grants exactly what is called.
fn mismatch(policy: &serde_json::Value) -> Option<String> {
    let granted = policy_actions(policy);
    let called = called_actions();
    let missing: Vec<&String> = called.difference(&granted).collect();
    let unused: Vec<&String> = granted.difference(&called).collect();
    if missing.is_empty() && unused.is_empty() {
        return None;
    }
    Some(format!(
        "called but not granted: {missing:?}; granted but never called: {unused:?}"
    ))
}

#[test]
fn iam_policy_lists_exactly_the_actions_the_code_calls() {
    if let Some(problem) = mismatch(&policy()) {
        panic!("deploy/iam-policy.json disagrees with the code: {problem}");
    }
}

/// The check above can fail: take any one action out of the policy (out of every statement that
/// grants it), and the mismatch names exactly that action as missing.
#[test]
fn iam_policy_check_fails_when_an_action_is_removed() {
    let policy = policy();
    let actions = policy_actions(&policy);
    assert!(!actions.is_empty());
    for removed in &actions {
        let mut without = policy.clone();
        for statement in without["Statement"].as_array_mut().unwrap() {
            let granted = &mut statement["Action"];
            if let Some(list) = granted.as_array_mut() {
                list.retain(|a| a != removed.as_str());
            } else if granted.as_str() == Some(removed.as_str()) {
                *granted = serde_json::json!([]);
            }
        }
        let problem =
            mismatch(&without).unwrap_or_else(|| panic!("{removed} removed, no mismatch"));
        assert_eq!(
            problem,
            format!("called but not granted: [{removed:?}]; granted but never called: []")
        );
    }
    // And an action the code never calls is reported too.
    let mut extra = policy;
    extra["Statement"].as_array_mut().unwrap().push(
        serde_json::json!({"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "*"}),
    );
    assert_eq!(
        mismatch(&extra).unwrap(),
        r#"called but not granted: []; granted but never called: ["lambda:UpdateFunctionCode"]"#
    );
}

#[test]
fn iam_policy_reads_except_in_its_publish_statement() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/iam-policy.json"
    ))
    .unwrap();
    let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
    let writes: BTreeSet<String> = Operation::ALL
        .iter()
        .filter(|op| op.writes())
        .filter_map(|op| op.iam_action())
        .map(str::to_string)
        .collect();
    for statement in policy["Statement"].as_array().unwrap() {
        let sid = statement["Sid"].as_str().unwrap_or_default();
        let actions: Vec<&str> = match &statement["Action"] {
            serde_json::Value::String(action) => vec![action.as_str()],
            serde_json::Value::Array(list) => list.iter().filter_map(|a| a.as_str()).collect(),
            _ => Vec::new(),
        };
        for action in actions {
            if writes.contains(action) {
                // The publishing sinks' calls, and only them, sit in the Publish statement, so a
                // read-only deployment simply leaves that statement out.
                assert!(
                    sid.starts_with("Publish"),
                    "{action} writes but is in statement {sid}"
                );
                continue;
            }
            if action == "sts:AssumeRole" {
                // Grants nothing by itself: the session may do what the audit role's own
                // (read-only) policy in the other account allows.
                continue;
            }
            let verb = action.split(':').nth(1).unwrap_or_default();
            assert!(
                verb == "GET"
                    || ["Get", "List", "Describe", "Filter"]
                        .iter()
                        .any(|read| verb.starts_with(read)),
                "{action} is not a read-only action"
            );
        }
    }
}

/// The IAM reads of integration credentials roles (`iam:GetRole`, the role's policies, managed
/// policy versions) are only Get/List calls, only on roles and policies: the auditor can read
/// how a role is set up, never change it, and never reads users, groups or credentials.
#[test]
fn iam_reads_are_get_and_list_on_roles_and_policies_only() {
    let policy = policy();
    let iam_actions: BTreeSet<String> = called_actions()
        .into_iter()
        .filter(|a| a.starts_with("iam:"))
        .collect();
    assert_eq!(
        iam_actions,
        [
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    );
    for statement in policy["Statement"].as_array().unwrap() {
        let actions: Vec<&str> = match &statement["Action"] {
            serde_json::Value::String(action) => vec![action.as_str()],
            serde_json::Value::Array(list) => list.iter().filter_map(|a| a.as_str()).collect(),
            _ => Vec::new(),
        };
        if !actions.iter().any(|a| a.starts_with("iam:")) {
            continue;
        }
        assert!(
            actions.iter().all(|a| a.starts_with("iam:")),
            "IAM reads have a statement of their own: {statement}"
        );
        assert_eq!(
            statement["Resource"],
            serde_json::json!(["arn:aws:iam::*:role/*", "arn:aws:iam::*:policy/*"]),
            "{statement}"
        );
    }
}

/// The probe's calls (`lambda:InvokeFunction`) run customer code: the read-only policy never
/// grants them, and the optional `deploy/iam-policy-probe.json` grants exactly them.
#[test]
fn probe_actions_are_only_in_the_optional_probe_policy() {
    let probe: BTreeSet<String> = Operation::PROBE
        .iter()
        .filter_map(|op| op.iam_action())
        .map(str::to_string)
        .collect();
    assert_eq!(probe, BTreeSet::from(["lambda:InvokeFunction".to_string()]));
    let read_only = policy_actions(&policy());
    assert!(
        read_only.is_disjoint(&probe),
        "deploy/iam-policy.json must not grant {probe:?}"
    );
    let probe_policy = policy_file("deploy/iam-policy-probe.json");
    assert_eq!(policy_actions(&probe_policy), probe);
    // Only functions (any qualifier), nothing else.
    for statement in probe_policy["Statement"].as_array().unwrap() {
        for resource in statement["Resource"].as_array().unwrap() {
            let resource = resource.as_str().unwrap();
            assert!(
                resource.starts_with("arn:aws:lambda:") && resource.contains(":function:"),
                "{resource}"
            );
        }
    }
}

/// The Security Hub sink's calls (`securityhub:BatchImportFindings`, and the `GetFindings` that
/// reads its earlier findings back) sit together in a publishing statement of their own, so a
/// deployment without Security Hub leaves exactly that statement out.
#[test]
fn security_hub_actions_have_a_publish_statement_of_their_own() {
    let called: BTreeSet<String> = called_actions()
        .into_iter()
        .filter(|a| a.starts_with("securityhub:"))
        .collect();
    assert_eq!(
        called,
        BTreeSet::from([
            "securityhub:BatchImportFindings".to_string(),
            "securityhub:GetFindings".to_string()
        ])
    );
    let policy = policy();
    let statement = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "PublishSecurityHubFindings")
        .expect("a PublishSecurityHubFindings statement");
    assert_eq!(
        policy_actions(&serde_json::json!({ "Statement": [statement] })),
        called
    );
}
