//! The building blocks of the AWS CLI commands put in `remediation`: shell quoting, the
//! function arguments, configuration updates that publish and move an alias, redeployments and
//! permission statements.

use crate::arn::FunctionArn;
use crate::inventory::ScopeInventory;

/// Quotes a value for a POSIX shell when it holds anything but plainly safe characters
/// (`$LATEST`, `${stageVariables.x}` and `*` must not be expanded).
pub fn sh(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// `--function-name pets-get --region us-east-1`: the name when the function is in the audited
/// account, its ARN otherwise (the CLI accepts both).
pub fn function_args(scope: &ScopeInventory, arn: &FunctionArn) -> String {
    let name = if arn.account == scope.account {
        arn.name.clone()
    } else {
        arn.unqualified().to_string()
    };
    format!("--function-name {} --region {}", sh(&name), sh(&arn.region))
}

/// ` --qualifier live`, or nothing for an unqualified target.
pub fn qualifier_arg(arn: &FunctionArn) -> String {
    match &arn.qualifier {
        Some(q) => format!(" --qualifier {}", sh(q)),
        None => String::new(),
    }
}

/// `update-function-configuration` with `args`, then, because only `$LATEST` can be changed,
/// publishing a version and moving the alias to it when the target is an alias.
pub fn update_configuration(scope: &ScopeInventory, arn: &FunctionArn, args: &str) -> String {
    let target = function_args(scope, arn);
    let update = format!("aws lambda update-function-configuration {target} {args}");
    let publish = format!(
        "aws lambda wait function-updated {target} && \
         aws lambda publish-version {target} --query Version --output text"
    );
    match arn.qualifier.as_deref() {
        None | Some("$LATEST") => update,
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{update} && {publish}  # then point the integration URI at the new version")
        }
        Some(alias) => format!(
            "{update} && aws lambda wait function-updated {target} && \
             aws lambda update-alias {target} --name {} --function-version \
             \"$(aws lambda publish-version {target} --query Version --output text)\"",
            sh(alias)
        ),
    }
}

/// A statement id for `add-permission`: `[A-Za-z0-9-_]`, at most 100 characters, stable for
/// the same source ARN so re-running the command fails loudly instead of duplicating.
pub fn statement_id(api_id: &str, source_arn: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(source_arn.as_bytes());
    let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let api: String = api_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect();
    format!("apigw-auditor-{api}-{short}")
}

/// The `aws lambda add-permission` command that lets API Gateway call `function` (exactly that
/// qualifier) for `source_arn`.
pub fn add_permission(
    scope: &ScopeInventory,
    function: &FunctionArn,
    api_id: &str,
    source_arn: &str,
) -> String {
    format!(
        "aws lambda add-permission {}{} --statement-id {} --action lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn {}",
        function_args(scope, function),
        qualifier_arg(function),
        statement_id(api_id, source_arn),
        sh(source_arn)
    )
}

/// The `aws lambda remove-permission` command for one statement of `function`'s policy.
pub fn remove_permission(
    scope: &ScopeInventory,
    function: &FunctionArn,
    statement: &str,
) -> String {
    format!(
        "aws lambda remove-permission {}{} --statement-id {}",
        function_args(scope, function),
        qualifier_arg(function),
        sh(statement)
    )
}
