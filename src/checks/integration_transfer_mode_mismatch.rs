//! `integration-transfer-mode-mismatch`: an integration whose `responseTransferMode` and URI
//! disagree — `STREAM` with the buffered `…/invocations` URI, or `BUFFERED` (or unset) with the
//! `…/response-streaming-invocations` URI. AWS's compatibility matrix calls both unsupported
//! without saying what clients then get (docs/aws-facts.md §11.1), so this is a medium finding
//! that says so rather than a guessed status.

use serde_json::json;

use crate::arn::LambdaAction;
use crate::checks::shared::route_groups::{run_per_route, Group, Rendered, Verdict};
use crate::checks::shared::api_commands::{then_redeploy, update_integration, IntegrationChange};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("integration-transfer-mode-mismatch"),
    title: "The integration's response transfer mode does not match its URI",
    severity: Severity::Medium,
    resource: ResourceKind::Route,
    client_status: None,
    checks: "For every stage and every AWS_PROXY Lambda method, compares the integration's \
             `responseTransferMode` (BUFFERED when unset) with the action its URI names: \
             `STREAM` needs `lambda:path/2021-11-15/functions/FN/response-streaming-invocations`, \
             `BUFFERED` needs `lambda:path/2015-03-31/functions/FN/invocations`.",
    why: "API Gateway calls InvokeWithResponseStream for a streaming integration and Invoke \
          for a buffered one, each with its own URI. AWS's compatibility matrix lists the two \
          mixed combinations as unsupported (docs/aws-facts.md §11.1, \
          `response-transfer-mode-lambda.html`) but does not say whether PutIntegration \
          refuses them or calls fail at run time, so what clients get is unknown. The console \
          writes the matching URI by itself; the API, CLI, CloudFormation and Terraform do not.",
    fix: "Write the URI that matches the mode (or the mode that matches the URI): `aws \
          apigateway update-integration --rest-api-id A --resource-id R --http-method M \
          --patch-operations op=replace,path=/uri,value=URI`, then `aws apigateway \
          create-deployment` for each affected stage.",
    limits: "The outcome of a mismatched integration is not documented: the finding says so and \
             names no client status. Lambda authorizers are always buffered and are not judged. \
             HTTP APIs have no transfer mode (streaming is REST-only, docs/aws-facts.md §11.1), so \
             their routes are not judged here.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

/// A method whose mode and URI disagree.
struct Problem {
    streams: bool,
    uri: String,
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge, render)
}

fn judge(_: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    if !matches!(route.invoker, Invoker::Method { .. }) {
        return None;
    }
    // Response streaming and its transfer mode are REST-only.
    route.api.rest()?;
    let expected = if route.streams {
        LambdaAction::ResponseStreamingInvocations
    } else {
        LambdaAction::Invocations
    };
    if route.action? == expected {
        return None;
    }
    Some(Verdict::fail(
        route.resolved.clone().ok(),
        Problem {
            streams: route.streams,
            uri: route.uri.to_string(),
        },
    ))
}

fn render(group: &Group<'_, Problem>) -> Rendered {
    let problem = group.first();
    let (mode, action, fixed) = if problem.streams {
        (
            "STREAM",
            "invocations",
            LambdaAction::ResponseStreamingInvocations,
        )
    } else {
        (
            "BUFFERED",
            "response-streaming-invocations",
            LambdaAction::Invocations,
        )
    };
    let message = format!(
        "{} on {} has responseTransferMode {mode} but its URI calls {action}: AWS lists this \
         combination as unsupported and does not document what clients then get.",
        group.subject(),
        group.on()
    );
    let evidence = json!({
        "response_transfer_mode": mode,
        "uri": problem.uri,
        "uri_action": action,
    });
    let Some(function) = &group.function else {
        return Rendered::new(message, evidence, None);
    };
    let scope = group.routes.scope;
    // Keep the function reference as the URI writes it (stage variables included).
    let reference = crate::arn::parse_integration_uri(&problem.uri)
        .map(|u| u.function)
        .unwrap_or_else(|_| function.to_string());
    let uri = fixed.uri(&function.partition, &function.region, &reference);
    let remediation = update_integration(group.route, IntegrationChange::Uri(&uri), &scope.region)
        .map(|update| then_redeploy(update, group.route.api, &group.stages, &scope.region));
    Rendered::new(message, evidence, remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn inventory(mode: Option<&str>, action: LambdaAction) -> crate::inventory::Inventory {
        let mut integration = proxy_integration("pets-get:live");
        integration.response_transfer_mode = mode.map(str::to_string);
        integration.uri = Some(action.uri(
            "aws",
            REGION,
            &function_arn("pets-get:live"),
        ));
        scope()
            .api(api("a1b2c3", "pets").integration("GET", "/pets", integration).stage("prod"))
            .target(target("pets-get:live", "a1b2c3"))
            .inventory()
    }

    /// The compatibility matrix of `response-transfer-mode-lambda.html` (docs/aws-facts.md
    /// §11.1): matching rows are quiet, the two mixed rows are reported without a status.
    #[test]
    fn the_compatibility_matrix() {
        let streaming = LambdaAction::ResponseStreamingInvocations;
        let buffered = LambdaAction::Invocations;
        assert!(run_check(&CHECK, &inventory(Some("STREAM"), streaming)).is_empty());
        assert!(run_check(&CHECK, &inventory(Some("BUFFERED"), buffered)).is_empty());
        assert!(run_check(&CHECK, &inventory(None, buffered)).is_empty());

        let findings = run_check(&CHECK, &inventory(Some("STREAM"), buffered));
        let f = only(&findings);
        assert_eq!(f.client_status, None);
        assert_eq!(f.evidence["uri_action"], "invocations");
        let fix = f.remediation.as_deref().unwrap();
        assert!(fix.contains("/2021-11-15/functions/") && fix.contains("response-streaming-invocations"), "{fix}");

        let findings = run_check(&CHECK, &inventory(None, streaming));
        let f = only(&findings);
        assert_eq!(f.evidence["response_transfer_mode"], "BUFFERED");
        assert!(f.remediation.as_deref().unwrap().contains("/2015-03-31/functions/"));
    }
}
