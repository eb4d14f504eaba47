//! `payload-format-mismatch`: the opt-in probe shows that the function behind an HTTP API route was
//! written for the other payload format version (docs/aws-facts.md §12.3): on a 1.0 route it answers
//! without `statusCode`, as a 2.0 function may, or it fails reading a field only the other
//! format's event carries. The evidence is read by `probe::payload_mismatch`.

use serde_json::json;

use crate::checks::shared::{base_finding, function_args, qualifier_arg, sh, stages_phrase};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{ApiView, ScopeInventory};
use crate::probe::payload_mismatch::{mismatch, Evidence, Mismatch};
use crate::probe::ProbeResult;
use crate::report::{ApiRef, Finding, RouteRef, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("payload-format-mismatch"),
    title: "HTTP API route's function expects the other payload format",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "Only with the probe on: for each probed HTTP API route, the event of the \
             integration's `payloadFormatVersion` is sent and the answer read for signs that \
             the function was written for the other version: on a 1.0 route, a response \
             without `statusCode` (what 2.0 accepts as a 200 body and 1.0 refuses); on either \
             route, a Python `KeyError` naming a field only the other version's event carries \
             (2.0: `rawPath`, `rawQueryString`, `cookies`, `requestContext.http`; 1.0: \
             `httpMethod`, `resource`, `multiValueHeaders`, `multiValueQueryStringParameters`). \
             `evidence.expected_format` is the version the function evidently handles.",
    why: "The two versions differ in both directions (docs/aws-facts.md §12.3, \
          `http-api-develop-integrations-lambda.html`): 2.0 events have `rawPath` and \
          `requestContext.http` where 1.0 has `path` and `httpMethod`, and 1.0 needs \
          `statusCode` in every response where 2.0 infers one. The tools default differently \
          (CDK and the Serverless Framework 2.0, Terraform's resource 1.0), so an integration \
          recreated with another tool, or a function moved from a REST API, meets the other \
          format: every call fails with 500 {\"message\":\"Internal Server Error\"}.",
    fix: "Set the integration to the format the function handles (`aws apigatewayv2 \
          update-integration --api-id A --integration-id I --payload-format-version V`; the \
          remediation names it), or change the function to read the route's format.",
    limits: "Only what one probe request shows: a function that reads neither format's own \
             fields, or fails in another runtime (whose error names no field), is not judged \
             here; its failure is `proxy-response-malformed`'s. REST routes have one format.",
    input: Input::Probe,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for routes in ctx.routes {
        let scope = routes.scope;
        for result in scope.probes.iter().flatten() {
            let Some(found) = mismatch(result) else {
                continue;
            };
            let mut finding = judge(scope, result, &found);
            finding.fingerprint = finding.compute_fingerprint();
            findings.push(finding);
        }
    }
    findings
}

