//! `stage-not-redeployed`: a stage serves a deployment whose Lambda integrations differ from
//! the API's current configuration — changes made and never deployed, or a stage left on an old
//! deployment. What the console shows is not what clients get.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::checks::shared::{api_ref, base_finding, error_finding, self};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{
    ApiResource, ApiView, HttpIntegration, HttpRoute, Integration, Lookup, Method, Stage,
};
use crate::report::{Finding, Severity, Status};
use crate::routes::{is_http_lambda_proxy, is_lambda_proxy};

pub static CHECK: Check = Check {
    id: CheckId::new("stage-not-redeployed"),
    title: "A stage serves Lambda integrations that differ from the current configuration",
    severity: Severity::Low,
    resource: ResourceKind::Stage,
    client_status: None,
    checks: "With `collect.integrations = \"deployed\"` (the default), the deployment each stage \
serves is read with GetExport (oas30, extensions=integrations) and its AWS_PROXY Lambda \
integrations are compared, method by method (verb as configured, template path), with the \
current ones from GetResources: type, integration HTTP method, URI and credentials. \
evidence.differences lists each method that is `not-deployed` (current only), `removed` \
(deployed only) or `changed`, with both integrations. HTTP APIs: each stage without auto-deploy \
is read with ExportApi (OAS30, with extensions, the stage's name) and compared route key by route \
key (the `$default` route is method ANY of path `$default`), the payload format version too; a \
stage with auto-deploy serves the current configuration. The other checks judge what the stage \
serves, so a broken integration that was fixed but never deployed is still reported.",
    why: "API Gateway serves a stage's deployment snapshot, not the resource tree the console \
and GetResources show: a fix that was never deployed does not reach clients, and a change that \
was never deployed will reach them with the next deployment, broken or not.",
    fix: "Deploy the current configuration to the stage (`aws apigateway create-deployment`; \
`aws apigatewayv2 create-deployment --api-id A --stage-name S` for an HTTP API, or turn on \
auto-deploy with `aws apigatewayv2 update-stage --auto-deploy`), after checking that the current \
configuration is the one you want.",
    limits: "Only Lambda proxy integrations are compared (not request/response mappings, \
authorizers, models or other integration types); timeouts are not compared. With \
`collect.integrations = \"current\"` nothing is read and the check is silent. A stage whose \
export cannot be read gets an `error` finding and the other checks judge its current \
configuration instead.",
    input: Input::Deployments,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        for api in scope.all_apis() {
            for (stage, deployment, served) in served_deployments(api) {
                let finding = match served {
                    Lookup::Missing => continue,
                    Lookup::Failed(error) => {
                        let what = format!(
                            "stage {} of API {} ({})",
                            stage.name,
                            api.name(),
                            api.id()
                        );
                        error_finding(&CHECK, scope, &error, &what)
                    }
                    Lookup::Found(differences) => {
                        if differences.is_empty() {
                            continue;
                        }
                        let listed: Vec<String> = differences
                            .iter()
                            .map(|d| format!("{} {} ({})", d.method, d.path, d.change.as_str()))
                            .collect();
                        let message = format!(
                            "Stage {} of API {} ({}) serves deployment {deployment}, whose Lambda \
integrations differ from the current configuration: {}; clients get the deployed ones",
                            stage.name,
                            api.name(),
                            api.id(),
                            listed.join(", ")
                        );
                        Finding {
                            evidence: json!({"deployment_id": deployment, "differences": differences}),
                            remediation: shared::api_commands::redeploy(
                                api,
                                std::slice::from_ref(&stage.name),
                                &scope.region,
                            ),
                            ..base_finding(&CHECK, scope, Status::Fail, message)
                        }
                    }
                };
                let mut finding = finding;
                finding.api = Some(api_ref(api));
                finding.stages = vec![stage.name.clone()];
                finding.fingerprint = finding.compute_fingerprint();
                findings.push(finding);
            }
        }
    }
    findings
}

