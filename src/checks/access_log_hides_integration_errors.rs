//! `access-log-hides-integration-errors`: an HTTP API stage whose access log cannot say why a
//! Lambda integration failed — no access log at all, or a format without the integration's error.
//! HTTP APIs write no execution logs, so a 500 is then `{"message":"Internal Server Error"}` and
//! nothing else (docs/aws-facts.md §12.5).

use serde_json::json;

use crate::checks::shared::{api_ref, base_finding, sh};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{ApiView, ScopeInventory, Stage};
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("access-log-hides-integration-errors"),
    title: "HTTP API stage's access log cannot show integration errors",
    severity: Severity::Low,
    resource: ResourceKind::Stage,
    client_status: None,
    checks: "For every stage of every HTTP API whose stages could be read, looks at \
             `accessLogSettings`: fires when the stage has no access log, or when its format \
             carries neither `$context.integrationErrorMessage` nor `$context.integration.error`. \
             One finding per (API, stage); `evidence.reason` is `no-access-log` or \
             `no-integration-error`.",
    why: "Clients are not affected. But HTTP APIs write no execution logs: the access log's \
          integration error is where API Gateway says why it answered 500 (\"The IAM role \
          configured on the integration or API Gateway doesn't have permissions to call the \
          integration\" for a missing invoke permission, docs/aws-facts.md §12.3, §12.5), and AWS's \
          own troubleshooting page for HTTP API Lambda integrations starts by adding \
          `$context.integrationErrorMessage` to the format. Without it `access-log-errors` has \
          nothing to count.",
    fix: "Add `$context.integrationErrorMessage` to the stage's access-log format, or turn \
          access logging on with a format that has it: `aws apigatewayv2 update-stage --api-id \
          A --stage-name S --access-log-settings '{\"DestinationArn\": \"LOG_GROUP_ARN\", \
          \"Format\": \"... $context.integrationErrorMessage\"}'` (the remediation keeps the \
          stage's destination and format and appends the variable).",
    limits: "Only HTTP API stages are judged (REST stages: `execution-logging-disabled`). \
             Whether the log group exists and API Gateway can write to it is not checked. APIs \
             whose stages could not be read are skipped (the route checks report that error).",
    input: Input::Configuration,
    role: Role::Evidence,
    settings: &[],
    explains: &[],
    run,
};

/// The format written for a stage that has none: the CLF example the console offers, plus the
/// integration error (AWS's troubleshooting page for HTTP API Lambda integrations).
const SUGGESTED_FORMAT: &str = "$context.identity.sourceIp - - [$context.requestTime] \
\"$context.httpMethod $context.routeKey $context.protocol\" $context.status \
$context.responseLength $context.requestId $context.integrationErrorMessage";

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        for api in &scope.http_apis {
            let Some(stages) = api.stages.found() else {
                continue;
            };
            for stage in stages {
                let reason = match &stage.access_log {
                    None => "no-access-log",
                    Some(log) if !log.shows_integration_errors() => "no-integration-error",
                    Some(_) => continue,
                };
                let message = format!(
                    "Stage {} of HTTP API {} ({}) {}, so the causes of its 500 answers cannot \
                     be seen.",
                    stage.name,
                    api.name,
                    api.id,
                    if reason == "no-access-log" {
                        "writes no access log"
                    } else {
                        "writes an access log without $context.integrationErrorMessage"
                    }
                );
                let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
                finding.api = Some(api_ref(ApiView::Http(api)));
                finding.stages = vec![stage.name.clone()];
                finding.evidence = json!({
                    "reason": reason,
                    "destination_arn": stage.access_log.as_ref().and_then(|l| l.destination_arn.clone()),
                    "format": stage.access_log.as_ref().and_then(|l| l.format.clone()),
                });
                finding.remediation = Some(remediation(scope, &api.id, stage));
                finding.fingerprint = finding.compute_fingerprint();
                findings.push(finding);
            }
        }
    }
    findings
}

