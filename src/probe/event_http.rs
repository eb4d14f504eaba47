//! The events an HTTP API sends a Lambda proxy integration (docs/aws-facts.md §12.3), built with
//! `aws_lambda_events`' types: payload 2.0 (`version`, `routeKey`, `rawPath`, lower-case headers,
//! `requestContext.http`, no multi-value maps) and payload 1.0 (the REST proxy event with
//! `version: "1.0"`). Like the REST event: a plain GET from a browser or `curl`, no query string
//! and no body.

use aws_lambda_events::apigw::{
    ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
    ApiGatewayV2httpRequestContextHttpDescription,
};
use aws_lambda_events::http::{HeaderMap, Method};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::inventory::http_api::DEFAULT_ROUTE;
use crate::inventory::ScopeInventory;
use crate::probe::select::Planned;

/// The request path the probe sends for a route: the `$default` route catches any path, so `/`
/// stands for it; any other route's template is filled in by the caller.
pub fn is_default_route(planned: &Planned) -> bool {
    planned.path == DEFAULT_ROUTE
}

/// The route key of a planned HTTP API route: `$default`, or `METHOD /path` as configured.
pub fn route_key(planned: &Planned) -> String {
    if is_default_route(planned) {
        DEFAULT_ROUTE.to_string()
    } else {
        format!("{} {}", planned.method, planned.path)
    }
}

/// The payload 2.0 event for `planned`, with the request path already filled in.
#[allow(clippy::too_many_arguments)]
pub fn event_v2(
    scope: &ScopeInventory,
    planned: &Planned,
    path: &str,
    parameters: std::collections::HashMap<String, String>,
    headers: HeaderMap,
    method: Method,
    request_id: &str,
    now: DateTime<Utc>,
) -> Value {
    let domain = format!(
        "{}.execute-api.{}.amazonaws.com",
        planned.api_id, scope.region
    );
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = method;
    http.path = Some(path.to_string());
    http.protocol = Some("HTTP/1.1".to_string());
    http.source_ip = Some("127.0.0.1".to_string());
    http.user_agent = Some(super::event::USER_AGENT.to_string());

    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key(planned));
    context.account_id = Some(scope.account.clone());
    context.stage = Some(planned.stage.clone());
    context.request_id = Some(request_id.to_string());
    context.apiid = Some(planned.api_id.clone());
    context.domain_name = Some(domain);
    context.domain_prefix = Some(planned.api_id.clone());
    context.time = Some(now.format("%d/%b/%Y:%H:%M:%S %z").to_string());
    context.time_epoch = now.timestamp_millis();
    context.http = http;

    let mut request = ApiGatewayV2httpRequest::default();
    request.version = Some("2.0".to_string());
    request.route_key = Some(route_key(planned));
    request.raw_path = Some(path.to_string());
    request.raw_query_string = Some(String::new());
    request.headers = headers;
    request.path_parameters = parameters;
    request.stage_variables = planned.stage_variables.clone().into_iter().collect();
    request.request_context = context;
    request.is_base64_encoded = false;

    let mut event = serde_json::to_value(&request).unwrap_or(Value::Null);
    if let Some(object) = event.as_object_mut() {
        // The type also carries a custom authorizer's fields, which a route's 2.0 event does not
        // have (`httpMethod` above all: a 1.0 handler must not find it here).
        for key in [
            "type",
            "methodArn",
            "httpMethod",
            "identitySource",
            "authorizationToken",
            "resource",
        ] {
            object.remove(key);
        }
        // An absent map is left out of a 2.0 event, not sent as `{}` or `null`.
        for key in ["pathParameters", "stageVariables"] {
            if object
                .get(key)
                .is_some_and(|v| v.is_null() || v.as_object().is_some_and(|m| m.is_empty()))
            {
                object.remove(key);
            }
        }
    }
    event
}

