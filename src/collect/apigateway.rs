//! Collection of REST APIs: `GetRestApis`, then per API `GetResources?embed=methods`,
//! `GetStages` and `GetAuthorizers`, every page followed (docs/aws-facts.md §7). The pipeline
//! (`pipeline.rs`) reads the APIs concurrently.

use std::future::Future;

use aws_sdk_apigateway::Client;

use crate::aws::{translate, CallFailure, CallGate, Operation};
use crate::inventory::{
    ApiResource, Authorizer, CollectionError, Integration, Lookup, Method, MethodSetting, RestApi,
    Stage,
};

/// What API collection needs: a client, the scope's call gate and the page size.
pub struct ApiGatewayCollector<'a> {
    pub client: &'a Client,
    pub gate: &'a CallGate,
    pub account: &'a str,
    pub region: &'a str,
    pub page_size: i32,
}

/// What `GetRestApis` says of one API.
pub struct ApiSummary {
    id: String,
    name: String,
    endpoint_types: Vec<String>,
}

impl ApiGatewayCollector<'_> {
    fn error(&self, operation: Operation, resource: &str, failure: CallFailure) -> CollectionError {
        failure.into_error((self.account, self.region), operation, resource)
    }

    /// The id, name and endpoint types of every REST API; the bool in the error says the
    /// endpoint was unreachable.
    pub async fn list_apis(&self) -> Result<Vec<ApiSummary>, (CollectionError, bool)> {
        follow_pages(|position| async move {
            let page = self
                .gate
                .send(Operation::ApiGatewayGetRestApis, || {
                    self.client
                        .get_rest_apis()
                        .limit(self.page_size)
                        .set_position(position.clone())
                        .send()
                })
                .await
                .map_err(|e| translate(&e))?;
            let apis = page
                .items()
                .iter()
                .filter_map(|api| {
                    let id = api.id()?;
                    Some(ApiSummary {
                        id: id.to_string(),
                        name: api.name().unwrap_or(id).to_string(),
                        endpoint_types: api
                            .endpoint_configuration()
                            .map(|c| c.types().iter().map(|t| t.as_str().to_string()).collect())
                            .unwrap_or_default(),
                    })
                })
                .collect();
            Ok((apis, page.position().map(str::to_string)))
        })
        .await
        .map_err(|failure| {
            let unreachable = failure.unreachable;
            (
                self.error(Operation::ApiGatewayGetRestApis, "*", failure),
                unreachable,
            )
        })
    }

    /// One API's resources, stages and authorizers, read at once.
    pub async fn collect_api(&self, summary: ApiSummary) -> RestApi {
        let id = summary.id;
        let (resources, stages, authorizers) =
            futures::join!(self.resources(&id), self.stages(&id), self.authorizers(&id));
        RestApi {
            id,
            name: summary.name,
            resources,
            stages,
            authorizers,
            deployments: Default::default(),
            endpoint_types: summary.endpoint_types,
        }
    }

    async fn resources(&self, api_id: &str) -> Lookup<Vec<ApiResource>> {
        let operation = Operation::ApiGatewayGetResources;
        let result = follow_pages(|position| async move {
            let page = self
                .gate
                .send(operation, || {
                    self.client
                        .get_resources()
                        .rest_api_id(api_id)
                        .embed("methods")
                        .limit(self.page_size)
                        .set_position(position.clone())
                        .send()
                })
                .await
                .map_err(|e| translate(&e))?;
            let resources = page.items().iter().map(convert_resource).collect();
            Ok((resources, page.position().map(str::to_string)))
        })
        .await;
        match result {
            Ok(mut resources) => {
                resources.sort_by(|a: &ApiResource, b: &ApiResource| a.path.cmp(&b.path));
                Lookup::Found(resources)
            }
            Err(failure) => Lookup::Failed(self.error(operation, api_id, failure)),
        }
    }

    async fn stages(&self, api_id: &str) -> Lookup<Vec<Stage>> {
        let output = self
            .gate
            .send(Operation::ApiGatewayGetStages, || {
                self.client.get_stages().rest_api_id(api_id).send()
            })
            .await;
        match output {
            Ok(output) => {
                // GetStages answers in `item` (singular) and is not paginated.
                let mut stages: Vec<Stage> = output
                    .item()
                    .iter()
                    .filter_map(|s| {
                        Some(Stage {
                            name: s.stage_name()?.to_string(),
                            deployment_id: s.deployment_id().map(str::to_string),
                            variables: s
                                .variables()
                                .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                                .unwrap_or_default(),
                            method_settings: s
                                .method_settings()
                                .map(|settings| {
                                    settings
                                        .iter()
                                        .map(|(key, m)| {
                                            let setting = MethodSetting {
                                                logging_level: m
                                                    .logging_level()
                                                    .map(str::to_string),
                                                data_trace_enabled: m.data_trace_enabled(),
                                                metrics_enabled: m.metrics_enabled(),
                                            };
                                            (key.clone(), setting)
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                            auto_deploy: None,
                            access_log: None,
                        })
                    })
                    .collect();
                stages.sort_by(|a, b| a.name.cmp(&b.name));
                Lookup::Found(stages)
            }
            Err(e) => {
                Lookup::Failed(self.error(Operation::ApiGatewayGetStages, api_id, translate(&e)))
            }
        }
    }

    async fn authorizers(&self, api_id: &str) -> Lookup<Vec<Authorizer>> {
        let operation = Operation::ApiGatewayGetAuthorizers;
        let result = follow_pages(|position| async move {
            let page = self
                .gate
                .send(operation, || {
                    self.client
                        .get_authorizers()
                        .rest_api_id(api_id)
                        .limit(self.page_size)
                        .set_position(position.clone())
                        .send()
                })
                .await
                .map_err(|e| translate(&e))?;
            let authorizers = page
                .items()
                .iter()
                .filter_map(|a| {
                    Some(Authorizer {
                        id: a.id()?.to_string(),
                        name: a.name().unwrap_or_default().to_string(),
                        kind: a
                            .r#type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        uri: a.authorizer_uri().map(str::to_string),
                        credentials: a.authorizer_credentials().map(str::to_string),
                    })
                })
                .collect();
            Ok((authorizers, page.position().map(str::to_string)))
        })
        .await;
        match result {
            Ok(authorizers) => Lookup::Found(authorizers),
            Err(failure) => Lookup::Failed(self.error(operation, api_id, failure)),
        }
    }
}

/// Follows every page of a paginated call, REST (`position`) or HTTP API (`nextToken`). `fetch`
/// sends one page through the call gate: it gets the token to send and returns the page's items
/// and the next token.
pub(crate) async fn follow_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, CallFailure>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), CallFailure>>,
{
    let mut items = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let (page, next) = fetch(position.clone()).await?;
        items.extend(page);
        position = next_position(next.as_deref(), position.as_deref());
        if position.is_none() {
            return Ok(items);
        }
    }
}

/// The next page token, or `None` at the end. A token equal to the one just sent would loop
/// forever; treat it as the end rather than trusting the service blindly.
fn next_position(returned: Option<&str>, sent: Option<&str>) -> Option<String> {
    match returned {
        Some(p) if !p.is_empty() && Some(p) != sent => Some(p.to_string()),
        _ => None,
    }
}

fn convert_resource(resource: &aws_sdk_apigateway::types::Resource) -> ApiResource {
    let mut methods: Vec<Method> = resource
        .resource_methods()
        .map(|methods| {
            methods
                .iter()
                .map(|(verb, m)| Method {
                    http_method: m.http_method().unwrap_or(verb).to_string(),
                    authorization_type: m.authorization_type().map(str::to_string),
                    authorizer_id: m.authorizer_id().map(str::to_string),
                    integration: m.method_integration().map(|i| Integration {
                        kind: i
                            .r#type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                        http_method: i.http_method().map(str::to_string),
                        uri: i.uri().map(str::to_string),
                        credentials: i.credentials().map(str::to_string),
                        // The SDK reports 0 when the field is absent; API Gateway's default applies.
                        timeout_ms: Some(i.timeout_in_millis()).filter(|t| *t > 0),
                        payload_format_version: None,
                        response_transfer_mode: i
                            .response_transfer_mode()
                            .map(|m| m.as_str().to_string()),
                        request_parameters: i
                            .request_parameters()
                            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                            .unwrap_or_default(),
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
    ApiResource {
        id: resource.id().unwrap_or_default().to_string(),
        path: resource.path().unwrap_or("/").to_string(),
        methods,
    }
}

#[cfg(test)]
mod tests {
    use super::next_position;

    #[test]
    fn pagination_stops_on_empty_or_repeated_tokens() {
        assert_eq!(next_position(Some("abc"), None), Some("abc".to_string()));
        assert_eq!(next_position(Some(""), Some("abc")), None);
        assert_eq!(next_position(None, Some("abc")), None);
        assert_eq!(next_position(Some("abc"), Some("abc")), None);
    }
}
