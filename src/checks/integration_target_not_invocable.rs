//! `integration-target-not-invocable`: the target exists, but Lambda refuses the call the way
//! API Gateway makes it — a durable function named without a qualifier, the `$LATEST` of a Lambda
//! Managed Instances function (or such a function with no published version), a tenant-isolated
//! function whose integration does not pass a tenant id (docs/aws-facts.md §11.2–§11.4).

use serde::Serialize;
use serde_json::json;

use crate::arn::{FunctionArn, LambdaAction};
use crate::checks::shared::route_groups::{run_per_route, Group, Rendered, Verdict};
use crate::checks::shared::api_commands::{
    then_redeploy, update_authorizer_uri, update_integration, IntegrationChange,
};
use crate::checks::shared::{add_permission, resource_id, sh};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{FunctionConfig, Lookup, Protocol};
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("integration-target-not-invocable"),
    title: "Lambda refuses the call API Gateway makes to the target",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every stage and every Lambda proxy method or Lambda authorizer, reads the \
             target's GetFunction configuration (DurableConfig, TenancyConfig, \
             CapacityProviderConfig) and the integration's requestParameters. evidence.reason \
             is `durable-unqualified` (a durable function named without a version or alias), \
             `latest-not-invocable` (the `$LATEST` of a Lambda Managed Instances function, or \
             an unqualified one with no `$LATEST.PUBLISHED` version) or `tenant-id-not-mapped` \
             (a function with tenant isolation whose integration does not map \
             `integration.request.header.X-Amz-Tenant-Id`; an authorizer cannot map it at all) \
             or `tenant-isolation-on-http-api` (an HTTP API route or authorizer to a function with \
             tenant isolation: HTTP APIs cannot call such functions at all).",
    why: "Lambda rejects the invocation before the function runs and API Gateway answers 500 \
          Internal server error: a durable function refuses unqualified invocations (\"You cannot \
          invoke a durable function using an unqualified ARN\"); a Managed Instances function's \
          `$LATEST` is ActiveNonInvocable and only published versions run (an unqualified call \
          runs `$LATEST.PUBLISHED`); a tenant-isolated function needs the `X-Amz-Tenant-Id` \
          header on every invocation, which HTTP APIs cannot send because they cannot override \
          it (docs/aws-facts.md §11.2–§11.4, `tenant-isolation-invoke.html`; the client's 500 is \
          inferred from how API Gateway answers any invocation Lambda rejects, §4, §8, §12.3).",
    fix: "Point the integration at a version or alias (durable), at the unqualified function \
          or a published version (Managed Instances; publish one with `aws lambda \
          publish-version --publish-to LATEST_PUBLISHED`), or map a tenant id into \
          `integration.request.header.X-Amz-Tenant-Id` from an authorizer's context or a \
          request parameter; allow API Gateway to invoke the qualifier the URI names; then \
          redeploy the stages. A tenant-isolated function behind an HTTP API must move behind a \
          REST API (or lose the HTTP route): no HTTP API setting sends the tenant id.",
    limits: "Judged on what GetFunction reports. Whether an unqualified Managed Instances call is \
             authorized by the unqualified policy or by `$LATEST.PUBLISHED`'s is not documented \
             (invoke-permission-missing says `undecided` when they differ). The Lambda error a \
             tenant-less invocation gets is not documented; the client's 500 is inferred.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

/// Why Lambda refuses the call: the `evidence.reason` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Reason {
    DurableUnqualified,
    LatestNotInvocable,
    TenantIdNotMapped,
    TenantIsolationOnHttpApi,
}

/// What one route on one stage was judged to be.
struct Problem {
    reason: Reason,
    /// For `latest-not-invocable` on an unqualified target: no published version exists.
    no_published_version: bool,
    uri: String,
    action: Option<LambdaAction>,
    resource_id: Option<String>,
    source_arn: Option<String>,
}

/// The request parameter that carries the tenant id to Lambda (`tenant-isolation-invoke.html`).
pub const TENANT_ID_PARAMETER: &str = "integration.request.header.X-Amz-Tenant-Id";

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge, render)
}

