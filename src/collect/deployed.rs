//! What each stage serves: one `GetExport` (`oas30`, `extensions=integrations`) per distinct
//! deployment that a stage of an API points at — stages sharing a deployment share its
//! snapshot, so one export serves them all. Only with `collect.integrations = "deployed"`.

use aws_sdk_apigateway::Client;

use crate::aws::{translate, CallGate, Operation};
use crate::collect::export::parse_export;
use crate::inventory::{ApiResource, CollectionError, Lookup, RestApi};

/// The exports an API needs once its stages are read: `(deployment id, a stage serving it)`,
/// one per distinct deployment. None when its resources or stages could not be read: there is
/// nothing to compare what a stage serves with.
pub fn exports_to_read(api: &RestApi) -> Vec<(String, String)> {
    let (Some(stages), Some(_)) = (api.stages.found(), api.resources.found()) else {
        return Vec::new();
    };
    let mut jobs: Vec<(String, String)> = Vec::new();
    for stage in stages {
        let Some(deployment) = &stage.deployment_id else {
            continue;
        };
        if !jobs.iter().any(|(d, _)| d == deployment) {
            jobs.push((deployment.clone(), stage.name.clone()));
        }
    }
    jobs
}

/// What the deployment that `stage` of `api` serves holds.
pub async fn export(
    client: &Client,
    gate: &CallGate,
    (account, region): (&str, &str),
    api: &RestApi,
    stage: &str,
) -> Lookup<Vec<ApiResource>> {
    let resource = format!("{}/{stage}", api.id);
    let output = gate
        .send(Operation::ApiGatewayGetExport, || {
            client
                .get_export()
                .rest_api_id(&api.id)
                .stage_name(stage)
                .export_type("oas30")
                .parameters("extensions", "integrations")
                .accepts("application/json")
                .send()
        })
        .await;
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            return Lookup::Failed(translate(&e).into_error(
                (account, region),
                Operation::ApiGatewayGetExport,
                &resource,
            ))
        }
    };
    let authorizers = api.authorizers.found().map(Vec::as_slice).unwrap_or(&[]);
    let parsed = output
        .body()
        .ok_or_else(|| "the export has no body".to_string())
        .and_then(|body| {
            serde_json::from_slice(body.as_ref())
                .map_err(|e| format!("the export is not JSON: {e}"))
        })
        .and_then(|document| parse_export(&document, authorizers));
    match parsed {
        Ok(resources) => Lookup::Found(resources),
        Err(message) => Lookup::Failed(CollectionError {
            account: account.to_string(),
            region: region.to_string(),
            operation: Operation::ApiGatewayGetExport.name().to_string(),
            resource,
            code: "MalformedExport".to_string(),
            message,
        }),
    }
}
