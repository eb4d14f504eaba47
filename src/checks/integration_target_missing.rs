//! `integration-target-missing`: the function, alias or version an integration (or a Lambda
//! authorizer) resolves to does not exist, so API Gateway's Invoke call fails and clients get
//! 500.

use serde_json::json;

use crate::arn::{self, FunctionArn, LambdaAction};
use crate::checks::shared::api_commands::{
    set_stage_variable, then_redeploy, update_authorizer_uri, update_integration,
    IntegrationChange,
};
use crate::checks::shared::route_groups::{run_per_route, Group, LookupFailed, Rendered, Verdict};
use crate::checks::shared::{internal_error, resource_id, sh};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{Lookup, ScopeInventory};
use crate::log_signatures;
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("integration-target-missing"),
    title: "Integration target does not exist",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every stage and every AWS_PROXY Lambda method or HTTP API Lambda route (and \
             every Lambda authorizer one of them uses), resolves the integration URI with the stage's variables and looks \
             the resulting function ARN up in Lambda: the unqualified function, the alias or \
             the version it names must exist.",
    why: "API Gateway invokes exactly the ARN in the integration URI (docs/aws-facts.md §1, §2). When \
          the function was deleted or renamed, or the alias or version in the URI was never \
          created, Lambda rejects the Invoke call and API Gateway answers every request of the \
          route with 500 {\"message\": \"Internal server error\"}. PutIntegration does not check \
          that the function exists, and a URI built from stage variables is only resolved at \
          call time, so the API deploys fine and breaks at the first call.",
    fix: "If only the alias is missing, create it (`aws lambda create-alias --function-name F \
          --name ALIAS --function-version N`), then allow API Gateway to invoke it \
          (`invoke-permission-missing` gives the command). Otherwise point the integration at \
          an existing function (`aws apigateway update-integration --rest-api-id A \
          --resource-id R --http-method M --patch-operations \
          op=replace,path=/uri,value=...`) and run `aws apigateway create-deployment` for each \
          affected stage (HTTP API: `aws apigatewayv2 update-integration --api-id A \
          --integration-id I --integration-uri ARN`, then `aws apigatewayv2 create-deployment` \
          for a stage without auto-deploy), or, when the URI uses stage variables, set the variable to an \
          existing function or alias with `aws apigateway update-stage`.",
    limits: "Only targets collection looked up are judged; a route whose target was never \
             recorded in the inventory produces nothing. When GetFunction fails (for example \
             AccessDenied on a function in another account) the route is reported as `error`.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::INVALID_PERMISSIONS],
    run,
};

/// What one route on one stage was judged to be.
enum Problem {
    Missing {
        /// `function`, `alias`, `version`, or `function or qualifier`.
        missing: &'static str,
        uri: String,
        /// The URI's form, which a rewritten URI keeps.
        action: Option<LambdaAction>,
        resource_id: Option<String>,
        stage_variables_used: Vec<String>,
    },
    Unread(LookupFailed),
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge, render)
}

fn judge(routes: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    let target = routes.target_of(route)?;
    let named = Some(target.arn.clone());
    match &target.configuration {
        Lookup::Found(_) => None,
        Lookup::Failed(error) => Some(Verdict::error(
            named,
            Problem::Unread(LookupFailed::new(&CHECK, target, error)),
        )),
        Lookup::Missing => {
            let missing = match route.resolved.as_ref() {
                Ok(function) => missing_part(routes.scope, function),
                Err(_) => "function",
            };
            let resource_id = match &route.invoker {
                Invoker::Method { path, .. } => route
                    .api
                    .rest()
                    .and_then(|api| resource_id(api, path))
                    .map(str::to_string),
                Invoker::Authorizer(_) => None,
            };
            Some(Verdict::fail(
                named,
                Problem::Missing {
                    missing,
                    uri: route.uri.to_string(),
                    action: route.action,
                    resource_id,
                    stage_variables_used: arn::stage_variable_names(route.uri).unwrap_or_default(),
                },
            ))
        }
    }
}

