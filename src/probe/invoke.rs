//! One probe invocation: `lambda:Invoke` (RequestResponse) of the exact qualified target — or,
//! for a streaming route, `InvokeWithResponseStream`, as API Gateway calls it — through the call
//! gate (counted, rate-limited by `[probe] per-second`), bounded by `[probe] timeout-seconds`,
//! and what came back turned into an outcome. The payload is judged here and
//! dropped: only the verdict, with its 300-character excerpts, leaves this module.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, InvokeWithResponseStreamResponseEvent};
use serde_json::Value;

use crate::arn::FunctionArn;
use crate::aws::{translate, CallGate, Operation};
use crate::inventory::CollectionError;
use crate::probe::validate::{excerpt, validate, Verdict, MAX_PAYLOAD_BYTES};
use crate::probe::validate_http::validate_http;
use crate::probe::validate_stream::validate_stream;
use crate::probe::ProbeOutcome;

/// How to invoke: the route's transfer mode, and the tenant id a tenant-isolated function
/// needs.
pub struct Call<'a> {
    pub target: &'a FunctionArn,
    pub event: &'a Value,
    pub streams: bool,
    /// An HTTP API route's payload format version: its output rules judge the answer.
    pub payload_format: Option<&'a str>,
    pub tenant_id: Option<&'a str>,
    pub timeout: Duration,
}

/// Invokes the target as API Gateway would for the route — `Invoke` for a buffered route,
/// `InvokeWithResponseStream` for a streaming one — and judges the answer.
pub async fn invoke(
    client: &aws_sdk_lambda::Client,
    gate: &CallGate,
    scope: (&str, &str),
    call: Call<'_>,
) -> ProbeOutcome {
    let operation = if call.streams {
        Operation::LambdaInvokeWithResponseStream
    } else {
        Operation::LambdaInvoke
    };
    let failed = |code: &str, message: String| ProbeOutcome::Failed {
        error: CollectionError {
            account: scope.0.to_string(),
            region: scope.1.to_string(),
            operation: operation.name().to_string(),
            resource: call.target.to_string(),
            code: code.to_string(),
            message,
        },
    };
    let answer = if call.streams {
        tokio::time::timeout(call.timeout, streamed(client, gate, &call)).await
    } else {
        tokio::time::timeout(call.timeout, buffered(client, gate, &call)).await
    };
    match answer {
        Err(_) => failed(
            "ProbeTimeout",
            format!(
                "no answer within {} s ([probe] timeout-seconds); the function runs on to its own \
                 timeout",
                call.timeout.as_secs()
            ),
        ),
        Ok(Err(failure)) => failed(&failure.code, failure.message),
        Ok(Ok(answer)) => outcome(
            answer.function_error.as_deref(),
            &answer.payload,
            call.streams,
            call.payload_format,
        ),
    }
}

/// What came back from Lambda: the function error it reported, if any, and the payload.
struct Answer {
    function_error: Option<String>,
    payload: Vec<u8>,
}

async fn buffered(
    client: &aws_sdk_lambda::Client,
    gate: &CallGate,
    call: &Call<'_>,
) -> Result<Answer, crate::aws::CallFailure> {
    let payload = serde_json::to_vec(call.event).unwrap_or_default();
    let output = gate
        .send(Operation::LambdaInvoke, || {
            client
                .invoke()
                .function_name(call.target.unqualified().to_string())
                .set_qualifier(call.target.qualifier.clone())
                .invocation_type(InvocationType::RequestResponse)
                .set_tenant_id(call.tenant_id.map(str::to_string))
                .payload(Blob::new(payload.clone()))
                .send()
        })
        .await
        .map_err(|e| translate(&e))?;
    Ok(Answer {
        function_error: output.function_error().map(str::to_string),
        payload: output
            .payload()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default(),
    })
}

/// Reads the stream's chunks up to the end (`InvokeComplete`) or until the payload is past what
/// the validator needs, never more than Lambda's synchronous limit.
async fn streamed(
    client: &aws_sdk_lambda::Client,
    gate: &CallGate,
    call: &Call<'_>,
) -> Result<Answer, crate::aws::CallFailure> {
    let payload = serde_json::to_vec(call.event).unwrap_or_default();
    // The gate retries the request that opens the stream; once it is open, what it carries is
    // the function's answer.
    let mut output = gate
        .send(Operation::LambdaInvokeWithResponseStream, || {
            client
                .invoke_with_response_stream()
                .function_name(call.target.unqualified().to_string())
                .set_qualifier(call.target.qualifier.clone())
                .set_tenant_id(call.tenant_id.map(str::to_string))
                .payload(Blob::new(payload.clone()))
                .send()
        })
        .await
        .map_err(|e| translate(&e))?;
    let mut answer = Answer {
        function_error: None,
        payload: Vec::new(),
    };
    loop {
        match output.event_stream.recv().await {
            Ok(Some(InvokeWithResponseStreamResponseEvent::PayloadChunk(chunk))) => {
                let bytes = chunk.payload().map(Blob::as_ref).unwrap_or_default();
                answer.payload.extend_from_slice(bytes);
                if answer.payload.len() > MAX_PAYLOAD_BYTES {
                    break;
                }
            }
            Ok(Some(InvokeWithResponseStreamResponseEvent::InvokeComplete(done))) => {
                answer.function_error = done.error_code().map(str::to_string);
                break;
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => return Err(translate(&error)),
        }
    }
    Ok(answer)
}

/// The outcome of an answered invocation: a function error (`FunctionError` set, `Handled` or
/// `Unhandled`, or the stream's `InvokeComplete.ErrorCode`) whatever the payload; otherwise the
/// payload is judged by §4 for a buffered route, by the streaming format (§11.1) for a
/// streaming one.
pub fn outcome(
    function_error: Option<&str>,
    payload: &[u8],
    streams: bool,
    payload_format: Option<&str>,
) -> ProbeOutcome {
    if let Some(kind) = function_error {
        // `{"errorMessage": ..., "errorType": ..., "stackTrace": [...]}`; the trace is dropped.
        let error: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        let text = |key: &str| error.get(key).and_then(Value::as_str).map(excerpt);
        return ProbeOutcome::FunctionError {
            error_type: text("errorType").unwrap_or_else(|| kind.to_string()),
            error_message: text("errorMessage").unwrap_or_default(),
        };
    }
    let verdict = match (streams, payload_format) {
        (true, _) => validate_stream(payload),
        (false, Some(format)) => validate_http(payload, format),
        (false, None) => validate(payload),
    };
    match verdict {
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
        } = outcome(
            Some("Unhandled"),
            payload.to_string().as_bytes(),
            false,
            None,
        )
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
            outcome(Some("Unhandled"), b"Task timed out", false, None),
            ProbeOutcome::FunctionError {
                error_type: "Unhandled".into(),
                error_message: String::new(),
            }
        );
    }

    #[test]
    fn answers_are_judged_by_the_validator() {
        assert_eq!(
            outcome(None, br#"{"statusCode": "201", "body": ""}"#, false, None),
            ProbeOutcome::Accepted { status_code: 201 }
        );
        let ProbeOutcome::Rejected { violations } = outcome(None, br#""justAString""#, false, None)
        else {
            panic!("accepted");
        };
        assert_eq!(violations[0].rule, Rule::NotAnObject);
        assert_eq!(violations[0].detail, r#""justAString""#);
    }
}
