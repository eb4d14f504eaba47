//! Table-driven tests of every condition operator: positive, negated, IfExists, missing key,
//! multi-value OR, case-insensitive key names, set qualifiers, ArnLike vs StringLike; every
//! operator family with its negated and IfExists forms; policy variables in values; keys the
//! auditor cannot know. Unless a row says otherwise, the page is IAM User Guide "IAM JSON policy
//! elements: Condition operators".

use std::collections::BTreeMap;

use super::*;

/// Whether the entry definitely holds in a context that lists every key (others absent).
fn holds(entry: &ConditionEntry, context: &Context, problems: &mut Vec<String>) -> bool {
    let context: RequestContext = context.clone().into();
    judge(entry, &context, true, problems).truth.is_true()
}

pub(super) const SRC: &str =
    "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets/{id}";
const API: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5";

pub(super) type Context = BTreeMap<String, Vec<String>>;

pub(super) fn ctx(pairs: &[(&str, &[&str])]) -> Context {
    pairs
        .iter()
        .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
        .collect()
}

pub(super) fn entry(operator: &str, key: &str, values: &[&str]) -> ConditionEntry {
    ConditionEntry {
        operator: operator.into(),
        key: key.into(),
        values: Some(values.iter().map(|v| v.to_string()).collect()),
    }
}

