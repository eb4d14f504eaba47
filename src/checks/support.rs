//! Shared plumbing of the function- and route-level checks: which Lambda targets the routes of a
//! scope reach (function-level checks judge each target once, listing the routes it breaks),
//! and the building blocks of the AWS CLI commands put in `remediation`.

use std::collections::{BTreeMap, BTreeSet};

use crate::arn::{self, FunctionArn};
use crate::checks::{describe_invoker, error_finding, route_finding, target_of, CheckDoc, Context};
use crate::inventory::{CollectionError, LambdaTarget, Lookup, RestApi, ScopeInventory};
use crate::report::{Finding, Status};
use crate::routes::{self, RouteTarget};

/// One Lambda target that some route of a scope invokes.
pub struct ReachedTarget<'s> {
    pub scope: &'s ScopeInventory,
    pub target: &'s LambdaTarget,
    /// The parsed target ARN, when it parses (it always does for collected targets).
    pub arn: Option<FunctionArn>,
    /// The routes that invoke it, as `"a1b2c3 (pets) prod GET /pets/{id}"`, sorted.
    pub routes: Vec<String>,
    /// The APIs that invoke it, with `true` when (also) through an authorizer, `false` when
    /// (also) through a method.
    pub invokers: BTreeSet<(String, bool)>,
}

impl ReachedTarget<'_> {
    /// `pets-get:live`, the form people recognise in messages.
    pub fn short(&self) -> String {
        match &self.arn {
            Some(arn) => arn.short(),
            None => match &self.target.qualifier {
                Some(q) => format!("{}:{}", self.target.function_name, q),
                None => self.target.function_name.clone(),
            },
        }
    }
}

/// `a1b2c3 (pets) prod GET /pets/{id}`: one route on one stage, for `evidence.routes`.
pub fn route_label(route: &RouteTarget<'_>) -> String {
    format!(
        "{} ({}) {} {}",
        route.api.id,
        route.api.name,
        route.stage.name,
        describe_invoker(route)
    )
}

/// Every collected target that at least one route of the scope resolves to, ordered by ARN.
/// Targets no route reaches cannot break an API, so they are not judged.
pub fn reached_targets(scope: &ScopeInventory) -> Vec<ReachedTarget<'_>> {
    let mut by_arn: BTreeMap<&str, ReachedTarget<'_>> = BTreeMap::new();
    for route in routes::scope_route_targets(scope) {
        let Some(target) = target_of(scope, &route) else {
            continue;
        };
        let reached = by_arn
            .entry(target.arn.as_str())
            .or_insert_with(|| ReachedTarget {
                scope,
                target,
                arn: arn::parse_function_arn(&target.arn).ok(),
                routes: Vec::new(),
                invokers: BTreeSet::new(),
            });
        reached.routes.push(route_label(&route));
        reached
            .invokers
            .insert((route.api.id.clone(), route.is_authorizer()));
    }
    let mut reached: Vec<ReachedTarget<'_>> = by_arn.into_values().collect();
    for target in &mut reached {
        target.routes.sort();
        target.routes.dedup();
    }
    reached
}

/// Runs a function-level check: one finding per reached target whose `select`ed lookup `judge`
/// condemns, an `error` finding when the lookup failed, nothing when the target is missing
/// (`integration-target-missing` reports that). Fills in `function`, `evidence.routes` and the
/// fingerprint, so `judge` only says what is wrong.
pub fn run_per_target<T>(
    doc: &CheckDoc,
    ctx: &Context<'_>,
    select: impl Fn(&LambdaTarget) -> &Lookup<T>,
    judge: impl Fn(&ReachedTarget<'_>, &T) -> Option<Finding>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope in &ctx.inventory.scopes {
        for reached in reached_targets(scope) {
            let finding = match select(reached.target) {
                Lookup::Found(value) => judge(&reached, value),
                Lookup::Missing => None,
                Lookup::Failed(error) => Some(error_finding(doc, scope, error, &reached.short())),
            };
            if let Some(mut finding) = finding {
                finding.function = Some(reached.target.arn.clone());
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
    arn::parse_function_arn(function)
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

/// One `create-deployment` per stage: API Gateway serves a stage's deployment snapshot, so a
/// configuration change reaches clients only once redeployed.
pub fn redeploy(api_id: &str, stages: &[String], region: &str) -> String {
    stages
        .iter()
        .map(|stage| {
            format!(
                "aws apigateway create-deployment --rest-api-id {} --stage-name {} --region {}",
                sh(api_id),
                sh(stage),
                sh(region)
            )
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

/// An `error` finding for one route on one stage whose target could not be read, so that the
/// routes a failed call left unjudged are named.
pub fn route_error(
    doc: &CheckDoc,
    scope: &ScopeInventory,
    route: &RouteTarget<'_>,
    target: &LambdaTarget,
    error: &CollectionError,
) -> Finding {
    let base = error_finding(doc, scope, error, &target.arn);
    Finding {
        message: base.message.clone(),
        evidence: base.evidence.clone(),
        ..route_finding(
            doc,
            scope,
            route,
            Status::Error,
            Some(target.arn.clone()),
            String::new(),
        )
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

/// Runs a route-level check: `error` findings for APIs whose routes could not be read, then
/// `judge` on every route target of every stage, the per-stage findings grouped into one per
/// (route, target) with its stages, and `finish` writing what needs all stages (message,
/// remediation).
pub fn run_per_route(
    doc: &CheckDoc,
    ctx: &Context<'_>,
    judge: impl Fn(&ScopeInventory, &RouteTarget<'_>) -> Option<Finding>,
    finish: impl Fn(&ScopeInventory, &mut Finding),
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope in &ctx.inventory.scopes {
        findings.extend(crate::checks::blocked_api_findings(doc, scope));
        let mut set = crate::checks::FindingSet::default();
        for route in routes::scope_route_targets(scope) {
            if let Some(finding) = judge(scope, &route) {
                set.add(finding);
            }
        }
        findings.extend(set.into_findings(|finding| finish(scope, finding)));
    }
    findings
}
