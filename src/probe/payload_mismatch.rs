//! Probe answers that show a function written for the other HTTP API payload format (docs/aws-facts.md
//! §12.3): on a 1.0 route, a response without `statusCode` — what a 2.0 function may answer, and
//! 1.0 refuses; on either route, a Python `KeyError` on a field only the other format's event
//! carries (2.0: `rawPath`, `rawQueryString`, `cookies`, `requestContext.http`; 1.0: `httpMethod`,
//! `resource`, `multiValueHeaders`, `multiValueQueryStringParameters`). Fields both events carry
//! under some name (`path`, `routeKey`) prove nothing and are not matched; errors of other
//! runtimes do not name the missing field and are left to `proxy-response-malformed`.

use crate::inventory::{ProbeOutcome, ProbeResult, ProbeRule};

/// Top-level (or `requestContext`) fields only the 2.0 event has.
const V2_ONLY: [&str; 4] = ["rawPath", "rawQueryString", "cookies", "http"];
/// Top-level fields only the 1.0 event has.
const V1_ONLY: [&str; 4] = [
    "httpMethod",
    "resource",
    "multiValueHeaders",
    "multiValueQueryStringParameters",
];

/// What shows the function expects the other format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// A 1.0 route got a response without `statusCode`.
    AnswersWithoutStatusCode { detail: String },
    /// The function failed on a field only the other format's event has.
    ReadsField { field: String },
}

/// The mismatch a probe result shows: the route's format, the one the function expects, and the
/// evidence. `None` for REST routes and for answers that show nothing about the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub route_format: String,
    pub expected_format: &'static str,
    pub evidence: Evidence,
}

pub fn mismatch(result: &ProbeResult) -> Option<Mismatch> {
    let route_format = result.payload_format.as_deref()?;
    let (other, other_only) = match route_format {
        "1.0" => ("2.0", &V2_ONLY[..]),
        _ => ("1.0", &V1_ONLY[..]),
    };
    let evidence = match &result.outcome {
        ProbeOutcome::Rejected { violations } if route_format == "1.0" => {
            // Only when the missing status code is the whole problem: the rest would break 2.0 too.
            let [only] = violations.as_slice() else {
                return None;
            };
            (only.rule == ProbeRule::StatusCodeMissing).then(|| {
                Evidence::AnswersWithoutStatusCode {
                    detail: only.detail.clone(),
                }
            })?
        }
        ProbeOutcome::FunctionError {
            error_type,
            error_message,
        } if error_type == "KeyError" => {
            // Python's KeyError message is the key's repr: `'rawPath'`.
            let field = error_message.trim().trim_matches(|c| c == '\'' || c == '"');
            other_only.contains(&field).then(|| Evidence::ReadsField {
                field: field.to_string(),
            })?
        }
        _ => return None,
    };
    Some(Mismatch {
        route_format: route_format.to_string(),
        expected_format: other,
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ProbeViolation;

    fn result(format: Option<&str>, outcome: ProbeOutcome) -> ProbeResult {
        ProbeResult {
            api_id: "h1".into(),
            stages: vec!["$default".into()],
            method: "GET".into(),
            resource: "/orders".into(),
            probed_method: "GET".into(),
            probed_path: "/orders".into(),
            target: "arn:aws:lambda:us-east-1:123456789012:function:orders"
                .parse()
                .unwrap(),
            payload_format: format.map(str::to_string),
            outcome,
        }
    }

    fn key_error(key: &str) -> ProbeOutcome {
        ProbeOutcome::FunctionError {
            error_type: "KeyError".into(),
            error_message: format!("'{key}'"),
        }
    }

    #[test]
    fn a_key_only_the_other_event_has_is_a_mismatch() {
        let on_v1 = mismatch(&result(Some("1.0"), key_error("rawPath"))).unwrap();
        assert_eq!(on_v1.expected_format, "2.0");
        assert_eq!(
            on_v1.evidence,
            Evidence::ReadsField {
                field: "rawPath".into()
            }
        );
        let on_v2 = mismatch(&result(Some("2.0"), key_error("httpMethod"))).unwrap();
        assert_eq!(on_v2.expected_format, "1.0");
        // A key both formats carry somewhere, or one of the route's own format: nothing shown.
        assert_eq!(mismatch(&result(Some("2.0"), key_error("path"))), None);
        assert_eq!(mismatch(&result(Some("2.0"), key_error("rawPath"))), None);
        assert_eq!(
            mismatch(&result(Some("1.0"), key_error("httpMethod"))),
            None
        );
        // REST routes have one format only.
        assert_eq!(mismatch(&result(None, key_error("rawPath"))), None);
    }

    #[test]
    fn a_1_0_answer_without_status_code_is_a_mismatch_only_alone() {
        let missing = ProbeViolation {
            rule: ProbeRule::StatusCodeMissing,
            detail: "{\"ok\":true}".into(),
        };
        let alone = ProbeOutcome::Rejected {
            violations: vec![missing.clone()],
        };
        assert!(matches!(
            mismatch(&result(Some("1.0"), alone)).unwrap().evidence,
            Evidence::AnswersWithoutStatusCode { .. }
        ));
        let with_more = ProbeOutcome::Rejected {
            violations: vec![
                missing,
                ProbeViolation {
                    rule: ProbeRule::BodyNotString,
                    detail: "\"body\": {}".into(),
                },
            ],
        };
        assert_eq!(mismatch(&result(Some("1.0"), with_more)), None);
    }
}
