//! The validator of a streamed Lambda response, as API Gateway reads it for a route with
//! `responseTransferMode: STREAM` (docs/aws-facts.md §11.1, `response-transfer-mode-lambda.html`):
//! a JSON metadata object (`statusCode`, `headers`, `multiValueHeaders`, `cookies`, no other
//! key), then 8 bytes of `0x00`, within the first 16 KB, then the payload. API Gateway starts
//! the response only after valid metadata and the delimiter; anything else — the classic proxy
//! JSON included — makes the function run and the client get 500 (the doc's compatibility
//! matrix). Node.js's `awslambda.HttpResponseStream.from(stream, metadata)` writes this prelude
//! (`aws-lambda-nodejs-runtime-interface-client` `src/stream/http-response-stream.ts`).

use serde_json::{Map, Value};

use crate::inventory::{ProbeRule as Rule, ProbeViolation as Violation};
use crate::probe::validate::{excerpt, Verdict};

/// The delimiter between the metadata and the payload.
pub const DELIMITER: [u8; 8] = [0; 8];

/// The delimiter must start within this many bytes of the stream.
pub const PRELUDE_LIMIT: usize = 16 * 1024;

/// The metadata keys API Gateway supports; "no others are supported".
const METADATA_KEYS: [&str; 4] = ["statusCode", "headers", "multiValueHeaders", "cookies"];

/// Judges a streamed response, reporting every broken rule of the metadata.
pub fn validate_stream(stream: &[u8]) -> Verdict {
    let window = &stream[..stream.len().min(PRELUDE_LIMIT + DELIMITER.len())];
    let Some(at) = window
        .windows(DELIMITER.len())
        .position(|w| w == DELIMITER)
        .filter(|at| *at <= PRELUDE_LIMIT)
    else {
        return Verdict::Rejected(vec![no_delimiter(stream)]);
    };
    let metadata = &stream[..at];
    let object = match serde_json::from_slice::<Value>(metadata) {
        Ok(Value::Object(object)) => object,
        Ok(other) => {
            return rejected(Rule::StreamMetadataNotJson, &other.to_string());
        }
        Err(_) => {
            return rejected(
                Rule::StreamMetadataNotJson,
                &String::from_utf8_lossy(metadata),
            );
        }
    };
    let mut violations = Vec::new();
    for (key, value) in &object {
        if !METADATA_KEYS.contains(&key.as_str()) {
            violations.push(violation(
                Rule::StreamMetadataUnknownKey,
                &member(key, value),
            ));
        }
    }
    let status_code = status_code(&object, &mut violations);
    if let Some(headers) = object.get("headers") {
        match headers {
            // One value per header name in `headers`; several go in `multiValueHeaders`.
            Value::Object(map) => {
                for (name, value) in map {
                    if !value.is_string() {
                        violations
                            .push(violation(Rule::StreamHeaderNotSingle, &member(name, value)));
                    }
                }
            }
            other => violations.push(violation(
                Rule::StreamHeaderNotSingle,
                &member("headers", other),
            )),
        }
    }
    if violations.is_empty() {
        Verdict::Accepted { status_code }
    } else {
        Verdict::Rejected(violations)
    }
}

/// No delimiter within 16 KB: a classic proxy response (`{"statusCode": …, "body": …}`) is told
/// apart, because it is the usual cause — a handler that was never made to stream.
fn no_delimiter(stream: &[u8]) -> Violation {
    let classic = matches!(
        serde_json::from_slice::<Value>(stream),
        Ok(Value::Object(ref o)) if o.contains_key("statusCode") || o.contains_key("body")
    );
    let text = String::from_utf8_lossy(&stream[..stream.len().min(PRELUDE_LIMIT)]).to_string();
    if classic {
        violation(Rule::BufferedResponseOnStreamingRoute, &text)
    } else {
        violation(Rule::StreamDelimiterMissing, &text)
    }
}

