//! Helpers shared by several modules of `e2e_checks`: the ids of the checks more than one module
//! asserts on, building fleets (functions, aliases, Lambda proxy methods, stages), and reading
//! findings (the shape every failing finding shares, routes, remediations, and what an
//! `invoke-permission-missing` finding must say). Generic report helpers (`findings`, `only`,
//! `none`) are in `support::audit`.

use apigw_auditor::report::{Finding, Report, Severity, Status};
use futures::future::join_all;
use serde_json::Value;

use crate::support::fleet::apigw::{ApiHandle, MethodOptions};
use crate::support::fleet::permissions::Grant;
use crate::support::fleet::Fleet;
use crate::support::REGION;

/// Checks asserted on by more than one module.
pub const MISSING: &str = "invoke-permission-missing";
pub const TOO_BROAD: &str = "invoke-permission-too-broad";
pub const STALE: &str = "invoke-permission-stale";
pub const TARGET_MISSING: &str = "integration-target-missing";
pub const NOT_POST: &str = "integration-http-method-not-post";

// ---------------------------------------------------------------------------------------------
// Building fleets
// ---------------------------------------------------------------------------------------------

/// Python functions with these names, created concurrently; returns their ARNs in order.
pub async fn functions(fleet: &Fleet, names: &[&str]) -> Vec<String> {
    join_all(names.iter().map(|name| fleet.python_function(name))).await
}

/// `function` with version 1 and alias `alias` on it; returns the alias ARN.
pub async fn function_with_alias(fleet: &Fleet, function: &str, alias: &str) -> String {
    fleet.python_function(function).await;
    let version = fleet.publish_version(function).await;
    fleet.create_alias(function, alias, &version).await
}

/// A Lambda proxy method (no authorizer, no role) per `(verb, path, target)`.
pub async fn proxy_methods(api: &ApiHandle, routes: &[(&str, &str, &str)]) {
    for (verb, path, target) in routes {
        api.lambda_proxy_method(path, verb, target, MethodOptions::default())
            .await;
    }
}

/// Deploys `api` to the first of `stages` and adds the others on the same deployment.
pub async fn stages(api: &ApiHandle, stages: &[&str]) {
    let (first, others) = stages.split_first().expect("at least one stage");
    let deployment = api.deploy(first, &[]).await;
    for stage in others {
        api.stage(stage, &deployment, &[]).await;
    }
}

pub fn sids(grants: &[Grant]) -> Vec<String> {
    let mut ids: Vec<String> = grants.iter().map(|g| g.statement_id.clone()).collect();
    ids.sort();
    ids
}

// ---------------------------------------------------------------------------------------------
// Reading findings
// ---------------------------------------------------------------------------------------------

/// `(METHOD, path)` of a route finding.
pub fn route(finding: &Finding) -> (&str, &str) {
    let route = finding
        .route
        .as_ref()
        .unwrap_or_else(|| panic!("finding without a route: {finding:#?}"));
    (route.method.as_str(), route.path.as_str())
}

pub fn remediation(finding: &Finding) -> &str {
    finding
        .remediation
        .as_deref()
        .unwrap_or_else(|| panic!("finding without remediation: {finding:#?}"))
}

/// What every failing finding of the route and function checks shares: status, severity, client
/// status, account, region, a fingerprint that is the hash of its identity.
pub fn assert_fail(
    finding: &Finding,
    account: &str,
    severity: Severity,
    client_status: Option<u16>,
) {
    assert_eq!(finding.status, Status::Fail, "{finding:#?}");
    assert_eq!(finding.severity, severity, "{finding:#?}");
    assert_eq!(finding.client_status, client_status, "{finding:#?}");
    assert_eq!(finding.account, account);
    assert_eq!(finding.region, REGION);
    assert_eq!(finding.fingerprint, finding.compute_fingerprint());
}

/// The API reference of a route finding is this API.
pub fn assert_api(finding: &Finding, api: &ApiHandle) {
    let reference = finding.api.as_ref().expect("finding names its API");
    assert_eq!(
        (reference.id.as_str(), reference.name.as_str()),
        (api.id.as_str(), api.name.as_str())
    );
}

