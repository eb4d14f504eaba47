//! Tests of the §4 validator: every row of the acceptance table, the issue's rules beyond it,
//! every broken rule reported, and the 300-character cut.

use super::*;
use serde_json::json;

fn rules(payload: &str) -> Vec<Rule> {
    match validate(payload.as_bytes()) {
        Verdict::Accepted { .. } => Vec::new(),
        Verdict::Rejected(v) => v.into_iter().map(|v| v.rule).collect(),
    }
}

fn accepted(payload: &str) -> Option<i64> {
    match validate(payload.as_bytes()) {
        Verdict::Accepted { status_code } => Some(status_code),
        Verdict::Rejected(_) => None,
    }
}

/// The status code API Gateway answers, or the rules the response breaks.
type Expected = Result<i64, Vec<Rule>>;

/// Every row of the §4 table ("What real API Gateway (REST) does with each deviation"), in
/// table order, with the verdict it states.
#[test]
fn every_row_of_the_acceptance_table() {
    use Rule::*;
    let rows: Vec<(&str, String, Expected)> = vec![
        ("no body", json!({"statusCode": 200}).to_string(), Ok(200)),
        (
            "only headers",
            json!({"headers": {"a": "b"}}).to_string(),
            Ok(200),
        ),
        ("empty object", "{}".to_string(), Ok(200)),
        (
            "statusCode digits",
            json!({"statusCode": "201"}).to_string(),
            Ok(201),
        ),
        (
            "statusCode text",
            json!({"statusCode": "test"}).to_string(),
            Err(vec![StatusCodeNotInteger]),
        ),
        (
            "extra key wrongValue",
            json!({"statusCode": 200, "wrongValue": "x"}).to_string(),
            Err(vec![UnknownKey]),
        ),
        (
            "extra key cookies",
            json!({"statusCode": 200, "cookies": ["a=b"]}).to_string(),
            Err(vec![UnknownKey]),
        ),
        (
            "headers null",
            json!({"statusCode": 200, "headers": null}).to_string(),
            Ok(200),
        ),
        (
            "boolean header",
            json!({"statusCode": 200, "headers": {"x-flag": true}}).to_string(),
            Ok(200),
        ),
        (
            "numeric header",
            json!({"statusCode": 200, "headers": {"content-length": 3}}).to_string(),
            Err(vec![HeaderValueNotString]),
        ),
        (
            "multiValueHeaders value not a list",
            json!({"statusCode": 200, "multiValueHeaders": {"a": "b"}}).to_string(),
            Err(vec![MultiValueHeaderNotList]),
        ),
        (
            "body object",
            json!({"statusCode": 200, "body": {"hey": "dude"}}).to_string(),
            Err(vec![BodyNotString]),
        ),
        (
            "body array",
            json!({"statusCode": 200, "body": [1]}).to_string(),
            Err(vec![BodyNotString]),
        ),
        (
            "bare string",
            json!("justAString").to_string(),
            Err(vec![NotAnObject]),
        ),
        ("null", "null".to_string(), Err(vec![NotAnObject])),
        (
            "isBase64Encoded with a base64 body (whether decoded or passed through, 200)",
            json!({"statusCode": 200, "isBase64Encoded": true, "body": "aGVsbG8="}).to_string(),
            Ok(200),
        ),
        (
            "isBase64Encoded as the string \"true\" (AWS behaviour NOT FOUND: not judged)",
            json!({"statusCode": 200, "isBase64Encoded": "true", "body": "not base64!"})
                .to_string(),
            Ok(200),
        ),
        (
            "legacy base64Encoded key (SAM honours it)",
            json!({"statusCode": 200, "base64Encoded": false, "body": "x"}).to_string(),
            Ok(200),
        ),
    ];
    for (row, payload, expected) in rows {
        let got = match validate(payload.as_bytes()) {
            Verdict::Accepted { status_code } => Ok(status_code),
            Verdict::Rejected(v) => Err(v.into_iter().map(|v| v.rule).collect::<Vec<_>>()),
        };
        assert_eq!(got, expected, "row `{row}`: {payload}");
    }
    // "Unhandled exception in the function" is not a payload rule: the invoke reports a
    // FunctionError (probe::invoke). "Sync response over 6 MB":
    let big = format!(
        "{{\"statusCode\":200,\"body\":\"{}\"}}",
        "a".repeat(MAX_PAYLOAD_BYTES)
    );
    assert_eq!(rules(&big), [PayloadTooLarge]);
    let fits = format!(
        "{{\"statusCode\":200,\"body\":\"{}\"}}",
        "a".repeat(MAX_PAYLOAD_BYTES - 40)
    );
    assert_eq!(accepted(&fits), Some(200));
}

