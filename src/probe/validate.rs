//! The validator of a Lambda proxy response, as API Gateway (REST) judges it: the rules of the
//! acceptance table in `docs/aws-facts.md` §4, each with its own id, and the offending part
//! of the payload cut to 300 characters (the only part of a payload the auditor ever keeps).

use base64::alphabet;
use base64::engine::general_purpose::GeneralPurposeConfig;
use base64::engine::{DecodePaddingMode, GeneralPurpose};
use base64::Engine;
use serde_json::{Map, Value};

use crate::inventory::{ProbeRule as Rule, ProbeViolation as Violation};

/// Lambda's limit on a synchronous response payload (6 MB, docs/aws-facts.md §4 "Sync response over
/// 6 MB"), in bytes as Lambda counts them.
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// The most characters of a payload, error message or offending part that is ever kept.
pub const EXCERPT_CHARS: usize = 300;

/// The top-level keys API Gateway reads. Any other key makes the response malformed (§4,
/// AWS-validated with `wrongValue`; `cookies` is an HTTP API key, also rejected by REST APIs).
/// `base64Encoded` is a legacy spelling the SAM CLI emulator honours for REST APIs (§4); whether
/// real AWS does is NOT FOUND, so it is not reported rather than risk a false 502.
const KNOWN_KEYS: [&str; 6] = [
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
    "base64Encoded",
];

/// What API Gateway would make of a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted; the status code clients get (200 when the response names none, §4).
    Accepted { status_code: i64 },
    /// Rejected (or, for base64 only, suspicious), every broken rule in payload order.
    Rejected(Vec<Violation>),
}

/// Judges a Lambda response payload, reporting every broken rule rather than the first.
pub fn validate(payload: &[u8]) -> Verdict {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Verdict::Rejected(vec![Violation {
            rule: Rule::PayloadTooLarge,
            detail: format!(
                "{} bytes, over the {MAX_PAYLOAD_BYTES} bytes Lambda returns synchronously",
                payload.len()
            ),
        }]);
    }
    // The response-streaming prelude (metadata JSON, eight 0x00, payload) on a buffered route:
    // API Gateway sends the status and headers but no body (docs/aws-facts.md §11.1 matrix).
    if let Some(at) = payload
        .windows(crate::probe::validate_stream::DELIMITER.len())
        .position(|w| w == crate::probe::validate_stream::DELIMITER)
    {
        if let Ok(Value::Object(_)) = serde_json::from_slice::<Value>(&payload[..at]) {
            let prelude = String::from_utf8_lossy(&payload[..at]);
            return Verdict::Rejected(vec![violation(Rule::StreamFormatOnBufferedRoute, &prelude)]);
        }
    }
    let object = match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(object)) => object,
        // A bare string, `null` (Python `None`, Node `undefined`), a number, an array: 502
        // (§4, AWS-validated with "justAString").
        Ok(other) => return not_an_object(&other.to_string()),
        // Only a custom runtime can return bytes that are not JSON; API Gateway cannot parse them.
        Err(_) => return not_an_object(&String::from_utf8_lossy(payload)),
    };
    let mut violations = Vec::new();
    for (key, value) in &object {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            violations.push(violation(Rule::UnknownKey, &member(key, value)));
        }
    }
    let status_code = status_code(&object, &mut violations);
    body(&object, &mut violations);
    headers(&object, &mut violations);
    multi_value_headers(&object, &mut violations);
    base64_body(&object, &mut violations);
    if violations.is_empty() {
        Verdict::Accepted { status_code }
    } else {
        Verdict::Rejected(violations)
    }
}

fn not_an_object(text: &str) -> Verdict {
    Verdict::Rejected(vec![violation(Rule::NotAnObject, text)])
}

/// `statusCode`: an integer, or a string of digits (§4: `"201"` gives 201, `"test"` 502). A
/// response without one answers 200 (§4, AWS-validated `only-headers` and `empty-response`);
/// `null` is taken as absent (inferred: API Gateway's JSON reading treats both alike).
fn status_code(object: &Map<String, Value>, violations: &mut Vec<Violation>) -> i64 {
    match object.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or(200),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().unwrap_or(200)
        }
        Some(other) => {
            violations.push(violation(
                Rule::StatusCodeNotInteger,
                &member("statusCode", other),
            ));
            200
        }
    }
}

/// `body`: a string (§4: an object or array gives "Malformed Lambda proxy response"; the
/// documented format is a string and "any other format returns 502"). `null` is taken as no
/// body (inferred).
fn body(object: &Map<String, Value>, violations: &mut Vec<Violation>) {
    match object.get("body") {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(other) => violations.push(violation(Rule::BodyNotString, &member("body", other))),
    }
}

/// `headers`: `null` is fine (§4, AWS-validated); values must be strings, booleans are sent as
/// `"true"` (AWS-validated); a number (or anything else) gives 502 (§4, inferred from LocalStack's
/// validator and serverless-express #474).
fn headers(object: &Map<String, Value>, violations: &mut Vec<Violation>) {
    match object.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                if !matches!(value, Value::String(_) | Value::Bool(_)) {
                    violations.push(violation(Rule::HeaderValueNotString, &member(name, value)));
                }
            }
        }
        Some(other) => {
            violations.push(violation(Rule::HeadersNotObject, &member("headers", other)))
        }
    }
}

/// `multiValueHeaders`: every value a list (§4, AWS-validated). `null` is taken like `headers:
/// null` (inferred).
fn multi_value_headers(object: &Map<String, Value>, violations: &mut Vec<Violation>) {
    match object.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                if !value.is_array() {
                    violations.push(violation(
                        Rule::MultiValueHeaderNotList,
                        &member(name, value),
                    ));
                }
            }
        }
        Some(other) => violations.push(violation(
            Rule::MultiValueHeadersNotObject,
            &member("multiValueHeaders", other),
        )),
    }
}

/// With `isBase64Encoded: true` (or the legacy `base64Encoded`), a string body must decode. Only
/// a boolean `true` counts: how AWS reads the string `"true"` is NOT FOUND (§4).
fn base64_body(object: &Map<String, Value>, violations: &mut Vec<Violation>) {
    let encoded = ["isBase64Encoded", "base64Encoded"]
        .iter()
        .any(|key| object.get(*key) == Some(&Value::Bool(true)));
    let Some(Value::String(body)) = object.get("body") else {
        return;
    };
    // Padding optional: encoders differ on it and decoders commonly accept both.
    let engine = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    if encoded && engine.decode(body.trim_end()).is_err() {
        violations.push(violation(
            Rule::BodyNotBase64,
            &member("body", &Value::String(body.clone())),
        ));
    }
}

/// `"key": value` as JSON text, for the offending part.
fn member(key: &str, value: &Value) -> String {
    format!("{}: {value}", Value::String(key.to_string()))
}

fn violation(rule: Rule, offending: &str) -> Violation {
    Violation {
        rule,
        detail: excerpt(offending),
    }
}

/// At most [`EXCERPT_CHARS`] characters of `text`, ending in `…` when cut.
pub fn excerpt(text: &str) -> String {
    if text.chars().count() <= EXCERPT_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(EXCERPT_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