/// `aws apigateway create-deployment` for each stage, joined as the checks write it.
pub fn redeploy(api: &ApiHandle, stages: &[&str]) -> String {
    stages
        .iter()
        .map(|stage| {
            format!(
                "aws apigateway create-deployment --rest-api-id {} --stage-name {stage} \
                 --region {REGION}",
                api.id
            )
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

pub fn get_policy_calls(report: &Report) -> u64 {
    report.summary.api_calls["lambda:GetPolicy"]
}

pub fn reason(finding: &Finding) -> &str {
    finding.evidence["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no evidence.reason in {finding:#?}"))
}

/// The statement ids `evidence.statements` names (objects with `statement`, or plain ids).
pub fn statement_ids(finding: &Finding) -> Vec<String> {
    let mut ids: Vec<String> = finding.evidence["statements"]
        .as_array()
        .unwrap_or_else(|| panic!("no evidence.statements in {finding:#?}"))
        .iter()
        .map(|s| match s {
            Value::String(id) => id.clone(),
            other => other["statement"].as_str().unwrap_or_default().to_string(),
        })
        .collect();
    ids.sort();
    ids
}

/// Every value given to `flag` in the finding's remediation commands, shell quotes removed.
pub fn remediation_args(finding: &Finding, flag: &str) -> Vec<String> {
    let remediation = finding
        .remediation
        .as_deref()
        .unwrap_or_else(|| panic!("no remediation in {finding:#?}"));
    let mut values = Vec::new();
    let mut rest = remediation;
    while let Some(at) = rest.find(&format!("{flag} ")) {
        rest = &rest[at + flag.len() + 1..];
        let value = match rest.strip_prefix('\'') {
            Some(quoted) => quoted.split('\'').next(),
            None => rest.split_whitespace().next(),
        };
        values.push(value.unwrap_or_default().to_string());
    }
    values
}

/// The remediation is one `add-permission` for API Gateway on exactly `qualifier` (`None`: the
/// unqualified function) with exactly `source_arn`.
pub fn assert_add_permission(finding: &Finding, qualifier: Option<&str>, source_arn: &str) {
    let remediation = finding.remediation.as_deref().unwrap_or_default();
    assert!(
        remediation.starts_with("aws lambda add-permission ") && !remediation.contains('\n'),
        "{remediation}"
    );
    let qualifiers: Vec<&str> = qualifier.into_iter().collect();
    assert_eq!(
        remediation_args(finding, "--qualifier"),
        qualifiers,
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--source-arn"),
        [source_arn],
        "{remediation}"
    );
    assert_eq!(
        remediation_args(finding, "--principal"),
        ["apigateway.amazonaws.com"],
        "{remediation}"
    );
}

/// What an `invoke-permission-missing` finding must say.
pub struct Denied<'a> {
    pub route: (&'a str, &'a str),
    pub stages: &'a [&'a str],
    /// The exact ARN invoked (qualified or not).
    pub function: String,
    pub reason: &'a str,
    /// The statements the evidence names as closest (sorted).
    pub statements: Vec<String>,
    /// The `--qualifier` and `--source-arn` of the remediation.
    pub qualifier: Option<&'a str>,
    pub source_arn: String,
}

pub fn assert_denied(finding: &Finding, api: &ApiHandle, expected: Denied<'_>) {
    assert_eq!(finding.status, Status::Fail, "{finding:#?}");
    assert_eq!(finding.api.as_ref().map(|a| &a.id), Some(&api.id));
    let route = finding
        .route
        .as_ref()
        .expect("a route finding names its route");
    assert_eq!(
        (route.method.as_str(), route.path.as_str()),
        expected.route,
        "{finding:#?}"
    );
    assert_eq!(finding.stages, expected.stages, "{finding:#?}");
    assert_eq!(finding.function.as_ref(), Some(&expected.function));
    assert_eq!(finding.authorizer, None);
    assert_eq!(finding.client_status, Some(500));
    assert_eq!(reason(finding), expected.reason, "{finding:#?}");
    assert_eq!(statement_ids(finding), expected.statements, "{finding:#?}");
    assert_add_permission(finding, expected.qualifier, &expected.source_arn);
}

// ---------------------------------------------------------------------------------------------
// The probe
// ---------------------------------------------------------------------------------------------

/// The probe on, fast enough for a test: 10 invocations per second, `timeout_seconds` per
/// invocation.
pub fn probe_config(timeout_seconds: u64) -> apigw_auditor::config::Config {
    let mut config = crate::support::audit::config();
    config.probe.enabled = true;
    config.probe.per_second = 10.0;
    config.probe.timeout_seconds = timeout_seconds;
    config
}

/// How many calls of `operation` (`lambda:Invoke`) the audit made.
pub fn calls(report: &Report, operation: &str) -> u64 {
    report
        .summary
        .api_calls
        .get(operation)
        .copied()
        .unwrap_or(0)
}

/// The one finding on `path` among `found`.
pub fn on<'r>(found: &[&'r Finding], path: &str) -> &'r Finding {
    let on_path: Vec<&&Finding> = found.iter().filter(|f| route(f).1 == path).collect();
    assert_eq!(on_path.len(), 1, "findings on {path}: {found:#?}");
    on_path[0]
}