/// `statusCode` is optional (200 then); when present it must be an integer.
fn status_code(object: &Map<String, Value>, violations: &mut Vec<Violation>) -> i64 {
    match object.get("statusCode") {
        None => 200,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or(200),
        // The doc does not say whether a string of digits is read; §4 reads it for buffered
        // responses, so it is not reported here either.
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().unwrap_or(200)
        }
        Some(other) => {
            violations.push(violation(
                Rule::StreamStatusCodeNotInteger,
                &member("statusCode", other),
            ));
            200
        }
    }
}

fn member(key: &str, value: &Value) -> String {
    format!("\"{key}\": {value}")
}

fn violation(rule: Rule, detail: &str) -> Violation {
    Violation {
        rule,
        detail: excerpt(detail),
    }
}

fn rejected(rule: Rule, detail: &str) -> Verdict {
    Verdict::Rejected(vec![violation(rule, detail)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(metadata: &str, payload: &str) -> Vec<u8> {
        let mut bytes = metadata.as_bytes().to_vec();
        bytes.extend_from_slice(&DELIMITER);
        bytes.extend_from_slice(payload.as_bytes());
        bytes
    }

    fn rules(verdict: Verdict) -> Vec<Rule> {
        match verdict {
            Verdict::Accepted { .. } => Vec::new(),
            Verdict::Rejected(v) => v.into_iter().map(|v| v.rule).collect(),
        }
    }

    /// What `HttpResponseStream.from(stream, {statusCode, headers})` writes is accepted, and the
    /// status it names is the one clients get; metadata keys are all optional.
    #[test]
    fn the_nodejs_prelude_is_accepted() {
        let ok = stream(
            r#"{"statusCode":201,"headers":{"content-type":"text/plain"}}"#,
            "hello",
        );
        assert_eq!(validate_stream(&ok), Verdict::Accepted { status_code: 201 });
        assert_eq!(
            validate_stream(&stream("{}", "x")),
            Verdict::Accepted { status_code: 200 }
        );
        let cookies = stream(
            r#"{"cookies":["a=1"],"multiValueHeaders":{"x":["1","2"]}}"#,
            "",
        );
        assert_eq!(
            validate_stream(&cookies),
            Verdict::Accepted { status_code: 200 }
        );
    }

    /// Each rule of `response-transfer-mode-lambda.html`: valid JSON, no other keys, the
    /// delimiter within 16 KB; the classic proxy JSON is the usual mistake and is named so.
    #[test]
    fn every_broken_rule() {
        assert_eq!(
            rules(validate_stream(br#"{"statusCode":200,"body":"hi"}"#)),
            [Rule::BufferedResponseOnStreamingRoute]
        );
        assert_eq!(
            rules(validate_stream(b"hello, no prelude")),
            [Rule::StreamDelimiterMissing]
        );
        assert_eq!(
            rules(validate_stream(&stream("{statusCode: 200}", "x"))),
            [Rule::StreamMetadataNotJson]
        );
        assert_eq!(
            rules(validate_stream(&stream(
                r#"{"statusCode":200,"body":"x"}"#,
                ""
            ))),
            [Rule::StreamMetadataUnknownKey]
        );
        assert_eq!(
            rules(validate_stream(&stream(r#"{"statusCode":"OK"}"#, ""))),
            [Rule::StreamStatusCodeNotInteger]
        );
        assert_eq!(
            rules(validate_stream(&stream(
                r#"{"headers":{"x":["1","2"]}}"#,
                ""
            ))),
            [Rule::StreamHeaderNotSingle]
        );
        // A delimiter past the first 16 KB is too late.
        let late = stream(
            &format!(
                r#"{{"statusCode":200,"pad":"{}"}}"#,
                "x".repeat(PRELUDE_LIMIT)
            ),
            "",
        );
        assert_eq!(
            rules(validate_stream(&late)),
            [Rule::StreamDelimiterMissing]
        );
    }
}
