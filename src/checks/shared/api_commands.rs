//! The AWS CLI commands that change an API, for either kind: `aws apigateway` with
//! `--rest-api-id` and patch operations for REST APIs, `aws apigatewayv2` with `--api-id`,
//! `--integration-id` and plain options for HTTP APIs. A route's remediation is written once and
//! comes out in the right dialect.

use super::{resource_id, sh};
use crate::inventory::{ApiView, HttpApi};
use crate::routes::{Invoker, RouteTarget};

/// One setting of an integration to change.
#[derive(Debug, Clone, Copy)]
pub enum IntegrationChange<'a> {
    /// The integration URI.
    Uri(&'a str),
    /// The integration HTTP method (`POST` for Lambda).
    HttpMethod(&'a str),
    /// The integration timeout, in milliseconds.
    TimeoutMs(i64),
}

impl IntegrationChange<'_> {
    /// REST: the patch path and value.
    fn patch(self) -> (&'static str, String) {
        match self {
            IntegrationChange::Uri(uri) => ("/uri", uri.to_string()),
            IntegrationChange::HttpMethod(verb) => ("/httpMethod", verb.to_string()),
            IntegrationChange::TimeoutMs(ms) => ("/timeoutInMillis", ms.to_string()),
        }
    }

    /// HTTP APIs: the `update-integration` option and value.
    fn option(self) -> (&'static str, String) {
        match self {
            IntegrationChange::Uri(uri) => ("--integration-uri", uri.to_string()),
            IntegrationChange::HttpMethod(verb) => ("--integration-method", verb.to_string()),
            IntegrationChange::TimeoutMs(ms) => ("--timeout-in-millis", ms.to_string()),
        }
    }
}

/// The id of the current integration of an HTTP API route (`GET /pets` or `$default`).
pub fn http_integration_id<'a>(api: &'a HttpApi, route: &RouteTarget<'_>) -> Option<&'a str> {
    let Invoker::Method { path, method, .. } = route.invoker else {
        return None;
    };
    let key = if route.is_default_route() {
        path.to_string()
    } else {
        format!("{method} {path}")
    };
    api.route(&key)?.integration_id()
}

/// The command that changes one setting of a route's integration.
pub fn update_integration(
    route: &RouteTarget<'_>,
    change: IntegrationChange<'_>,
    region: &str,
) -> Option<String> {
    let Invoker::Method { path, method, .. } = route.invoker else {
        return None;
    };
    Some(match route.api {
        ApiView::Rest(api) => {
            let (patch, value) = change.patch();
            format!(
                "aws apigateway update-integration --rest-api-id {} --resource-id {} \
                 --http-method {} --patch-operations op=replace,path={patch},value={} --region {}",
                sh(&api.id),
                sh(resource_id(api, path).unwrap_or("RESOURCE_ID")),
                sh(method),
                sh(&value),
                sh(region)
            )
        }
        ApiView::Http(api) => {
            let (option, value) = change.option();
            format!(
                "aws apigatewayv2 update-integration --api-id {} --integration-id {} {option} {} \
                 --region {}",
                sh(&api.id),
                sh(http_integration_id(api, route).unwrap_or("INTEGRATION_ID")),
                sh(&value),
                sh(region)
            )
        }
    })
}

/// The command that points an authorizer at another function URI.
pub fn update_authorizer_uri(
    api: ApiView<'_>,
    authorizer_id: &str,
    uri: &str,
    region: &str,
) -> String {
    match api {
        ApiView::Rest(api) => format!(
            "aws apigateway update-authorizer --rest-api-id {} --authorizer-id {} \
             --patch-operations op=replace,path=/authorizerUri,value={} --region {}",
            sh(&api.id),
            sh(authorizer_id),
            sh(uri),
            sh(region)
        ),
        ApiView::Http(api) => format!(
            "aws apigatewayv2 update-authorizer --api-id {} --authorizer-id {} \
             --authorizer-uri {} --region {}",
            sh(&api.id),
            sh(authorizer_id),
            sh(uri),
            sh(region)
        ),
    }
}

/// The command that sets one stage variable. `value` is written as given (a placeholder or a
/// shell-safe expression). HTTP APIs' `UpdateStage` merges the variables it is sent into the
/// stage's (terraform-provider-aws `internal/service/apigatewayv2/stage.go` sends only the changed
/// ones and removes a variable by sending ""), so one variable can be set alone, as with REST's
/// patch operation.
pub fn set_stage_variable(
    api: ApiView<'_>,
    stage: &str,
    name: &str,
    value: &str,
    region: &str,
) -> String {
    match api {
        ApiView::Rest(api) => format!(
            "aws apigateway update-stage --rest-api-id {} --stage-name {} \
             --patch-operations op=replace,path=/variables/{},value={value} --region {}",
            sh(&api.id),
            sh(stage),
            sh(name),
            sh(region)
        ),
        ApiView::Http(api) => format!(
            "aws apigatewayv2 update-stage --api-id {} --stage-name {} \
             --stage-variables {}={value} --region {}",
            sh(&api.id),
            sh(stage),
            sh(name),
            sh(region)
        ),
    }
}

