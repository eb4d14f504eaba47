//! Tests of whole-document evaluation: statement forms, the Not... elements, Resource matching
//! with Lambda qualifiers, the decision order, problems, and odd JSON that must not panic.

use serde_json::{json, Value};

use super::*;

const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets";
const FN_LIVE: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets:live";
const SRC: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets";
const ACCOUNT: &str = "123456789012";

fn apigw(resource: &str) -> Request {
    Request::apigateway_invoke(resource, SRC, ACCOUNT)
}

fn stmt(extra: Value) -> Value {
    let mut s = json!({
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": FN,
    });
    if let (Some(base), Some(extra)) = (s.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    s
}

fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Id": "default", "Statement": statements})
}

fn decide(doc: &Value, request: &Request) -> Decision {
    evaluate_resource_policy(doc, request).decision
}

#[test]
fn resource_element_and_lambda_qualifiers() {
    // docs/aws-facts.md §2 "Qualifiers"
    #[rustfmt::skip]
    let cases = [
        (FN, FN, true),
        (FN, FN_LIVE, false),
        (FN_LIVE, FN, false),
        (FN_LIVE, FN_LIVE, true),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets:*", FN_LIVE, true),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets:*", FN, false),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets*", FN, true),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets*", FN_LIVE, true),
        ("arn:aws:lambda:us-east-1:123456789012:function:Pets", FN, false), // case-sensitive
        ("arn:aws:lambda:*:123456789012:function:pets", FN, true),
        ("arn:aws:lambda:us-east-?:123456789012:function:pets", FN, true),
        ("*", FN_LIVE, true),
    ];
    for (pattern, resource, expected) in cases {
        assert_eq!(
            resource_matches(pattern, resource),
            expected,
            "{pattern} vs {resource}"
        );
        let doc = policy(vec![stmt(json!({"Resource": pattern}))]);
        let want = if expected {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        };
        assert_eq!(
            decide(&doc, &apigw(resource)),
            want,
            "{pattern} vs {resource}"
        );
    }
}

#[test]
fn element_forms() {
    let r = apigw(FN);
    #[rustfmt::skip]
    let allowed: &[(Value, bool)] = &[
        (json!({}), true),
        (json!({"Action": ["lambda:GetFunction", "lambda:InvokeFunction"]}), true),
        (json!({"Action": "LAMBDA:invokefunction"}), true),
        (json!({"Action": "lambda:*"}), true),
        (json!({"Action": "*"}), true),
        (json!({"Action": "lambda:Invoke*"}), true),
        (json!({"Action": "lambda:InvokeFunctionUrl"}), false),
        (json!({"Action": []}), false),
        (json!({"Resource": [FN_LIVE, FN]}), true),
        (json!({"Principal": "*"}), true),
        (json!({"Principal": {"AWS": "*"}}), true),
        (json!({"Principal": {"AWS": ACCOUNT}}), false),
        (json!({"Principal": {"Service": ["apigateway.amazonaws.com"]}}), true),
        // Not... forms invert the match
        (json!({"Principal": null, "NotPrincipal": {"AWS": ACCOUNT}}), true),
        (json!({"Principal": null, "NotPrincipal": {"Service": "apigateway.amazonaws.com"}}), false),
        (json!({"Principal": null, "NotPrincipal": "*"}), false),
        (json!({"Action": null, "NotAction": "lambda:GetFunction"}), true),
        (json!({"Action": null, "NotAction": "lambda:Invoke*"}), false),
        (json!({"Resource": null, "NotResource": FN_LIVE}), true),
        (json!({"Resource": null, "NotResource": "arn:aws:lambda:*:*:function:pets*"}), false),
        // a missing Resource is read as matching (with a problem); missing Action/Principal not
        (json!({"Resource": null}), true),
        (json!({"Action": null}), false),
        (json!({"Principal": null}), false),
        // both forms at once, or a bad Effect: never applies
        (json!({"NotAction": "lambda:GetFunction"}), false),
        (json!({"Effect": "allow"}), false),
        (json!({"Effect": null}), false),
        // an empty Condition block has nothing to fail
        (json!({"Condition": {}}), true),
    ];
    for (extra, expected) in allowed {
        let doc = policy(vec![stmt(extra.clone())]);
        let want = if *expected {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        };
        let eval = evaluate_resource_policy(&doc, &r);
        assert_eq!(eval.decision, want, "{extra}: {eval:#?}");
    }
}

