//! `stage-not-redeployed`: a stage serves a deployment whose Lambda integrations differ from
//! the API's current configuration — changes made and never deployed, or a stage left on an old
//! deployment. What the console shows is not what clients get.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::checks::shared::{api_ref, base_finding, error_finding, self};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{ApiResource, ApiView, Integration, Lookup};
use crate::report::{Finding, Severity, Status};
use crate::routes::is_lambda_proxy;

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
(deployed only) or `changed`, with both integrations. The other checks judge what the stage \
serves, so a broken integration that was fixed but never deployed is still reported.",
    why: "API Gateway serves a stage's deployment snapshot, not the resource tree the console \
and GetResources show: a fix that was never deployed does not reach clients, and a change that \
was never deployed will reach them with the next deployment, broken or not.",
    fix: "Deploy the current configuration to the stage (`aws apigateway create-deployment`), \
after checking that the current configuration is the one you want.",
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
        for api in &scope.apis {
            let (Some(current), Some(stages)) = (api.resources.found(), api.stages.found())
            else {
                continue;
            };
            for stage in stages {
                let Some(deployment) = stage.deployment_id.as_deref() else {
                    continue;
                };
                let finding = match api.deployments.get(deployment) {
                    None => continue,
                    Some(Lookup::Missing) => continue,
                    Some(Lookup::Failed(error)) => {
                        let what =
                            format!("stage {} of API {} ({})", stage.name, api.name, api.id);
                        error_finding(&CHECK, scope, error, &what)
                    }
                    Some(Lookup::Found(deployed)) => {
                        let differences = lambda_differences(current, deployed);
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
                            api.name,
                            api.id,
                            listed.join(", ")
                        );
                        Finding {
                            evidence: json!({"deployment_id": deployment, "differences": differences}),
                            remediation: shared::api_commands::redeploy(
                                ApiView::Rest(api),
                                std::slice::from_ref(&stage.name),
                                &scope.region,
                            ),
                            ..base_finding(&CHECK, scope, Status::Fail, message)
                        }
                    }
                };
                let mut finding = finding;
                finding.api = Some(api_ref(ApiView::Rest(api)));
                finding.stages = vec![stage.name.clone()];
                finding.fingerprint = finding.compute_fingerprint();
                findings.push(finding);
            }
        }
    }
    findings
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
}

impl From<&Integration> for Summary {
    fn from(i: &Integration) -> Self {
        Summary {
            kind: i.kind.to_ascii_uppercase(),
            http_method: i.http_method.clone(),
            uri: i.uri.clone(),
            credentials: i.credentials.clone(),
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
    fn lambda_methods(resources: &[ApiResource]) -> BTreeMap<(String, String), Summary> {
        resources
            .iter()
            .flat_map(|r| r.methods.iter().map(move |m| (r, m)))
            .filter_map(|(r, m)| {
                let integration = m.integration.as_ref().filter(|i| is_lambda_proxy(i))?;
                Some((
                    (r.path.clone(), m.http_method.to_ascii_uppercase()),
                    integration.into(),
                ))
            })
            .collect()
    }
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
}
