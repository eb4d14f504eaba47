//! Lambda function references as Lambda's `FunctionName` parameter accepts them — names, partial
//! and full ARNs, with a version, an alias, `$LATEST` or `$LATEST.PUBLISHED` — resolved to a full
//! [`FunctionArn`].

use super::{ArnError, FunctionArn};

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

/// Versions are digits, `$LATEST` or `$LATEST.PUBLISHED` (the version unqualified calls of a
/// Lambda Managed Instances function run, docs/aws-facts.md §11.4; botocore's qualifier pattern
/// accepts it in Invoke, AddPermission and GetPolicy); aliases are 1–128 of `[a-zA-Z0-9-_]`.
fn is_valid_qualifier(q: &str) -> bool {
    q == "$LATEST"
        || q == "$LATEST.PUBLISHED"
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