fn judge(scope: &ScopeInventory, result: &ProbeResult, found: &Mismatch) -> Finding {
    let route = crate::checks::proxy_response_malformed::route_key(result);
    let shown = match &found.evidence {
        Evidence::AnswersWithoutStatusCode { detail } => format!(
            "it answered without statusCode ({detail}), which {} refuses and {} would send as a \
             200 body",
            found.route_format, found.expected_format
        ),
        Evidence::ReadsField { field } => format!(
            "it failed with KeyError '{field}', a field only the {} event carries",
            found.expected_format
        ),
    };
    let message = format!(
        "{} behind {route} on {} expects payload format {} but the integration sends {}: {shown}; \
         clients get 500 Internal Server Error.",
        result.target.short(),
        stages_phrase(&result.stages),
        found.expected_format,
        found.route_format,
    );
    let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
    finding.evidence = json!({
        "route_format": found.route_format,
        "expected_format": found.expected_format,
        "shown_by": match &found.evidence {
            Evidence::AnswersWithoutStatusCode { detail } => json!({"answer_without_status_code": detail}),
            Evidence::ReadsField { field } => json!({"key_error": field}),
        },
        "probe": {"method": result.probed_method, "path": result.probed_path},
    });
    let api = scope.api(&result.api_id);
    let integration = api
        .and_then(ApiView::http)
        .and_then(|api| api.route(&route))
        .and_then(|route| route.integration_id());
    let mut commands = vec![format!(
        "aws apigatewayv2 update-integration --api-id {} --integration-id {} \
         --payload-format-version {} --region {}",
        sh(&result.api_id),
        sh(integration.unwrap_or("INTEGRATION_ID")),
        found.expected_format,
        sh(&scope.region),
    )];
    commands.push(format!(
        "# or make {} read payload {}, then check: aws lambda invoke {}{} ...",
        result.target.short(),
        found.route_format,
        function_args(scope, &result.target),
        qualifier_arg(&result.target)
    ));
    finding.remediation = Some(commands.join("\n"));
    finding.api = Some(api.map_or_else(
        || ApiRef {
            id: result.api_id.clone(),
            name: String::new(),
            protocol: crate::inventory::Protocol::Http,
        },
        ApiRef::of,
    ));
    finding.stages = result.stages.clone();
    finding.route = Some(RouteRef {
        method: result.method.clone(),
        path: result.resource.clone(),
    });
    finding.function = Some(result.target.to_string());
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{ProbeOutcome, ProbeRule, ProbeViolation};
    use crate::testkit::*;

    fn probed(format: &str, outcome: ProbeOutcome) -> crate::inventory::Inventory {
        let mut integration = http_integration("orders");
        integration.payload_format_version = Some(format.into());
        let mut scope = scope()
            .http_api(
                http_api("h1", "orders")
                    .integration("GET /orders", integration)
                    .stage("$default"),
            )
            .target(target("orders", "h1"))
            .build();
        scope.probes = Some(vec![ProbeResult {
            api_id: "h1".into(),
            stages: vec!["$default".into()],
            method: "GET".into(),
            resource: "/orders".into(),
            probed_method: "GET".into(),
            probed_path: "/orders".into(),
            target: function_arn("orders").parse().unwrap(),
            payload_format: Some(format.into()),
            outcome,
        }]);
        inventory(vec![scope])
    }

    #[test]
    fn a_2_0_function_behind_a_1_0_route() {
        let inv = probed(
            "1.0",
            ProbeOutcome::Rejected {
                violations: vec![ProbeViolation {
                    rule: ProbeRule::StatusCodeMissing,
                    detail: "{\"orders\":[]}".into(),
                }],
            },
        );
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.evidence["expected_format"], "2.0");
        assert_eq!(f.client_status, Some(500));
        assert_eq!(f.route.as_ref().map(|r| r.path.as_str()), Some("/orders"));
        assert!(
            f.remediation.as_deref().unwrap().starts_with(
                "aws apigatewayv2 update-integration --api-id h1 --integration-id int-1 \
                 --payload-format-version 2.0"
            ),
            "{:?}",
            f.remediation
        );
        // proxy-response-malformed leaves it to this check.
        assert!(run_check(&crate::checks::proxy_response_malformed::CHECK, &inv).is_empty());
    }

    #[test]
    fn a_1_0_function_behind_a_2_0_route_fails_on_http_method() {
        let inv = probed(
            "2.0",
            ProbeOutcome::FunctionError {
                error_type: "KeyError".into(),
                error_message: "'httpMethod'".into(),
            },
        );
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.evidence["expected_format"], "1.0");
        assert_eq!(f.evidence["shown_by"]["key_error"], "httpMethod");
        assert!(f.message.contains("KeyError 'httpMethod'"), "{}", f.message);
    }

    #[test]
    fn answers_that_fit_the_route_show_nothing() {
        let ok = ProbeOutcome::Accepted { status_code: 200 };
        assert!(run_check(&CHECK, &probed("2.0", ok.clone())).is_empty());
        assert!(run_check(&CHECK, &probed("1.0", ok)).is_empty());
    }
}