/// Which part is missing: the alias or version when the unqualified function was found.
fn missing_part(scope: &ScopeInventory, function: &FunctionArn) -> &'static str {
    let Some(qualifier) = &function.qualifier else {
        return "function";
    };
    let is_version = qualifier.bytes().all(|b| b.is_ascii_digit());
    // Collection reads whether the function exists when only a qualified form of it is a target.
    match scope
        .targets
        .get(&function.to_string())
        .and_then(|t| t.function_exists)
    {
        Some(true) if is_version => return "version",
        Some(true) => return "alias",
        Some(false) => return "function",
        None => {}
    }
    let unqualified = scope.targets.get(&function.unqualified().to_string());
    match unqualified.map(|t| &t.configuration) {
        Some(Lookup::Found(_)) if qualifier.bytes().all(|b| b.is_ascii_digit()) => "version",
        Some(Lookup::Found(_)) => "alias",
        Some(Lookup::Missing) => "function",
        _ => "function or qualifier",
    }
}

fn render(group: &Group<'_, Problem>) -> Rendered {
    let (missing, uri, resource_id, variables, action) = match group.first() {
        Problem::Unread(failed) => return failed.rendered(),
        Problem::Missing {
            missing,
            uri,
            resource_id,
            stage_variables_used,
            action,
        } => (*missing, uri, resource_id, stage_variables_used, *action),
    };
    let evidence = json!({
        "missing": missing,
        "uri": uri,
        "resource_id": resource_id,
        "stage_variables_used": variables,
    });
    let Some(function) = &group.function else {
        return Rendered::new(String::new(), evidence, None);
    };
    let message = format!(
        "{} on {} invokes {}, whose {} does not exist: clients get {}.",
        group.subject(),
        group.on(),
        function.short(),
        missing,
        internal_error(group.route.api.protocol()),
    );
    let fix = remediation(
        group,
        function,
        missing,
        variables,
        action.unwrap_or(LambdaAction::Invocations),
    );
    Rendered::new(message, evidence, Some(fix))
}