fn judge(routes: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    let function = route.resolved.as_ref().ok()?;
    let target = routes.target_of(route)?;
    let Lookup::Found(config) = &target.configuration else {
        // Missing: integration-target-missing; unread: its error finding.
        return None;
    };
    let published_missing = routes
        .published_of(function)
        .is_some_and(|p| matches!(p.configuration, Lookup::Missing));
    let (reason, no_published_version) = reason(route, function, config, published_missing)?;
    Some(Verdict::fail(
        Some(function.clone()),
        Problem {
            reason,
            no_published_version,
            uri: route.uri.to_string(),
            action: route.action,
            resource_id: match &route.invoker {
                Invoker::Method { path, .. } => route
                    .api
                    .rest()
                    .and_then(|api| resource_id(api, path))
                    .map(str::to_string),
                Invoker::Authorizer(_) => None,
            },
            source_arn: route.source_arn.clone(),
        },
    ))
}

/// The first reason Lambda refuses the call, if any; the bool says an unqualified Managed
/// Instances target has no published version.
fn reason(
    route: &RouteTarget<'_>,
    function: &FunctionArn,
    config: &FunctionConfig,
    published_missing: bool,
) -> Option<(Reason, bool)> {
    if config.durable.is_some() && function.qualifier.is_none() {
        return Some((Reason::DurableUnqualified, false));
    }
    if config.capacity_provider.is_some() {
        if function.qualifier.as_deref() == Some("$LATEST") {
            return Some((Reason::LatestNotInvocable, false));
        }
        if function.qualifier.is_none() && published_missing {
            return Some((Reason::LatestNotInvocable, true));
        }
    }
    let isolated = config
        .tenant_isolation
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("PER_TENANT"));
    // HTTP APIs cannot override X-Amz-Tenant-Id, so they cannot call a tenant-isolated function
    // (`tenant-isolation-invoke.html`, docs/aws-facts.md §11.3).
    if isolated && route.api.protocol() == Protocol::Http {
        return Some((Reason::TenantIsolationOnHttpApi, false));
    }
    if isolated {
        let mapped = match &route.invoker {
            // Header names are case-insensitive; API Gateway keeps the key as written.
            Invoker::Method { integration, .. } => integration
                .request_parameters
                .keys()
                .any(|k| k.eq_ignore_ascii_case(TENANT_ID_PARAMETER)),
            // An authorizer has no request parameters to map the header with.
            Invoker::Authorizer(_) => false,
        };
        if !mapped {
            return Some((Reason::TenantIdNotMapped, false));
        }
    }
    None
}

fn render(group: &Group<'_, Problem>) -> Rendered {
    let problem = group.first();
    let evidence = json!({
        "reason": problem.reason,
        "uri": problem.uri,
        "no_published_version": problem.no_published_version,
    });
    let Some(function) = &group.function else {
        return Rendered::new(String::new(), evidence, None);
    };
    let short = function.short();
    let what = match (problem.reason, problem.no_published_version) {
        (Reason::DurableUnqualified, _) => format!(
            "{} is a durable function, which Lambda does not invoke unqualified",
            function.name
        ),
        (Reason::LatestNotInvocable, false) => format!(
            "{} is a Lambda Managed Instances function, whose $LATEST is never invoked (only \
             published versions run)",
            function.name
        ),
        (Reason::LatestNotInvocable, true) => format!(
            "{} is a Lambda Managed Instances function with no published version: an \
             unqualified call runs $LATEST.PUBLISHED, which does not exist",
            function.name
        ),
        (Reason::TenantIsolationOnHttpApi, _) => format!(
            "{} isolates tenants and every invocation needs X-Amz-Tenant-Id, which an HTTP API \
             cannot send",
            function.name
        ),
        (Reason::TenantIdNotMapped, _) => match group.route.invoker {
            Invoker::Method { .. } => format!(
                "{} isolates tenants and every invocation needs X-Amz-Tenant-Id, which the \
                 integration does not map",
                function.name
            ),
            Invoker::Authorizer(_) => format!(
                "{} isolates tenants and every invocation needs X-Amz-Tenant-Id, which an \
                 authorizer cannot send",
                function.name
            ),
        },
    };
    let message = format!(
        "API Gateway cannot invoke {short} for {} on {}: {what}; clients get 500",
        group.subject(),
        group.on()
    );
    Rendered::new(message, evidence, Some(remediation(group, function, problem)))
}

