//! `authorizer-identity-source-unset`: an HTTP API Lambda authorizer whose identity source names
//! a stage variable the stage does not define. API Gateway answers 401 without invoking the
//! authorizer when a configured identity source is missing or empty, so on that stage every call
//! to a route it guards is refused (docs/aws-facts.md §12.4).

use serde_json::json;

use crate::checks::shared::api_commands::set_stage_variable;
use crate::checks::shared::route_groups::{run_per_route, Group, Rendered, Verdict};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("authorizer-identity-source-unset"),
    title: "HTTP API authorizer reads a stage variable the stage does not define",
    severity: Severity::High,
    resource: ResourceKind::Authorizer,
    client_status: Some(401),
    checks: "For every Lambda (REQUEST) authorizer of an HTTP API that a served route uses, on \
             every stage: each identity source of the form `$stageVariables.NAME` must name a \
             variable the stage defines with a value. Headers, query strings and context \
             variables depend on the request and are not judged.",
    why: "API Gateway builds the identity from the identity sources before it calls the \
          authorizer; if one is missing, null or empty it answers 401 {\"message\":\"Unauthorized\"} \
          and never invokes the function (docs/aws-facts.md §12.4, `http-api-lambda-authorizer.html`; \
          Knowledge Center `api-gateway-401-error-lambda-authorizer`). A stage variable is the one \
          identity source no client can supply: on a stage without it, every call to a route \
          the authorizer guards is refused.",
    fix: "Define the variable on the stage (`aws apigatewayv2 update-stage --api-id A \
          --stage-name S --stage-variables NAME=VALUE`), or remove it from the authorizer's \
          identity sources (`aws apigatewayv2 update-authorizer ... --identity-source ...`).",
    limits: "Only `$stageVariables.` identity sources are judged; whether clients send the \
             headers or query strings the others name cannot be known from the configuration. \
             Stage variable values are not shown, only names.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

/// The stage variables an authorizer reads that the stage lacks.
struct Problem {
    missing: Vec<String>,
    identity_source: Vec<String>,
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge, render)
}

fn judge(_: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    let Invoker::Authorizer(authorizer) = route.invoker else {
        return None;
    };
    let settings = route.api.http()?.authorizer(&authorizer.id)?;
    let missing: Vec<String> = settings
        .identity_source
        .iter()
        .filter_map(|source| source.trim().strip_prefix("$stageVariables."))
        .filter(|name| {
            route
                .stage
                .variables
                .get(*name)
                .is_none_or(|value| value.is_empty())
        })
        .map(str::to_string)
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(Verdict::fail(
        route.resolved.as_ref().ok().cloned(),
        Problem {
            missing,
            identity_source: settings.identity_source.clone(),
        },
    ))
}

fn render(group: &Group<'_, Problem>) -> Rendered {
    let first = group.first();
    let message = format!(
        "The {} on {} reads stage variable {} as an identity source, which the stage does not \
         define: API Gateway answers 401 Unauthorized to every call it guards without invoking \
         the authorizer.",
        group.subject(),
        group.on(),
        first
            .missing
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let evidence = json!({
        "missing_stage_variables": first.missing,
        "identity_source": first.identity_source,
    });
    let region = &group.routes.scope.region;
    let commands: Vec<String> = group
        .problems
        .iter()
        .flat_map(|(stage, problem)| {
            problem.missing.iter().map(move |name| {
                set_stage_variable(group.route.api, stage, name, "VALUE", region)
            })
        })
        .collect();
    Rendered::new(message, evidence, Some(commands.join(" && ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn inventory(sources: &[&str]) -> crate::inventory::Inventory {
        let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        scope()
            .http_api(
                http_api("h1", "orders")
                    .authorized_route("GET /orders", "orders", "au1")
                    .authorizer_with("au1", "tenant", "authz", |a| a.identity_source = sources)
                    .stage_vars("prod", &[("tenant", "acme")])
                    .stage("dev"),
            )
            .inventory()
    }

    #[test]
    fn a_stage_without_the_variable_refuses_every_call() {
        let findings = run_check(
            &CHECK,
            &inventory(&["$request.header.Authorization", "$stageVariables.tenant"]),
        );
        let f = only(&findings);
        assert_eq!(f.stages, vec!["dev"]);
        assert_eq!(f.client_status, Some(401));
        assert_eq!(f.evidence["missing_stage_variables"][0], "tenant");
        assert_eq!(
            f.remediation.as_deref(),
            Some("aws apigatewayv2 update-stage --api-id h1 --stage-name dev --stage-variables tenant=VALUE --region us-east-1")
        );
    }

    #[test]
    fn request_sources_are_not_judged() {
        assert!(run_check(
            &CHECK,
            &inventory(&["$request.header.Authorization", "$request.querystring.token"])
        )
        .is_empty());
    }
}
