//! `lambda-timeout-exceeds-integration`: the function may run longer than the integration of
//! the method that invokes it waits, so slow calls end in 504 while the function keeps running.

use serde_json::json;

use crate::checks::shared::route_groups::{run_per_route, Group, LookupFailed, Rendered, Verdict};
use crate::checks::shared::api_commands::{then_redeploy, update_integration, IntegrationChange};
use crate::checks::shared::evidence::{default_integration_timeout_ms, timed_out};
use crate::checks::shared::{resource_id, sh, update_configuration};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::Lookup;
use crate::log_signatures;
use crate::report::{Finding, Severity};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

pub static CHECK: Check = Check {
    id: CheckId::new("lambda-timeout-exceeds-integration"),
    title: "Function timeout is longer than the integration timeout",
    severity: Severity::Medium,
    resource: ResourceKind::Route,
    client_status: Some(504),
    checks: "For every AWS_PROXY Lambda method (REST) or route (HTTP API), compares the timeout \
             of the function it invokes with that route's integration timeout \
             (`timeoutInMillis`: 29,000 ms when unset on REST APIs, 30,000 ms on HTTP APIs, \
             whose limit it also is). It fires when the function's timeout is strictly longer. \
             For a streaming route (`responseTransferMode: STREAM`) the integration may wait up \
             to 900,000 ms with no quota increase, and it also reports, at low severity, a \
             function whose timeout is longer than the endpoint's idle timeout (30 s \
             edge-optimized, 5 minutes Regional or private): it may stay silent long enough to \
             be cut off.",
    why: "API Gateway stops waiting when the integration timeout expires and answers 504 \
          {\"message\": \"Endpoint request timed out\"} (about 29 s by default), while the \
          function keeps running, and keeps being billed, up to its own timeout; API Gateway \
          does not retry (docs/aws-facts.md §8). A function timeout at or below the integration \
          timeout lets Lambda stop the call first, which the client sees as a 502 with a \
          `Task timed out` line in the function's log, so the cause is visible. HTTP APIs wait \
          at most 30 s and then answer 503 {\"message\":\"Service Unavailable\"} \
          (docs/aws-facts.md §12.1, §12.3; the 503 is from community reports).",
    fix: "Lower the function's timeout to the integration timeout or less: `aws lambda \
          update-function-configuration --function-name F --timeout SECONDS` (for an alias, \
          publish a version and move the alias to it). For work that needs longer, respond \
          early and continue asynchronously (SQS, Step Functions). Regional and private REST \
          APIs can also raise the integration timeout above 29 s through a Service Quotas \
          request, then `aws apigateway update-integration ... --patch-operations \
          op=replace,path=/timeoutInMillis,value=MS`; HTTP APIs cannot wait longer than 30 s.",
    limits: "Lambda authorizers are not covered (they have their own fixed limit). A function \
             whose timeout was not collected is not judged. Whether a streaming function is \
             ever silent for the idle timeout cannot be seen in its configuration: that finding \
             is a risk. For a Managed Instances function called unqualified, the timeout of \
             `$LATEST.PUBLISHED` (what runs) is judged.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::INTEGRATION_TIMEOUT, &log_signatures::TASK_TIMED_OUT],
    run,
};

/// The longest a streaming integration may wait (docs/aws-facts.md §11.1: up to 15 minutes,
/// without the quota a buffered integration needs above 29 s).
const MAX_STREAM_TIMEOUT_MS: i64 = 900_000;

/// How long a response stream may stay silent before API Gateway closes it (§11.1,
/// `response-transfer-mode.html`): 30 s behind an edge-optimized endpoint, 5 minutes for
/// Regional and private ones.
fn idle_timeout_s(endpoint_types: &[String]) -> i64 {
    if endpoint_types.iter().any(|t| t.eq_ignore_ascii_case("EDGE")) {
        30
    } else {
        300
    }
}

/// What one route on one stage was judged to be.
enum Problem {
    /// A buffered route: API Gateway answers 504 when the function outlives the integration.
    Outlives {
        function_s: i32,
        integration_ms: i64,
        integration_is_default: bool,
        resource_id: Option<String>,
    },
    /// A streaming route: the stream is cut when the integration timeout expires.
    StreamCut {
        function_s: i32,
        integration_ms: i64,
        integration_is_default: bool,
        resource_id: Option<String>,
    },
    /// A streaming route: the function may stay silent longer than the endpoint's idle timeout.
    MaySitIdle {
        function_s: i32,
        idle_s: i64,
        edge: bool,
    },
    Unread(LookupFailed),
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_route(&CHECK, ctx, judge, render)
}

