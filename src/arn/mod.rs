//! Every ARN the auditor reads, parsed in one place: Lambda function references
//! (`function.rs`), integration URIs in every form (`uri.rs`), stage variables in them
//! (`stage_variables.rs`), the execute-api source ARNs API Gateway presents (`source.rs`), and
//! the parts of any other ARN (partition, region, account).

mod function;
mod source;
mod stage_variables;
mod uri;

use std::fmt;

use thiserror::Error;

pub use function::{parse_function_arn, resolve_function};
pub use source::{authorizer_source_arn, method_source_arn};
pub use stage_variables::{stage_variable_names, substitute_stage_variables};
pub use uri::{
    names_lambda, parse_http_api_integration_uri, parse_integration_uri, LambdaAction,
    LambdaIntegrationUri,
};

/// A fully resolved Lambda function ARN, qualified or not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub name: String,
    pub qualifier: Option<String>,
}

impl FunctionArn {
    /// The same function without its qualifier.
    pub fn unqualified(&self) -> FunctionArn {
        FunctionArn {
            qualifier: None,
            ..self.clone()
        }
    }

    /// `name` or `name:qualifier`, the short form used in messages.
    pub fn short(&self) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{}", self.name, q),
            None => self.name.clone(),
        }
    }
}

impl fmt::Display for FunctionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:lambda:{}:{}:function:{}",
            self.partition, self.region, self.account, self.name
        )?;
        if let Some(q) = &self.qualifier {
            write!(f, ":{q}")?;
        }
        Ok(())
    }
}

/// Written and read as the ARN string, as snapshots and reports hold it.
impl serde::Serialize for FunctionArn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for FunctionArn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_function_arn(&text).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for FunctionArn {
    type Err = ArnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_function_arn(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArnError {
    #[error("`{0}` is not a Lambda integration URI (expected arn:PARTITION:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations or …/2021-11-15/functions/FUNCTION/response-streaming-invocations)")]
    NotLambdaUri(String),
    #[error("`{0}` is not a valid Lambda function name or ARN")]
    InvalidFunction(String),
    #[error("stage variable `{0}` is not defined on the stage")]
    UndefinedStageVariable(String),
    #[error("`{0}` contains an unterminated `${{stageVariables.` reference")]
    UnterminatedStageVariable(String),
}

/// The partition of any ARN (`arn:{partition}:...`), or `aws` for a malformed one.
pub fn partition_of(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The region of any ARN (`arn:p:service:{region}:...`), if it names one.
pub fn region_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The account id in a role ARN (`arn:aws:iam::123456789012:role/x`), or "" for a malformed one.
pub fn account_of(role_arn: &str) -> &str {
    role_arn.split(':').nth(4).unwrap_or("")
}

/// Pass-through credentials: API Gateway calls the backend with the caller's own identity
/// (docs/aws-facts.md §2 "Integration credentials"), so there is no role to read.
pub fn is_pass_through(credentials: &str) -> bool {
    credentials.ends_with(":iam::*:user/*")
}

#[cfg(test)]
mod tests;
