//! Shared plumbing of the checks that read CloudWatch evidence (`api-5xx-rate`,
//! `lambda-error-rate`, `execution-log-errors`, `function-log-errors`, and the stage-level
//! `execution-logging-disabled`): the window in evidence and messages, number formatting, the
//! signature table of a log scan, the `filter-log-events` command, and stage fingerprints.

use serde_json::{json, Value};

use crate::checks::shared::sh;
use crate::inventory::evidence::{SignatureHits, Window};
use crate::inventory::{Protocol, ScopeInventory};
use crate::log_signatures;
use crate::report::ApiRef;
use crate::routes::{Invoker, ScopeRoutes};

/// `{start, end, period_seconds}`, as every evidence finding reports its window.
pub fn window_json(window: &Window) -> Value {
    json!({
        "start": window.start,
        "end": window.end,
        "period_seconds": window.period_seconds,
    })
}

/// `in the last 60 minutes`, `in the last 3 hours`.
pub fn window_phrase(window: &Window) -> String {
    let minutes = (window.end - window.start).num_minutes();
    match minutes {
        m if m <= 0 => "in the evidence window".to_string(),
        m if m >= 120 && m % 60 == 0 => format!("in the last {} hours", m / 60),
        m => format!("in the last {m} minutes"),
    }
}

/// A metric total as a whole count: CloudWatch sums are floats, and a missing or odd value
/// (negative, NaN) counts as nothing rather than breaking the arithmetic.
pub fn whole(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value.round() as u64
    } else {
        0
    }
}

/// `part` in percent of `total`; 0 when there is no total (no division by zero).
pub fn rate_percent(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 * 100.0 / total as f64
    }
}

/// Rounded to one decimal, for evidence.
pub fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// `1,200`: thousands separated, as people read counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `6.2 %` for a measured rate, `5 %` for a whole threshold.
pub fn percent(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0} %")
    } else {
        format!("{value:.1} %")
    }
}

/// The API with this id as the scope knows it (its id stands in for an unknown name).
pub fn api_named(scope: &ScopeInventory, id: &str) -> ApiRef {
    scope.api(id).map_or_else(
        || ApiRef {
            id: id.to_string(),
            name: id.to_string(),
            protocol: Default::default(),
        },
        ApiRef::of,
    )
}

/// `arn:aws:lambda:us-east-1:123456789012:function:name`: the unqualified function whose log
/// group (shared by all its versions and aliases) was scanned in this scope.
pub fn scope_function_arn(scope: &ScopeInventory, name: &str) -> String {
    format!(
        "arn:{}:lambda:{}:{}:function:{}",
        scope.partition, scope.region, scope.account, name
    )
}

/// The routes (any qualifier) that invoke the function `name` of this scope, sorted.
pub fn function_routes(routes: &ScopeRoutes<'_>, name: &str) -> Vec<String> {
    let scope = routes.scope;
    let mut routes: Vec<String> = routes
        .reached
        .iter()
        .filter(|reached| {
            let arn = reached.arn();
            arn.name == name && arn.account == scope.account && arn.region == scope.region
        })
        .flat_map(|reached| reached.routes.iter().cloned())
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

/// The signatures a log scan found, most frequent first.
pub struct SignatureTable<'a> {
    /// Hits with a count, sorted by count (descending) then phrase.
    pub hits: Vec<&'a SignatureHits>,
    /// The most frequent signature.
    pub top: &'a SignatureHits,
    /// The status clients get for it.
    top_status: Option<u16>,
    /// The `signatures` evidence: {signature, meaning, count, samples, capped, client_status}.
    pub rows: Value,
    /// Matching lines in all (a lower bound when `capped`).
    pub total: u64,
    /// Some scan stopped before the end of the window.
    pub capped: bool,
}

/// How API Gateway answers the failures of a function, given the routes that invoke it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answers {
    /// A function error or malformed response: 502 from a REST API (docs/aws-facts.md §4), 500
    /// when only HTTP APIs call the function (§12.3).
    pub error: u16,
    /// An integration timeout, when the function may run longer than a route's integration
    /// waits: 504 from a REST API (§8), 503 when only HTTP routes are outlived (§12.3).
    pub timeout: Option<u16>,
}

impl Answers {
    /// A REST API's answers, for tables whose lines come from API Gateway's own logs.
    pub const REST: Answers = Answers {
        error: 502,
        timeout: None,
    };
}

/// The status clients get for a signature: a known line's own status, with a function failure
/// (502 on REST) answered `answers.error`, and `Task timed out` answered with the integration
/// timeout's status when the function outlives the integration (API Gateway has already
/// answered by then, docs/aws-facts.md §8).
fn client_status(signature: &str, answers: Answers) -> Option<u16> {
    match log_signatures::find(signature) {
        Some(s) if s.phrase == "Task timed out" && answers.timeout.is_some() => answers.timeout,
        Some(s) if s.client_status == 502 => Some(answers.error),
        Some(s) => Some(s.client_status),
        None => None,
    }
}

/// API Gateway's integration timeout when none is set: 29 s for REST APIs (docs/aws-facts.md
/// §8), 30 s for HTTP APIs, which is also their maximum and cannot be raised (§12.1, botocore
/// model; `http-api-quotas.html`).
pub fn default_integration_timeout_ms(protocol: Protocol) -> i64 {
    match protocol {
        Protocol::Rest => 29_000,
        Protocol::Http => 30_000,
    }
}