#[test]
fn single_statement_object_and_policy_string() {
    let doc = json!({"Version": "2012-10-17", "Statement": stmt(json!({"Sid": "one"}))});
    let eval = evaluate_resource_policy(&doc, &apigw(FN));
    assert_eq!(eval.decision, Decision::Allow);
    assert_eq!(eval.statements.len(), 1);
    assert_eq!(eval.statements[0].sid.as_deref(), Some("one"));
    // GetPolicy's `Policy` field is the document as a string
    let text = Value::String(doc.to_string());
    assert_eq!(decide(&text, &apigw(FN)), Decision::Allow);
    assert!(evaluate_resource_policy(&text, &apigw(FN))
        .problems
        .is_empty());
}

#[test]
fn explicit_deny_wins_and_outcomes_say_why() {
    let deny = stmt(json!({
        "Sid": "no-test-invoke", "Effect": "Deny",
        "Condition": {"StringLike": {"aws:SourceArn": "*/test-invoke-stage/*"}},
    }));
    let doc = policy(vec![stmt(json!({"Sid": "allow"})), deny.clone()]);
    let eval = evaluate_resource_policy(&doc, &apigw(FN));
    assert_eq!(
        eval.decision,
        Decision::Allow,
        "deny condition does not hold for prod"
    );
    assert!(!eval.statements[1].applies);
    assert_eq!(eval.statements[1].failed_conditions().count(), 1);

    let test_invoke =
        Request::apigateway_invoke(FN, &SRC.replace("prod", "test-invoke-stage"), ACCOUNT);
    let eval = evaluate_resource_policy(&doc, &test_invoke);
    assert_eq!(eval.decision, Decision::ExplicitDeny);
    let deciding: Vec<_> = eval.deciding_statements().map(|s| s.index).collect();
    assert_eq!(deciding, vec![1]);
    // order does not matter
    let reversed = policy(vec![deny, stmt(json!({}))]);
    assert_eq!(decide(&reversed, &test_invoke), Decision::ExplicitDeny);
}

#[test]
fn multiple_keys_and_operators_are_anded() {
    let cond = json!({"Condition": {
        "StringEquals": {"AWS:SourceAccount": ACCOUNT, "aws:PrincipalOrgID": "o-abc"},
    }});
    let eval = evaluate_resource_policy(&policy(vec![stmt(cond)]), &apigw(FN));
    assert_eq!(
        eval.decision,
        Decision::ImplicitDeny,
        "PrincipalOrgID is absent"
    );
    let outcome = &eval.statements[0];
    assert!(outcome.principal_matched && outcome.action_matched && outcome.resource_matched);
    assert_eq!(outcome.conditions.len(), 2);
    let failed: Vec<&str> = outcome
        .failed_conditions()
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(failed, vec!["aws:PrincipalOrgID"]);

    let two_ops = |account: &str| {
        stmt(json!({"Condition": {
            "StringEquals": {"AWS:SourceAccount": account},
            "ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*"},
        }}))
    };
    assert_eq!(
        decide(&policy(vec![two_ops(ACCOUNT)]), &apigw(FN)),
        Decision::Allow
    );
    assert_eq!(
        decide(&policy(vec![two_ops("210987654321")]), &apigw(FN)),
        Decision::ImplicitDeny
    );
}