/// Each stage of an API that serves a deployment the audit read, with that deployment's id and
/// its differences from the current configuration (or why it could not be read). HTTP API
/// stages with auto-deploy serve the current configuration (docs/aws-facts.md §12.1) and are
/// never listed.
fn served_deployments(api: ApiView<'_>) -> Vec<(&Stage, &str, Lookup<Vec<Difference>>)> {
    let Some(stages) = api.stages().found() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for stage in stages {
        let Some(deployment) = stage.deployment_id.as_deref() else {
            continue;
        };
        let served = match api {
            ApiView::Rest(api) => {
                let Some(current) = api.resources.found() else {
                    continue;
                };
                match api.deployments.get(deployment) {
                    None => continue,
                    Some(Lookup::Found(deployed)) => {
                        Lookup::Found(lambda_differences(current, deployed))
                    }
                    Some(Lookup::Missing) => Lookup::Missing,
                    Some(Lookup::Failed(error)) => Lookup::Failed(error.clone()),
                }
            }
            ApiView::Http(api) => {
                if stage.auto_deploy.unwrap_or(false) {
                    continue;
                }
                let (Some(routes), Some(integrations)) =
                    (api.routes.found(), api.integrations.found())
                else {
                    continue;
                };
                match api.deployments.get(deployment) {
                    None => continue,
                    Some(Lookup::Found(deployed)) => Lookup::Found(differences_with(
                        &http_resources(routes, integrations),
                        &http_resources(&deployed.routes, &deployed.integrations),
                        is_http_lambda_proxy,
                    )),
                    Some(Lookup::Missing) => Lookup::Missing,
                    Some(Lookup::Failed(error)) => Lookup::Failed(error.clone()),
                }
            }
        };
        out.push((stage, deployment, served));
    }
    out
}

/// An HTTP API's routes as REST-shaped resources, so both kinds are compared alike: `GET /x` is
/// method `GET` of path `/x`, the `$default` route is method `ANY` of path `$default`.
fn http_resources(routes: &[HttpRoute], integrations: &[HttpIntegration]) -> Vec<ApiResource> {
    let mut resources: Vec<ApiResource> = Vec::new();
    for route in routes {
        let (method, path) = route.method_and_path();
        let integration = route
            .integration_id()
            .and_then(|id| integrations.iter().find(|i| i.id == id))
            .map(|i| i.integration.clone());
        let method = Method {
            http_method: method.to_string(),
            authorization_type: route.authorization_type.clone(),
            authorizer_id: route.authorizer_id.clone(),
            integration,
        };
        match resources.iter_mut().find(|r| r.path == path) {
            Some(resource) => resource.methods.push(method),
            None => resources.push(ApiResource {
                id: String::new(),
                path: path.to_string(),
                methods: vec![method],
            }),
        }
    }
    resources
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// In the current configuration only: not deployed yet.
    NotDeployed,
    /// In the deployment only: removed (or no longer a Lambda proxy) since.
    Removed,
    /// On both sides, with different settings.
    Changed,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::NotDeployed => "not deployed",
            Change::Removed => "removed since",
            Change::Changed => "changed since",
        }
    }
}

/// The integration settings that decide which Lambda function is invoked and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub kind: String,
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub credentials: Option<String>,
    /// HTTP APIs only: which event the function gets and which output rules apply (§12.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_format_version: Option<String>,
}

