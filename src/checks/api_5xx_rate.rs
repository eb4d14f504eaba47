//! `api-5xx-rate`: a stage whose clients are getting 5XX right now, measured with the
//! `AWS/ApiGateway` metrics of the evidence window. It is the symptom; root-cause linking
//! (`crate::causes`) names the configuration findings on the same stage that explain it.

use serde_json::json;

use crate::checks::shared::evidence::{
    filter_log_events, one_decimal, percent, rate_percent, thousands, whole, window_json,
    window_phrase,
};
use crate::checks::shared::{api_ref, base_finding, error_finding, sh};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::config::{SettingKind, SettingSpec};
use crate::inventory::evidence::{StageMetrics, Window};
use crate::inventory::{Lookup, Protocol, ScopeInventory};
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("api-5xx-rate"),
    title: "Stage answers too many 5XX",
    severity: Severity::High,
    resource: ResourceKind::Stage,
    client_status: Some(500),
    checks: "For every deployed stage, reads `AWS/ApiGateway` over the evidence window with the \
             dimensions `ApiName`, `Stage`: `Count` with the SampleCount statistic (requests) and \
             `5XXError` with Sum. Fires when the stage served at least `api_5xx_min_requests` \
             requests (100 by default) and 5XXError/Count is above \
             `api_5xx_threshold_percent` (5 % by default). One finding per (API, stage). HTTP \
             API stages are read by `ApiId`, `Stage`, whose 5XX metric is `5xx` \
             (docs/aws-facts.md §12.5).",
    why: "This is what clients actually got: `{\"message\": \"Internal server error\"}` (500: \
          API Gateway could not invoke the function, docs/aws-facts.md §4), 502 (the function failed or \
          returned a malformed proxy response) or 504 (the integration timed out). The metric \
          does not tell these apart, so the finding's `client_status` is 500 standing for any \
          5XX. HTTP APIs answer 500 for every Lambda failure and 503 for a timeout (§12.3). `evidence.probable_causes` lists the fingerprints of the other findings of this \
          audit that break calls on this stage or on the functions its routes invoke.",
    fix: "The causes are the fix: start with the findings in `evidence.probable_causes`. When \
          there are none, read the stage's execution logs for the window (the remediation \
          command; `execution-log-errors` counts the known failure lines) and the functions' \
          logs (`function-log-errors`). A stage without execution logging \
          (`execution-logging-disabled`) shows nothing: turn it on first. HTTP APIs have no \
          execution logs: read the stage's access log, which shows why a call failed only if \
          its format has `$context.integrationErrorMessage` (`access-log-hides-integration-errors`).",
    limits: "API Gateway publishes REST metrics per API *name*, not id: APIs that share a name \
             share the series, so their traffic is mixed in (`evidence.shared_name_with` lists \
             them and the message says so). The numbers cover the window only; a stage with \
             less traffic than the minimum is not judged. Metrics that could not be read give \
             an `error` finding; a stage with no data gives nothing.",
    input: Input::Metrics,
    role: Role::Symptom,
    settings: &[THRESHOLD_PERCENT, MIN_REQUESTS],
    explains: &[],
    run,
};

// At 5 % one call in twenty fails, which users notice.
const THRESHOLD_PERCENT: SettingSpec = SettingSpec {
    key: "threshold-percent",
    doc: "Report a stage whose 5XX answers over the evidence window are at least this \
          percentage of its requests",
    kind: SettingKind::Percent { default: 5.0 },
};