fn remediation(
    group: &Group<'_, Problem>,
    function: &FunctionArn,
    missing: &str,
    variables: &[String],
    action: LambdaAction,
) -> String {
    let api = group.route.api;
    let region = &group.routes.scope.region;
    let stages = &group.stages;
    let create_alias = (missing == "alias").then(|| {
        let alias = function.qualifier.as_deref().unwrap_or_default();
        let target = format!(
            "--function-name {} --region {}",
            sh(&function.name),
            sh(&function.region)
        );
        format!(
            "aws lambda create-alias {target} --name {} --function-version \
             \"$(aws lambda publish-version {target} --query Version --output text)\"",
            sh(alias)
        )
    });
    if !variables.is_empty() {
        // The URI is fine; the stage's variable names something that does not exist: point it
        // at something that does (no redeployment: variables belong to the stage), or, for an
        // alias of an existing function, create the alias it names.
        let commands: Vec<String> = stages
            .iter()
            .flat_map(|stage| {
                variables
                    .iter()
                    .map(move |name| set_stage_variable(api, stage, name, "EXISTING_VALUE", region))
            })
            .collect();
        return match create_alias {
            Some(create) => format!(
                "# either set the stage variable to an existing alias or function:\n{}\n# or create the alias it names:\n{create}",
                commands.join(" && ")
            ),
            None => commands.join(" && "),
        };
    }
    if let Some(create) = create_alias {
        return create;
    }
    let name = match missing {
        "version" => format!("{}:EXISTING_VERSION", function.name),
        _ => "EXISTING_FUNCTION".to_string(),
    };
    let existing = format!(
        "arn:{}:lambda:{}:{}:function:{name}",
        function.partition, function.region, function.account
    );
    // The new URI keeps the route's form: an HTTP API integration's bare function ARN (§12.1),
    // else the path form of the route's action (buffered or response streaming).
    let uri = if group.route.uri.starts_with("arn:") && !group.route.uri.contains(":lambda:path/")
    {
        existing
    } else {
        action.uri(&function.partition, &function.region, &existing)
    };
    let update = match &group.route.invoker {
        Invoker::Method { .. } => {
            update_integration(group.route, IntegrationChange::Uri(&uri), region)
                .unwrap_or_default()
        }
        Invoker::Authorizer(authorizer) => update_authorizer_uri(api, &authorizer.id, &uri, region),
    };
    then_redeploy(update, api, stages, region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use crate::testkit::*;

    fn two_stage_api(reference: &str) -> crate::inventory::RestApi {
        api("a1b2c3", "pets")
            .route("GET", "/pets/{id}", reference)
            .stage("dev")
            .stage("prod")
            .build()
    }

    #[test]
    fn missing_alias_is_one_finding_for_both_stages() {
        let inv = scope()
            .api(two_stage_api("pets-get:live"))
            .target(missing_target("pets-get:live"))
            .target(target("pets-get", "a1b2c3"))
            .inventory();
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.stages, vec!["dev", "prod"]);
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get:live").as_str())
        );
        assert_eq!(f.evidence["missing"], "alias");
        assert!(f.message.contains("pets-get:live"), "{}", f.message);
        assert!(f.message.contains("stages dev, prod"), "{}", f.message);
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with(
                "aws lambda create-alias --function-name pets-get --region us-east-1 --name live"
            ),
            "{fix}"
        );
    }

    #[test]
    fn missing_function_points_the_integration_elsewhere_and_redeploys() {
        let inv = scope()
            .api(two_stage_api("gone"))
            .target(missing_target("gone"))
            .inventory();
        let f = run_check(&CHECK, &inv);
        let fix = only(&f).remediation.as_deref().unwrap_or_default();
        assert!(fix.contains("update-integration --rest-api-id a1b2c3 --resource-id res-1 --http-method GET --patch-operations op=replace,path=/uri,value=arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:EXISTING_FUNCTION/invocations"), "{fix}");
        assert!(
            fix.contains("create-deployment --rest-api-id a1b2c3 --stage-name dev"),
            "{fix}"
        );
        assert!(
            fix.contains("create-deployment --rest-api-id a1b2c3 --stage-name prod"),
            "{fix}"
        );
        assert_eq!(only(&f).evidence["missing"], "function");
    }

    #[test]
    fn stage_variable_target_is_fixed_on_the_stage() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list:${stageVariables.alias}")
                    .stage_vars("prod", &[("alias", "lve")]),
            )
            .target(missing_target("pets-list:lve"))
            .inventory();
        let f = run_check(&CHECK, &inv);
        let fix = only(&f).remediation.as_deref().unwrap_or_default();
        assert_eq!(fix, "aws apigateway update-stage --rest-api-id a1b2c3 --stage-name prod --patch-operations op=replace,path=/variables/alias,value=EXISTING_VALUE --region us-east-1");
    }

    #[test]
    fn missing_authorizer_function_is_reported_on_the_authorizer() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .authorized_route("GET", "/pets", "pets-list", "au1")
                    .authorizer("au1", "jwt", "auth-gone")
                    .stage("prod"),
            )
            .target(target("pets-list", "a1b2c3"))
            .target(missing_target("auth-gone"))
            .inventory();
        let f = run_check(&CHECK, &inv);
        let f = only(&f);
        assert_eq!(f.authorizer.as_ref().map(|a| a.id.as_str()), Some("au1"));
        assert!(f.route.is_none());
        assert!(f
            .remediation
            .as_deref()
            .unwrap_or_default()
            .contains("update-authorizer"));
    }

    #[test]
    fn existing_target_is_healthy() {
        let inv = scope()
            .api(two_stage_api("pets-get:live"))
            .target(target("pets-get:live", "a1b2c3"))
            .inventory();
        assert!(run_check(&CHECK, &inv).is_empty());
    }

    #[test]
    fn failed_lookup_and_unreadable_api_are_errors() {
        let inv = scope()
            .api(two_stage_api("pets-get:live"))
            .api(api("zz9", "broken").resources_failed())
            .target(failed_target("pets-get:live"))
            .inventory();
        let findings = run_check(&CHECK, &inv);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings.iter().all(|f| f.status == Status::Error));
        let route = findings.iter().find(|f| f.route.is_some());
        assert_eq!(route.map(|f| f.stages.len()), Some(2));
        assert!(findings
            .iter()
            .any(|f| f.api.as_ref().is_some_and(|a| a.id == "zz9")));
    }
}
