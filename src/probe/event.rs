//! The event API Gateway (REST, payload format 1.0) sends a Lambda proxy integration, built for
//! one route with `aws_lambda_events`' types: resource and filled-in path, a concrete verb,
//! headers in both forms, path parameters from `[probe]` sample values, the stage's variables,
//! and a request context naming the stage, resource, API and account. No query string and no
//! body: what a plain GET from a browser or `curl` sends.

use std::collections::HashMap;

use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyRequestContext, ApiGatewayRequestIdentity,
};
use aws_lambda_events::http::{HeaderMap, HeaderName, HeaderValue, Method};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::ProbeSettings;
use crate::inventory::ScopeInventory;
use crate::probe::event_http;
use crate::probe::select::Planned;

/// Sent as the `User-Agent`, so the calls can be told apart in the function's own logs.
pub const USER_AGENT: &str = concat!("apigw-auditor-probe/", env!("CARGO_PKG_VERSION"));

/// A template path with its parameters filled in, and the parameters by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledPath {
    pub path: String,
    pub parameters: HashMap<String, String>,
}

/// Fills `{name}` and greedy `{name+}` segments of a template path with the sample value of
/// `name` (without the `+`, as API Gateway names the parameter), or the default value.
pub fn fill_path(template: &str, settings: &ProbeSettings) -> FilledPath {
    let mut parameters = HashMap::new();
    let segments: Vec<String> = template
        .split('/')
        .map(|segment| {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                return segment.to_string();
            };
            let name = name.strip_suffix('+').unwrap_or(name);
            let value = settings
                .path_values
                .get(name)
                .unwrap_or(&settings.default_path_value)
                .clone();
            parameters.insert(name.to_string(), value.clone());
            value
        })
        .collect();
    FilledPath {
        path: segments.join("/"),
        parameters,
    }
}

/// The proxy event for `planned`, sent at `now`, as JSON, and the request path it carries: the
/// REST event, or for an HTTP API route the event of its payload format (`event_http.rs`).
pub fn proxy_event(
    scope: &ScopeInventory,
    planned: &Planned,
    settings: &ProbeSettings,
    request_id: &str,
    now: DateTime<Utc>,
) -> (Value, String) {
    // The `$default` route catches any path: `/` stands for it.
    let filled = if event_http::is_default_route(planned) {
        fill_path("/", settings)
    } else {
        fill_path(&planned.path, settings)
    };
    // The verb comes from `[probe] methods`, which only holds standard verbs.
    let method = Method::from_bytes(planned.verb.as_bytes()).unwrap_or(Method::GET);
    let domain = format!(
        "{}.execute-api.{}.amazonaws.com",
        planned.api_id, scope.region
    );
    let headers = headers(&domain);
    if planned.payload_format.as_deref() == Some("2.0") {
        let event = event_http::event_v2(
            scope,
            planned,
            &filled.path,
            filled.parameters,
            headers,
            method,
            request_id,
            now,
        );
        return (event, filled.path);
    }

    let mut identity = ApiGatewayRequestIdentity::default();
    identity.source_ip = Some("127.0.0.1".to_string());
    identity.user_agent = Some(USER_AGENT.to_string());

    let mut context = ApiGatewayProxyRequestContext::default();
    context.account_id = Some(scope.account.clone());
    context.resource_id = planned.resource_id.clone();
    context.stage = Some(planned.stage.clone());
    context.domain_name = Some(domain);
    context.domain_prefix = Some(planned.api_id.clone());
    context.request_id = Some(request_id.to_string());
    context.protocol = Some("HTTP/1.1".to_string());
    context.identity = identity;
    context.resource_path = Some(planned.path.to_string());
    context.path = Some(format!("/{}{}", planned.stage, filled.path));
    context.http_method = method.clone();
    context.request_time = Some(now.format("%d/%b/%Y:%H:%M:%S %z").to_string());
    context.request_time_epoch = now.timestamp_millis();
    context.apiid = Some(planned.api_id.clone());

    let mut request = ApiGatewayProxyRequest::default();
    request.resource = Some(planned.path.to_string());
    request.path = Some(filled.path.clone());
    request.http_method = method;
    request.multi_value_headers = headers.clone();
    request.headers = headers;
    request.path_parameters = filled.parameters;
    request.stage_variables = planned.stage_variables.clone().into_iter().collect();
    request.request_context = context;
    request.body = None;
    request.is_base64_encoded = false;

    let mut event = serde_json::to_value(&request).unwrap_or(Value::Null);
    // API Gateway sends `null`, not `{}`, for an absent query string, path parameters or stage
    // variables.
    for key in [
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
    ] {
        if event[key].as_object().is_some_and(|m| m.is_empty()) {
            event[key] = Value::Null;
        }
    }
    if planned.payload_format.is_some() {
        event = event_http::as_v1(event);
    }
    (event, filled.path)
}