fn judge(routes: &ScopeRoutes<'_>, route: &RouteTarget<'_>) -> Option<Verdict<Problem>> {
    let Invoker::Method {
        path, integration, ..
    } = &route.invoker
    else {
        return None;
    };
    // What runs: `$LATEST.PUBLISHED` for an unqualified Managed Instances function.
    let target = routes.runs(route)?;
    let named = route.resolved.clone().ok();
    let config = match &target.configuration {
        Lookup::Found(config) => config,
        Lookup::Missing => return None,
        Lookup::Failed(error) => {
            let failed = LookupFailed::new(&CHECK, target, error);
            return Some(Verdict::error(named, Problem::Unread(failed)));
        }
    };
    let function_s = config.timeout_seconds?;
    let integration_ms = integration
        .timeout_ms
        .map(i64::from)
        .unwrap_or_else(|| default_integration_timeout_ms(route.api.protocol()));
    let integration_is_default = integration.timeout_ms.is_none();
    let resource_id = route
        .api
        .rest()
        .and_then(|api| resource_id(api, path))
        .map(str::to_string);
    let outlives = i64::from(function_s) * 1000 > integration_ms;
    let problem = match (route.streams, outlives) {
        (false, false) => return None,
        (false, true) => Problem::Outlives {
            function_s,
            integration_ms,
            integration_is_default,
            resource_id,
        },
        (true, true) => Problem::StreamCut {
            function_s,
            integration_ms,
            integration_is_default,
            resource_id,
        },
        (true, false) => {
            // Only REST APIs stream (§11.1), so the endpoint types are a REST API's.
            let endpoint_types = route.api.rest().map_or(&[][..], |api| &api.endpoint_types);
            let idle_s = idle_timeout_s(endpoint_types);
            if i64::from(function_s) <= idle_s {
                return None;
            }
            Problem::MaySitIdle {
                function_s,
                idle_s,
                edge: idle_s == 30,
            }
        }
    };
    Some(Verdict::fail(named, problem))
}

