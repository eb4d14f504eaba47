//! Collection of HTTP APIs (API Gateway v2): `GetApis`, then per HTTP API `GetRoutes`,
//! `GetIntegrations`, `GetStages` and `GetAuthorizers`, every page followed (docs/aws-facts.md
//! §12.1), each page a call through the gate, which paces it with the API Gateway account bucket
//! v1 spends too and retries it. The pipeline (`pipeline.rs`) reads the APIs concurrently.
//! WebSocket APIs come back from the same `GetApis` and are only listed: they are counted, not
//! audited.
//!
//! v2 pages with `maxResults` (a string in the API model) and `nextToken`, and answers in
//! `items`. The largest page API Gateway accepts is not documented (§12.1, NOT FOUND), so the
//! default page size sends no `maxResults` and takes the service's own page; a smaller
//! `collect.page-size` is sent as is.

use std::future::Future;

use aws_sdk_apigatewayv2::types::{self, ProtocolType};
use aws_sdk_apigatewayv2::Client;

use crate::aws::{translate, CallFailure, CallGate, Operation};
use crate::collect::apigateway::follow_pages;
use crate::inventory::{
    AccessLogSettings, ApiSummary, Authorizer, CollectionError, HttpApi, HttpAuthorizer,
    HttpIntegration, HttpRoute, Integration, Lookup, Stage,
};

/// The page size at and above which no `maxResults` is sent (the configured default).
const SERVICE_PAGE: i32 = 500;

/// What HTTP API collection needs: a client, the scope's call gate and the paging settings.
pub struct HttpApiCollector<'a> {
    pub client: &'a Client,
    pub gate: &'a CallGate,
    pub account: &'a str,
    pub region: &'a str,
    pub page_size: i32,
}

/// The APIs `GetApis` lists, by protocol.
#[derive(Debug, Default)]
pub struct Listed {
    pub http: Vec<ApiSummary>,
    pub websocket: Vec<ApiSummary>,
}

