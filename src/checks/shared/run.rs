//! Running a check over the route model: function-level checks judge each reached Lambda target
//! once, listing the routes it breaks; route-level checks judge every route target of every stage
//! and group the findings by stage. Also the lookups remediations need (the API a finding names,
//! a resource's id).

use crate::checks::shared::{blocked_api_findings, error_finding, route_finding, FindingSet};
use crate::checks::{Check, Context};
use crate::inventory::{CollectionError, LambdaTarget, Lookup, RestApi, ScopeInventory};
use crate::report::{Finding, Status};
use crate::routes::{ReachedTarget, RouteTarget};

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

/// The short name of the function a finding is about, for messages written after grouping.
pub fn short_function(finding: &Finding) -> String {
    let function = finding.function.as_deref().unwrap_or("the function");
    function
        .parse::<crate::arn::FunctionArn>()
        .map(|a| a.short())
        .unwrap_or_else(|_| function.to_string())
}

/// `GET /pets/{id} of API pets (a1b2c3)` or `authorizer auth (x1) of API ...`, from a finding.
pub fn finding_subject(finding: &Finding) -> String {
    let what = match (&finding.route, &finding.authorizer) {
        (Some(route), _) => format!("{} {}", route.method, route.path),
        (None, Some(a)) => format!("authorizer {} ({})", a.name, a.id),
        (None, None) => "a route".to_string(),
    };
    match &finding.api {
        Some(api) => format!("{what} of API {} ({})", api.name, api.id),
        None => what,
    }
}

/// The API a finding names, looked up again in its scope.
pub fn find_api<'s>(scope: &'s ScopeInventory, finding: &Finding) -> Option<&'s RestApi> {
    let id = &finding.api.as_ref()?.id;
    scope.apis.iter().find(|api| &api.id == id)
}

/// The id of the resource with this template path, which the CLI wants instead of the path.
pub fn resource_id<'a>(api: &'a RestApi, path: &str) -> Option<&'a str> {
    api.resources
        .found()?
        .iter()
        .find(|r| r.path == path)
        .map(|r| r.id.as_str())
}

/// An `error` finding for one route on one stage whose target could not be read, so that the
/// routes a failed call left unjudged are named.
pub fn route_error(
    doc: &Check,
    scope: &ScopeInventory,
    route: &RouteTarget<'_>,
    target: &LambdaTarget,
    error: &CollectionError,
) -> Finding {
    let base = error_finding(doc, scope, error, &target.arn.to_string());
    Finding {
        message: base.message.clone(),
        evidence: base.evidence.clone(),
        ..route_finding(
            doc,
            scope,
            route,
            Status::Error,
            Some(target.arn.to_string()),
            String::new(),
        )
    }
}

/// Runs a route-level check: `error` findings for APIs whose routes could not be read, then
/// `judge` on every route target of every stage, the per-stage findings grouped into one per
/// (route, target) with its stages, and `finish` writing what needs all stages (message,
/// remediation).
pub fn run_per_route(
    doc: &Check,
    ctx: &Context<'_>,
    judge: impl Fn(&ScopeInventory, &RouteTarget<'_>) -> Option<Finding>,
    finish: impl Fn(&ScopeInventory, &mut Finding),
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for routes in ctx.routes {
        let scope = routes.scope;
        findings.extend(blocked_api_findings(doc, scope));
        let mut set = FindingSet::default();
        for route in &routes.targets {
            if let Some(finding) = judge(scope, route) {
                set.add(finding);
            }
        }
        findings.extend(set.into_findings(|finding| finish(scope, finding)));
    }
    findings
}
