//! Parsing of Lambda function references, API Gateway integration URIs and stage-variable
//! substitution, and the execute-api source ARNs exactly as API Gateway builds them
//! (aws-facts §1, §2).

use std::collections::BTreeMap;
use std::fmt;

use thiserror::Error;

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
    #[error("`{0}` is not a Lambda integration URI (expected arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations)")]
    NotLambdaUri(String),
    #[error("`{0}` is not a valid Lambda function name or ARN")]
    InvalidFunction(String),
    #[error("stage variable `{0}` is not defined on the stage")]
    UndefinedStageVariable(String),
    #[error("`{0}` contains an unterminated `${{stageVariables.` reference")]
    UnterminatedStageVariable(String),
}

/// An integration URI split into its parts, before stage variables are substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaIntegrationUri {
    pub partition: String,
    /// The region named in `arn:aws:apigateway:{region}:lambda:...`.
    pub region: String,
    /// The function reference between `functions/` and `/invocations`; may hold
    /// `${stageVariables.x}`.
    pub function: String,
}

const URI_PATH_PREFIX: &str = "lambda:path/2015-03-31/functions/";
const URI_SUFFIX: &str = "/invocations";

/// Parses `arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations`.
pub fn parse_integration_uri(uri: &str) -> Result<LambdaIntegrationUri, ArnError> {
    let not_lambda = || ArnError::NotLambdaUri(uri.to_string());
    let rest = uri.strip_prefix("arn:").ok_or_else(not_lambda)?;
    let (partition, rest) = rest.split_once(':').ok_or_else(not_lambda)?;
    let rest = rest.strip_prefix("apigateway:").ok_or_else(not_lambda)?;
    let (region, rest) = rest.split_once(':').ok_or_else(not_lambda)?;
    let function = rest
        .strip_prefix(URI_PATH_PREFIX)
        .and_then(|r| r.strip_suffix(URI_SUFFIX))
        .ok_or_else(not_lambda)?;
    if function.is_empty() || partition.is_empty() || region.is_empty() {
        return Err(not_lambda());
    }
    Ok(LambdaIntegrationUri {
        partition: partition.to_string(),
        region: region.to_string(),
        function: function.to_string(),
    })
}

/// The names of the stage variables a string refers to, in order of appearance.
pub fn stage_variable_names(text: &str) -> Result<Vec<String>, ArnError> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${stageVariables.") {
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after
            .find('}')
            .ok_or_else(|| ArnError::UnterminatedStageVariable(text.to_string()))?;
        names.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// Replaces every `${stageVariables.x}` with the stage's value of `x`.
pub fn substitute_stage_variables(
    text: &str,
    variables: &BTreeMap<String, String>,
) -> Result<String, ArnError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after
            .find('}')
            .ok_or_else(|| ArnError::UnterminatedStageVariable(text.to_string()))?;
        let name = &after[..end];
        let value = variables
            .get(name)
            .ok_or_else(|| ArnError::UndefinedStageVariable(name.to_string()))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Resolves a function reference as Lambda's `FunctionName` parameter accepts it — a name,
/// `name:qualifier`, a partial ARN `account:function:name[:qualifier]` or a full ARN — to a
/// full ARN. Missing parts come from `defaults` (the integration URI's partition and region,
/// the API's account).
pub fn resolve_function(
    reference: &str,
    default_partition: &str,
    default_region: &str,
    default_account: &str,
) -> Result<FunctionArn, ArnError> {
    let invalid = || ArnError::InvalidFunction(reference.to_string());
    let parts: Vec<&str> = reference.split(':').collect();
    let (partition, region, account, name, qualifier) = match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", name] => {
            (*partition, *region, *account, *name, None)
        }
        ["arn", partition, "lambda", region, account, "function", name, q] => {
            (*partition, *region, *account, *name, Some(*q))
        }
        [account, "function", name] => (default_partition, default_region, *account, *name, None),
        [account, "function", name, q] => {
            (default_partition, default_region, *account, *name, Some(*q))
        }
        [name] => (
            default_partition,
            default_region,
            default_account,
            *name,
            None,
        ),
        [name, q] => (
            default_partition,
            default_region,
            default_account,
            *name,
            Some(*q),
        ),
        _ => return Err(invalid()),
    };
    if !is_valid_function_name(name)
        || region.is_empty()
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    if let Some(q) = qualifier {
        if !is_valid_qualifier(q) {
            return Err(invalid());
        }
    }
    Ok(FunctionArn {
        partition: partition.to_string(),
        region: region.to_string(),
        account: account.to_string(),
        name: name.to_string(),
        qualifier: qualifier.map(str::to_string),
    })
}

