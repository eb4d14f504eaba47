//! The output rules of an HTTP API Lambda proxy integration, by payload format version
//! (docs/aws-facts.md §12.3). Payload 1.0 is REST's format (§4) with two differences: a missing
//! `statusCode` is an error, not a 200 (Knowledge Center `api-gateway-status-codes-http-api`), and
//! an unknown top-level key is tolerated (the SAM CLI's HTTP API emulation skips it; AWS's own
//! statement is NOT FOUND, so it is not reported). Payload 2.0 infers a format: valid JSON
//! without `statusCode` is sent as a 200 body; only a `statusCode` that is no number and output
//! that is no JSON at all are refused.

use serde_json::{Map, Value};

use crate::inventory::{ProbeRule as Rule, ProbeViolation as Violation};
use crate::probe::validate::{excerpt, validate, Verdict, MAX_PAYLOAD_BYTES};

/// The keys of a proxy response: an object holding one of them but no `statusCode` was meant as a
/// response, and payload 2.0 sends it whole as the body (§12.3, inferred consequence).
const ENVELOPE_KEYS: [&str; 5] = [
    "body",
    "headers",
    "isBase64Encoded",
    "cookies",
    "multiValueHeaders",
];

/// Judges a response to an HTTP API route whose integration has `payload_format` (`1.0`, else
/// 2.0).
pub fn validate_http(payload: &[u8], payload_format: &str) -> Verdict {
    if payload_format == "1.0" {
        validate_v1(payload)
    } else {
        validate_v2(payload)
    }
}

fn validate_v1(payload: &[u8]) -> Verdict {
    let mut violations = match validate(payload) {
        Verdict::Rejected(violations) => violations,
        Verdict::Accepted { .. } => Vec::new(),
    };
    // Tolerated by HTTP APIs as far as anything shows (module doc).
    violations.retain(|v| v.rule != Rule::UnknownKey);
    let object = serde_json::from_slice::<Value>(payload)
        .ok()
        .and_then(|v| v.as_object().cloned());
    if let Some(object) = &object {
        if matches!(object.get("statusCode"), None | Some(Value::Null)) {
            violations.insert(
                0,
                Violation {
                    rule: Rule::StatusCodeMissing,
                    detail: excerpt(&Value::Object(object.clone()).to_string()),
                },
            );
        }
    }
    if violations.is_empty() {
        Verdict::Accepted {
            status_code: object
                .as_ref()
                .and_then(|o| status_of(o.get("statusCode")?))
                .unwrap_or(200),
        }
    } else {
        Verdict::Rejected(violations)
    }
}

fn validate_v2(payload: &[u8]) -> Verdict {
    if payload.len() > MAX_PAYLOAD_BYTES {
        // The same synchronous limit as for REST (§4).
        return validate(payload);
    }
    let value: Value = match serde_json::from_slice(payload) {
        Ok(value) => value,
        Err(_) => {
            return Verdict::Rejected(vec![Violation {
                rule: Rule::NotJson,
                detail: excerpt(&String::from_utf8_lossy(payload)),
            }])
        }
    };
    let Some(object) = value.as_object() else {
        // A string, number, array or null is the body of a 200.
        return Verdict::Accepted { status_code: 200 };
    };
    match object.get("statusCode") {
        None | Some(Value::Null) => envelope_without_status(object),
        Some(code) => match status_of(code) {
            Some(status_code) => Verdict::Accepted { status_code },
            None => Verdict::Rejected(vec![Violation {
                rule: Rule::StatusCodeNotInteger,
                detail: excerpt(&format!("\"statusCode\": {code}")),
            }]),
        },
    }
}

/// An object without `statusCode`: a 200 with the object as its body, which is what was meant
/// unless the object is itself shaped like a proxy response.
fn envelope_without_status(object: &Map<String, Value>) -> Verdict {
    if object.keys().any(|k| ENVELOPE_KEYS.contains(&k.as_str())) {
        Verdict::Rejected(vec![Violation {
            rule: Rule::EnvelopeWithoutStatusCode,
            detail: excerpt(&Value::Object(object.clone()).to_string()),
        }])
    } else {
        Verdict::Accepted { status_code: 200 }
    }
}

/// An integer `statusCode`, or a string of digits (as REST accepts, §4).
fn status_of(code: &Value) -> Option<i64> {
    match code {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(verdict: Verdict) -> Vec<Rule> {
        match verdict {
            Verdict::Rejected(violations) => violations.into_iter().map(|v| v.rule).collect(),
            Verdict::Accepted { .. } => Vec::new(),
        }
    }

    /// §12.3: 1.0 needs `statusCode` (no default, unlike REST); unknown keys are tolerated.
    #[test]
    fn payload_1_0_needs_a_status_code_and_tolerates_extra_keys() {
        assert_eq!(
            validate_http(
                br#"{"statusCode": 201, "body": "x", "cookies": ["a=b"]}"#,
                "1.0"
            ),
            Verdict::Accepted { status_code: 201 }
        );
        assert_eq!(
            rules(validate_http(
                br#"{"headers": {"a": "b"}, "body": "x"}"#,
                "1.0"
            )),
            [Rule::StatusCodeMissing]
        );
        assert_eq!(
            rules(validate_http(
                br#"{"statusCode": 200, "body": {"a": 1}}"#,
                "1.0"
            )),
            [Rule::BodyNotString]
        );
        assert_eq!(
            rules(validate_http(br#""hello""#, "1.0")),
            [Rule::NotAnObject]
        );
    }

    /// §12.3: 2.0 infers the format: JSON without `statusCode` is a 200 body.
    #[test]
    fn payload_2_0_infers_a_format() {
        for body in [
            &br#""hello""#[..],
            br#"{"ok": true}"#,
            b"[1, 2]",
            b"42",
            b"null",
        ] {
            assert_eq!(
                validate_http(body, "2.0"),
                Verdict::Accepted { status_code: 200 },
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(
            validate_http(br#"{"statusCode": "404", "body": "no"}"#, "2.0"),
            Verdict::Accepted { status_code: 404 }
        );
        assert_eq!(
            rules(validate_http(br#"{"statusCode": "nope"}"#, "2.0")),
            [Rule::StatusCodeNotInteger]
        );
        assert_eq!(rules(validate_http(b"not json", "2.0")), [Rule::NotJson]);
        // Meant as a response, taken as a body: 200 with the envelope as text.
        assert_eq!(
            rules(validate_http(
                br#"{"headers": {"a": "b"}, "body": "x"}"#,
                "2.0"
            )),
            [Rule::EnvelopeWithoutStatusCode]
        );
    }
}
