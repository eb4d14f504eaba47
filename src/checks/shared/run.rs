//! Running a function-level check over the route model: each reached Lambda target is judged
//! once, listing the routes it breaks (route-level checks: `route_groups.rs`). Also the lookup
//! remediations need of a resource's id.

use crate::checks::shared::error_finding;
use crate::checks::{Check, Context};
use crate::inventory::{LambdaTarget, Lookup, RestApi};
use crate::report::Finding;
use crate::routes::ReachedTarget;

/// Runs a function-level check: one finding per reached target whose `select`ed lookup `judge`
/// condemns, an `error` finding when the lookup failed, nothing when the target is missing
/// (`integration-target-missing` reports that). Fills in `function`, `evidence.routes` and the
/// fingerprint, so `judge` only says what is wrong.
pub fn run_per_target<T>(
    doc: &Check,
    ctx: &Context<'_>,
    select: impl Fn(&LambdaTarget) -> &Lookup<T>,
    judge: impl Fn(&ReachedTarget<'_>, &T) -> Option<Finding>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope in ctx.routes {
        for reached in &scope.reached {
            let finding = match select(reached.target) {
                Lookup::Found(value) => judge(reached, value),
                Lookup::Missing => None,
                Lookup::Failed(error) => {
                    Some(error_finding(doc, scope.scope, error, &reached.short()))
                }
            };
            if let Some(mut finding) = finding {
                // HTTP APIs answer every Lambda failure a REST API answers 502 for (a function
                // error, a malformed response) with 500 Internal Server Error
                // (docs/aws-facts.md §12.3): a target only HTTP APIs call breaks them with 500.
                if finding.client_status == Some(502) && reached.only_http() {
                    finding.client_status = Some(500);
                }
                finding.function = Some(reached.target.arn.to_string());
                if let Some(evidence) = finding.evidence.as_object_mut() {
                    evidence.insert("routes".into(), serde_json::json!(reached.routes));
                }
                finding.fingerprint = finding.compute_fingerprint();
                findings.push(finding);
            }
        }
    }
    findings
}

/// The id of the resource with this template path, which the CLI wants instead of the path.
pub fn resource_id<'a>(api: &'a RestApi, path: &str) -> Option<&'a str> {
    api.resources
        .found()?
        .iter()
        .find(|r| r.path == path)
        .map(|r| r.id.as_str())
}