#[test]
fn operator_table() {
    let like_stage = format!("{API}/*/GET/pets/*");
    let like_lower = like_stage.replace("GET", "get");
    let upper = SRC.to_uppercase();
    let other_api = "arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz/*";
    let src = ctx(&[
        ("aws:SourceArn", &[SRC]),
        ("aws:SourceAccount", &["123456789012"]),
    ]);
    let empty = ctx(&[]);
    let acct = "aws:SourceAccount";
    let arn = "aws:SourceArn";
    // (operator, key, policy values, context, expected)
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, Vec<&str>, &Context, bool)> = vec![
        // StringEquals / StringNotEquals
        ("StringEquals", acct, vec!["123456789012"], &src, true),
        ("StringEquals", acct, vec!["210987654321"], &src, false),
        ("StringEquals", acct, vec!["210987654321", "123456789012"], &src, true), // OR
        ("StringEquals", acct, vec!["12345678901*"], &src, false), // no wildcards
        ("StringEquals", acct, vec!["123456789012"], &empty, false), // missing key
        ("StringEquals", "AWS:SOURCEACCOUNT", vec!["123456789012"], &src, true), // key case
        ("StringNotEquals", acct, vec!["210987654321"], &src, true),
        ("StringNotEquals", acct, vec!["123456789012"], &src, false),
        ("StringNotEquals", acct, vec!["210987654321", "123456789012"], &src, false), // AND of negations
        ("StringNotEquals", acct, vec!["123456789012"], &empty, true), // missing key
        ("StringEqualsIfExists", acct, vec!["210987654321"], &empty, true),
        ("StringEqualsIfExists", acct, vec!["210987654321"], &src, false),
        ("StringEqualsIfExists", acct, vec!["123456789012"], &src, true),
        ("StringNotEqualsIfExists", acct, vec!["123456789012"], &src, false),
        ("StringNotEqualsIfExists", acct, vec!["123456789012"], &empty, true),
        // ...IgnoreCase
        ("StringEqualsIgnoreCase", arn, vec![&upper], &src, true),
        ("StringEquals", arn, vec![&upper], &src, false),
        ("StringEqualsIgnoreCase", arn, vec!["x"], &empty, false),
        ("StringNotEqualsIgnoreCase", arn, vec![&upper], &src, false),
        ("StringNotEqualsIgnoreCase", arn, vec!["x"], &src, true),
        ("StringNotEqualsIgnoreCase", arn, vec!["x"], &empty, true),
        ("StringEqualsIgnoreCaseIfExists", arn, vec!["x"], &empty, true),
        ("StringNotEqualsIgnoreCaseIfExists", arn, vec![SRC], &src, false),
        // StringLike / StringNotLike: case-sensitive glob, `*` crosses `:`
        ("StringLike", arn, vec![&like_stage], &src, true),
        ("StringLike", arn, vec!["arn:aws:execute-api:*:a1b2c3d4e5/*"], &src, true),
        ("StringLike", arn, vec![&like_lower], &src, false),
        ("StringLike", arn, vec![other_api, &like_stage], &src, true), // OR
        ("StringLike", arn, vec![&like_stage], &empty, false),
        ("StringNotLike", arn, vec![other_api], &src, true),
        ("StringNotLike", arn, vec![other_api, &like_stage], &src, false),
        ("StringNotLike", arn, vec![other_api], &empty, true),
        ("StringLikeIfExists", arn, vec![other_api], &empty, true),
        ("StringLikeIfExists", arn, vec![other_api], &src, false),
        ("StringNotLikeIfExists", arn, vec![&like_stage], &src, false),
        // ArnLike / ArnEquals (identical) / negations: per component, `*` stops at `:`
        ("ArnLike", arn, vec![&like_stage], &src, true),
        ("ArnEquals", arn, vec![&like_stage], &src, true),
        ("ArnLike", arn, vec!["arn:aws:execute-api:*:a1b2c3d4e5/*"], &src, false),
        ("ArnLike", arn, vec!["arn:aws:execute-api:*:*:a1b2c3d4e5/*"], &src, true),
        ("ArnLike", arn, vec![SRC], &src, true),
        ("ArnLike", "Aws:SourceArn", vec![SRC], &src, true),
        ("ArnLike", arn, vec![other_api, SRC], &src, true), // OR
        ("ArnLike", arn, vec![SRC], &empty, false),
        ("ArnLike", arn, vec!["*"], &src, false), // not an ARN pattern
        ("ArnNotLike", arn, vec![other_api], &src, true),
        ("ArnNotEquals", arn, vec![&like_stage], &src, false),
        ("ArnNotLike", arn, vec![other_api, &like_stage], &src, false),
        ("ArnNotLike", arn, vec![other_api], &empty, true),
        ("ArnLikeIfExists", arn, vec![other_api], &empty, true),
        ("ArnEqualsIfExists", arn, vec![other_api], &src, false),
        ("ArnNotLikeIfExists", arn, vec![SRC], &src, false),
        ("ArnNotEqualsIfExists", arn, vec![SRC], &empty, true),
        // Null
        ("Null", arn, vec!["true"], &empty, true),
        ("Null", arn, vec!["true"], &src, false),
        ("Null", arn, vec!["false"], &src, true),
        ("Null", arn, vec!["false"], &empty, false),
        ("Null", "AWS:SOURCEARN", vec!["false"], &src, true),
        ("Null", arn, vec!["TRUE"], &empty, true),
        ("Null", arn, vec!["true", "false"], &src, true), // OR
        // operator names without case (IAM rejects these on write; harmless to accept)
        ("arnlike", arn, vec![SRC], &src, true),
    ];
    for (operator, key, values, context, expected) in cases {
        let mut problems = Vec::new();
        let got = holds(&entry(operator, key, &values), context, &mut problems);
        assert_eq!(
            got, expected,
            "{operator} {key} {values:?} in {context:?} ({problems:?})"
        );
    }
}

#[test]
fn set_qualifiers() {
    let tags = ctx(&[("aws:TagKeys", &["env", "team"])]);
    let empty_list = ctx(&[("aws:TagKeys", &[])]);
    let absent = ctx(&[]);
    let key = "aws:TagKeys";
    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<&str>, &Context, bool)> = vec![
        ("ForAllValues:StringEquals", vec!["env", "team", "owner"], &tags, true),
        ("ForAllValues:StringEquals", vec!["env"], &tags, false),
        ("ForAllValues:StringEquals", vec!["env"], &absent, true), // vacuous
        ("ForAllValues:StringEquals", vec!["env"], &empty_list, true),
        ("ForAllValues:StringLike", vec!["e*", "t*"], &tags, true),
        ("ForAllValues:StringNotEquals", vec!["owner"], &tags, true),
        ("ForAllValues:StringNotEquals", vec!["env"], &tags, false),
        ("ForAnyValue:StringEquals", vec!["team"], &tags, true),
        ("ForAnyValue:StringEquals", vec!["owner"], &tags, false),
        ("ForAnyValue:StringEquals", vec!["team"], &absent, false),
        ("ForAnyValue:StringNotEquals", vec!["env"], &tags, true), // "team" is not "env"
        ("ForAnyValue:StringNotEquals", vec!["env", "team"], &tags, false),
        ("ForAnyValue:StringEqualsIfExists", vec!["x"], &absent, true),
        ("forallvalues:stringequals", vec!["env", "team"], &tags, true),
        // without a qualifier, a multivalued key matches when any value does
    ];
    for (operator, values, context, expected) in cases {
        let mut problems = Vec::new();
        let got = holds(&entry(operator, key, &values), context, &mut problems);
        assert_eq!(
            got, expected,
            "{operator} {values:?} in {context:?} ({problems:?})"
        );
        assert!(problems.is_empty(), "{operator}: {problems:?}");
    }
}

