//! `stage-variable-unresolved`: an integration (or Lambda authorizer) URI uses
//! `${stageVariables.x}` and the stage has no variable `x`, or the substituted value does not
//! make a valid function ARN. API Gateway cannot build the Invoke call and answers 500.

use serde_json::{json, Map};

use crate::arn::{self, ArnError};
use crate::checks::shared::route_groups::{run_per_route, Group, Rendered, Verdict};
use crate::checks::shared::api_commands::{
    set_stage_variable, then_redeploy, update_authorizer_uri, update_integration,
    IntegrationChange,
};
use crate::checks::shared::internal_error;
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::log_signatures;
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget};

pub static CHECK: Check = Check {
    id: CheckId::new("stage-variable-unresolved"),
    title: "Stage variable in the integration URI is not defined",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every stage and every AWS_PROXY Lambda method, HTTP API Lambda route or Lambda \
             authorizer whose URI \
             uses `${stageVariables.NAME}` (for example \
             `...function:pets:${stageVariables.alias}/invocations`), substitutes the stage's \
             variables and checks that every variable is defined and that the result is a valid \
             Lambda function name or ARN.",
    why: "API Gateway substitutes stage variables at call time, so an undefined variable or a \
          value that makes no valid ARN is only found when a client calls: every call on that \
          stage answers 500 {\"message\": \"Internal server error\"} (Knowledge Center \
          `api-gateway-lambda-stage-variable-500`; docs/aws-facts.md §2, Stage variables). A new stage \
          created without copying the variables of the others is the usual cause.",
    fix: "Define the variable on the stage: `aws apigateway update-stage --rest-api-id A \
          --stage-name S --patch-operations op=replace,path=/variables/NAME,value=VALUE` (no \
          redeployment needed: variables belong to the stage); on an HTTP API, `aws \
          apigatewayv2 update-stage --api-id A --stage-name S --stage-variables NAME=VALUE`, \
          which adds to the stage's variables. The value must name a function \
          or alias in the API's account (stage variables do not support cross-account \
          functions), and API Gateway needs permission to invoke it (`invoke-permission-missing` \
          checks that once the variable resolves).",
    limits: "Only Lambda URIs are judged. Stage variable values are not shown in the evidence, \
             only their names; whether the function a valid value names exists is \
             `integration-target-missing`.",
    input: Input::Configuration,
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
    uri: String,
    /// The names of the variables the stage does define (never their values).
    stage_variables: Vec<String>,
}

/// Why the route's URI does not resolve on its stage, if it is a stage-variable problem.
fn diagnose(route: &RouteTarget<'_>) -> Option<Problem> {
    let uri = route.uri;
    let used = arn::stage_variable_names(uri).unwrap_or_default();
    let (reason, detail, variables) = match route.resolved.as_ref().err()? {
        ArnError::UndefinedStageVariable(name) => (
            "undefined",
            format!("stage variable `{name}` is not defined"),
            vec![name.clone()],
        ),
        ArnError::UnterminatedStageVariable(_) => (
            "unterminated",
            "the URI has a `${stageVariables.` reference without its closing `}`".into(),
            used,
        ),
        // An invalid reference without variables was accepted by PutIntegration as written;
        // that is not this check's business.
        ArnError::InvalidFunction(_) if !used.is_empty() => (
            "invalid-value",
            format!(
                "the value of {} does not make a valid Lambda function name or ARN",
                used.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            used,
        ),
        _ => return None,
    };
    Some(Problem {
        reason,
        variables,
        detail,
        uri: uri.to_string(),
        stage_variables: route.stage.variables.keys().cloned().collect(),
    })
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(
        &CHECK,
        ctx,
        |_, route| diagnose(route).map(|problem| Verdict::fail(None, problem)),
        render,
    )
}

/// Describes every affected stage, in stage order.
fn render(group: &Group<'_, Problem>) -> Rendered {
    let scope = group.routes.scope;
    let api = group.route.api;
    let mut per_stage = Map::new();
    let mut commands = Vec::new();
    // Each distinct problem with the stages it affects, in stage order.
    let mut details: Vec<(&str, Vec<&str>)> = Vec::new();
    let by_stage = |name: &String| {
        group
            .problems
            .iter()
            .find(|(stage, _)| *stage == name.as_str())
            .map(|(stage, problem)| (*stage, problem))
    };
    let affected: Vec<(&str, &Problem)> = group.stages.iter().filter_map(by_stage).collect();
    for (stage, problem) in &affected {
        per_stage.insert(
            stage.to_string(),
            json!({
                "reason": problem.reason,
                "variables": problem.variables,
                "stage_variables": problem.stage_variables,
            }),
        );
        for name in &problem.variables {
            commands.push(set_stage_variable(
                api,
                stage,
                name,
                placeholder(&problem.uri, name),
                &scope.region,
            ));
        }
        match details.iter_mut().find(|(d, _)| *d == problem.detail) {
            Some((_, on)) => on.push(stage),
            None => details.push((&problem.detail, vec![stage])),
        }
    }
    let first = affected.first().map_or_else(|| group.first(), |(_, p)| *p);
    let because: Vec<String> = details
        .iter()
        .map(|(detail, on)| format!("{detail} on {}", on.join(", ")))
        .collect();
    let message = format!(
        "{} on {} cannot invoke Lambda because {}: clients get {}.",
        group.subject(),
        group.on(),
        because.join("; "),
        internal_error(api.protocol()),
    );
    let evidence = json!({
        "reason": first.reason,
        "variable": first.variables.first(),
        "uri": first.uri,
        "stage_variables": first.stage_variables,
        "per_stage": per_stage,
    });
    let remediation = if first.reason == "unterminated" {
        // A broken reference is fixed in the URI, not on the stage.
        fix_uri(group)
    } else {
        commands.join(" && ")
    };
    Rendered::new(message, evidence, Some(remediation))
}

/// Rewrites the URI (FIXED_URI: the same URI with its `${stageVariables.x}` closed) and
/// redeploys the affected stages.
fn fix_uri(group: &Group<'_, Problem>) -> String {
    let api = group.route.api;
    let region = &group.routes.scope.region;
    let update = match &group.route.invoker {
        Invoker::Method { .. } => {
            update_integration(group.route, IntegrationChange::Uri("FIXED_URI"), region)
                .unwrap_or_default()
        }
        Invoker::Authorizer(authorizer) => {
            update_authorizer_uri(api, &authorizer.id, "FIXED_URI", region)
        }
    };
    then_redeploy(update, api, &group.stages, region)
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
    use crate::report::Status;
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
