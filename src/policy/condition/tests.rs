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

const SRC: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets/{id}";
const API: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5";

type Context = BTreeMap<String, Vec<String>>;

fn ctx(pairs: &[(&str, &[&str])]) -> Context {
    pairs
        .iter()
        .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
        .collect()
}

fn entry(operator: &str, key: &str, values: &[&str]) -> ConditionEntry {
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

/// The outcome of one entry in `context`: "true", "false" or "unknown".
fn outcome(operator: &str, key: &str, values: &[&str], context: &RequestContext) -> &'static str {
    match judge(
        &entry(operator, key, values),
        context,
        true,
        &mut Vec::new(),
    )
    .truth
    {
        Truth::True => "true",
        Truth::False => "false",
        Truth::Unknown => "unknown",
    }
}

/// Every operator family, plain, negated and `IfExists`, present and missing key. Rows cite the
/// family's section of "IAM JSON policy elements: Condition operators"; missing-key rows its
/// "Important" note ("the condition is false ... negated ... true ... except IfExists and Null").
#[test]
fn every_family_with_negation_and_if_exists() {
    let context: RequestContext = ctx(&[
        ("aws:CurrentTime", &["2026-03-02T09:00:00Z"]),
        ("aws:EpochTime", &["1772442000"]),
        ("aws:MultiFactorAuthAge", &["300"]),
        ("aws:SecureTransport", &["true"]),
        ("aws:SourceIp", &["203.0.113.7"]),
        ("x:bytes", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="]),
        (
            "aws:PrincipalArn",
            &["arn:aws:iam::123456789012:role/ops/deployer"],
        ),
    ])
    .into();
    let t = "aws:CurrentTime";
    let ip = "aws:SourceIp";
    let age = "aws:MultiFactorAuthAge";
    let missing = "aws:TokenIssueTime";
    #[rustfmt::skip]
    let cases: &[(&str, &str, &[&str], &str)] = &[
        // Date condition operators
        ("DateGreaterThan", t, &["2020-01-01T00:00:01Z"], "true"),
        ("DateGreaterThan", t, &["2099-01-01T00:00:00Z"], "false"),
        ("DateLessThan", t, &["2099-01-01T00:00:00Z"], "true"),
        ("DateLessThanEquals", t, &["2026-03-02T09:00:00Z"], "true"),
        ("DateGreaterThanEquals", t, &["2026-03-02T09:00:01Z"], "false"),
        ("DateEquals", t, &["2026-03-02T09:00:00Z"], "true"),
        ("DateNotEquals", t, &["2026-03-02T09:00:00Z"], "false"),
        ("DateNotEquals", t, &["2020-01-01", "2021-01-01"], "true"), // AND of negations
        ("DateGreaterThan", "aws:EpochTime", &["1577836800"], "true"), // epoch with dates
        ("DateGreaterThan", missing, &["2020-01-01"], "false"),
        ("DateNotEquals", missing, &["2020-01-01"], "true"),
        ("DateGreaterThanIfExists", missing, &["2099-01-01"], "true"),
        ("DateGreaterThanIfExists", t, &["2099-01-01"], "false"),
        // Numeric condition operators
        ("NumericLessThan", age, &["3600"], "true"),
        ("NumericLessThanEquals", age, &["300"], "true"),
        ("NumericGreaterThan", age, &["300"], "false"),
        ("NumericGreaterThanEquals", age, &["300"], "true"),
        ("NumericEquals", age, &["100", "300"], "true"), // OR
        ("NumericNotEquals", age, &["100", "300"], "false"),
        ("NumericNotEquals", age, &["100"], "true"),
        ("NumericLessThan", missing, &["3600"], "false"),
        ("NumericNotEquals", missing, &["3600"], "true"),
        ("NumericLessThanIfExists", missing, &["1"], "true"),
        ("NumericNotEqualsIfExists", age, &["300"], "false"),
        // Boolean condition operators
        ("Bool", "aws:SecureTransport", &["true"], "true"),
        ("Bool", "aws:SecureTransport", &["false"], "false"),
        ("Bool", "aws:ViaAWSService", &["false"], "false"), // missing key
        ("BoolIfExists", "aws:ViaAWSService", &["false"], "true"),
        ("BoolIfExists", "aws:SecureTransport", &["false"], "false"),
        // Binary condition operators
        ("BinaryEquals", "x:bytes", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="], "true"),
        ("BinaryEquals", "x:bytes", &["QUJD"], "false"),
        ("BinaryEqualsIfExists", "x:other", &["QUJD"], "true"),
        // IP address condition operators, IPv4 and IPv6, NotIpAddress AND of negations
        ("IpAddress", ip, &["203.0.113.0/24"], "true"),
        ("IpAddress", ip, &["198.51.100.0/24", "203.0.113.0/24"], "true"),
        ("IpAddress", ip, &["2001:DB8:1234:5678::/64"], "false"),
        ("NotIpAddress", ip, &["203.0.113.0/24"], "false"),
        ("NotIpAddress", ip, &["198.51.100.0/24", "2001:DB8::/32"], "true"),
        ("NotIpAddress", ip, &["198.51.100.0/24", "203.0.113.0/24"], "false"),
        ("IpAddress", "aws:VpcSourceIp", &["10.0.0.0/8"], "false"),
        ("NotIpAddress", "aws:VpcSourceIp", &["10.0.0.0/8"], "true"),
        ("IpAddressIfExists", "aws:VpcSourceIp", &["10.0.0.0/8"], "true"),
        ("NotIpAddressIfExists", ip, &["203.0.113.7"], "false"),
        // ARN condition operators on a role ARN with a path
        ("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/ops/*"], "true"),
        ("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/ops/*"], "false"),
        ("ArnEquals", "aws:PrincipalArn", &["arn:aws:iam::123456789012:role/deployer"], "false"),
    ];
    for (operator, key, values, expected) in cases {
        assert_eq!(
            outcome(operator, key, values, &context),
            *expected,
            "{operator} {key} {values:?}"
        );
    }
}

