//! `deploy/iam-policy.json` grants exactly the actions the code calls: the set is derived from
//! the single registry of operations, so adding a call without its permission (or leaving a
//! permission the code no longer needs) fails here.

use std::collections::BTreeSet;

use apigw_auditor::inventory::aws::Operation;

fn policy_actions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/iam-policy.json"
    ))
    .expect("deploy/iam-policy.json is readable");
    let policy: serde_json::Value =
        serde_json::from_str(&text).expect("deploy/iam-policy.json is JSON");
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

#[test]
fn iam_policy_lists_exactly_the_actions_the_code_calls() {
    let called: BTreeSet<String> = Operation::ALL
        .iter()
        .filter_map(|op| op.iam_action())
        .map(str::to_string)
        .collect();
    assert_eq!(policy_actions(), called);
}

#[test]
fn iam_policy_is_read_only() {
    for action in policy_actions() {
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
