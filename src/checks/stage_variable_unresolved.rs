//! `stage-variable-unresolved`: an integration (or Lambda authorizer) URI uses
//! `${stageVariables.x}` and the stage has no variable `x`, or the substituted value does not
//! make a valid function ARN. API Gateway cannot build the Invoke call and answers 500.

use serde_json::{json, Map, Value};

use crate::arn::{self, ArnError};
use crate::checks::shared::{find_api, finding_subject, redeploy, resource_id, run_per_route, sh};
use crate::checks::shared::{route_finding, stages_phrase};
use crate::checks::{Check, CheckId, Context, ResourceKind, Role};
use crate::inventory::{RestApi, ScopeInventory, Stage};
use crate::log_signatures;
use crate::report::{Finding, Severity, Status};
use crate::routes;

pub static CHECK: Check = Check {
    id: CheckId::new("stage-variable-unresolved"),
    title: "Stage variable in the integration URI is not defined",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every stage and every AWS_PROXY Lambda method or Lambda authorizer whose URI \
             uses `${stageVariables.NAME}` (for example \
             `...function:pets:${stageVariables.alias}/invocations`), substitutes the stage's \
             variables and checks that every variable is defined and that the result is a valid \
             Lambda function name or ARN.",
    why: "API Gateway substitutes stage variables at call time, so an undefined variable or a \
          value that makes no valid ARN is only found when a client calls: every call on that \
          stage answers 500 {\"message\": \"Internal server error\"} (Knowledge Center \
          `api-gateway-lambda-stage-variable-500`; aws-facts §2, Stage variables). A new stage \
          created without copying the variables of the others is the usual cause.",
    fix: "Define the variable on the stage: `aws apigateway update-stage --rest-api-id A \
          --stage-name S --patch-operations op=replace,path=/variables/NAME,value=VALUE` (no \
          redeployment needed: variables belong to the stage). The value must name a function \
          or alias in the API's account (stage variables do not support cross-account \
          functions), and API Gateway needs permission to invoke it (`invoke-permission-missing` \
          checks that once the variable resolves).",
    limits: "Only Lambda URIs are judged. Stage variable values are not shown in the evidence, \
             only their names; whether the function a valid value names exists is \
             `integration-target-missing`.",
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::INVALID_PERMISSIONS],
    run,
};

/// What is wrong with one URI on one stage.
struct Problem {
    reason: &'static str,
    /// The variables to set: the undefined one, or every one the reference uses.
    variables: Vec<String>,
    detail: String,
}