#[test]
fn case_variant_context_keys_are_merged() {
    // Key names are case-insensitive ("IAM JSON policy elements: Condition"), so these are one
    // key with two values: a multivalued key, judged with a set operator.
    let context = ctx(&[
        ("AWS:SourceAccount", &["111111111111"]),
        ("aws:sourceaccount", &["123456789012"]),
    ]);
    let e = entry(
        "ForAnyValue:StringEquals",
        "aws:SourceAccount",
        &["123456789012"],
    );
    assert!(holds(&e, &context, &mut Vec::new()));
    let single = entry("StringEquals", "aws:SourceAccount", &["123456789012"]);
    let judged = judge(&single, &context.clone().into(), true, &mut Vec::new());
    assert_eq!(judged.truth, Truth::Unknown);
}

#[test]
fn bad_operators_and_values_never_hold_and_are_reported() {
    let src = ctx(&[("aws:SourceArn", &[SRC])]);
    let cases: Vec<(ConditionEntry, &str)> = vec![
        (entry("StringEqualz", "aws:SourceArn", &[SRC]), "unknown"),
        (
            entry("NumericEquals", "aws:SourceArn", &["one"]),
            "not a number",
        ),
        (
            entry("DateGreaterThan", "aws:SourceArn", &["2020-13-01"]),
            "not a date",
        ),
        (entry("Bool", "aws:SourceArn", &["yes"]), "neither"),
        // a value that cannot be read never turns a negated operator true
        (
            entry("NotIpAddress", "aws:SourceArn", &["10.0.0.0/33"]),
            "not an IP address",
        ),
        (
            entry("NumericNotEquals", "aws:SourceArn", &["x"]),
            "not a number",
        ),
        (
            entry("NullIfExists", "aws:SourceArn", &["true"]),
            "Null takes",
        ),
        (
            entry("ForAnyValue:Null", "aws:SourceArn", &["false"]),
            "Null takes",
        ),
        (entry("IfExists", "aws:SourceArn", &[SRC]), "unknown"),
        (entry("ForAllValues:", "aws:SourceArn", &[SRC]), "unknown"),
        (entry("Null", "aws:SourceArn", &["yes"]), "neither"),
        // negated operators must not turn a bad operator into "true"
        (entry("StringNotEqualz", "aws:SourceArn", &["x"]), "unknown"),
    ];
    for (e, expected_problem) in cases {
        let mut problems = Vec::new();
        assert!(!holds(&e, &src, &mut problems), "{e:?}");
        assert!(
            problems.iter().any(|p| p.contains(expected_problem)),
            "{e:?}: expected a problem containing {expected_problem:?}, got {problems:?}"
        );
    }
    let malformed = ConditionEntry {
        operator: "StringEquals".into(),
        key: "k".into(),
        values: None,
    };
    assert!(!holds(&malformed, &src, &mut Vec::new()));
}

#[test]
fn arn_patterns_that_cannot_match_are_reported() {
    let mut problems = Vec::new();
    let e = entry("ArnLike", "aws:SourceArn", &["a1b2c3d4e5/*"]);
    assert!(!holds(
        &e,
        &ctx(&[("aws:SourceArn", &[SRC])]),
        &mut problems
    ));
    assert_eq!(problems.len(), 1, "{problems:?}");
}