/// Set operators over every family ("Single-valued vs. multivalued context keys": ForAllValues
/// true for a missing or empty key, ForAnyValue false) and a multivalued key without one.
#[test]
fn set_operators_across_families_and_multivalued_keys() {
    let context: RequestContext = ctx(&[
        ("x:ips", &["203.0.113.7", "198.51.100.1"]),
        ("x:ages", &["5", "50"]),
        (
            "aws:PrincipalServiceNamesList",
            &["apigateway.amazonaws.com"],
        ),
    ])
    .into();
    #[rustfmt::skip]
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("ForAnyValue:IpAddress", "x:ips", &["203.0.113.0/24"], "true"),
        ("ForAllValues:IpAddress", "x:ips", &["203.0.113.0/24"], "false"),
        ("ForAllValues:IpAddress", "x:ips", &["203.0.113.0/24", "198.51.100.0/24"], "true"),
        ("ForAllValues:NumericLessThan", "x:ages", &["100"], "true"),
        ("ForAnyValue:NumericGreaterThan", "x:ages", &["10"], "true"),
        ("ForAllValues:NumericGreaterThan", "x:ages", &["10"], "false"),
        ("ForAllValues:NumericGreaterThan", "x:missing", &["10"], "true"),
        ("ForAnyValue:NumericGreaterThan", "x:missing", &["10"], "false"),
        // a key with one value in the request is single-valued for this request ("the number
        // of values in the request context, not ... in the policy condition")
        ("StringEquals", "aws:PrincipalServiceNamesList", &["apigateway.amazonaws.com"], "true"),
        // several values and no set operator: "Multivalued context keys require a condition set
        // operator"; the outcome without one is not documented
        ("StringEquals", "x:ips", &["203.0.113.7"], "unknown"),
        ("StringNotEquals", "x:ips", &["203.0.113.7"], "unknown"),
        ("IpAddress", "x:ips", &["0.0.0.0/0"], "unknown"),
    ];
    for (operator, key, values, expected) in cases {
        assert_eq!(
            outcome(operator, key, values, &context),
            *expected,
            "{operator} {key} {values:?}"
        );
    }
}

