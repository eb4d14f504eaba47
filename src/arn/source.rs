//! The execute-api source ARNs API Gateway presents to Lambda (docs/aws-facts.md §1, §12.2).

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