/// The commands that make `stages` serve the current configuration, joined with `&&`; `None`
/// when none is needed. A REST stage serves a deployment snapshot, so each needs
/// `create-deployment`; an HTTP API stage with auto-deploy serves every change already
/// (docs/aws-facts.md §12.1), one without needs `create-deployment` like REST.
pub fn redeploy(api: ApiView<'_>, stages: &[String], region: &str) -> Option<String> {
    let commands: Vec<String> = match api {
        ApiView::Rest(api) => stages
            .iter()
            .map(|stage| {
                format!(
                    "aws apigateway create-deployment --rest-api-id {} --stage-name {} --region {}",
                    sh(&api.id),
                    sh(stage),
                    sh(region)
                )
            })
            .collect(),
        ApiView::Http(api) => stages
            .iter()
            .filter(|name| !auto_deploys(api, name))
            .map(|stage| {
                format!(
                    "aws apigatewayv2 create-deployment --api-id {} --stage-name {} --region {}",
                    sh(&api.id),
                    sh(stage),
                    sh(region)
                )
            })
            .collect(),
    };
    (!commands.is_empty()).then(|| commands.join(" && "))
}

/// `first && redeploy`, or `first` alone when no stage needs a deployment.
pub fn then_redeploy(first: String, api: ApiView<'_>, stages: &[String], region: &str) -> String {
    match redeploy(api, stages, region) {
        Some(deploy) => format!("{first} && {deploy}"),
        None => first,
    }
}

fn auto_deploys(api: &HttpApi, stage: &str) -> bool {
    api.stages
        .found()
        .and_then(|stages| stages.iter().find(|s| s.name == stage))
        .and_then(|s| s.auto_deploy)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::ScopeRoutes;
    use crate::testkit::*;

    #[test]
    fn http_commands_use_apigatewayv2_ids_and_options() {
        let mut manual = http_stage("prod", &[]);
        manual.auto_deploy = Some(false);
        let scope = scope()
            .http_api(
                http_api("h1", "orders")
                    .route("GET /orders", "orders")
                    .route("$default", "orders")
                    .stage("$default")
                    .stage_with(manual),
            )
            .build();
        let routes = ScopeRoutes::new(&scope);
        let default = routes
            .targets
            .iter()
            .find(|t| t.is_default_route())
            .unwrap();
        assert_eq!(
            update_integration(default, IntegrationChange::TimeoutMs(29000), "us-east-1").unwrap(),
            "aws apigatewayv2 update-integration --api-id h1 --integration-id int-2 \
             --timeout-in-millis 29000 --region us-east-1"
        );
        let api = default.api;
        // The `$default` stage deploys itself; `prod` does not.
        assert_eq!(
            redeploy(api, &["$default".into(), "prod".into()], "us-east-1").unwrap(),
            "aws apigatewayv2 create-deployment --api-id h1 --stage-name prod --region us-east-1"
        );
        assert_eq!(redeploy(api, &["$default".into()], "us-east-1"), None);
        assert_eq!(
            set_stage_variable(api, "$default", "fn", "EXISTING_VALUE", "us-east-1"),
            "aws apigatewayv2 update-stage --api-id h1 --stage-name '$default' \
             --stage-variables fn=EXISTING_VALUE --region us-east-1"
        );
        assert_eq!(
            update_authorizer_uri(api, "a1", "arn:x", "us-east-1"),
            "aws apigatewayv2 update-authorizer --api-id h1 --authorizer-id a1 \
             --authorizer-uri arn:x --region us-east-1"
        );
    }

    #[test]
    fn rest_commands_keep_their_patch_operations() {
        let scope = scope()
            .api(
                api("a1", "pets")
                    .route("GET", "/pets", "pets")
                    .stage("prod"),
            )
            .build();
        let routes = ScopeRoutes::new(&scope);
        let route = &routes.targets[0];
        assert_eq!(
            update_integration(route, IntegrationChange::HttpMethod("POST"), "us-east-1").unwrap(),
            "aws apigateway update-integration --rest-api-id a1 --resource-id res-1 \
             --http-method GET --patch-operations op=replace,path=/httpMethod,value=POST \
             --region us-east-1"
        );
        assert_eq!(
            redeploy(route.api, &["prod".into()], "us-east-1").unwrap(),
            "aws apigateway create-deployment --rest-api-id a1 --stage-name prod --region us-east-1"
        );
    }
}