#[test]
fn condition_values_in_json_scalar_forms() {
    let numeric =
        stmt(json!({"Condition": {"StringEquals": {"aws:SourceAccount": 123456789012u64}}}));
    assert_eq!(decide(&policy(vec![numeric]), &apigw(FN)), Decision::Allow);
    let boolean = stmt(json!({"Condition": {"StringEquals": {"custom:flag": [false, "x"]}}}));
    let mut r = apigw(FN);
    r.context.insert("custom:flag", vec!["false".into()]);
    assert_eq!(decide(&policy(vec![boolean]), &r), Decision::Allow);
    let null = stmt(json!({"Condition": {"Null": {"aws:SourceArn": false}}}));
    assert_eq!(decide(&policy(vec![null]), &apigw(FN)), Decision::Allow);
}

#[test]
fn problems_are_reported_with_the_statement() {
    let doc = policy(vec![
        stmt(json!({"Sid": "typo", "Conditon": {}})),
        stmt(json!({"Resource": null})),
        stmt(json!({"Condition": {"NumericLessThan": {"k": "one"}}})),
        json!("not a statement"),
    ]);
    let eval = evaluate_resource_policy(&doc, &apigw(FN));
    assert_eq!(
        eval.statements.len(),
        4,
        "one outcome per statement, even a bad one"
    );
    assert_eq!(
        eval.statements.iter().map(|s| s.index).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    let has = |needle: &str| eval.problems.iter().any(|p| p.contains(needle));
    assert!(
        has("statement 0 (Sid \"typo\"): unknown element \"Conditon\""),
        "{:?}",
        eval.problems
    );
    assert!(has("statement 1: no Resource"), "{:?}", eval.problems);
    assert!(
        has("statement 2: NumericLessThan k: \"one\" is not a number"),
        "{:?}",
        eval.problems
    );
    assert!(
        has("statement 3 is not a JSON object"),
        "{:?}",
        eval.problems
    );
    assert!(!eval.statements[2].applies && !eval.statements[3].applies);
}

#[test]
fn odd_json_never_panics() {
    let odd_values = [
        json!(null),
        json!(0),
        json!(-1.5),
        json!(true),
        json!(""),
        json!("{"),
        json!("\"nested string\""),
        json!([]),
        json!([[[]]]),
        json!({}),
        json!([null, 1, "x", {}]),
        json!({"": null}),
        json!({"AWS": {"AWS": []}}),
        json!({"StringEquals": {"aws:SourceArn": [[], {}]}}),
        json!({"StringEquals": []}),
        json!({"ForAnyValue:": {"k": "v"}}),
        json!("é*?**"),
    ];
    let fields = [
        "Statement",
        "Effect",
        "Sid",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    ];
    let requests = [
        apigw(FN),
        Request {
            principal: Principal::Aws("not-an-arn".into()),
            action: String::new(),
            resource: "ä:*".into(),
            context: [
                (String::new(), vec![]),
                ("aws:SourceArn".to_string(), vec![String::new()]),
            ]
            .into_iter()
            .collect(),
        },
    ];
    for odd in &odd_values {
        for request in &requests {
            let _ = evaluate_resource_policy(odd, request);
            let _ = evaluate_resource_policy(&json!({"Statement": odd}), request);
            let _ = evaluate_resource_policy(&json!({"Statement": [odd, odd]}), request);
            for field in fields {
                let doc = policy(vec![stmt(json!({ field: odd }))]);
                let eval = evaluate_resource_policy(&doc, request);
                assert_eq!(eval.statements.len(), 1);
                let wrapped = json!({"Statement": {"Condition": {field: odd}}});
                let _ = evaluate_resource_policy(&wrapped, request);
            }
        }
    }
}

#[test]
fn decision_serializes_kebab_case() {
    let names: Vec<String> = [
        Decision::Allow,
        Decision::ExplicitDeny,
        Decision::ImplicitDeny,
    ]
    .iter()
    .map(|d| serde_json::to_string(d).unwrap_or_default())
    .collect();
    assert_eq!(
        names,
        vec!["\"allow\"", "\"explicit-deny\"", "\"implicit-deny\""]
    );
}