/// Policy variables in condition values (IAM User Guide "IAM policy elements: Variables and
/// tags": string and ARN operators take them, Numeric/Date/IP do not; no value = null, which
/// negated operators match).
#[test]
fn variables_in_condition_values() {
    let context: RequestContext = ctx(&[
        ("aws:PrincipalAccount", &["123456789012"]),
        ("aws:ResourceAccount", &["123456789012"]),
        ("aws:PrincipalTag/team", &["pets"]),
        ("x:team", &["pets"]),
        ("x:count", &["3"]),
        ("x:name", &["a*b"]),
    ])
    .into();
    #[rustfmt::skip]
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("StringEquals", "aws:ResourceAccount", &["${aws:PrincipalAccount}"], "true"),
        ("StringNotEquals", "aws:ResourceAccount", &["${aws:PrincipalAccount}"], "false"),
        ("StringLike", "x:team", &["${aws:PrincipalTag/team}"], "true"),
        ("StringEquals", "x:team", &["${aws:PrincipalTag/owner}"], "false"), // no value
        ("StringNotEquals", "x:team", &["${aws:PrincipalTag/owner}"], "true"),
        ("StringEquals", "x:team", &["${aws:PrincipalTag/owner, 'pets'}"], "true"), // default
        ("StringEquals", "x:name", &["a${*}b"], "true"), // literal `*`
        ("StringLike", "x:name", &["a${*}*"], "true"),
        ("StringLike", "x:team", &["a${*}*"], "false"),
        ("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::${aws:PrincipalAccount}:role/*"], "false"), // missing key
        // Numeric takes no variables: the text is not a number, the entry never holds
        ("NumericEquals", "x:count", &["${x:count}"], "false"),
    ];
    for (operator, key, values, expected) in cases {
        assert_eq!(
            outcome(operator, key, values, &context),
            *expected,
            "{operator} {key} {values:?}"
        );
    }
    // Without Version 2012-10-17 the variable is literal text.
    let e = entry("StringEquals", "x:team", &["${aws:PrincipalTag/team}"]);
    assert_eq!(
        judge(&e, &context, false, &mut Vec::new()).truth,
        Truth::False
    );
}

/// Keys the auditor cannot know make the entry unknown, whatever the operator, and name the key.
#[test]
fn unknown_keys_are_undecided_and_named() {
    let gw = RequestContext::apigateway_invoke(
        SRC,
        "123456789012",
        "123456789012",
        "us-east-1",
        chrono::Utc::now(),
    );
    for operator in [
        "IpAddress",
        "NotIpAddress",
        "IpAddressIfExists",
        "ForAllValues:IpAddress",
    ] {
        let judged = judge(
            &entry(operator, "aws:SourceIp", &["203.0.113.0/24"]),
            &gw,
            true,
            &mut Vec::new(),
        );
        assert_eq!(judged.truth, Truth::Unknown, "{operator}");
        assert_eq!(
            judged.unknown.map(|(k, _)| k).as_deref(),
            Some("aws:SourceIp")
        );
    }
    let null = judge(
        &entry("Null", "aws:SourceIp", &["true"]),
        &gw,
        true,
        &mut Vec::new(),
    );
    assert_eq!(null.truth, Truth::Unknown);
    // a variable whose key is unknown
    let via_variable = judge(
        &entry(
            "StringEquals",
            "aws:SourceAccount",
            &["${aws:PrincipalAccount}"],
        ),
        &gw,
        true,
        &mut Vec::new(),
    );
    assert_eq!(via_variable.truth, Truth::Unknown);
    assert_eq!(
        via_variable.unknown.map(|(k, _)| k).as_deref(),
        Some("aws:PrincipalAccount")
    );
    // known keys decide even next to unknown ones in the same context
    assert_eq!(
        outcome("StringEquals", "aws:SourceAccount", &["123456789012"], &gw),
        "true"
    );
    assert_eq!(
        outcome(
            "StringEquals",
            "aws:PrincipalServiceName",
            &["apigateway.amazonaws.com"],
            &gw
        ),
        "true"
    );
    assert_eq!(
        outcome("Bool", "aws:PrincipalIsAWSService", &["true"], &gw),
        "true"
    );
    assert_eq!(
        outcome(
            "StringNotEquals",
            "aws:RequestedRegion",
            &["us-east-1"],
            &gw
        ),
        "false"
    );
    assert_eq!(
        outcome(
            "DateGreaterThan",
            "aws:CurrentTime",
            &["2020-01-01T00:00:00Z"],
            &gw
        ),
        "true"
    );
    assert_eq!(
        outcome("StringEquals", "aws:PrincipalOrgID", &["o-abc"], &gw),
        "false"
    );
}
