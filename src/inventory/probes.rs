//! What the opt-in probe keeps of each invocation: the route it invoked and the verdict, never the
//! payload — at most 300 characters of the offending part, and of a function error's message.

use serde::{Deserialize, Serialize};

use super::CollectionError;
use crate::arn::FunctionArn;

/// One probe: one route (API, method, resource path) of one or more stages that resolve to the
/// same target, invoked once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub api_id: String,
    /// Every stage whose route resolves to this target; the event used the first.
    pub stages: Vec<String>,
    /// The method as configured; `ANY` stays `ANY`.
    pub method: String,
    /// The template path of the resource: `/pets/{id}`.
    pub resource: String,
    /// The verb the event carried (a concrete one for `ANY`).
    pub probed_method: String,
    /// The request path the event carried, path parameters filled in: `/pets/1`.
    pub probed_path: String,
    /// The exact ARN invoked, qualified or not.
    pub target: FunctionArn,
    /// For an HTTP API route, the payload format version (`1.0`, `2.0`) whose event was sent and
    /// whose output rules judged the answer (docs/aws-facts.md §12.3); `None` for REST routes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_format: Option<String>,
    pub outcome: ProbeOutcome,
}

/// What came back; `kind` names the variant in the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProbeOutcome {
    /// API Gateway would accept the response and answer this status code.
    Accepted { status_code: i64 },
    /// API Gateway would reject the response (`Malformed Lambda proxy response`, 502); every
    /// broken rule with its offending part.
    Rejected { violations: Vec<ProbeViolation> },
    /// The function failed (`FunctionError` set): API Gateway answers 502. Type and message as
    /// the runtime reported them, the message cut to 300 characters; never the stack trace.
    FunctionError {
        error_type: String,
        error_message: String,
    },
    /// The invocation itself failed (AccessDenied, throttled, timed out): nothing was judged.
    Failed { error: CollectionError },
}

/// A rule of the §4 table a response breaks. The kebab-case names are `evidence.rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeRule {
    /// Over Lambda's 6 MB synchronous payload limit.
    PayloadTooLarge,
    /// Not a JSON object: a bare string, a number, an array, `null`, or not JSON at all.
    NotAnObject,
    /// A top-level key API Gateway does not know.
    UnknownKey,
    /// `statusCode` is neither an integer nor a string of digits.
    StatusCodeNotInteger,
    /// `body` is an object, an array, a number or a boolean instead of a string.
    BodyNotString,
    /// `headers` is not an object (the documented format is string → string).
    HeadersNotObject,
    /// A `headers` value that is neither a string nor a boolean.
    HeaderValueNotString,
    /// `multiValueHeaders` is not an object (the documented format is string → [string]).
    MultiValueHeadersNotObject,
    /// A `multiValueHeaders` value that is not a list.
    MultiValueHeaderNotList,
    /// `isBase64Encoded` is true and `body` is not valid base64.
    BodyNotBase64,
    /// A buffered route answered with the streaming prelude (metadata, eight `0x00`, payload):
    /// clients get the status code and headers but no body (docs/aws-facts.md §11.1).
    StreamFormatOnBufferedRoute,
    /// Streaming: no 8-byte `0x00` delimiter within the first 16 KB.
    StreamDelimiterMissing,
    /// Streaming: the classic proxy JSON instead of the streaming format.
    BufferedResponseOnStreamingRoute,
    /// Streaming: the metadata before the delimiter is not a JSON object.
    StreamMetadataNotJson,
    /// Streaming: a metadata key other than statusCode, headers, multiValueHeaders, cookies.
    StreamMetadataUnknownKey,
    /// Streaming: `statusCode` in the metadata is not an integer.
    StreamStatusCodeNotInteger,
    /// Streaming: a `headers` value that is not one string.
    StreamHeaderNotSingle,
    /// HTTP API payload 1.0: no `statusCode`. HTTP APIs assume no default for 1.0 (docs/aws-facts.md
    /// §12.3, Knowledge Center `api-gateway-status-codes-http-api`).
    StatusCodeMissing,
    /// HTTP API payload 2.0: the output is not JSON at all (only a custom runtime can send that).
    NotJson,
    /// HTTP API payload 2.0: an object with proxy-response keys (`body`, `headers`, …) but no
    /// `statusCode`, which 2.0 takes for a body: clients get 200 with the whole object as text.
    EnvelopeWithoutStatusCode,
}