/// Lambda function names: letters, digits, hyphens and underscores, 1–64 characters.
fn is_valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Versions are digits or `$LATEST`; aliases are 1–128 of `[a-zA-Z0-9-_]` not all digits.
fn is_valid_qualifier(q: &str) -> bool {
    q == "$LATEST"
        || ((1..=128).contains(&q.len())
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// Parses a full Lambda function ARN (qualified or not).
pub fn parse_function_arn(arn: &str) -> Result<FunctionArn, ArnError> {
    if !arn.starts_with("arn:") {
        return Err(ArnError::InvalidFunction(arn.to_string()));
    }
    resolve_function(arn, "", "", "")
}

/// The source ARN API Gateway presents when a method invokes Lambda:
/// `arn:{partition}:execute-api:{function region}:{API account}:{apiId}/{stage}/{METHOD}/{path}`.
/// The method is the configured verb (`ANY` stays `ANY`), the path is the resource template with
/// its leading `/` dropped and braces kept, so the root resource gives a trailing `/`.
pub fn method_source_arn(
    partition: &str,
    function_region: &str,
    api_account: &str,
    api_id: &str,
    stage: &str,
    http_method: &str,
    resource_path: &str,
) -> String {
    let path = resource_path.strip_prefix('/').unwrap_or(resource_path);
    format!(
        "arn:{partition}:execute-api:{function_region}:{api_account}:{api_id}/{stage}/{http_method}/{path}"
    )
}

/// The source ARN of a Lambda authorizer call: `.../{apiId}/authorizers/{authorizerId}`.
pub fn authorizer_source_arn(
    partition: &str,
    function_region: &str,
    api_account: &str,
    api_id: &str,
    authorizer_id: &str,
) -> String {
    format!(
        "arn:{partition}:execute-api:{function_region}:{api_account}:{api_id}/authorizers/{authorizer_id}"
    )
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
mod tests {
    use super::*;

    const ACCT: &str = "123456789012";

    #[test]
    fn parses_integration_uris() {
        let cases = [
            (
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations",
                Some(("aws", "us-east-1", "arn:aws:lambda:us-east-1:123456789012:function:pets")),
            ),
            (
                "arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:f:${stageVariables.alias}/invocations",
                Some(("aws-cn", "cn-north-1", "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:${stageVariables.alias}")),
            ),
            ("arn:aws:apigateway:us-east-1:s3:path/bucket/key", None),
            ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations", None),
            ("https://example.com/pets", None),
            ("", None),
        ];
        for (uri, expected) in cases {
            let got = parse_integration_uri(uri).ok();
            let got = got
                .as_ref()
                .map(|u| (u.partition.as_str(), u.region.as_str(), u.function.as_str()));
            assert_eq!(got, expected, "{uri}");
        }
    }

    #[test]
    fn substitutes_stage_variables() {
        let vars: BTreeMap<String, String> = [
            ("alias".to_string(), "live".to_string()),
            ("fn".to_string(), "pets".to_string()),
        ]
        .into();
        assert_eq!(
            substitute_stage_variables(
                "function:${stageVariables.fn}:${stageVariables.alias}",
                &vars
            )
            .unwrap(),
            "function:pets:live"
        );
        assert_eq!(
            substitute_stage_variables("x:${stageVariables.nope}", &vars),
            Err(ArnError::UndefinedStageVariable("nope".into()))
        );
        assert!(matches!(
            substitute_stage_variables("x:${stageVariables.fn", &vars),
            Err(ArnError::UnterminatedStageVariable(_))
        ));
        assert_eq!(
            stage_variable_names("a${stageVariables.x}b${stageVariables.y}").unwrap(),
            vec!["x", "y"]
        );
        assert!(stage_variable_names("plain").unwrap().is_empty());
    }

    #[test]
    fn resolves_every_function_reference_form() {
        let cases: [(&str, Option<&str>); 10] = [
            (
                "pets",
                Some("arn:aws:lambda:us-east-1:123456789012:function:pets"),
            ),
            (
                "pets:live",
                Some("arn:aws:lambda:us-east-1:123456789012:function:pets:live"),
            ),
            (
                "210987654321:function:pets",
                Some("arn:aws:lambda:us-east-1:210987654321:function:pets"),
            ),
            (
                "210987654321:function:pets:7",
                Some("arn:aws:lambda:us-east-1:210987654321:function:pets:7"),
            ),
            (
                "arn:aws:lambda:eu-west-1:210987654321:function:pets",
                Some("arn:aws:lambda:eu-west-1:210987654321:function:pets"),
            ),
            (
                "arn:aws:lambda:eu-west-1:210987654321:function:pets:$LATEST",
                Some("arn:aws:lambda:eu-west-1:210987654321:function:pets:$LATEST"),
            ),
            ("arn:aws:lambda:eu-west-1:2109:function:pets", None),
            ("pets/bad", None),
            ("arn:aws:s3:::bucket", None),
            ("a:b:c:d:e", None),
        ];
        for (reference, expected) in cases {
            let got = resolve_function(reference, "aws", "us-east-1", ACCT)
                .ok()
                .map(|a| a.to_string());
            assert_eq!(got.as_deref(), expected, "{reference}");
        }
        let arn =
            parse_function_arn("arn:aws:lambda:us-east-1:123456789012:function:pets:live").unwrap();
        assert_eq!(arn.short(), "pets:live");
        assert_eq!(
            arn.unqualified().to_string(),
            "arn:aws:lambda:us-east-1:123456789012:function:pets"
        );
        assert!(parse_function_arn("pets").is_err());
    }

    #[test]
    fn builds_source_arns_as_api_gateway_does() {
        let cases = [
            (
                "prod",
                "GET",
                "/pets/{id}",
                "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/{id}",
            ),
            (
                "prod",
                "ANY",
                "/{proxy+}",
                "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/ANY/{proxy+}",
            ),
            (
                "test-invoke-stage",
                "POST",
                "/",
                "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/test-invoke-stage/POST/",
            ),
        ];
        for (stage, method, path, expected) in cases {
            assert_eq!(
                method_source_arn("aws", "us-east-1", ACCT, "a1b2c3", stage, method, path),
                expected
            );
        }
        assert_eq!(
            authorizer_source_arn("aws", "eu-west-1", ACCT, "a1b2c3", "elkw5b"),
            "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/authorizers/elkw5b"
        );
    }
}