// On a quiet stage a few failed test calls are a high rate but not an outage.
const MIN_REQUESTS: SettingSpec = SettingSpec {
    key: "min-requests",
    doc: "...provided the stage served at least this many requests in the window",
    kind: SettingKind::Integer {
        default: 100,
        min: 0,
        max: i64::MAX,
    },
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        let Some(evidence) = &scope.evidence else {
            continue;
        };
        for metrics in &evidence.stage_metrics {
            let finding = match &metrics.sums {
                Lookup::Found(sums) => {
                    let requests = whole(sums.value("Count"));
                    // REST publishes `5XXError`, HTTP APIs `5xx` (docs/aws-facts.md §6, §12.5).
                    let five_xx = whole(sums.value(match metrics.protocol {
                        Protocol::Rest => "5XXError",
                        Protocol::Http => "5xx",
                    }));
                    judge(ctx, scope, &evidence.window, metrics, requests, five_xx)
                }
                Lookup::Missing => None,
                Lookup::Failed(error) => {
                    let what = format!("stage {} of API {}", metrics.stage, metrics.api_id);
                    Some(error_finding(&CHECK, scope, error, &what))
                }
            };
            if let Some(mut finding) = finding {
                finding.api = Some(api_of(scope, metrics));
                finding.stages = vec![metrics.stage.clone()];
                finding.fingerprint = finding.compute_fingerprint();
                findings.push(finding);
            }
        }
    }
    findings
}

fn judge(
    ctx: &Context<'_>,
    scope: &ScopeInventory,
    window: &Window,
    metrics: &StageMetrics,
    requests: u64,
    five_xx: u64,
) -> Option<Finding> {
    let threshold = ctx.percent(&THRESHOLD_PERCENT);
    let min_requests = u64::try_from(ctx.integer(&MIN_REQUESTS)).unwrap_or(0);
    let rate = rate_percent(five_xx, requests);
    if requests < min_requests || rate <= threshold {
        return None;
    }
    let api = api_of(scope, metrics);
    // REST metrics are per API name: APIs sharing it share the series. HTTP APIs' are per id.
    let shared: Vec<String> = match metrics.protocol {
        Protocol::Rest => scope
            .apis
            .iter()
            .filter(|other| other.id != metrics.api_id)
            .filter(|other| other.name == api.name || other.name == metrics.api_name)
            .map(|other| other.id.clone())
            .collect(),
        Protocol::Http => Vec::new(),
    };
    let mixed = if shared.is_empty() {
        String::new()
    } else {
        format!(
            " (the metrics are per API name, so they include the traffic of {} also named {})",
            shared.join(", "),
            metrics.api_name
        )
    };
    let message = format!(
        "Stage {} of API {} ({}) answered {} of {} requests with 5XX {}{mixed}.",
        metrics.stage,
        api.name,
        api.id,
        percent(one_decimal(rate)),
        thousands(requests),
        window_phrase(window)
    );
    let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
    finding.evidence = json!({
        "five_xx": five_xx,
        "requests": requests,
        "rate_percent": one_decimal(rate),
        "threshold_percent": threshold,
        "min_requests": min_requests,
        "window": window_json(window),
        "shared_name_with": shared,
    });
    finding.remediation = Some(match metrics.protocol {
        Protocol::Rest => rest_logs(scope, window, metrics),
        Protocol::Http => http_logs(scope, window, metrics),
    });
    Some(finding)
}

/// Where to read why a REST stage failed: its execution log.
fn rest_logs(scope: &ScopeInventory, window: &Window, metrics: &StageMetrics) -> String {
    let log_group = format!(
        "API-Gateway-Execution-Logs_{}/{}",
        metrics.api_id, metrics.stage
    );
    let read_logs = filter_log_events(
        &log_group,
        "?\"Execution failed\" ?\"customer function error\"",
        window,
        &scope.region,
    );
    let logging = scope
        .apis
        .iter()
        .find(|api| api.id == metrics.api_id)
        .and_then(|api| api.stages.found())
        .and_then(|stages| stages.iter().find(|s| s.name == metrics.stage))
        .is_none_or(|stage| stage.execution_logging());
    if logging {
        format!("{read_logs}  # then fix the findings listed in evidence.probable_causes")
    } else {
        format!(
            "# fix the findings listed in evidence.probable_causes; this stage writes no \
             execution logs: turn them on (see execution-logging-disabled), then\n{read_logs}"
        )
    }
}