/// Why `uri` does not resolve on `stage`, if it is a stage-variable problem.
fn diagnose(scope: &ScopeInventory, uri: &str, stage: &Stage) -> Option<Problem> {
    let used = arn::stage_variable_names(uri).unwrap_or_default();
    match routes::resolve_uri(scope, uri, stage) {
        Err(ArnError::UndefinedStageVariable(name)) => Some(Problem {
            reason: "undefined",
            detail: format!("stage variable `{name}` is not defined"),
            variables: vec![name],
        }),
        Err(ArnError::UnterminatedStageVariable(_)) => Some(Problem {
            reason: "unterminated",
            detail: "the URI has a `${stageVariables.` reference without its closing `}`".into(),
            variables: used,
        }),
        // An invalid reference without variables was accepted by PutIntegration as written;
        // that is not this check's business.
        Err(ArnError::InvalidFunction(_)) if !used.is_empty() => Some(Problem {
            reason: "invalid-value",
            detail: format!(
                "the value of {} does not make a valid Lambda function name or ARN",
                used.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            variables: used,
        }),
        _ => None,
    }
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(
        &CHECK,
        ctx,
        |scope, route| {
            if route.resolved.is_ok() || diagnose(scope, route.uri, route.stage).is_none() {
                return None;
            }
            let mut finding =
                route_finding(&CHECK, scope, route, Status::Fail, None, String::new());
            finding.evidence = json!({ "uri": route.uri });
            Some(finding)
        },
        finish,
    )
}

/// Describes every affected stage now that they are all known.
fn finish(scope: &ScopeInventory, finding: &mut Finding) {
    let Some(api) = find_api(scope, finding) else {
        return;
    };
    let uri = finding.evidence["uri"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let stages = api.stages.found().map(Vec::as_slice).unwrap_or(&[]);
    let mut per_stage = Map::new();
    let mut commands = Vec::new();
    let mut first: Option<Problem> = None;
    // Each distinct problem with the stages it affects, in stage order.
    let mut details: Vec<(String, Vec<&str>)> = Vec::new();
    let affected = finding
        .stages
        .iter()
        .filter_map(|name| stages.iter().find(|s| &s.name == name));
    for stage in affected {
        let Some(problem) = diagnose(scope, &uri, stage) else {
            continue;
        };
        per_stage.insert(
            stage.name.clone(),
            json!({
                "reason": problem.reason,
                "variables": problem.variables,
                "stage_variables": stage.variables.keys().collect::<Vec<_>>(),
            }),
        );
        for name in &problem.variables {
            commands.push(format!(
                "aws apigateway update-stage --rest-api-id {} --stage-name {} \
                 --patch-operations op=replace,path=/variables/{},value={} --region {}",
                sh(&api.id),
                sh(&stage.name),
                sh(name),
                placeholder(&uri, name),
                sh(&scope.region)
            ));
        }
        match details.iter_mut().find(|(d, _)| *d == problem.detail) {
            Some((_, on)) => on.push(&stage.name),
            None => details.push((problem.detail.clone(), vec![&stage.name])),
        }
        first.get_or_insert(problem);
    }
    let Some(problem) = first else {
        return;
    };
    let because: Vec<String> = details
        .iter()
        .map(|(detail, on)| format!("{detail} on {}", on.join(", ")))
        .collect();
    finding.message = format!(
        "{} on {} cannot invoke Lambda because {}: clients get 500 Internal server error.",
        finding_subject(finding),
        stages_phrase(&finding.stages),
        because.join("; ")
    );
    let first_stage = per_stage.values().next().cloned().unwrap_or(Value::Null);
    finding.evidence = json!({
        "reason": problem.reason,
        "variable": problem.variables.first(),
        "uri": uri,
        "stage_variables": first_stage["stage_variables"],
        "per_stage": per_stage,
    });
    finding.remediation = if problem.reason == "unterminated" {
        // A broken reference is fixed in the URI, not on the stage.
        fix_uri(scope, api, finding)
    } else {
        Some(commands.join(" && "))
    };
}

/// Rewrites the URI (FIXED_URI: the same URI with its `${stageVariables.x}` closed) and
/// redeploys the affected stages.
fn fix_uri(scope: &ScopeInventory, api: &RestApi, finding: &Finding) -> Option<String> {
    let region = sh(&scope.region);
    let update = match (&finding.route, &finding.authorizer) {
        (Some(route), _) => format!(
            "aws apigateway update-integration --rest-api-id {} --resource-id {} \
             --http-method {} --patch-operations op=replace,path=/uri,value=FIXED_URI \
             --region {region}",
            sh(&api.id),
            sh(resource_id(api, &route.path).unwrap_or("RESOURCE_ID")),
            sh(&route.method),
        ),
        (None, Some(authorizer)) => format!(
            "aws apigateway update-authorizer --rest-api-id {} --authorizer-id {} \
             --patch-operations op=replace,path=/authorizerUri,value=FIXED_URI --region {region}",
            sh(&api.id),
            sh(&authorizer.id),
        ),
        (None, None) => return None,
    };
    Some(format!(
        "{update} && {}",
        redeploy(&api.id, &finding.stages, &scope.region)
    ))
}

/// What the variable must hold, guessed from where it sits in a full function ARN.
fn placeholder(uri: &str, name: &str) -> &'static str {
    let reference = arn::parse_integration_uri(uri).map(|u| u.function);
    let Ok(reference) = reference else {
        return "VALUE";
    };
    let marker = format!("${{stageVariables.{name}}}");
    match reference.find(&marker) {
        Some(at) if reference.starts_with("arn:") => match reference[..at].matches(':').count() {
            6 => "FUNCTION_NAME",
            7 => "ALIAS_OR_VERSION",
            _ => "VALUE",
        },
        _ => "VALUE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn inventory(beta_alias: &str) -> crate::inventory::Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:${stageVariables.alias}")
                    .stage_vars("dev", &[("token", "s3cret")])
                    .stage("prod")
                    .stage_vars("beta", &[("alias", beta_alias)]),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .inventory()
    }

    #[test]
    fn undefined_variable_is_one_finding_for_the_stages_missing_it() {
        let findings = run_check(&CHECK, &inventory("live"));
        let f = only(&findings);
        assert_eq!(f.stages, vec!["dev", "prod"]);
        assert_eq!(f.function, None);
        assert_eq!(f.evidence["reason"], "undefined");
        assert_eq!(f.evidence["variable"], "alias");
        assert_eq!(
            f.evidence["per_stage"]["dev"]["stage_variables"],
            json!(["token"])
        );
        // Names only: values of stage variables never reach the report.
        assert!(!f.evidence.to_string().contains("s3cret"));
        assert!(
            f.message.contains("`alias` is not defined on dev, prod:"),
            "{}",
            f.message
        );
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                "aws apigateway update-stage --rest-api-id a1b2c3 --stage-name dev \
                 --patch-operations op=replace,path=/variables/alias,value=ALIAS_OR_VERSION \
                 --region us-east-1 && aws apigateway update-stage --rest-api-id a1b2c3 \
                 --stage-name prod --patch-operations \
                 op=replace,path=/variables/alias,value=ALIAS_OR_VERSION --region us-east-1"
            )
        );
    }

    #[test]
    fn value_that_makes_no_arn_is_reported_with_the_other_stages() {
        let findings = run_check(&CHECK, &inventory("not/an:alias"));
        let f = only(&findings);
        assert_eq!(f.stages, vec!["beta", "dev", "prod"]);
        assert_eq!(f.evidence["per_stage"]["beta"]["reason"], "invalid-value");
        assert_eq!(f.evidence["per_stage"]["prod"]["reason"], "undefined");
        assert!(
            f.message
                .contains("valid Lambda function name or ARN on beta;"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("not defined on dev, prod"),
            "{}",
            f.message
        );
        assert!(!f.evidence.to_string().contains("not/an"));
    }

    #[test]
    fn defined_variables_are_healthy() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "${stageVariables.fn}")
                    .authorized_route("GET", "/me", "me", "au1")
                    .authorizer("au1", "jwt", "auth:${stageVariables.alias}")
                    .stage_vars("prod", &[("fn", "pets-list"), ("alias", "live")]),
            )
            .inventory();
        assert!(run_check(&CHECK, &inv).is_empty());
    }

    #[test]
    fn authorizer_uri_with_undefined_variable_is_reported() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .authorized_route("GET", "/me", "me", "au1")
                    .authorizer("au1", "jwt", "auth:${stageVariables.alias}")
                    .stage("prod"),
            )
            .inventory();
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.authorizer.as_ref().map(|a| a.name.as_str()), Some("jwt"));
        assert!(f
            .remediation
            .as_deref()
            .unwrap_or_default()
            .contains("path=/variables/alias"));
    }

    #[test]
    fn unreadable_api_is_an_error() {
        let inv = scope()
            .api(api("a1b2c3", "pets").resources_failed())
            .inventory();
        assert_eq!(
            only(&run_check(&CHECK, &inv)).status,
            Status::Error
        );
    }
}
