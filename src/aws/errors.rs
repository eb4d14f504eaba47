//! The translation of SDK errors into what the report needs: the error code and message, and
//! whether the service said "not found" or never answered.

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};

use super::Operation;
use crate::inventory::CollectionError;

/// An SDK error reduced to what the report needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFailure {
    pub code: String,
    pub message: String,
    /// The service answered that the thing does not exist.
    pub not_found: bool,
    /// No answer came back at all (connection refused, DNS, timeout): the endpoint is unreachable.
    pub unreachable: bool,
}

impl CallFailure {
    pub fn into_error(
        self,
        scope: (&str, &str),
        operation: Operation,
        resource: &str,
    ) -> CollectionError {
        CollectionError {
            account: scope.0.to_string(),
            region: scope.1.to_string(),
            operation: operation.name().to_string(),
            resource: resource.to_string(),
            code: self.code,
            message: self.message,
        }
    }
}

/// Translates any SDK error. Lambda says `ResourceNotFoundException`, API Gateway
/// `NotFoundException`; both mean "does not exist".
pub fn translate<E, R>(error: &SdkError<E, R>) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("UnknownError").to_string();
            let message = err
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| code.clone());
            CallFailure {
                not_found: matches!(
                    code.as_str(),
                    // CloudWatch's GetDashboard says `ResourceNotFound`, IAM `NoSuchEntity`.
                    "ResourceNotFoundException"
                        | "NotFoundException"
                        | "ResourceNotFound"
                        | "NoSuchEntity"
                ),
                unreachable: false,
                code,
                message,
            }
        }
        SdkError::DispatchFailure(dispatch) => CallFailure {
            code: "DispatchFailure".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: dispatch.is_io() || dispatch.is_timeout(),
        },
        SdkError::TimeoutError(_) => CallFailure {
            code: "Timeout".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: true,
        },
        SdkError::ConstructionFailure(_) => CallFailure {
            code: "ConstructionFailure".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: false,
        },
        _ => CallFailure {
            code: "ResponseError".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: false,
        },
    }
}

/// The whole source chain of an error on one line; SDK errors hide the cause in `source()`.
fn describe_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::get_policy::GetPolicyError;
    use aws_sdk_lambda::types::error::ResourceNotFoundException;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    #[test]
    fn not_found_is_recognised() {
        // The SDK's deserializer attaches the wire error code as metadata on modeled errors.
        let meta = ErrorMetadata::builder()
            .code("ResourceNotFoundException")
            .build();
        let err = GetPolicyError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("The resource you requested does not exist.")
                .meta(meta)
                .build(),
        );
        let failure = translate(&SdkError::service_error(err, response(404)));
        assert_eq!(failure.code, "ResourceNotFoundException");
        assert!(failure.not_found && !failure.unreachable);
    }

    #[test]
    fn access_denied_keeps_code_and_message() {
        let meta = ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("User is not authorized to perform: lambda:GetPolicy")
            .build();
        let err = GetPolicyError::generic(meta);
        let failure = translate(&SdkError::service_error(err, response(403)));
        assert_eq!(failure.code, "AccessDeniedException");
        assert_eq!(
            failure.message,
            "User is not authorized to perform: lambda:GetPolicy"
        );
        assert!(!failure.not_found && !failure.unreachable);
    }
}