impl From<&Integration> for Summary {
    fn from(i: &Integration) -> Self {
        Summary {
            kind: i.kind.to_ascii_uppercase(),
            http_method: i.http_method.clone(),
            uri: i.uri.clone(),
            credentials: i.credentials.clone(),
            payload_format_version: i.payload_format_version.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub method: String,
    pub path: String,
    pub change: Change,
    pub current: Option<Summary>,
    pub deployed: Option<Summary>,
}

/// Methods whose Lambda proxy integration differs between the current resources and a
/// deployment's, in (path, method) order. A method counts when it is a Lambda proxy on either
/// side.
pub fn lambda_differences(current: &[ApiResource], deployed: &[ApiResource]) -> Vec<Difference> {
    differences_with(current, deployed, is_lambda_proxy)
}

/// [`lambda_differences`] with the test of what a Lambda proxy integration is (REST and HTTP
/// APIs accept different URI forms).
fn differences_with(
    current: &[ApiResource],
    deployed: &[ApiResource],
    is_lambda: fn(&Integration) -> bool,
) -> Vec<Difference> {
    let lambda_methods = |resources: &[ApiResource]| -> BTreeMap<(String, String), Summary> {
        resources
            .iter()
            .flat_map(|r| r.methods.iter().map(move |m| (r, m)))
            .filter_map(|(r, m)| {
                let integration = m.integration.as_ref().filter(|i| is_lambda(i))?;
                Some((
                    (r.path.clone(), m.http_method.to_ascii_uppercase()),
                    integration.into(),
                ))
            })
            .collect()
    };
    fn any_integration(resources: &[ApiResource], key: &(String, String)) -> Option<Summary> {
        resources
            .iter()
            .filter(|r| r.path == key.0)
            .flat_map(|r| &r.methods)
            .find(|m| m.http_method.eq_ignore_ascii_case(&key.1))
            .and_then(|m| m.integration.as_ref())
            .map(Summary::from)
    }
    let now = lambda_methods(current);
    let then = lambda_methods(deployed);
    let mut keys: Vec<&(String, String)> = now.keys().chain(then.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (change, current, deployed) = match (now.get(key), then.get(key)) {
                (Some(a), Some(b)) if a == b => return None,
                (Some(a), Some(b)) => (Change::Changed, Some(a.clone()), Some(b.clone())),
                // A Lambda proxy now, something else (or nothing) in the deployment.
                (Some(a), None) => match any_integration(deployed, key) {
                    Some(other) => (Change::Changed, Some(a.clone()), Some(other)),
                    None => (Change::NotDeployed, Some(a.clone()), None),
                },
                (None, Some(b)) => match any_integration(current, key) {
                    Some(other) => (Change::Changed, Some(other), Some(b.clone())),
                    None => (Change::Removed, None, Some(b.clone())),
                },
                (None, None) => return None,
            };
            Some(Difference {
                path: key.0.clone(),
                method: key.1.clone(),
                change,
                current,
                deployed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{ApiResource, Method, RestApi};
    use crate::testkit::*;

    const API: &str = "a1b2c3d4e5";

    fn resources(api: RestApi) -> Vec<ApiResource> {
        api.resources.found().cloned().unwrap()
    }

    #[test]
    fn comparison_finds_added_removed_and_changed_lambda_methods() {
        let current = resources(
            api(API, "pets")
                .route("GET", "/pets", "pets-list")
                .route("GET", "/pets/{id}", "pets-get:live")
                .route("POST", "/pets", "pets-create")
                .build(),
        );
        let deployed = resources(
            api(API, "pets")
                .route("GET", "/pets", "pets-list")
                .route("GET", "/pets/{id}", "pets-get:v1")
                .route("DELETE", "/pets/{id}", "pets-delete")
                .build(),
        );
        let differences = lambda_differences(&current, &deployed);
        let summary: Vec<(&str, &str, Change)> = differences
            .iter()
            .map(|d| (d.method.as_str(), d.path.as_str(), d.change))
            .collect();
        assert_eq!(
            summary,
            [
                ("POST", "/pets", Change::NotDeployed),
                ("DELETE", "/pets/{id}", Change::Removed),
                ("GET", "/pets/{id}", Change::Changed),
            ]
        );
        assert!(differences[2]
            .deployed
            .as_ref()
            .unwrap()
            .uri
            .as_deref()
            .unwrap()
            .contains("pets-get:v1"));
    }

    #[test]
    fn identical_configurations_and_non_lambda_methods_do_not_differ() {
        let current = resources(api(API, "pets").route("GET", "/pets", "pets-list").build());
        assert!(lambda_differences(&current, &current).is_empty());
        // Export reads `aws_proxy` and upper-cases it; the comparison ignores the case of the type.
        let mut lower = current.clone();
        lower[0].methods[0].integration.as_mut().unwrap().kind = "aws_proxy".into();
        assert!(lambda_differences(&current, &lower).is_empty());
        // A MOCK method changed is not a Lambda integration on either side.
        let mock = |template: &str| {
            let mut i = proxy_integration("x");
            i.kind = "MOCK".into();
            i.uri = Some(template.into());
            Method {
                http_method: "OPTIONS".into(),
                authorization_type: None,
                authorizer_id: None,
                integration: Some(i),
            }
        };
        let a = resources(api(API, "p").method("/pets", mock("a")).build());
        let b = resources(api(API, "p").method("/pets", mock("b")).build());
        assert!(lambda_differences(&a, &b).is_empty());
        // A Lambda proxy that was a MOCK in the deployment is a change, not an addition.
        let c = resources(
            api(API, "p")
                .method(
                    "/pets",
                    Method {
                        http_method: "OPTIONS".into(),
                        ..mock("a")
                    },
                )
                .build(),
        );
        let mut lambda = c.clone();
        lambda[0].methods[0].integration = Some(proxy_integration("pets-list"));
        assert_eq!(lambda_differences(&lambda, &c)[0].change, Change::Changed);
        // The credentials are part of what is compared.
        let mut with_role = current.clone();
        with_role[0].methods[0]
            .integration
            .as_mut()
            .unwrap()
            .credentials = Some("arn:aws:iam::123456789012:role/r".into());
        assert_eq!(
            lambda_differences(&with_role, &current)[0].change,
            Change::Changed
        );
    }

    /// GET /pets now calls `pets-list:live` on stages prod and dev; prod's deployment still
    /// serves `pets-list:v1`. Returns (current, served).
    fn prod_serving_v1() -> (RestApi, RestApi) {
        let current_api = api(API, "pets")
            .route("GET", "/pets", "pets-list:live")
            .stage("prod")
            .stage("dev")
            .build();
        let mut served = current_api.clone();
        let old = resources(
            api(API, "pets")
                .route("GET", "/pets", "pets-list:v1")
                .build(),
        );
        served
            .deployments
            .insert("dep-prod".into(), Lookup::Found(old));
        (current_api, served)
    }

    #[test]
    fn one_finding_per_stage_that_differs() {
        // prod still serves v1; dev was redeployed.
        let (current_api, mut served) = prod_serving_v1();
        served.deployments.insert(
            "dep-dev".into(),
            Lookup::Found(resources(current_api.clone())),
        );
        let inventory = scope()
            .api(served)
            .target(target("pets-list:v1", API))
            .target(target("pets-list:live", API))
            .inventory();
        let findings = run_check(&CHECK, &inventory);
        let finding = only(&findings);
        assert_eq!(finding.stages, vec!["prod"]);
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(finding.evidence["differences"][0]["change"], "changed");
        assert_eq!(finding.evidence["deployment_id"], "dep-prod");
        assert_eq!(
            finding.remediation.as_deref(),
            Some("aws apigateway create-deployment --rest-api-id a1b2c3d4e5 --stage-name prod --region us-east-1")
        );
        assert!(
            finding.message.contains("GET /pets (changed since)"),
            "{}",
            finding.message
        );

        // Current mode: no deployment read, nothing to say.
        let inventory = scope().api(current_api.clone()).inventory();
        assert!(run_check(&CHECK, &inventory).is_empty());

        // The export failed: an error finding for the stage.
        let mut failed = current_api;
        failed.deployments.insert(
            "dep-prod".into(),
            Lookup::Failed(access_denied("apigateway:GetExport", "a1b2c3d4e5/prod")),
        );
        let findings = run_check(&CHECK, &scope().api(failed).inventory());
        assert_eq!(only(&findings).status, Status::Error);
        assert_eq!(only(&findings).stages, vec!["prod"]);
    }

    #[test]
    fn the_other_checks_judge_what_the_stage_serves() {
        // The current configuration was fixed to an alias with permission; prod still serves
        // the old alias, which has none: invoke-permission-missing reports prod only.
        let (_, served) = prod_serving_v1();
        let mut v1 = target("pets-list:v1", API);
        v1.policy = Lookup::Missing;
        let inventory = scope()
            .api(served)
            .target(v1)
            .target(target("pets-list:live", API))
            .inventory();
        let findings = run_check(&crate::checks::invoke_permission_missing::CHECK, &inventory);
        let finding = only(&findings);
        assert_eq!(finding.stages, vec!["prod"]);
        assert!(finding.function.as_deref().unwrap().ends_with(":v1"));
    }

    /// An HTTP API stage without auto-deploy serves its deployment (ExportApi); an auto-deploy
    /// stage serves the current configuration and is never compared.
    #[test]
    fn http_stages_without_auto_deploy_are_compared_with_their_export() {
        use crate::inventory::HttpDeployment;
        let mut api = http_api("h1", "orders")
            .route("GET /orders", "orders-v2")
            .route("$default", "site")
            .stage("live")
            .build();
        let mut manual = http_stage("manual", &[]);
        manual.auto_deploy = Some(false);
        manual.deployment_id = Some("dep-1".into());
        if let Lookup::Found(stages) = &mut api.stages {
            stages.push(manual);
        }
        // The deployment still has GET /orders on orders-v1 with payload 1.0, and no $default.
        let mut old = http_integration("orders-v1");
        old.payload_format_version = Some("1.0".into());
        api.deployments.insert(
            "dep-1".into(),
            Lookup::Found(HttpDeployment {
                routes: vec![api.routes.found().unwrap()[0].clone()],
                integrations: vec![crate::inventory::HttpIntegration {
                    id: "int-1".into(),
                    integration: old,
                }],
            }),
        );
        let inv = scope().http_api(api).inventory();
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.stages, vec!["manual"]);
        let differences = f.evidence["differences"].as_array().unwrap();
        assert_eq!(differences.len(), 2, "{differences:#?}");
        assert_eq!(differences[0]["path"], "$default");
        assert_eq!(differences[0]["change"], "not-deployed");
        assert_eq!(differences[1]["path"], "/orders");
        assert_eq!(differences[1]["deployed"]["payload_format_version"], "1.0");
        assert_eq!(
            f.remediation.as_deref(),
            Some("aws apigatewayv2 create-deployment --api-id h1 --stage-name manual --region us-east-1")
        );
    }
}