impl ProbeRule {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeRule::PayloadTooLarge => "payload-too-large",
            ProbeRule::NotAnObject => "not-an-object",
            ProbeRule::UnknownKey => "unknown-key",
            ProbeRule::StatusCodeNotInteger => "status-code-not-integer",
            ProbeRule::BodyNotString => "body-not-string",
            ProbeRule::HeadersNotObject => "headers-not-object",
            ProbeRule::HeaderValueNotString => "header-value-not-string",
            ProbeRule::MultiValueHeadersNotObject => "multi-value-headers-not-object",
            ProbeRule::MultiValueHeaderNotList => "multi-value-header-not-list",
            ProbeRule::BodyNotBase64 => "body-not-base64",
            ProbeRule::StreamFormatOnBufferedRoute => "stream-format-on-buffered-route",
            ProbeRule::StreamDelimiterMissing => "stream-delimiter-missing",
            ProbeRule::BufferedResponseOnStreamingRoute => "buffered-response-on-streaming-route",
            ProbeRule::StreamMetadataNotJson => "stream-metadata-not-json",
            ProbeRule::StreamMetadataUnknownKey => "stream-metadata-unknown-key",
            ProbeRule::StreamStatusCodeNotInteger => "stream-status-code-not-integer",
            ProbeRule::StreamHeaderNotSingle => "stream-header-not-single",
            ProbeRule::StatusCodeMissing => "status-code-missing",
            ProbeRule::NotJson => "not-json",
            ProbeRule::EnvelopeWithoutStatusCode => "envelope-without-status-code",
        }
    }

    /// What is wrong, for messages.
    pub fn explain(self) -> &'static str {
        match self {
            ProbeRule::PayloadTooLarge => {
                "the response is over Lambda's 6 MB synchronous payload limit"
            }
            ProbeRule::NotAnObject => "the response is not a JSON object",
            ProbeRule::UnknownKey => "the response has a top-level key API Gateway does not accept",
            ProbeRule::StatusCodeNotInteger => {
                "`statusCode` is neither an integer nor a string of digits"
            }
            ProbeRule::BodyNotString => "`body` is not a string",
            ProbeRule::HeadersNotObject => "`headers` is not an object",
            ProbeRule::HeaderValueNotString => {
                "a `headers` value is neither a string nor a boolean"
            }
            ProbeRule::MultiValueHeadersNotObject => "`multiValueHeaders` is not an object",
            ProbeRule::MultiValueHeaderNotList => "a `multiValueHeaders` value is not a list",
            ProbeRule::BodyNotBase64 => "`isBase64Encoded` is true but `body` is not valid base64",
            ProbeRule::StreamFormatOnBufferedRoute => {
                "the function wrote the response-streaming format, but the route is buffered"
            }
            ProbeRule::StreamDelimiterMissing => {
                "the stream has no 8-byte 0x00 delimiter after its metadata within the first 16 KB"
            }
            ProbeRule::BufferedResponseOnStreamingRoute => {
                "the function answered with the buffered proxy format, but the route streams"
            }
            ProbeRule::StreamMetadataNotJson => {
                "the metadata before the delimiter is not a JSON object"
            }
            ProbeRule::StreamMetadataUnknownKey => {
                "the metadata has a key other than statusCode, headers, multiValueHeaders, cookies"
            }
            ProbeRule::StreamStatusCodeNotInteger => {
                "`statusCode` in the metadata is not an integer"
            }
            ProbeRule::StreamHeaderNotSingle => {
                "a `headers` value in the metadata is not one string"
            }
            ProbeRule::StatusCodeMissing => {
                "the response has no `statusCode`, which payload format 1.0 requires"
            }
            ProbeRule::NotJson => "the response is not JSON",
            ProbeRule::EnvelopeWithoutStatusCode => {
                "the response looks like a proxy response but has no `statusCode`, so payload \
                 format 2.0 sends the whole object as the body"
            }
        }
    }

    /// What clients get when the function answers so. A malformed buffered response is a 502
    /// (§4). Invalid base64 is the exception: §4 (AWS-validated) says a base64 body is returned
    /// undecoded, with 200, unless the client's Accept header matches one of the API's binary
    /// media types, and what happens when it does and decoding fails is NOT FOUND, so it is a
    /// warning with no status. A streaming route that cannot read the streaming format answers
    /// 500 (§11.1's compatibility matrix); a buffered route that gets the streaming format sends
    /// the status and headers with no body — broken, but no 5XX.
    pub fn client_status(self) -> Option<u16> {
        match self {
            ProbeRule::BodyNotBase64
            | ProbeRule::StreamFormatOnBufferedRoute
            | ProbeRule::EnvelopeWithoutStatusCode => None,
            ProbeRule::StatusCodeMissing | ProbeRule::NotJson => Some(500),
            ProbeRule::StreamDelimiterMissing
            | ProbeRule::BufferedResponseOnStreamingRoute
            | ProbeRule::StreamMetadataNotJson
            | ProbeRule::StreamMetadataUnknownKey
            | ProbeRule::StreamStatusCodeNotInteger
            | ProbeRule::StreamHeaderNotSingle => Some(500),
            _ => Some(502),
        }
    }

    /// What clients of a route with this payload format get: HTTP APIs (a format) answer 500
    /// for every malformed response (docs/aws-facts.md §12.3: they never send 502 for Lambda
    /// problems); REST (none) as [`ProbeRule::client_status`] says.
    pub fn client_status_for(self, payload_format: Option<&str>) -> Option<u16> {
        match payload_format {
            Some(_) => self.client_status().map(|_| 500),
            None => self.client_status(),
        }
    }

    /// Whether clients get a 5XX for it.
    pub fn breaks(self) -> bool {
        self.client_status().is_some()
    }
}

/// One broken rule and the offending part of the payload, at most 300 characters (`probe::validate::EXCERPT_CHARS`) long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeViolation {
    pub rule: ProbeRule,
    pub detail: String,
}