/// Where to read why an HTTP API stage failed: its access log, when its format carries the
/// integration's error (HTTP APIs write no execution logs, docs/aws-facts.md §12.5).
fn http_logs(scope: &ScopeInventory, window: &Window, metrics: &StageMetrics) -> String {
    let access_log = scope
        .http_apis
        .iter()
        .find(|api| api.id == metrics.api_id)
        .and_then(|api| api.stages.found())
        .and_then(|stages| stages.iter().find(|s| s.name == metrics.stage))
        .and_then(|stage| stage.access_log.as_ref());
    match access_log {
        Some(log) if log.shows_integration_errors() => {
            // The format is the stage's own, so no pattern can pick the 5XX lines out: read the
            // window's lines, each with its status and integration error.
            format!(
                "aws logs filter-log-events --log-group-name {} --start-time {} --end-time {} \
                 --region {}  # each line has its status and integration error; then fix the \
                 findings listed in evidence.probable_causes",
                sh(log.log_group().unwrap_or("ACCESS_LOG_GROUP")),
                window.start.timestamp_millis(),
                window.end.timestamp_millis(),
                sh(&scope.region)
            )
        }
        _ => "# fix the findings listed in evidence.probable_causes; this stage's access log \
              cannot show integration errors: add $context.integrationErrorMessage to it (see \
              access-log-hides-integration-errors)"
            .to_string(),
    }
}

