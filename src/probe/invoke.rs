//! One probe invocation: `lambda:Invoke` (RequestResponse) of the exact qualified target through
//! the call gate (counted, rate-limited by `[probe] per-second`), bounded by `[probe]
//! timeout-seconds`, and what came back turned into an outcome. The payload is judged here and
//! dropped: only the verdict, with its 300-character excerpts, leaves this module.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use serde_json::Value;

use crate::arn::FunctionArn;
use crate::aws::{translate, CallGate, Operation};
use crate::inventory::CollectionError;
use crate::probe::validate::{excerpt, validate, Verdict};
use crate::probe::ProbeOutcome;

/// Invokes `target` with `event` and judges the answer.
pub async fn invoke(
    client: &aws_sdk_lambda::Client,
    gate: &CallGate,
    scope: (&str, &str),
    target: &FunctionArn,
    event: &Value,
    timeout: Duration,
) -> ProbeOutcome {
    let payload = serde_json::to_vec(event).unwrap_or_default();
    let call = gate.send(Operation::LambdaInvoke, || {
        client
            .invoke()
            .function_name(target.unqualified().to_string())
            .set_qualifier(target.qualifier.clone())
            .invocation_type(InvocationType::RequestResponse)
            .payload(Blob::new(payload.clone()))
            .send()
    });
    let failed = |code: &str, message: String| ProbeOutcome::Failed {
        error: CollectionError {
            account: scope.0.to_string(),
            region: scope.1.to_string(),
            operation: Operation::LambdaInvoke.name().to_string(),
            resource: target.to_string(),
            code: code.to_string(),
            message,
        },
    };
    match tokio::time::timeout(timeout, call).await {
        Err(_) => failed(
            "ProbeTimeout",
            format!(
                "no answer within {} s ([probe] timeout-seconds); the function runs on to its own \
                 timeout",
                timeout.as_secs()
            ),
        ),
        Ok(Err(error)) => {
            let failure = translate(&error);
            failed(&failure.code, failure.message)
        }
        Ok(Ok(output)) => outcome(
            output.function_error(),
            output.payload().map(Blob::as_ref).unwrap_or_default(),
        ),
    }
}

/// The outcome of an answered invocation: a function error (`FunctionError` set, `Handled` or
/// `Unhandled`) is a 502 whatever the payload; otherwise the payload is judged by §4.
pub fn outcome(function_error: Option<&str>, payload: &[u8]) -> ProbeOutcome {
    if let Some(kind) = function_error {
        // `{"errorMessage": ..., "errorType": ..., "stackTrace": [...]}`; the trace is dropped.
        let error: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        let text = |key: &str| error.get(key).and_then(Value::as_str).map(excerpt);
        return ProbeOutcome::FunctionError {
            error_type: text("errorType").unwrap_or_else(|| kind.to_string()),
            error_message: text("errorMessage").unwrap_or_default(),
        };
    }
    match validate(payload) {
        Verdict::Accepted { status_code } => ProbeOutcome::Accepted { status_code },
        Verdict::Rejected(violations) => ProbeOutcome::Rejected { violations },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Rule;

    #[test]
    fn a_function_error_keeps_type_and_cut_message_never_the_trace() {
        let payload = serde_json::json!({
            "errorMessage": format!("boom {}", "x".repeat(1000)),
            "errorType": "ValueError",
            "stackTrace": ["  File \"/var/task/lambda_function.py\", line 2"]
        });
        let ProbeOutcome::FunctionError {
            error_type,
            error_message,
        } = outcome(Some("Unhandled"), payload.to_string().as_bytes())
        else {
            panic!("not a function error");
        };
        assert_eq!(error_type, "ValueError");
        assert!(error_message.starts_with("boom xxx"));
        assert_eq!(error_message.chars().count(), 300);
    }

    #[test]
    fn a_function_error_without_a_json_payload_names_its_kind() {
        assert_eq!(
            outcome(Some("Unhandled"), b"Task timed out"),
            ProbeOutcome::FunctionError {
                error_type: "Unhandled".into(),
                error_message: String::new(),
            }
        );
    }

    #[test]
    fn answers_are_judged_by_the_validator() {
        assert_eq!(
            outcome(None, br#"{"statusCode": "201", "body": ""}"#),
            ProbeOutcome::Accepted { status_code: 201 }
        );
        let ProbeOutcome::Rejected { violations } = outcome(None, br#""justAString""#) else {
            panic!("accepted");
        };
        assert_eq!(violations[0].rule, Rule::NotAnObject);
        assert_eq!(violations[0].detail, r#""justAString""#);
    }
}
