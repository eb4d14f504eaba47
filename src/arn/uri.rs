//! Lambda integration URIs, every form API Gateway accepts for a Lambda target:
//!
//! - the buffered path form `arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations`
//!   (docs/aws-facts.md §1, "Integration URI facts"), which calls Lambda's `Invoke`;
//! - the response-streaming path form
//!   `arn:{partition}:apigateway:{region}:lambda:path/2021-11-15/functions/{fn}/response-streaming-invocations`
//!   (§11.1, `response-transfer-mode-lambda.html`), which calls `InvokeWithResponseStream`;
//! - for HTTP APIs also the bare function ARN (§12.1: "IntegrationUri may be either the bare
//!   function ARN or the path form").
//!
//! `{fn}` may hold `${stageVariables.x}`; it is resolved per stage (`stage_variables.rs`).

use super::ArnError;

/// Which Lambda API an integration URI calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LambdaAction {
    /// `2015-03-31/.../invocations`: `Invoke`, the whole response at once.
    Invocations,
    /// `2021-11-15/.../response-streaming-invocations`: `InvokeWithResponseStream`.
    ResponseStreamingInvocations,
}

impl LambdaAction {
    /// The path between the region and the function: `lambda:path/{date}/functions/`.
    fn prefix(self) -> &'static str {
        match self {
            LambdaAction::Invocations => "lambda:path/2015-03-31/functions/",
            LambdaAction::ResponseStreamingInvocations => "lambda:path/2021-11-15/functions/",
        }
    }

    /// The path after the function: `/invocations` or `/response-streaming-invocations`.
    fn suffix(self) -> &'static str {
        match self {
            LambdaAction::Invocations => "/invocations",
            LambdaAction::ResponseStreamingInvocations => "/response-streaming-invocations",
        }
    }

    /// The integration URI of this form for a function reference (a full ARN, or one with
    /// stage variables) in `partition` and `region`.
    pub fn uri(self, partition: &str, region: &str, function: &str) -> String {
        format!(
            "arn:{partition}:apigateway:{region}:{}{function}{}",
            self.prefix(),
            self.suffix()
        )
    }
}

/// An integration URI split into its parts, before stage variables are substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaIntegrationUri {
    pub partition: String,
    /// The region named in `arn:aws:apigateway:{region}:lambda:...`, or the function ARN's
    /// region for a bare function ARN.
    pub region: String,
    /// Which Lambda API is called; a bare function ARN is called with `Invoke`.
    pub action: LambdaAction,
    /// The function reference; may hold `${stageVariables.x}`.
    pub function: String,
}

/// Whether a URI is meant for Lambda: a `…:lambda:path/…` path or a Lambda function ARN. Such a
/// URI that does not parse is a Lambda integration the auditor cannot judge, never a silent
/// non-Lambda one.
pub fn names_lambda(uri: &str) -> bool {
    uri.contains(":lambda:path/") || (uri.contains(":lambda:") && uri.contains(":function:"))
}

/// Parses any path-form Lambda integration URI, in any partition.
pub fn parse_integration_uri(uri: &str) -> Result<LambdaIntegrationUri, ArnError> {
    let not_lambda = || ArnError::NotLambdaUri(uri.to_string());
    let rest = uri.strip_prefix("arn:").ok_or_else(not_lambda)?;
    let (partition, rest) = rest.split_once(':').ok_or_else(not_lambda)?;
    let rest = rest.strip_prefix("apigateway:").ok_or_else(not_lambda)?;
    let (region, rest) = rest.split_once(':').ok_or_else(not_lambda)?;
    let (action, function) = [
        LambdaAction::Invocations,
        LambdaAction::ResponseStreamingInvocations,
    ]
    .into_iter()
    .find_map(|action| {
        rest.strip_prefix(action.prefix())
            .and_then(|r| r.strip_suffix(action.suffix()))
            .map(|function| (action, function))
    })
    .ok_or_else(not_lambda)?;
    if function.is_empty() || partition.is_empty() || region.is_empty() {
        return Err(not_lambda());
    }
    Ok(LambdaIntegrationUri {
        partition: partition.to_string(),
        region: region.to_string(),
        action,
        function: function.to_string(),
    })
}

/// Parses an HTTP API integration URI: the path form, or a bare function ARN (which CDK and the
/// Serverless Framework write). A bare ARN with stage variables is refused by the console
/// (§12.1) and is not a form this parses.
pub fn parse_http_api_integration_uri(uri: &str) -> Result<LambdaIntegrationUri, ArnError> {
    if uri.starts_with("arn:") && uri.contains(":lambda:") && !uri.contains(":lambda:path/") {
        let function =
            super::parse_function_arn(uri).map_err(|_| ArnError::NotLambdaUri(uri.to_string()))?;
        return Ok(LambdaIntegrationUri {
            partition: function.partition.clone(),
            region: function.region.clone(),
            action: LambdaAction::Invocations,
            function: uri.to_string(),
        });
    }
    parse_integration_uri(uri)
}