/// Turns the REST proxy event into the payload 1.0 event of an HTTP API: the same fields, plus
/// `version: "1.0"` (§12.3).
pub fn as_v1(mut event: Value) -> Value {
    if let Some(object) = event.as_object_mut() {
        object.insert("version".to_string(), Value::from("1.0"));
    }
    event
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde_json::json;

    use crate::config::ProbeSettings;
    use crate::probe::event::proxy_event;
    use crate::probe::select::{candidates, select};
    use crate::routes::ScopeRoutes;
    use crate::testkit::*;

    /// The events of every probed route of an HTTP API whose `GET /orders/{id}` integration has
    /// payload `format` and whose `$default` route has 2.0.
    fn events(format: &str) -> Vec<serde_json::Value> {
        let mut v1 = http_integration("orders");
        v1.payload_format_version = Some(format.into());
        let scope = scope()
            .http_api(
                http_api("h1", "orders")
                    .integration("GET /orders/{id}", v1)
                    .route("$default", "orders")
                    .stage_vars("$default", &[("tier", "gold")]),
            )
            .target(target("orders", "h1"))
            .build();
        let mut settings = ProbeSettings {
            routes: vec!["orders /*".into(), "orders $default".into()],
            ..ProbeSettings::default()
        };
        settings.path_values.insert("id".into(), "42".into());
        let selection = select(
            candidates(&ScopeRoutes::new(&scope), &settings),
            &scope,
            &settings,
        );
        let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        selection
            .planned
            .iter()
            .map(|planned| proxy_event(&scope, planned, &settings, "req-1", now).0)
            .collect()
    }

    /// §12.3's 2.0 event: version, routeKey, rawPath, lower-case headers, requestContext.http,
    /// no multi-value maps, nothing of 1.0 (`httpMethod` above all).
    #[test]
    fn the_2_0_event_has_the_http_api_shape() {
        let all = events("2.0");
        let route = all
            .iter()
            .find(|e| e["routeKey"] == "GET /orders/{id}")
            .expect("the route is probed");
        assert_eq!(route["version"], "2.0");
        assert_eq!(route["rawPath"], "/orders/42");
        assert_eq!(route["rawQueryString"], "");
        assert_eq!(route["pathParameters"], json!({"id": "42"}));
        assert_eq!(route["stageVariables"], json!({"tier": "gold"}));
        assert_eq!(route["headers"]["accept"], "application/json");
        let context = &route["requestContext"];
        assert_eq!(context["http"]["method"], "GET");
        assert_eq!(context["http"]["path"], "/orders/42");
        assert_eq!(context["routeKey"], "GET /orders/{id}");
        assert_eq!(context["stage"], "$default");
        assert_eq!(context["apiId"], "h1");
        assert_eq!(context["timeEpoch"], 1_795_255_200_000_i64);
        for absent in [
            "httpMethod",
            "resource",
            "path",
            "multiValueHeaders",
            "multiValueQueryStringParameters",
            "type",
            "methodArn",
        ] {
            assert!(route.get(absent).is_none(), "{absent} in {route}");
        }
        // The `$default` route catches any path: `/` is sent.
        let default = all.iter().find(|e| e["routeKey"] == "$default").unwrap();
        assert_eq!(default["rawPath"], "/");
        assert!(default.get("pathParameters").is_none(), "{default}");
    }

    /// §12.3's 1.0 event: the REST proxy event with `version: "1.0"`.
    #[test]
    fn the_1_0_event_is_the_rest_event_with_its_version() {
        let all = events("1.0");
        let route = all
            .iter()
            .find(|e| e["resource"] == "/orders/{id}")
            .expect("the route is probed");
        assert_eq!(route["version"], "1.0");
        assert_eq!(route["httpMethod"], "GET");
        assert_eq!(route["path"], "/orders/42");
        assert_eq!(
            route["multiValueHeaders"]["accept"],
            json!(["application/json"])
        );
        assert!(route.get("rawPath").is_none(), "{route}");
    }
}
