//! `integration-http-method-not-post`: an `AWS_PROXY` Lambda integration whose integration
//! HTTP method is not `POST`. Lambda's Invoke API only takes POST, so every call answers 500.

use serde_json::json;

use crate::checks::shared::api_commands::{then_redeploy, update_integration, IntegrationChange};
use crate::checks::shared::internal_error;
use crate::checks::shared::route_groups::{run_per_route, Group, Rendered, Verdict};
use crate::checks::shared::resource_id;
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("integration-http-method-not-post"),
    title: "Lambda proxy integration does not use POST",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every AWS_PROXY Lambda method (REST) or route (HTTP API) on every stage, the \
             integration HTTP method (the verb API Gateway uses to call Lambda, not the method \
             clients call; `integrationMethod` for HTTP APIs) must be POST.",
    why: "API Gateway calls Lambda's Invoke API, which only accepts POST. PutIntegration accepts \
          an AWS_PROXY Lambda integration with integration HTTP method GET (or any other \
          verb), but every call then answers 500 {\"message\": \"Internal server error\"} \
          (docs/aws-facts.md §1, Integration URI facts; validated against AWS). It usually comes from \
          copying the method's verb into the integration (`--integration-http-method GET` for \
          a GET method); the console and SAM always use POST. HTTP APIs: Terraform's \
          `aws_apigatewayv2_integration` documents POST for Lambda, and an integration written \
          with `ANY` failed until re-saved with POST (terraform-aws-apigateway-v2 issue #14; \
          docs/aws-facts.md §12.1); HTTP APIs answer 500 Internal Server Error.",
    fix: "Set the integration HTTP method to POST: `aws apigateway update-integration \
          --rest-api-id A --resource-id R --http-method M --patch-operations \
          op=replace,path=/httpMethod,value=POST` (or re-run `aws apigateway put-integration \
          ... --type AWS_PROXY --integration-http-method POST`), then `aws apigateway \
          create-deployment --rest-api-id A --stage-name S` for every affected stage: stages \
          keep serving their deployed snapshot until redeployed. HTTP APIs: `aws apigatewayv2 \
          update-integration --api-id A --integration-id I --integration-method POST`, and \
          `aws apigatewayv2 create-deployment` for stages without auto-deploy.",
    limits: "Judges the current method configuration; a stage that still serves an older \
             deployment may differ (see `stage-not-redeployed`). An integration whose HTTP \
             method was not collected is not judged. Lambda authorizers have no integration \
             HTTP method and are not covered.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

/// An integration that calls Lambda with another verb than POST.
struct Problem {
    /// The integration HTTP method as configured.
    verb: String,
    uri: String,
    resource_id: Option<String>,
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge, render)
}

fn judge(_: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    let Invoker::Method {
        path, integration, ..
    } = &route.invoker
    else {
        return None;
    };
    // Not collected: nothing to judge (it is required for AWS_PROXY, so rare).
    let verb = integration.http_method.as_deref()?;
    if verb.eq_ignore_ascii_case("POST") {
        return None;
    }
    Some(Verdict::fail(
        route.resolved.as_ref().ok().cloned(),
        Problem {
            verb: verb.to_string(),
            uri: route.uri.to_string(),
            resource_id: route
                .api
                .rest()
                .and_then(|api| resource_id(api, path))
                .map(str::to_string),
        },
    ))
}

fn render(group: &Group<'_, Problem>) -> Rendered {
    let problem = group.first();
    let verb = &problem.verb;
    let message = format!(
        "{} on {} calls Lambda with integration HTTP method {verb} instead of POST: every call \
         returns {}.",
        group.subject(),
        group.on(),
        internal_error(group.route.api.protocol()),
    );
    let evidence = json!({
        "integration_http_method": verb,
        "uri": problem.uri,
        "resource_id": problem.resource_id,
    });
    let region = &group.routes.scope.region;
    let remediation = update_integration(group.route, IntegrationChange::HttpMethod("POST"), region)
        .map(|update| then_redeploy(update, group.route.api, &group.stages, region));
    Rendered::new(message, evidence, remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use crate::testkit::*;

    fn inventory_with(verb: Option<&str>) -> crate::inventory::Inventory {
        let mut integration = proxy_integration("pets-get:live");
        integration.http_method = verb.map(str::to_string);
        scope()
            .api(
                api("a1b2c3", "pets")
                    .integration("GET", "/pets/{id}", integration)
                    .route("POST", "/pets", "pets-add")
                    .stage("dev")
                    .stage("prod"),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .target(target("pets-add", "a1b2c3"))
            .inventory()
    }

    #[test]
    fn get_integration_is_one_finding_for_both_stages() {
        let findings = run_check(&CHECK, &inventory_with(Some("GET")));
        let f = only(&findings);
        assert_eq!(f.stages, vec!["dev", "prod"]);
        assert_eq!(
            f.route.as_ref().map(|r| r.path.as_str()),
            Some("/pets/{id}")
        );
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get:live").as_str())
        );
        assert_eq!(f.evidence["integration_http_method"], "GET");
        assert_eq!(f.client_status, Some(500));
        assert!(f.message.contains("GET instead of POST"), "{}", f.message);
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                "aws apigateway update-integration --rest-api-id a1b2c3 --resource-id res-1 \
                 --http-method GET --patch-operations op=replace,path=/httpMethod,value=POST \
                 --region us-east-1 && aws apigateway create-deployment --rest-api-id a1b2c3 \
                 --stage-name dev --region us-east-1 && aws apigateway create-deployment \
                 --rest-api-id a1b2c3 --stage-name prod --region us-east-1"
            )
        );
    }

    #[test]
    fn post_integrations_are_healthy() {
        assert!(run_check(&CHECK, &inventory_with(Some("POST"))).is_empty());
        // Unknown (not collected) is not judged.
        assert!(run_check(&CHECK, &inventory_with(None)).is_empty());
    }

    #[test]
    fn unreadable_api_is_an_error() {
        let inv = scope()
            .api(api("a1b2c3", "pets").stages_failed())
            .inventory();
        let f = run_check(&CHECK, &inv);
        assert_eq!(only(&f).status, Status::Error);
        assert!(only(&f).message.contains("apigateway:GetStages"));
    }
}