#[test]
fn the_issue_rules_beyond_the_table() {
    use Rule::*;
    // statusCode: a float, a boolean, an empty or signed string are not integers.
    for bad in [
        json!(200.5),
        json!(true),
        json!(""),
        json!("-1"),
        json!(" 2"),
    ] {
        assert_eq!(
            rules(&json!({"statusCode": bad}).to_string()),
            [StatusCodeNotInteger],
            "{bad}"
        );
    }
    assert_eq!(accepted(r#"{"statusCode": null}"#), Some(200));
    // body: numbers and booleans are not strings either; null is no body.
    assert_eq!(rules(r#"{"body": 3}"#), [BodyNotString]);
    assert_eq!(rules(r#"{"body": false}"#), [BodyNotString]);
    assert_eq!(accepted(r#"{"statusCode": 204, "body": null}"#), Some(204));
    // headers and multiValueHeaders of the wrong shape; a null header value.
    assert_eq!(rules(r#"{"headers": ["a"]}"#), [HeadersNotObject]);
    assert_eq!(rules(r#"{"headers": {"a": null}}"#), [HeaderValueNotString]);
    assert_eq!(
        rules(r#"{"headers": {"a": {"b": 1}}}"#),
        [HeaderValueNotString]
    );
    assert_eq!(
        rules(r#"{"multiValueHeaders": "a"}"#),
        [MultiValueHeadersNotObject]
    );
    assert_eq!(
        accepted(r#"{"multiValueHeaders": {"a": ["b", "c"]}}"#),
        Some(200)
    );
    // A real base64 body with the flag is fine; one that does not decode is reported, padded
    // or not.
    assert_eq!(
        accepted(r#"{"isBase64Encoded": true, "body": "aGk"}"#),
        Some(200)
    );
    assert_eq!(
        rules(r#"{"isBase64Encoded": true, "body": "{\"ok\": true}"}"#),
        [BodyNotBase64]
    );
    assert!(!BodyNotBase64.breaks() && BodyNotString.client_status() == Some(502));
    // Arrays, numbers and text that is not JSON are not objects.
    assert_eq!(rules("[1, 2]"), [NotAnObject]);
    assert_eq!(rules("42"), [NotAnObject]);
    assert_eq!(rules("<html>"), [NotAnObject]);
}

#[test]
fn every_broken_rule_is_reported_with_its_offending_part() {
    let payload = json!({
        "statusCode": "OK",
        "body": {"items": [1, 2]},
        "headers": {"x-count": 2, "x-ok": "yes"},
        "extra": 1
    });
    let Verdict::Rejected(violations) = validate(payload.to_string().as_bytes()) else {
        panic!("accepted");
    };
    let found: Vec<(Rule, &str)> = violations
        .iter()
        .map(|v| (v.rule, v.detail.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (Rule::UnknownKey, r#""extra": 1"#),
            (Rule::StatusCodeNotInteger, r#""statusCode": "OK""#),
            (Rule::BodyNotString, r#""body": {"items":[1,2]}"#),
            (Rule::HeaderValueNotString, r#""x-count": 2"#),
        ]
    );
}

#[test]
fn offending_parts_are_cut_to_300_characters() {
    let long = "x".repeat(5000);
    let payload = json!({"body": {"secret": long}}).to_string();
    let Verdict::Rejected(violations) = validate(payload.as_bytes()) else {
        panic!("accepted");
    };
    let detail = &violations[0].detail;
    assert_eq!(detail.chars().count(), EXCERPT_CHARS);
    assert!(detail.starts_with(r#""body": {"secret":"xxx"#) && detail.ends_with('…'));
    // Multi-byte characters are never split.
    assert_eq!(excerpt(&"é".repeat(400)).chars().count(), EXCERPT_CHARS);
    assert_eq!(excerpt("short"), "short");
}

#[test]
fn rule_names_are_their_serde_form() {
    for rule in [
        Rule::PayloadTooLarge,
        Rule::NotAnObject,
        Rule::UnknownKey,
        Rule::StatusCodeNotInteger,
        Rule::BodyNotString,
        Rule::HeadersNotObject,
        Rule::HeaderValueNotString,
        Rule::MultiValueHeadersNotObject,
        Rule::MultiValueHeaderNotList,
        Rule::BodyNotBase64,
    ] {
        assert_eq!(serde_json::to_value(rule).unwrap(), json!(rule.as_str()));
        assert!(rule.explain().split_whitespace().count() >= 3);
    }
}
