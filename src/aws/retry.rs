//! What an attempt's outcome asks for. The auditor retries calls itself rather than through the
//! SDK, so that every attempt waits its turn in the limiters (`limiter.rs`) and the retry budget
//! is the auditor's own, the same in every run: the SDK's standard retry mode also spends a retry
//! quota — a token bucket per client partition that lives as long as the process — which a
//! long-lived daemon under faults drains until it refuses to retry at all (docs/aws-facts.md §7).
//!
//! The errors it retries are those the SDK's standard mode retries (`aws-runtime` and
//! `aws-smithy-runtime` classifiers): throttling error codes, transient error codes, HTTP
//! 500/502/503/504, errors the service model marks retryable, responses that could not be read,
//! timeouts and I/O failures.

use std::time::Duration;

use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::{ErrorKind, ProvideErrorKind};

/// The first backoff after a transient error, and the longest.
const INITIAL_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// HTTP statuses the SDK's standard mode treats as transient.
const TRANSIENT_STATUSES: [u16; 4] = [500, 502, 503, 504];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An answer to keep: the output, or an error no retry would change.
    Done,
    /// AWS's bucket for the call was empty: retry through the (now slowed) limiter.
    Throttled,
    /// No usable answer (a reset, a timeout, a 5XX): retry after a backoff.
    Transient,
}

pub(crate) fn classify<T, E>(result: &Result<T, SdkError<E, HttpResponse>>) -> Outcome
where
    E: ProvideErrorMetadata + ProvideErrorKind,
{
    let Err(error) = result else {
        return Outcome::Done;
    };
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = ProvideErrorMetadata::code(err).unwrap_or_default();
            let status = service.raw().status().as_u16();
            match err.retryable_error_kind() {
                Some(ErrorKind::ThrottlingError) => return Outcome::Throttled,
                Some(ErrorKind::TransientError | ErrorKind::ServerError) => {
                    return Outcome::Transient
                }
                _ => {}
            }
            if THROTTLING_ERRORS.contains(&code) || status == 429 {
                Outcome::Throttled
            } else if TRANSIENT_ERRORS.contains(&code) || TRANSIENT_STATUSES.contains(&status) {
                Outcome::Transient
            } else {
                Outcome::Done
            }
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Outcome::Transient,
        SdkError::DispatchFailure(failure) => {
            if failure.is_io() || failure.is_timeout() {
                Outcome::Transient
            } else {
                match failure.as_other() {
                    Some(ErrorKind::ThrottlingError) => Outcome::Throttled,
                    Some(_) => Outcome::Transient,
                    None => Outcome::Done,
                }
            }
        }
        _ => Outcome::Done,
    }
}

/// Whether AWS answered at all (a throttle or a 5XX says the endpoint is there; a refused
/// connection, a reset or a timeout does not).
pub(crate) fn answered<T, E>(result: &Result<T, SdkError<E, HttpResponse>>) -> bool {
    !matches!(
        result,
        Err(SdkError::DispatchFailure(_) | SdkError::TimeoutError(_))
    )
}

/// The wait before attempt `next` (2, 3, …) after a transient error: exponential with full
/// jitter, as the SDKs' standard mode (docs/aws-facts.md §7), from 200 ms up to 20 s.
pub(crate) fn backoff(next: u32) -> Duration {
    let exponent = next.saturating_sub(2).min(16);
    let ceiling = INITIAL_BACKOFF
        .saturating_mul(1 << exponent)
        .min(MAX_BACKOFF);
    ceiling.mul_f64(fastrand::f64())
}

#[cfg(test)]
// The SDK's errors are large; tests build them as the SDK returns them.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::get_policy::GetPolicyError;
    use aws_sdk_lambda::types::error::TooManyRequestsException;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    type Result = std::result::Result<(), SdkError<GetPolicyError, HttpResponse>>;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    fn generic(code: &str, status: u16) -> Result {
        let meta = ErrorMetadata::builder().code(code).build();
        Err(SdkError::service_error(
            GetPolicyError::generic(meta),
            response(status),
        ))
    }

    #[test]
    fn throttles_in_every_service_protocol_are_throttles() {
        // Lambda's modeled 429 (docs/aws-facts.md §7).
        let modeled: Result = Err(SdkError::service_error(
            GetPolicyError::TooManyRequestsException(
                TooManyRequestsException::builder()
                    .message("Rate exceeded")
                    .build(),
            ),
            response(429),
        ));
        assert_eq!(classify(&modeled), Outcome::Throttled);
        // API Gateway's 429, CloudWatch's and STS's `Throttling` (400), Logs' (400).
        assert_eq!(
            classify(&generic("TooManyRequestsException", 429)),
            Outcome::Throttled
        );
        assert_eq!(classify(&generic("Throttling", 400)), Outcome::Throttled);
        assert_eq!(
            classify(&generic("ThrottlingException", 400)),
            Outcome::Throttled
        );
        assert_eq!(classify(&generic("Unknown", 429)), Outcome::Throttled);
    }

    #[test]
    fn server_errors_and_lost_answers_are_transient_and_denials_final() {
        assert_eq!(
            classify(&generic("InternalFailure", 500)),
            Outcome::Transient
        );
        assert_eq!(classify(&generic("Unknown", 503)), Outcome::Transient);
        assert_eq!(
            classify(&generic("RequestTimeout", 400)),
            Outcome::Transient
        );
        let reset: Result = Err(SdkError::dispatch_failure(ConnectorError::io(
            "connection reset".into(),
        )));
        assert_eq!(classify(&reset), Outcome::Transient);
        let timeout: Result = Err(SdkError::timeout_error("attempt timeout"));
        assert_eq!(classify(&timeout), Outcome::Transient);
        assert!(!answered(&reset) && !answered(&timeout));
        assert!(answered(&generic("InternalFailure", 500)));
        assert_eq!(
            classify(&generic("AccessDeniedException", 403)),
            Outcome::Done
        );
        assert_eq!(
            classify(&generic("ResourceNotFoundException", 404)),
            Outcome::Done
        );
        let ok: Result = Ok(());
        assert_eq!(classify(&ok), Outcome::Done);
    }

    #[test]
    fn backoff_grows_to_its_ceiling_with_jitter() {
        for _ in 0..100 {
            assert!(backoff(2) < INITIAL_BACKOFF);
            assert!(backoff(4) < INITIAL_BACKOFF * 4);
            assert!(backoff(30) <= MAX_BACKOFF);
        }
    }
}