/// The API as the inventory names it, or as the metrics name it when it is unknown.
fn api_of(scope: &ScopeInventory, metrics: &StageMetrics) -> crate::report::ApiRef {
    match scope.api(&metrics.api_id) {
        Some(api) => api_ref(api),
        None => crate::report::ApiRef {
            id: metrics.api_id.clone(),
            name: metrics.api_name.clone(),
            protocol: metrics.protocol,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingValue;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn inventory(requests: f64, five_xx: f64) -> Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list")
                    .stage("prod"),
            )
            .evidence(|e| {
                e.stage_metrics
                    .push(stage_metrics("a1b2c3", "pets", "prod", requests, five_xx))
            })
            .inventory()
    }

    #[test]
    fn high_rate_is_one_finding_per_stage() {
        let findings = run_check(&CHECK, &inventory(1200.0, 74.0));
        let f = only(&findings);
        assert_eq!((f.severity, f.status), (Severity::High, Status::Fail));
        assert_eq!(f.client_status, Some(500));
        assert_eq!(f.api.as_ref().map(|a| a.name.as_str()), Some("pets"));
        assert_eq!(f.stages, vec!["prod".to_string()]);
        assert!(f.route.is_none() && f.function.is_none());
        assert_eq!(
            f.message,
            "Stage prod of API pets (a1b2c3) answered 6.2 % of 1,200 requests with 5XX in the \
             last 60 minutes."
        );
        assert_eq!(f.evidence["five_xx"], 74);
        assert_eq!(f.evidence["requests"], 1200);
        assert_eq!(f.evidence["rate_percent"], 6.2);
        assert_eq!(f.evidence["threshold_percent"], 5.0);
        assert_eq!(f.evidence["min_requests"], 100);
        assert_eq!(f.evidence["window"]["period_seconds"], 60);
        assert_eq!(f.evidence["window"]["start"], "2026-11-21T09:00:00Z");
        assert_eq!(f.evidence["shared_name_with"], json!([]));
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with(
                "aws logs filter-log-events --log-group-name API-Gateway-Execution-Logs_a1b2c3/prod"
            ),
            "{fix}"
        );
        assert!(fix.contains("probable_causes"), "{fix}");
        assert_eq!(f.fingerprint.len(), 20);
    }

    #[test]
    fn healthy_stage_and_no_evidence_are_quiet() {
        assert!(run_check(&CHECK, &inventory(1200.0, 3.0)).is_empty());
        let mut no_evidence = inventory(1200.0, 600.0);
        no_evidence.scopes[0].evidence = None;
        assert!(run_check(&CHECK, &no_evidence).is_empty());
        let mut missing = inventory(1200.0, 600.0);
        if let Some(e) = &mut missing.scopes[0].evidence {
            e.stage_metrics[0].sums = Lookup::Missing;
        }
        assert!(run_check(&CHECK, &missing).is_empty());
    }

    #[test]
    fn rate_must_be_above_the_threshold_with_at_least_the_minimum() {
        // The declaration (docs/checks.md): above the threshold, with at least the minimum requests.
        assert_eq!(run_check(&CHECK, &inventory(100.0, 6.0)).len(), 1);
        assert!(run_check(&CHECK, &inventory(100.0, 5.0)).is_empty());
        // A high rate over too few requests is noise.
        assert!(run_check(&CHECK, &inventory(99.0, 99.0)).is_empty());
        let strict = settings_of(
            &CHECK,
            &[
                ("threshold-percent", SettingValue::Float(50.0)),
                ("min-requests", SettingValue::Integer(10)),
            ],
        );
        assert!(run_check_with(&CHECK, &inventory(20.0, 9.0), &strict).is_empty());
        assert!(run_check_with(&CHECK, &inventory(10.0, 5.0), &strict).is_empty());
        assert_eq!(
            run_check_with(&CHECK, &inventory(10.0, 6.0), &strict).len(),
            1
        );
    }

    #[test]
    fn unreadable_metrics_are_an_error_on_the_stage() {
        let mut inv = inventory(1200.0, 600.0);
        if let Some(e) = &mut inv.scopes[0].evidence {
            e.stage_metrics[0].sums =
                Lookup::Failed(access_denied("cloudwatch:GetMetricData", "pets/prod"));
        }
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert_eq!(f.stages, vec!["prod".to_string()]);
        assert_eq!(f.evidence["code"], "AccessDeniedException");
    }

    #[test]
    fn apis_sharing_the_name_are_named_and_stages_stay_apart() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list")
                    .stage("prod")
                    .stage("dev"),
            )
            .api(api("z9y8x7", "pets").stage("prod"))
            .api(api("q1w2e3", "orders").stage("prod"))
            .evidence(|e| {
                e.stage_metrics
                    .push(stage_metrics("a1b2c3", "pets", "prod", 500.0, 50.0));
                e.stage_metrics
                    .push(stage_metrics("a1b2c3", "pets", "dev", 500.0, 50.0));
            })
            .inventory();
        let findings = run_check(&CHECK, &inv);
        assert_eq!(findings.len(), 2);
        assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
        let f = &findings[0];
        assert_eq!(f.evidence["shared_name_with"], json!(["z9y8x7"]));
        assert!(
            f.message
                .contains("include the traffic of z9y8x7 also named pets"),
            "{}",
            f.message
        );
    }

    /// HTTP API stages: `5xx` by `ApiId` and `Stage`, never mixed with another API of the same
    /// name, and the remediation reads the access log.
    #[test]
    fn http_stages_are_read_by_id_with_5xx() {
        let inv = scope()
            .http_api(http_api("h1", "orders").route("GET /orders", "orders").stage("$default"))
            .http_api(http_api("h2", "orders").route("GET /x", "orders").stage("$default"))
            .evidence(|e| {
                e.stage_metrics
                    .push(http_stage_metrics("h1", "orders", "$default", 1000.0, 100.0));
                e.stage_metrics
                    .push(http_stage_metrics("h2", "orders", "$default", 1000.0, 0.0));
            })
            .inventory();
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.api.as_ref().map(|a| a.id.as_str()), Some("h1"));
        assert_eq!(f.api.as_ref().map(|a| a.protocol), Some(Protocol::Http));
        assert_eq!(f.stages, vec!["$default"]);
        assert_eq!(f.evidence["five_xx"], 100);
        assert_eq!(f.evidence["shared_name_with"], serde_json::json!([]));
        let fix = f.remediation.as_deref().unwrap();
        assert!(
            fix.starts_with("aws logs filter-log-events --log-group-name /aws/apigateway/default"),
            "{fix}"
        );
    }
}
