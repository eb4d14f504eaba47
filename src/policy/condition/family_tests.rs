//! Table-driven tests of the operator families beyond String/Arn/Null (Numeric, Date, Bool,
//! Binary, IP address) with their negated and IfExists forms, set operators across families,
//! policy variables in condition values, and keys the auditor cannot know. Rows cite the IAM User
//! Guide page they come from.

use super::tests::{ctx, entry, SRC};
use super::*;

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