/// What clients get when the integration times out: REST answers 504 Endpoint request timed out
/// (§8); HTTP APIs answer 503 Service Unavailable (§12.3: sst issue #2232 and other community
/// reports; AWS's own statement NOT FOUND).
pub fn timed_out(protocol: Protocol) -> (u16, &'static str) {
    match protocol {
        Protocol::Rest => (504, "504 Endpoint request timed out"),
        Protocol::Http => (503, "503 Service Unavailable"),
    }
}

/// How API Gateway answers the failures of `function_name` (any alias or version of it, in this
/// scope): 500 instead of 502 when only HTTP APIs invoke it, and the integration timeout's
/// status when it may run longer than some route's integration waits (504 when one of those
/// routes is a REST method, else 503).
pub fn gateway_answers(routes: &ScopeRoutes<'_>, function_name: &str) -> Answers {
    let scope = routes.scope;
    let mut reached = routes
        .reached
        .iter()
        .filter(|r| {
            let arn = r.arn();
            arn.name == function_name && arn.account == scope.account && arn.region == scope.region
        })
        .peekable();
    let only_http = reached.peek().is_some() && reached.all(|r| r.only_http());
    let mut outlived = routes.targets.iter().filter_map(|route| {
        let Invoker::Method { integration, .. } = &route.invoker else {
            return None;
        };
        let Ok(function) = &route.resolved else {
            return None;
        };
        let timeout_s = scope
            .targets
            .get(&function.to_string())
            .and_then(|t| t.configuration.found())
            .and_then(|c| c.timeout_seconds)?;
        let protocol = route.api.protocol();
        let waits = integration
            .timeout_ms
            .map_or_else(|| default_integration_timeout_ms(protocol), i64::from);
        (function.name == function_name && i64::from(timeout_s) * 1000 > waits).then_some(protocol)
    });
    let first = outlived.next();
    let timeout = first.map(|p| {
        if p.is_rest() || outlived.any(|p| p.is_rest()) {
            timed_out(Protocol::Rest).0
        } else {
            timed_out(Protocol::Http).0
        }
    });
    Answers {
        error: if only_http { 500 } else { 502 },
        timeout,
    }
}

impl<'a> SignatureTable<'a> {
    /// `None` when no signature was seen. `answers`: how API Gateway answers the failures the
    /// lines stand for ([`gateway_answers`] for a function's own log).
    pub fn new(hits: &'a [SignatureHits], answers: Answers) -> Option<Self> {
        let mut hits: Vec<&SignatureHits> = hits.iter().filter(|h| h.count > 0).collect();
        hits.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.signature.cmp(&b.signature))
        });
        let rows = hits
            .iter()
            .map(|h| {
                let known = log_signatures::find(&h.signature);
                json!({
                    "signature": h.signature,
                    "meaning": known.map(|s| s.meaning),
                    "count": h.count,
                    "samples": h.samples,
                    "capped": h.capped,
                    "client_status": client_status(&h.signature, answers),
                })
            })
            .collect();
        let top = hits.first().copied()?;
        Some(Self {
            top,
            top_status: client_status(&top.signature, answers),
            total: hits.iter().map(|h| h.count).sum(),
            capped: hits.iter().any(|h| h.capped),
            rows: Value::Array(rows),
            hits,
        })
    }

    /// The client status of the most frequent signature, if it is a known one.
    pub fn top_status(&self) -> Option<u16> {
        self.top_status
    }

    /// `at least 7 failure lines in the last 60 minutes, most often "Task timed out" (7): the
    /// function hit its own timeout` — the shared middle of both log checks' messages.
    pub fn counted(&self, noun: &str, window: &Window) -> String {
        let at_least = if self.capped { "at least " } else { "" };
        let meaning = log_signatures::find(&self.top.signature)
            .map(|s| format!(": {}", s.meaning))
            .unwrap_or_default();
        format!(
            "{at_least}{} {noun}{} {}, most often {}{meaning}",
            thousands(self.total),
            if self.total == 1 { "" } else { "s" },
            window_phrase(window),
            self.top_phrase()
        )
    }

    /// The evidence of a log finding: the log group, the window and the signature rows.
    pub fn evidence(&self, log_group: &str, window: &Window) -> Value {
        json!({
            "log_group": log_group,
            "window": window_json(window),
            "signatures": self.rows,
        })
    }

    /// The `aws logs filter-log-events` command for the most frequent signature.
    pub fn search_command(&self, log_group: &str, window: &Window, region: &str) -> String {
        filter_log_events(
            log_group,
            &format!("\"{}\"", self.top.signature),
            window,
            region,
        )
    }

    /// `"Task timed out" (12)` or, when capped, `"Task timed out" (at least 12)`.
    pub fn top_phrase(&self) -> String {
        let top = self.top;
        let at_least = if top.capped { "at least " } else { "" };
        format!("\"{}\" ({at_least}{})", top.signature, thousands(top.count))
    }
}

/// `aws logs filter-log-events` over the window for one filter pattern.
pub fn filter_log_events(log_group: &str, pattern: &str, window: &Window, region: &str) -> String {
    format!(
        "aws logs filter-log-events --log-group-name {} --filter-pattern {} --start-time {} \
         --end-time {} --region {}",
        sh(log_group),
        sh(pattern),
        window.start.timestamp_millis(),
        window.end.timestamp_millis(),
        sh(region)
    )
}
