//! Shared plumbing of the deployment-package checks: the listing of a target's package, and the
//! commands that rebuild and redeploy it.

use crate::arn::FunctionArn;
use crate::checks::shared::error_finding;
use crate::checks::shared::{function_args, sh, ReachedTarget};
use crate::checks::Check;
use crate::inventory::{FunctionConfig, Lookup, PackageListing};
use crate::report::Finding;

/// The listing of the target's own package: `Ok(None)` when there is nothing to judge (an image
/// function, inspection turned off, a snapshot without listings), `Err` with an `error` finding
/// when the package could not be read.
pub fn package_listing<'s>(
    doc: &Check,
    reached: &ReachedTarget<'s>,
    config: &FunctionConfig,
) -> Result<Option<&'s PackageListing>, Box<Finding>> {
    if config.package_type.as_deref() == Some("Image") {
        return Ok(None);
    }
    let Some(sha) = config.code_sha256.as_deref() else {
        return Ok(None);
    };
    match reached.scope.packages.get(sha) {
        Some(Lookup::Found(listing)) => Ok(Some(listing)),
        Some(Lookup::Failed(error)) => Err(Box::new(error_finding(
            doc,
            reached.scope,
            error,
            &reached.short(),
        ))),
        Some(Lookup::Missing) | None => Ok(None),
    }
}

/// Deploys `zip` to the target: `update-function-code`, and for an alias publishing a version
/// and moving the alias to it (only `$LATEST` takes new code).
pub fn deploy_command(reached: &ReachedTarget<'_>, zip: &str) -> String {
    deploy_to(reached, reached.arn(), zip)
}

fn deploy_to(reached: &ReachedTarget<'_>, arn: &FunctionArn, zip: &str) -> String {
    let target = function_args(reached.scope, arn);
    let update = format!(
        "aws lambda update-function-code {target} --zip-file fileb://{}",
        sh(zip)
    );
    match arn.qualifier.as_deref() {
        None | Some("$LATEST") => update,
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => format!(
            "{update} --publish --query Version --output text  # then point the integration \
             URI at the new version"
        ),
        Some(alias) => format!(
            "aws lambda update-alias {target} --name {} --function-version \"$({update} \
             --publish --query Version --output text)\"",
            sh(alias)
        ),
    }
}

/// At most this many paths go into a finding's evidence and message.
pub const LISTED: usize = 20;

/// `a, b, c and 4 more`.
pub fn some_of(items: &[String], max: usize) -> String {
    match items.len() {
        0 => String::new(),
        n if n <= max => items.join(", "),
        n => format!("{} and {} more", items[..max].join(", "), n - max),
    }
}
