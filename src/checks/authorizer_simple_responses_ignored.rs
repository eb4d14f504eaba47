//! `authorizer-simple-responses-ignored`: an HTTP API Lambda authorizer with simple responses
//! turned on and payload format 1.0. Simple responses exist only for payload 2.0; with 1.0 API
//! Gateway reads the IAM policy form, so a function answering `{"isAuthorized": …}` as the
//! setting promises makes every guarded call fail with 500 (docs/aws-facts.md §12.4).

use serde_json::json;

use crate::checks::shared::route_groups::{run_per_route, Group, Rendered, Verdict};
use crate::checks::shared::sh;
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("authorizer-simple-responses-ignored"),
    title: "HTTP API authorizer has simple responses with payload format 1.0",
    severity: Severity::Medium,
    resource: ResourceKind::Authorizer,
    client_status: Some(500),
    checks: "For every Lambda (REQUEST) authorizer of an HTTP API that a served route uses, \
             compares `enableSimpleResponses` with `authorizerPayloadFormatVersion`: it fires \
             when simple responses are on and the payload format is 1.0.",
    why: "`EnableSimpleResponses` is supported only with payload format 2.0; a 1.0 authorizer \
          must always answer with an IAM policy (`{principalId, policyDocument, context}`), \
          whatever the setting says (docs/aws-facts.md §12.4, `http-api-lambda-authorizer.html`). \
          A function written for the setting answers `{\"isAuthorized\": true}`, which API \
          Gateway cannot read: every call to a route the authorizer guards gets 500 \
          {\"message\":\"Internal Server Error\"} before the integration runs.",
    fix: "If the function answers `{\"isAuthorized\": …}`, switch the authorizer to payload 2.0 \
          (`aws apigatewayv2 update-authorizer --api-id A --authorizer-id X \
          --authorizer-payload-format-version 2.0`; the function then gets the 2.0 event, whose \
          `identitySource` is a list). If it answers an IAM policy, turn the setting off \
          (`--no-enable-simple-responses`) so the configuration says what happens.",
    limits: "What the function actually answers is not read (the probe does not call \
             authorizers): a function that answers an IAM policy works, and the finding then \
             only says the setting is ignored. AWS's CreateAuthorizer may refuse the combination \
             (a validator in Smithy's API Gateway traits rejects it); the check still reports it \
             wherever a configuration holds it.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

/// The authorizer's settings as found.
struct Problem {
    payload_format_version: String,
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge, render)
}

fn judge(_: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    let Invoker::Authorizer(authorizer) = route.invoker else {
        return None;
    };
    let settings = route.api.http()?.authorizer(&authorizer.id)?;
    let version = settings.payload_format_version.as_deref().unwrap_or("1.0");
    if !settings.simple_responses || version != "1.0" {
        return None;
    }
    Some(Verdict::fail(
        route.resolved.as_ref().ok().cloned(),
        Problem {
            payload_format_version: version.to_string(),
        },
    ))
}

fn render(group: &Group<'_, Problem>) -> Rendered {
    let Invoker::Authorizer(authorizer) = group.route.invoker else {
        return Rendered::new(String::new(), json!({}), None);
    };
    let message = format!(
        "The {} on {} has simple responses on with payload format {}, which ignores them: API \
         Gateway expects an IAM policy, so if the function answers {{\"isAuthorized\": …}} every \
         call it guards gets 500 Internal Server Error.",
        group.subject(),
        group.on(),
        group.first().payload_format_version,
    );
    let evidence = json!({
        "enable_simple_responses": true,
        "authorizer_payload_format_version": group.first().payload_format_version,
    });
    let target = format!(
        "aws apigatewayv2 update-authorizer --api-id {} --authorizer-id {}",
        sh(group.route.api.id()),
        sh(&authorizer.id)
    );
    let region = sh(&group.routes.scope.region);
    let remediation = format!(
        "# the function answers {{\"isAuthorized\": ...}}: give it payload 2.0 (it then gets the 2.0 event)\n\
         {target} --authorizer-payload-format-version 2.0 --region {region}\n\
         # the function answers an IAM policy: turn simple responses off\n\
         {target} --no-enable-simple-responses --region {region}"
    );
    Rendered::new(message, evidence, Some(remediation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn inventory(version: &str, simple: bool) -> crate::inventory::Inventory {
        scope()
            .http_api(
                http_api("h1", "orders")
                    .authorized_route("GET /orders", "orders", "au1")
                    .authorizer_with("au1", "tokens", "authz", |a| {
                        a.payload_format_version = Some(version.into());
                        a.simple_responses = simple;
                    })
                    .stage("$default")
                    .stage("prod"),
            )
            .inventory()
    }

    #[test]
    fn simple_responses_with_payload_1_0_is_one_finding_for_every_stage() {
        let findings = run_check(&CHECK, &inventory("1.0", true));
        let f = only(&findings);
        assert_eq!(f.stages, vec!["$default", "prod"]);
        assert_eq!(f.authorizer.as_ref().map(|a| a.id.as_str()), Some("au1"));
        assert_eq!(f.client_status, Some(500));
        assert_eq!(f.evidence["authorizer_payload_format_version"], "1.0");
        let fix = f.remediation.as_deref().unwrap();
        assert!(
            fix.contains("aws apigatewayv2 update-authorizer --api-id h1 --authorizer-id au1 --authorizer-payload-format-version 2.0"),
            "{fix}"
        );
        assert!(fix.contains("--no-enable-simple-responses"), "{fix}");
    }

    #[test]
    fn the_supported_combinations_are_healthy() {
        assert!(run_check(&CHECK, &inventory("2.0", true)).is_empty());
        assert!(run_check(&CHECK, &inventory("2.0", false)).is_empty());
        assert!(run_check(&CHECK, &inventory("1.0", false)).is_empty());
    }
}
