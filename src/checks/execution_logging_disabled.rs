//! `execution-logging-disabled`: a stage that writes no execution logs, so when it answers 5XX
//! nobody can see why (and `execution-log-errors` has nothing to read).

use serde_json::json;

use crate::checks::shared::sh;
use crate::checks::shared::{api_ref, base_finding};
use crate::inventory::ApiView;
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("execution-logging-disabled"),
    title: "Stage has no execution logging",
    severity: Severity::Low,
    resource: ResourceKind::Stage,
    client_status: None,
    checks: "For every stage of every API whose stages could be read, looks at the stage's \
             method settings (`*/*` for the whole stage, or one method) and fires when none sets \
             the logging level to `ERROR` or `INFO`. One finding per (API, stage).",
    why: "Clients are not affected. But execution logs are where API Gateway says why it \
          answered 5XX: `Malformed Lambda proxy response`, `Invalid permissions on Lambda \
          function`, `Rate Exceeded`, `Execution failed due to a timeout error` (docs/aws-facts.md \
          §4). Without them a 500 or 502 is an `{\"message\": \"Internal server error\"}` and \
          nothing else, and `execution-log-errors` cannot count the failures.",
    fix: "Turn on execution logging at level ERROR for the whole stage (the remediation \
          command); INFO also logs every request and response and costs more. API Gateway \
          writes the logs with the account's CloudWatch Logs role: if the account has none \
          yet, set one first with `aws apigateway update-account --patch-operations \
          op=replace,path=/cloudwatchRoleArn,value=ROLE_ARN`, where the role trusts \
          `apigateway.amazonaws.com` and has the managed policy \
          `AmazonAPIGatewayPushToCloudWatchLogs`.",
    limits: "A stage with logging on for a single method counts as logging. Whether the account \
             has a working CloudWatch Logs role is not checked: with logging on and no role, no \
             log group ever appears. APIs whose stages could not be read are skipped (the \
             route checks report that error).",
    input: Input::Configuration,
    role: Role::Evidence,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        for api in &scope.apis {
            let Some(stages) = api.stages.found() else {
                continue;
            };
            for stage in stages.iter().filter(|s| !s.execution_logging()) {
                let message = format!(
                    "Stage {} of API {} ({}) writes no execution logs, so the causes of \
                     its 5XX answers cannot be seen.",
                    stage.name, api.name, api.id
                );
                let levels: serde_json::Map<String, serde_json::Value> = stage
                    .method_settings
                    .iter()
                    .map(|(key, s)| (key.clone(), json!(s.logging_level)))
                    .collect();
                let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
                finding.api = Some(api_ref(ApiView::Rest(api)));
                finding.stages = vec![stage.name.clone()];
                finding.evidence = json!({ "logging_levels": levels });
                finding.remediation = Some(format!(
                    "aws apigateway update-stage --rest-api-id {} --stage-name {} \
                     --patch-operations {} --region {}",
                    sh(&api.id),
                    sh(&stage.name),
                    sh("op=replace,path=/*/*/logging/loglevel,value=ERROR"),
                    sh(&scope.region)
                ));
                finding.fingerprint = finding.compute_fingerprint();
                findings.push(finding);
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Inventory, Lookup, MethodSetting};
    use crate::testkit::*;

    /// The API `pets` with stages `dev` and `prod`, `edit` changing `prod`.
    fn inventory(edit: impl FnOnce(&mut crate::inventory::Stage)) -> Inventory {
        let mut inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list")
                    .stage("dev")
                    .stage("prod"),
            )
            .inventory();
        if let Lookup::Found(stages) = &mut inv.scopes[0].apis[0].stages {
            if let Some(prod) = stages.iter_mut().find(|s| s.name == "prod") {
                edit(prod);
            }
        }
        inv
    }

    fn level(level: Option<&str>) -> MethodSetting {
        MethodSetting {
            logging_level: level.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn stage_without_logging_is_low_with_the_update_stage_command() {
        let inv = inventory(|s| {
            s.method_settings.insert("*/*".into(), level(Some("OFF")));
        });
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!((f.severity, f.client_status), (Severity::Low, None));
        assert_eq!(f.stages, vec!["prod".to_string()]);
        assert_eq!(
            f.message,
            "Stage prod of API pets (a1b2c3) writes no execution logs, so the causes of its 5XX \
             answers cannot be seen."
        );
        assert_eq!(f.evidence["logging_levels"], json!({"*/*": "OFF"}));
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                "aws apigateway update-stage --rest-api-id a1b2c3 --stage-name prod \
                 --patch-operations 'op=replace,path=/*/*/logging/loglevel,value=ERROR' \
                 --region us-east-1"
            )
        );
        assert_eq!(f.fingerprint.len(), 20);
    }

    #[test]
    fn stages_with_logging_are_quiet() {
        assert!(run_check(&CHECK, &inventory(|_| {})).is_empty());
        // One method logging at INFO is enough.
        let one_method = inventory(|s| {
            s.method_settings.clear();
            s.method_settings
                .insert("pets/GET".into(), level(Some("info")));
        });
        assert!(run_check(&CHECK, &one_method).is_empty());
    }

    #[test]
    fn each_stage_is_its_own_finding() {
        let mut inv = inventory(|s| s.method_settings.clear());
        if let Lookup::Found(stages) = &mut inv.scopes[0].apis[0].stages {
            for stage in stages {
                stage.method_settings.insert("*/*".into(), level(None));
            }
        }
        let findings = run_check(&CHECK, &inv);
        assert_eq!(findings.len(), 2);
        assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
    }

    #[test]
    fn unreadable_stages_are_skipped() {
        let inv = scope()
            .api(api("a1b2c3", "pets").stages_failed())
            .inventory();
        assert!(run_check(&CHECK, &inv).is_empty());
    }
}
