//! What each stage serves: one `GetExport` (`oas30`, `extensions=integrations`) per distinct
//! deployment that a stage of an API points at — stages sharing a deployment share its
//! snapshot, so one export serves them all. Only with `collect.integrations = "deployed"`.

use aws_sdk_apigateway::Client;
use serde_json::Value;

use crate::aws::{translate, CallFailure, CallGate, Operation};
use crate::collect::export::parse_export;
use crate::inventory::{ApiResource, CollectionError, Lookup, RestApi, Stage};

/// The exports an API needs once its stages are read: `(deployment id, a stage serving it)`,
/// one per distinct deployment. None when its resources or stages could not be read: there is
/// nothing to compare what a stage serves with.
pub fn exports_to_read(api: &RestApi) -> Vec<(String, String)> {
    let (Some(stages), Some(_)) = (api.stages.found(), api.resources.found()) else {
        return Vec::new();
    };
    distinct_deployments(stages)
}

/// `(deployment id, the first stage serving it)` for each distinct deployment of `stages`.
pub fn distinct_deployments<'a>(
    stages: impl IntoIterator<Item = &'a Stage>,
) -> Vec<(String, String)> {
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
    let authorizers = api.authorizers.found().map(Vec::as_slice).unwrap_or(&[]);
    let body = match &output {
        Ok(output) => Ok(output.body().map(|b| b.as_ref())),
        Err(e) => Err(translate(e)),
    };
    let read = (account, region, Operation::ApiGatewayGetExport, resource);
    export_lookup(read, body, |document| {
        let mut resources = parse_export(document, authorizers)?;
        if let Some(live) = api.resources.found() {
            fill_transfer_modes(&mut resources, live);
        }
        Ok(resources)
    })
}

/// An export's outcome: the failed call, a body that is missing, not JSON or not an export
/// `parse` can read (`MalformedExport`), or what `parse` read. REST (`GetExport`) and HTTP APIs
/// (`ExportApi`) alike.
pub fn export_lookup<T>(
    (account, region, operation, resource): (&str, &str, Operation, String),
    body: Result<Option<&[u8]>, CallFailure>,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Lookup<T> {
    let body = match body {
        Ok(body) => body,
        Err(failure) => {
            return Lookup::Failed(failure.into_error((account, region), operation, &resource))
        }
    };
    let parsed = body
        .ok_or_else(|| "the export has no body".to_string())
        .and_then(|body| {
            serde_json::from_slice(body).map_err(|e| format!("the export is not JSON: {e}"))
        })
        .and_then(|document| parse(&document));
    match parsed {
        Ok(read) => Lookup::Found(read),
        Err(message) => Lookup::Failed(CollectionError {
            account: account.to_string(),
            region: region.to_string(),
            operation: operation.name().to_string(),
            resource,
            code: "MalformedExport".to_string(),
            message,
        }),
    }
}

/// Gives an exported integration without `responseTransferMode` the mode of the live integration
/// of the same method, when that integration is unchanged (same type and URI). OpenAPI imports
/// take `responseTransferMode` (docs/aws-facts.md §11.1), but whether GetExport writes it for a
/// deployed STREAM method is not documented (ministack's export leaves it out); without this, a
/// streaming route missing from the export would be judged buffered — a confident wrong answer.
/// An export that does write the field is taken as it is.
fn fill_transfer_modes(exported: &mut [ApiResource], live: &[ApiResource]) {
    for resource in exported {
        let Some(live_resource) = live.iter().find(|r| r.path == resource.path) else {
            continue;
        };
        for method in &mut resource.methods {
            let Some(integration) = method.integration.as_mut() else {
                continue;
            };
            if integration.response_transfer_mode.is_some() {
                continue;
            }
            let same = live_resource
                .methods
                .iter()
                .find(|m| m.http_method == method.http_method)
                .and_then(|m| m.integration.as_ref())
                .filter(|l| l.kind == integration.kind && l.uri == integration.uri);
            if let Some(live_integration) = same {
                integration.response_transfer_mode =
                    live_integration.response_transfer_mode.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Integration, Method};

    fn resource(path: &str, uri: &str, mode: Option<&str>) -> ApiResource {
        ApiResource {
            id: "r1".into(),
            path: path.into(),
            methods: vec![Method {
                http_method: "GET".into(),
                authorization_type: None,
                authorizer_id: None,
                integration: Some(Integration {
                    kind: "AWS_PROXY".into(),
                    http_method: Some("POST".into()),
                    uri: Some(uri.into()),
                    credentials: None,
                    timeout_ms: None,
                    payload_format_version: None,
                    response_transfer_mode: mode.map(str::to_string),
                    request_parameters: Default::default(),
                }),
            }],
        }
    }

    fn mode(resources: &[ApiResource]) -> Option<&str> {
        resources[0].methods[0]
            .integration
            .as_ref()
            .and_then(|i| i.response_transfer_mode.as_deref())
    }

    #[test]
    fn an_export_without_the_mode_takes_the_live_mode_of_the_same_integration() {
        let mut exported = vec![resource("/feed", "uri-a", None)];
        fill_transfer_modes(&mut exported, &[resource("/feed", "uri-a", Some("STREAM"))]);
        assert_eq!(mode(&exported), Some("STREAM"));
    }

    #[test]
    fn a_changed_integration_or_an_exported_mode_is_left_as_exported() {
        // The live integration points elsewhere: not the deployed one, nothing borrowed.
        let mut exported = vec![resource("/feed", "uri-a", None)];
        fill_transfer_modes(&mut exported, &[resource("/feed", "uri-b", Some("STREAM"))]);
        assert_eq!(mode(&exported), None);
        // The export says BUFFERED: it wins over the live STREAM.
        let mut exported = vec![resource("/feed", "uri-a", Some("BUFFERED"))];
        fill_transfer_modes(&mut exported, &[resource("/feed", "uri-a", Some("STREAM"))]);
        assert_eq!(mode(&exported), Some("BUFFERED"));
    }
}
