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