/// The headers of a plain request through the API's default endpoint.
fn headers(domain: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("accept", "application/json"),
        ("host", domain),
        ("user-agent", USER_AGENT),
        ("x-forwarded-for", "127.0.0.1"),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::select::{candidates, select};
    use crate::routes::ScopeRoutes;
    use crate::testkit::*;
    use serde_json::json;

    fn settings() -> ProbeSettings {
        let mut settings = ProbeSettings::default();
        settings.path_values.insert("id".into(), "42".into());
        settings
    }

    #[test]
    fn paths_are_filled_with_sample_or_default_values() {
        let filled = fill_path("/pets/{id}/toys/{toy}", &settings());
        assert_eq!(filled.path, "/pets/42/toys/1");
        assert_eq!(filled.parameters["id"], "42");
        assert_eq!(filled.parameters["toy"], "1");
        let proxy = fill_path("/files/{proxy+}", &settings());
        assert_eq!(proxy.path, "/files/1");
        assert_eq!(proxy.parameters.keys().collect::<Vec<_>>(), ["proxy"]);
        assert_eq!(fill_path("/", &settings()).path, "/");
    }

    #[test]
    fn the_event_has_the_rest_proxy_shape() {
        let scope = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("ANY", "/pets/{id}", "pets-get:live")
                    .stage_vars("prod", &[("alias", "live")]),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .build();
        let defaults = ProbeSettings::default();
        let selection = select(
            candidates(&ScopeRoutes::new(&scope), &defaults),
            &scope,
            &defaults,
        );
        let planned = &selection.planned[0];
        let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (event, path) = proxy_event(&scope, planned, &settings(), "req-1", now);
        assert_eq!(path, "/pets/42");
        assert_eq!(event["resource"], "/pets/{id}");
        assert_eq!(event["path"], "/pets/42");
        assert_eq!(event["httpMethod"], "GET");
        assert_eq!(event["headers"]["accept"], "application/json");
        assert_eq!(
            event["headers"]["host"],
            "a1b2c3.execute-api.us-east-1.amazonaws.com"
        );
        assert_eq!(
            event["multiValueHeaders"]["accept"],
            json!(["application/json"])
        );
        assert_eq!(event["pathParameters"], json!({"id": "42"}));
        assert_eq!(event["stageVariables"], json!({"alias": "live"}));
        assert!(event["queryStringParameters"].is_null(), "{event}");
        assert!(
            event["multiValueQueryStringParameters"].is_null(),
            "{event}"
        );
        assert!(event["body"].is_null());
        assert_eq!(event["isBase64Encoded"], false);
        let context = &event["requestContext"];
        assert_eq!(context["accountId"], ACCOUNT);
        assert_eq!(context["apiId"], "a1b2c3");
        assert_eq!(context["stage"], "prod");
        assert_eq!(context["resourcePath"], "/pets/{id}");
        assert_eq!(context["path"], "/prod/pets/42");
        assert_eq!(context["httpMethod"], "GET");
        assert_eq!(context["requestId"], "req-1");
        assert_eq!(context["requestTimeEpoch"], 1_795_255_200_000_i64);
        assert_eq!(context["requestTime"], "21/Nov/2026:10:00:00 +0000");
        assert!(context["resourceId"].is_string());
        assert_eq!(context["identity"]["userAgent"], USER_AGENT);
    }

    #[test]
    fn no_path_parameters_or_stage_variables_are_null() {
        let scope = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list")
                    .stage("prod"),
            )
            .target(target("pets-list", "a1b2c3"))
            .build();
        let defaults = ProbeSettings::default();
        let selection = select(
            candidates(&ScopeRoutes::new(&scope), &defaults),
            &scope,
            &defaults,
        );
        let (event, _) = proxy_event(
            &scope,
            &selection.planned[0],
            &ProbeSettings::default(),
            "r",
            Utc::now(),
        );
        assert!(event["pathParameters"].is_null(), "{event}");
        assert!(event["stageVariables"].is_null(), "{event}");
    }
}