fn remediation(group: &Group<'_, Problem>, function: &FunctionArn, problem: &Problem) -> String {
    let scope = group.routes.scope;
    let api = group.route.api;
    let region = &scope.region;
    // A new URI for the route's integration or authorizer, then the stages that need it deployed.
    let point_at = |uri: &str| {
        let update = match &group.route.invoker {
            Invoker::Method { .. } => {
                update_integration(group.route, IntegrationChange::Uri(uri), region)
                    .unwrap_or_default()
            }
            Invoker::Authorizer(authorizer) => {
                update_authorizer_uri(api, &authorizer.id, uri, region)
            }
        };
        then_redeploy(update, api, &group.stages, region)
    };
    // The new URI keeps the form the route uses: an HTTP API's bare function ARN (§12.1), or the
    // path form of its action (buffered or response streaming).
    let action = problem.action.unwrap_or(LambdaAction::Invocations);
    let bare = problem.uri.starts_with("arn:") && !problem.uri.contains(":lambda:path/");
    let uri_for = |qualified: &FunctionArn| {
        if bare {
            qualified.to_string()
        } else {
            action.uri(&qualified.partition, &qualified.region, &qualified.to_string())
        }
    };
    match problem.reason {
        Reason::DurableUnqualified => {
            let mut live = function.clone();
            live.qualifier = Some("ALIAS".to_string());
            let source = problem.source_arn.as_deref().unwrap_or_default();
            format!(
                "# name a version or alias (ALIAS below) of {}\n{} && {}",
                function.name,
                add_permission(scope, &live, api.id(), source),
                point_at(&uri_for(&live)),
            )
        }
        Reason::LatestNotInvocable if problem.no_published_version => format!(
            "aws lambda publish-version --function-name {} --publish-to LATEST_PUBLISHED --region {}",
            sh(&function.name),
            sh(&function.region)
        ),
        Reason::LatestNotInvocable => point_at(&uri_for(&function.unqualified())),
        Reason::TenantIsolationOnHttpApi => format!(
            "# HTTP APIs cannot send X-Amz-Tenant-Id: serve this route from a REST API that maps \
             {TENANT_ID_PARAMETER}, or point it at a function without tenant isolation:\n{}",
            point_at("FUNCTION_WITHOUT_TENANT_ISOLATION")
        ),
        Reason::TenantIdNotMapped => match group.route.invoker {
            Invoker::Method { method, .. } => {
                let rest_api = api.rest().map(|a| a.id.as_str()).unwrap_or_default();
                let update = format!(
                    "aws apigateway update-integration --rest-api-id {} --resource-id {} \
                     --http-method {} --patch-operations op=add,path=/requestParameters/{},value={} \
                     --region {}",
                    sh(rest_api),
                    sh(problem.resource_id.as_deref().unwrap_or("RESOURCE_ID")),
                    sh(method),
                    sh(TENANT_ID_PARAMETER),
                    sh("context.authorizer.tenantId"),
                    sh(region)
                );
                format!(
                    "# map the tenant from the authorizer's context (safer than a client header)\n{}",
                    then_redeploy(update, api, &group.stages, region)
                )
            }
            Invoker::Authorizer(_) => format!(
                "# an authorizer cannot send X-Amz-Tenant-Id: back it with a function without \
                 tenant isolation\n{}",
                point_at("AUTHORIZER_FUNCTION_URI")
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::DurableConfig;
    use crate::report::Status;
    use crate::testkit::*;

    fn inventory(reference: &str, edit: impl FnOnce(&mut FunctionConfig)) -> crate::inventory::Inventory {
        scope()
            .api(api("a1b2c3", "pets").route("GET", "/pets", reference).stage("prod"))
            .target(target_with(reference, "a1b2c3", edit))
            .inventory()
    }

    #[test]
    fn a_durable_function_named_unqualified_is_refused_and_an_alias_is_fine() {
        let durable = |c: &mut FunctionConfig| c.durable = Some(DurableConfig::default());
        let findings = run_check(&CHECK, &inventory("orders", durable));
        let f = only(&findings);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["reason"], "durable-unqualified");
        assert_eq!(f.client_status, Some(500));
        let fix = f.remediation.as_deref().unwrap();
        assert!(fix.contains("--qualifier ALIAS") && fix.contains("create-deployment"), "{fix}");
        assert!(run_check(&CHECK, &inventory("orders:live", durable)).is_empty());
        assert!(run_check(&CHECK, &inventory("orders:$LATEST", durable)).is_empty());
    }

    #[test]
    fn the_latest_of_a_managed_instances_function_is_never_invoked() {
        let managed = |c: &mut FunctionConfig| {
            c.capacity_provider = Some("arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp".into())
        };
        let findings = run_check(&CHECK, &inventory("orders:$LATEST", managed));
        assert_eq!(only(&findings).evidence["reason"], "latest-not-invocable");
        // Unqualified runs $LATEST.PUBLISHED: fine while it exists (testkit has none recorded).
        assert!(run_check(&CHECK, &inventory("orders", managed)).is_empty());
        assert!(run_check(&CHECK, &inventory("orders:3", managed)).is_empty());
    }

    #[test]
    fn a_tenant_isolated_function_needs_the_tenant_header_mapped() {
        let isolated = |c: &mut FunctionConfig| c.tenant_isolation = Some("PER_TENANT".into());
        let findings = run_check(&CHECK, &inventory("orders", isolated));
        let f = only(&findings);
        assert_eq!(f.evidence["reason"], "tenant-id-not-mapped");
        assert!(f.remediation.as_deref().unwrap().contains(TENANT_ID_PARAMETER));

        let mut mapped = proxy_integration("orders");
        mapped.request_parameters.insert(
            "integration.request.header.x-amz-tenant-id".into(),
            "context.authorizer.tenantId".into(),
        );
        let inventory = scope()
            .api(api("a1b2c3", "pets").integration("GET", "/pets", mapped).stage("prod"))
            .target(target_with("orders", "a1b2c3", isolated))
            .inventory();
        assert!(run_check(&CHECK, &inventory).is_empty());
    }

    #[test]
    fn ordinary_functions_are_quiet() {
        assert!(run_check(&CHECK, &inventory("orders", |_| {})).is_empty());
    }

    /// HTTP APIs cannot send X-Amz-Tenant-Id at all (`tenant-isolation-invoke.html`): a route or
    /// authorizer to a tenant-isolated function is reported, and the fix is not a mapping.
    #[test]
    fn an_http_api_cannot_call_a_tenant_isolated_function() {
        let isolated = |c: &mut FunctionConfig| c.tenant_isolation = Some("PER_TENANT".into());
        let inv = scope()
            .http_api(
                http_api("h1", "ledger")
                    .route("GET /ledger", "ledger")
                    .route("GET /plain", "plain")
                    .stage("$default"),
            )
            .target(target_with("ledger", "h1", isolated))
            .target(target("plain", "h1"))
            .inventory();
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.evidence["reason"], "tenant-isolation-on-http-api");
        assert_eq!(f.route.as_ref().map(|r| r.path.as_str()), Some("/ledger"));
        assert!(f.message.contains("which an HTTP API cannot send"), "{}", f.message);
        let fix = f.remediation.as_deref().unwrap();
        assert!(fix.contains("serve this route from a REST API"), "{fix}");
        assert!(fix.contains("aws apigatewayv2 update-integration --api-id h1"), "{fix}");
        assert!(!fix.contains("requestParameters"), "{fix}");
    }
}