/// Every page of one of an API's v2 lists (`GetRoutes`, …): the SDK's fluent builders share no
/// trait, so the call is spelled once here. Each page is a call through the gate; each item is
/// converted by `$convert` (an item without its id is skipped).
macro_rules! list_of_api {
    ($collector:ident, $operation:ident, $call:ident, $api_id:ident, $convert:ident) => {
        $collector
            .list(Operation::$operation, $api_id, |token| async move {
                let page = $collector
                    .gate
                    .send(Operation::$operation, || {
                        $collector
                            .client
                            .$call()
                            .api_id($api_id)
                            .set_max_results($collector.max_results())
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await
                    .map_err(|e| translate(&e))?;
                let items = page.items().iter().filter_map($convert).collect();
                Ok((items, page.next_token().map(str::to_string)))
            })
            .await
    };
}

impl HttpApiCollector<'_> {
    fn error(&self, operation: Operation, resource: &str, failure: CallFailure) -> CollectionError {
        failure.into_error((self.account, self.region), operation, resource)
    }

    /// `maxResults` to send: none at the default page size (see the module doc).
    fn max_results(&self) -> Option<String> {
        (self.page_size < SERVICE_PAGE).then(|| self.page_size.max(1).to_string())
    }

    /// Every API `GetApis` lists, HTTP and WebSocket apart. A failing page is returned as the
    /// error: no HTTP API can be collected without the list.
    pub async fn list_apis(&self) -> Result<Listed, CollectionError> {
        let operation = Operation::ApiGatewayV2GetApis;
        let apis = follow_pages(|token| async move {
            let page = self
                .gate
                .send(operation, || {
                    self.client
                        .get_apis()
                        .set_max_results(self.max_results())
                        .set_next_token(token.clone())
                        .send()
                })
                .await
                .map_err(|e| translate(&e))?;
            let apis = page
                .items()
                .iter()
                .filter_map(|api| {
                    let id = api.api_id()?.to_string();
                    let name = api.name().unwrap_or(&id).to_string();
                    Some((api.protocol_type().cloned(), ApiSummary { id, name }))
                })
                .collect();
            Ok((apis, page.next_token().map(str::to_string)))
        })
        .await
        .map_err(|failure| self.error(operation, "*", failure))?;
        let mut listed = Listed::default();
        for (protocol, api) in apis {
            match protocol {
                Some(ProtocolType::Websocket) => listed.websocket.push(api),
                // HTTP is the only other protocol; one the SDK does not know is audited as HTTP
                // rather than dropped.
                _ => listed.http.push(api),
            }
        }
        Ok(listed)
    }

    /// One HTTP API's routes, integrations, stages and authorizers, read at once.
    pub async fn collect_api(&self, api: ApiSummary) -> HttpApi {
        let id = api.id.as_str();
        let (routes, integrations, stages, authorizers) = futures::join!(
            self.routes(id),
            self.integrations(id),
            self.stages(id),
            self.authorizers(id)
        );
        HttpApi {
            id: api.id.clone(),
            name: api.name,
            routes,
            integrations,
            stages,
            authorizers,
            deployments: Default::default(),
        }
    }

    /// One paginated list of an API, as a lookup.
    async fn list<T, F, Fut>(&self, operation: Operation, api_id: &str, fetch: F) -> Lookup<Vec<T>>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<(Vec<T>, Option<String>), CallFailure>>,
    {
        match follow_pages(fetch).await {
            Ok(items) => Lookup::Found(items),
            Err(failure) => Lookup::Failed(self.error(operation, api_id, failure)),
        }
    }

    async fn routes(&self, api_id: &str) -> Lookup<Vec<HttpRoute>> {
        let mut routes = list_of_api!(self, ApiGatewayV2GetRoutes, get_routes, api_id, route);
        if let Lookup::Found(routes) = &mut routes {
            routes.sort_by(|a, b| a.route_key.cmp(&b.route_key));
        }
        routes
    }

    async fn integrations(&self, api_id: &str) -> Lookup<Vec<HttpIntegration>> {
        list_of_api!(
            self,
            ApiGatewayV2GetIntegrations,
            get_integrations,
            api_id,
            integration
        )
    }

    async fn stages(&self, api_id: &str) -> Lookup<Vec<Stage>> {
        let mut stages = list_of_api!(self, ApiGatewayV2GetStages, get_stages, api_id, stage);
        if let Lookup::Found(stages) = &mut stages {
            stages.sort_by(|a, b| a.name.cmp(&b.name));
        }
        stages
    }

    async fn authorizers(&self, api_id: &str) -> Lookup<Vec<HttpAuthorizer>> {
        list_of_api!(
            self,
            ApiGatewayV2GetAuthorizers,
            get_authorizers,
            api_id,
            authorizer
        )
    }
}

fn route(r: &types::Route) -> Option<HttpRoute> {
    Some(HttpRoute {
        id: r.route_id()?.to_string(),
        route_key: r.route_key()?.to_string(),
        target: non_empty(r.target()),
        authorization_type: r.authorization_type().map(|t| t.as_str().into()),
        authorizer_id: non_empty(r.authorizer_id()),
    })
}

fn integration(i: &types::Integration) -> Option<HttpIntegration> {
    Some(HttpIntegration {
        id: i.integration_id()?.to_string(),
        integration: Integration {
            kind: i
                .integration_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            http_method: non_empty(i.integration_method()),
            uri: non_empty(i.integration_uri()),
            credentials: non_empty(i.credentials_arn()),
            timeout_ms: i.timeout_in_millis().filter(|t| *t > 0),
            payload_format_version: non_empty(i.payload_format_version()),
            // HTTP APIs have no response streaming (§11.1).
            response_transfer_mode: None,
            request_parameters: i
                .request_parameters()
                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        },
    })
}

fn stage(s: &types::Stage) -> Option<Stage> {
    Some(Stage {
        name: s.stage_name()?.to_string(),
        deployment_id: non_empty(s.deployment_id()),
        variables: s
            .stage_variables()
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        method_settings: Default::default(),
        auto_deploy: Some(s.auto_deploy().unwrap_or(false)),
        access_log: s
            .access_log_settings()
            .map(|a| AccessLogSettings {
                destination_arn: non_empty(a.destination_arn()),
                format: non_empty(a.format()),
            })
            .filter(|a| a.destination_arn.is_some()),
    })
}

fn authorizer(a: &types::Authorizer) -> Option<HttpAuthorizer> {
    Some(HttpAuthorizer {
        authorizer: Authorizer {
            id: a.authorizer_id()?.to_string(),
            name: a.name().unwrap_or_default().to_string(),
            kind: a
                .authorizer_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            uri: non_empty(a.authorizer_uri()),
            credentials: non_empty(a.authorizer_credentials_arn()),
        },
        payload_format_version: non_empty(a.authorizer_payload_format_version()),
        simple_responses: a.enable_simple_responses().unwrap_or(false),
        identity_source: a.identity_source().to_vec(),
        ttl_seconds: a.authorizer_result_ttl_in_seconds(),
    })
}

/// A string field, `None` when absent or empty (an empty `authorizerCredentialsArn` or `target`
/// means none).
fn non_empty(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RateLimits;
    use aws_sdk_apigatewayv2::operation::get_routes::GetRoutesError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::SdkError;

    /// Pages are followed token by token, each page one call through the gate, counted. (ministack
    /// answers every item in one page whatever `maxResults` says, so the end-to-end tests show
    /// paging only through the quota proxy; see `tests/e2e_http_apis/collection.rs`.)
    #[tokio::test]
    async fn every_page_is_a_call_through_the_gate() {
        let gate = CallGate::new(&RateLimits::default(), 3);
        let pages = [
            (vec![1, 2], Some("t1")),
            (vec![3, 4], Some("t2")),
            (vec![5], None),
        ];
        let mut sent = Vec::new();
        let items = follow_pages(|token| {
            let (items, next) = pages[sent.len()].clone();
            sent.push(token);
            let gate = &gate;
            async move {
                let answer = gate
                    .send(Operation::ApiGatewayV2GetRoutes, || {
                        let items = items.clone();
                        async move { Ok::<_, SdkError<GetRoutesError, HttpResponse>>(items) }
                    })
                    .await
                    .map_err(|e| translate(&e))?;
                Ok((answer, next.map(str::to_string)))
            }
        })
        .await
        .unwrap();
        assert_eq!(items, [1, 2, 3, 4, 5]);
        assert_eq!(sent, [None, Some("t1".to_string()), Some("t2".to_string())]);
        assert_eq!(gate.tally().calls["apigatewayv2:GetRoutes"], 3);
    }

    #[test]
    fn max_results_is_sent_below_the_default_page_only() {
        let config = aws_sdk_apigatewayv2::Config::builder()
            .behavior_version(aws_sdk_apigatewayv2::config::BehaviorVersion::latest())
            .build();
        let client = Client::from_conf(config);
        let gate = CallGate::new(&RateLimits::default(), 3);
        let collector = |page_size| HttpApiCollector {
            client: &client,
            gate: &gate,
            account: "123456789012",
            region: "us-east-1",
            page_size,
        };
        assert_eq!(collector(2).max_results().as_deref(), Some("2"));
        assert_eq!(collector(500).max_results(), None);
    }
}