fn render(group: &Group<'_, Problem>) -> Rendered {
    let Some(function) = group.function.clone() else {
        return Rendered::new(String::new(), json!({}), None);
    };
    let scope = group.routes.scope;
    let api = group.route.api;
    match group.first() {
        Problem::Unread(failed) => failed.rendered(),
        Problem::Outlives {
            function_s,
            integration_ms,
            integration_is_default,
            resource_id,
        } => {
            let evidence = json!({
                "function_timeout_seconds": function_s,
                "integration_timeout_ms": integration_ms,
                "integration_timeout_is_default": integration_is_default,
                "resource_id": resource_id,
            });
            let (status, answer) = timed_out(api.protocol());
            let message = format!(
                "{} runs up to {function_s} s but {} on {} waits only {} ms: calls slower than that \
                 get {answer} while the function keeps running.",
                function.short(),
                group.subject(),
                group.on(),
                integration_ms
            );
            // Lambda timeouts are whole seconds, at least 1.
            let seconds = (integration_ms / 1000).max(1);
            // Raising the integration timeout instead needs a quota increase and works only on
            // Regional and private APIs, so the fix offered is the one that always works.
            let remediation =
                update_configuration(scope, &function, &format!("--timeout {seconds}"));
            Rendered {
                client_status: Some(Some(status)),
                ..Rendered::new(message, evidence, Some(remediation))
            }
        }
        Problem::StreamCut {
            function_s,
            integration_ms,
            integration_is_default,
            resource_id,
        } => {
            let evidence = json!({
                "function_timeout_seconds": function_s,
                "integration_timeout_ms": integration_ms,
                "integration_timeout_is_default": integration_is_default,
                "resource_id": resource_id,
                "response_transfer_mode": "STREAM",
            });
            let wanted = (i64::from(*function_s) * 1000).min(MAX_STREAM_TIMEOUT_MS);
            let message = format!(
                "{} runs up to {function_s} s but the streaming integration of {} on {} stops \
                 after {integration_ms} ms: a longer response is cut off mid-stream (the client \
                 gets a truncated body) while the function keeps running.",
                function.short(),
                group.subject(),
                group.on(),
            );
            // A streaming integration may wait up to 15 minutes with no quota increase.
            let remediation = update_integration(
                group.route,
                IntegrationChange::TimeoutMs(wanted),
                &scope.region,
            )
            .map(|update| then_redeploy(update, api, &group.stages, &scope.region));
            Rendered {
                // The status line may already be on its way: what the client sees is a cut body.
                client_status: Some(None),
                ..Rendered::new(message, evidence, remediation)
            }
        }
        Problem::MaySitIdle {
            function_s,
            idle_s,
            edge,
        } => {
            let evidence = json!({
                "function_timeout_seconds": function_s,
                "idle_timeout_seconds": idle_s,
                "endpoint_types": api.rest().map(|api| &api.endpoint_types),
                "response_transfer_mode": "STREAM",
            });
            let message = format!(
                "{} may run up to {function_s} s behind the streaming integration of {} on {}, \
                 and API Gateway closes a stream that stays silent for {idle_s} s ({}): a \
                 function that writes nothing for that long has its response cut off.",
                function.short(),
                group.subject(),
                group.on(),
                if *edge { "edge-optimized endpoint" } else { "Regional or private endpoint" },
            );
            let remediation = if *edge {
                format!(
                    "# write to the stream at least every 30 s, or move the API to a Regional endpoint \
                     (5-minute idle timeout; put your own CloudFront distribution with a longer origin \
                     response timeout in front if you need the edge):\naws apigateway update-rest-api \
                     --rest-api-id {} --patch-operations \
                     op=replace,path=/endpointConfiguration/types/EDGE,value=REGIONAL --region {}",
                    sh(api.id()),
                    sh(&scope.region)
                )
            } else {
                "# write to the stream at least every 5 minutes (a heartbeat chunk), or shorten \
                 the silent stretches of the function"
                    .to_string()
            };
            Rendered {
                // Whether the function is ever silent that long cannot be known from its
                // configuration: a risk, not a certainty.
                severity: Some(Severity::Low),
                client_status: Some(None),
                ..Rendered::new(message, evidence, Some(remediation))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use crate::testkit::*;

    /// GET /slow on dev and prod invokes `slow:live` (timeout `function_s`); GET /fast invokes
    /// the same function through an integration that waits 5 s.
    fn inventory(function_s: i32, slow_ms: Option<i32>) -> crate::inventory::Inventory {
        let mut slow = proxy_integration("slow:live");
        slow.timeout_ms = slow_ms;
        let mut fast = proxy_integration("slow:live");
        fast.timeout_ms = Some(5_000);
        scope()
            .api(
                api("a1b2c3", "pets")
                    .integration("GET", "/slow", slow)
                    .integration("GET", "/fast", fast)
                    .stage("dev")
                    .stage("prod"),
            )
            .target(target_with("slow:live", "a1b2c3", |c| {
                c.timeout_seconds = Some(function_s)
            }))
            .inventory()
    }

    #[test]
    fn compares_each_method_with_its_own_integration_timeout() {
        // 5 s function: only the 5,000 ms integration is at the limit, and equal is fine.
        assert!(run_check(&CHECK, &inventory(5, None)).is_empty());
        // 6 s: longer than /fast's 5 s, shorter than /slow's default 29 s.
        let findings = run_check(&CHECK, &inventory(6, None));
        let f = only(&findings);
        assert_eq!(f.route.as_ref().map(|r| r.path.as_str()), Some("/fast"));
        assert_eq!(f.stages, vec!["dev", "prod"]);
        assert_eq!(f.evidence["integration_timeout_ms"], 5000);
        assert_eq!(f.client_status, Some(504));
        assert!(
            f.message.starts_with("slow:live runs up to 6 s"),
            "{}",
            f.message
        );
    }

    #[test]
    fn default_integration_timeout_is_29_seconds() {
        assert_eq!(
            run_check(&CHECK, &inventory(29, None)).len(),
            1
        );
        let findings = run_check(&CHECK, &inventory(30, None));
        assert_eq!(findings.len(), 2, "{findings:#?}");
        let slow = findings
            .iter()
            .find(|f| f.evidence["integration_timeout_is_default"] == true);
        let fix = slow
            .and_then(|f| f.remediation.as_deref())
            .unwrap_or_default();
        assert!(
            fix.starts_with(
                "aws lambda update-function-configuration --function-name slow \
                 --region us-east-1 --timeout 29 && aws lambda wait function-updated"
            ),
            "{fix}"
        );
        assert!(fix.contains("update-alias --function-name slow --region us-east-1 --name live"));
        // A raised integration timeout covers the function.
        assert_eq!(
            run_check(&CHECK,
                &inventory(30, Some(30_000))
            )
            .len(),
            1
        );
    }

    /// GET /feed streams from `feed` (timeout `function_s`) through an integration of
    /// `integration_ms` (default 29 s), on an API with this endpoint type.
    fn streaming(
        function_s: i32,
        integration_ms: Option<i32>,
        endpoint: &str,
    ) -> crate::inventory::Inventory {
        let mut feed = proxy_integration("feed");
        feed.response_transfer_mode = Some("STREAM".into());
        feed.timeout_ms = integration_ms;
        let mut rest = api("a1b2c3", "pets")
            .integration("GET", "/feed", feed)
            .stage("prod")
            .build();
        rest.endpoint_types = vec![endpoint.to_string()];
        scope()
            .api(rest)
            .target(target_with("feed", "a1b2c3", |c| {
                c.timeout_seconds = Some(function_s)
            }))
            .inventory()
    }

    #[test]
    fn a_stream_outlived_by_its_function_is_cut_and_the_fix_raises_the_integration_timeout() {
        let findings = run_check(&CHECK, &streaming(60, None, "REGIONAL"));
        let f = only(&findings);
        assert_eq!(f.evidence["response_transfer_mode"], "STREAM");
        // The status line may already be sent: no client status, a cut body.
        assert_eq!(f.client_status, None);
        assert!(f.message.contains("cut off mid-stream"), "{}", f.message);
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with("aws apigateway update-integration --rest-api-id a1b2c3")
                && fix.contains("path=/timeoutInMillis,value=60000")
                && fix.contains("create-deployment"),
            "{fix}"
        );
        // A streaming integration waits at most 15 minutes: the fix asks for no more.
        let findings = run_check(&CHECK, &streaming(1000, Some(600_000), "REGIONAL"));
        let fix = only(&findings).remediation.clone().unwrap_or_default();
        assert!(fix.contains("value=900000"), "{fix}");
    }

    #[test]
    fn a_stream_may_sit_idle_past_the_endpoints_idle_timeout() {
        // 120 s within a 150 s integration: fine on REGIONAL (5-minute idle timeout) ...
        assert!(run_check(&CHECK, &streaming(120, Some(150_000), "REGIONAL")).is_empty());
        // ... a low risk on EDGE (30 s), with the move to REGIONAL as the fix.
        let findings = run_check(&CHECK, &streaming(120, Some(150_000), "EDGE"));
        let f = only(&findings);
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.client_status, None);
        assert_eq!(f.evidence["idle_timeout_seconds"], 30);
        assert!(
            f.remediation.as_deref().unwrap_or_default().contains("value=REGIONAL"),
            "{f:#?}"
        );
        // Past 5 minutes on REGIONAL: the same risk with its own idle timeout.
        let findings = run_check(&CHECK, &streaming(400, Some(500_000), "REGIONAL"));
        let f = only(&findings);
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.evidence["idle_timeout_seconds"], 300);
        // Within both limits: quiet.
        assert!(run_check(&CHECK, &streaming(25, None, "EDGE")).is_empty());
    }

    #[test]
    fn unreadable_function_is_an_error_per_route() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets")
                    .stage("prod"),
            )
            .target(failed_target("pets"))
            .inventory();
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert_eq!(f.route.as_ref().map(|r| r.path.as_str()), Some("/pets"));
        assert!(f.message.contains("lambda:GetFunction"), "{}", f.message);
    }

    /// HTTP APIs wait 30 s by default and at most (§12.1), and answer 503 when they stop.
    #[test]
    fn http_routes_wait_30_seconds_and_answer_503() {
        let inventory = |function_s: i32| {
            scope()
                .http_api(
                    http_api("h1", "orders")
                        .route("GET /orders", "orders")
                        .stage("$default"),
                )
                .target(target_with("orders", "h1", |c| c.timeout_seconds = Some(function_s)))
                .inventory()
        };
        // 30 s is exactly the HTTP API limit: fine (a REST default of 29 s would fire).
        assert!(run_check(&CHECK, &inventory(30)).is_empty());
        let findings = run_check(&CHECK, &inventory(31));
        let f = only(&findings);
        assert_eq!(f.client_status, Some(503));
        assert_eq!(f.evidence["integration_timeout_ms"], 30000);
        assert!(f.message.contains("503 Service Unavailable"), "{}", f.message);
        assert_eq!(f.api.as_ref().map(|a| a.protocol.as_str()), Some("HTTP"));
        assert!(
            f.remediation.as_deref().unwrap().contains("--timeout 30"),
            "{:?}",
            f.remediation
        );
    }
}
