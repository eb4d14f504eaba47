//! What each stage serves: one `GetExport` (`oas30`, `extensions=integrations`) per distinct
//! deployment that a stage of an API points at — stages sharing a deployment share its
//! snapshot, so one export serves them all. Only with `collect.integrations = "deployed"`.

use std::collections::BTreeMap;

use aws_sdk_apigateway::Client;
use futures::stream::{self, StreamExt};

use crate::aws::{translate, CallGate, Operation};
use crate::collect::export::parse_export;
use crate::inventory::{ApiResource, CollectionError, Lookup, RestApi};

/// What one deployment serves, as collected.
type Served = Lookup<Vec<ApiResource>>;

/// Reads the deployments the stages of `apis` serve into each API's `deployments`.
pub async fn collect_deployments(
    client: &Client,
    gate: &CallGate,
    (account, region): (&str, &str),
    apis: &mut [RestApi],
    concurrency: usize,
) {
    // (api index, deployment id, a stage serving it)
    let mut jobs: Vec<(usize, String, String)> = Vec::new();
    for (index, api) in apis.iter().enumerate() {
        let (Some(stages), Some(_)) = (api.stages.found(), api.resources.found()) else {
            continue;
        };
        for stage in stages {
            let Some(deployment) = &stage.deployment_id else {
                continue;
            };
            if !jobs.iter().any(|(i, d, _)| *i == index && d == deployment) {
                jobs.push((index, deployment.clone(), stage.name.clone()));
            }
        }
    }
    let apis_ref: &[RestApi] = apis;
    let results: Vec<(usize, String, Served)> = stream::iter(jobs)
        .map(|(index, deployment, stage)| async move {
            let api = &apis_ref[index];
            let served = export(client, gate, (account, region), api, &stage).await;
            (index, deployment, served)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut by_api: BTreeMap<usize, Vec<(String, Served)>> = BTreeMap::new();
    for (index, deployment, served) in results {
        by_api.entry(index).or_default().push((deployment, served));
    }
    for (index, served) in by_api {
        apis[index].deployments.extend(served);
    }
}

async fn export(
    client: &Client,
    gate: &CallGate,
    (account, region): (&str, &str),
    api: &RestApi,
    stage: &str,
) -> Lookup<Vec<ApiResource>> {
    let resource = format!("{}/{stage}", api.id);
    gate.admit(Operation::ApiGatewayGetExport).await;
    let output = client
        .get_export()
        .rest_api_id(&api.id)
        .stage_name(stage)
        .export_type("oas30")
        .parameters("extensions", "integrations")
        .accepts("application/json")
        .send()
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