/// `update-stage` with the stage's destination and format plus the integration error; for a
/// stage without access log, a new log group first.
fn remediation(scope: &ScopeInventory, api_id: &str, stage: &Stage) -> String {
    let existing = stage.access_log.as_ref();
    let (create, destination) = match existing.and_then(|l| l.destination_arn.clone()) {
        Some(arn) => (None, arn),
        None => {
            let group = format!(
                "/aws/apigateway/{api_id}/{}",
                stage.name.trim_start_matches('$')
            );
            let create = format!(
                "aws logs create-log-group --log-group-name {} --region {}",
                sh(&group),
                sh(&scope.region)
            );
            let arn = format!(
                "arn:{}:logs:{}:{}:log-group:{group}",
                scope.partition, scope.region, scope.account
            );
            (Some(create), arn)
        }
    };
    let format = match existing.and_then(|l| l.format.as_deref()) {
        Some(format) => format!("{format} $context.integrationErrorMessage"),
        None => SUGGESTED_FORMAT.to_string(),
    };
    let settings = json!({"DestinationArn": destination, "Format": format}).to_string();
    let update = format!(
        "aws apigatewayv2 update-stage --api-id {} --stage-name {} --access-log-settings {} \
         --region {}",
        sh(api_id),
        sh(&stage.name),
        sh(&settings),
        sh(&scope.region)
    );
    match create {
        Some(create) => format!("{create} && {update}"),
        None => update,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::AccessLogSettings;
    use crate::testkit::*;

    fn inventory(access_log: Option<AccessLogSettings>) -> crate::inventory::Inventory {
        let mut stage = http_stage("prod", &[]);
        stage.access_log = access_log;
        scope()
            .http_api(
                http_api("h1", "orders")
                    .route("GET /orders", "orders")
                    .stage_with(stage)
                    .stage("$default"),
            )
            .inventory()
    }

    #[test]
    fn a_stage_that_logs_integration_errors_is_healthy() {
        // testkit's stages log `$context.integrationErrorMessage`.
        let findings = run_check(&CHECK, &inventory(http_stage("prod", &[]).access_log));
        assert!(findings.is_empty(), "{findings:#?}");
        let integration_error = AccessLogSettings {
            destination_arn: Some("arn:aws:logs:us-east-1:123456789012:log-group:x".into()),
            format: Some("$context.requestId $context.integration.error".into()),
        };
        assert!(run_check(&CHECK, &inventory(Some(integration_error))).is_empty());
    }

    #[test]
    fn no_access_log_creates_a_group_and_logs_the_integration_error() {
        let findings = run_check(&CHECK, &inventory(None));
        let f = only(&findings);
        assert_eq!(f.evidence["reason"], "no-access-log");
        assert_eq!(f.stages, vec!["prod"]);
        assert_eq!(f.client_status, None);
        let fix = f.remediation.as_deref().unwrap();
        assert!(
            fix.starts_with("aws logs create-log-group --log-group-name /aws/apigateway/h1/prod"),
            "{fix}"
        );
        assert!(
            fix.contains("aws apigatewayv2 update-stage --api-id h1 --stage-name prod --access-log-settings '{\"DestinationArn\":\"arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/h1/prod\""),
            "{fix}"
        );
        assert!(fix.contains("$context.integrationErrorMessage"), "{fix}");
    }

    #[test]
    fn a_format_without_the_integration_error_keeps_its_destination() {
        // `$context.error.message` shows only the gateway's own text ("Internal Server Error").
        let log = AccessLogSettings {
            destination_arn: Some("arn:aws:logs:us-east-1:123456789012:log-group:orders".into()),
            format: Some("$context.requestId $context.status $context.error.message".into()),
        };
        let findings = run_check(&CHECK, &inventory(Some(log)));
        let f = only(&findings);
        assert_eq!(f.evidence["reason"], "no-integration-error");
        let fix = f.remediation.as_deref().unwrap();
        assert!(
            fix.contains("\"Format\":\"$context.requestId $context.status $context.error.message $context.integrationErrorMessage\""),
            "{fix}"
        );
        assert!(!fix.contains("create-log-group"), "{fix}");
    }
}
