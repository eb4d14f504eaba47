//! The `[collect]` section: paging, concurrency, retries and the client-side rate limits that keep
//! the auditor under AWS's per-account quotas.

use toml::Table;

use super::keys::join;
use super::validate::{set, Walker};
use super::{CollectSettings, IntegrationsSource, RateLimit, RateLimits};

const INTEGRATIONS: [(&str, IntegrationsSource); 2] = [
    ("deployed", IntegrationsSource::Deployed),
    ("current", IntegrationsSource::Current),
];

/// Per-second rates above this are typos, not quotas: AWS's highest control-plane quota is 100/s.
const MAX_PER_SECOND: f64 = 10_000.0;
const MAX_BURST: i64 = 10_000;

impl Walker<'_> {
    pub(super) fn collect(&mut self, table: &Table, out: &mut CollectSettings) {
        for (name, value) in table {
            let key = join("collect", name);
            match name.as_str() {
                // 500 is the most GetRestApis / GetResources accept as `limit`.
                "page-size" => set(
                    &mut out.page_size,
                    self.problems.integer(&key, value, 1..=500),
                ),
                "concurrency" => set(
                    &mut out.concurrency,
                    self.problems.integer(&key, value, 1..=64),
                ),
                "max-attempts" => set(
                    &mut out.max_attempts,
                    self.problems.integer(&key, value, 1..=20),
                ),
                "integrations" => set(
                    &mut out.integrations,
                    self.problems
                        .one_of(&key, value, "integrations source", &INTEGRATIONS),
                ),
                "rate-limits" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.rate_limits(t, &mut out.rate_limits);
                    }
                }
                _ => self.problems.unknown_key(&key, name, "collect"),
            }
        }
    }

    fn rate_limits(&mut self, table: &Table, out: &mut RateLimits) {
        const PATTERN: &str = "collect.rate-limits";
        for (name, value) in table {
            let key = join(PATTERN, name);
            let Some(limit) = rate_limit_mut(out, name) else {
                self.problems.unknown_key(&key, name, PATTERN);
                continue;
            };
            let Some(t) = self.problems.table(&key, value) else {
                continue;
            };
            let pattern = format!("{PATTERN}.{name}");
            for (field, value) in t {
                let field_key = join(&key, field);
                match field.as_str() {
                    "per-second" => set(
                        &mut limit.per_second,
                        self.problems
                            .positive_float(&field_key, value, MAX_PER_SECOND),
                    ),
                    "burst" => set(
                        &mut limit.burst,
                        self.problems.integer(&field_key, value, 1..=MAX_BURST),
                    ),
                    _ => self.problems.unknown_key(&field_key, field, &pattern),
                }
            }
        }
    }
}

/// The limit configured under `collect.rate-limits.<name>`.
fn rate_limit_mut<'a>(limits: &'a mut RateLimits, name: &str) -> Option<&'a mut RateLimit> {
    Some(match name {
        "apigateway" => &mut limits.apigateway,
        "apigateway-get-resources" => &mut limits.apigateway_get_resources,
        "lambda-get-function" => &mut limits.lambda_get_function,
        "lambda-get-policy" => &mut limits.lambda_get_policy,
        "lambda-other" => &mut limits.lambda_other,
        "sts" => &mut limits.sts,
        "cloudwatch-get-metric-data" => &mut limits.cloudwatch_get_metric_data,
        "logs-filter-log-events" => &mut limits.logs_filter_log_events,
        _ => return None,
    })
}
