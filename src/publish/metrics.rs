//! The run's own metrics: what one audit found and what it cost, as CloudWatch datums that the
//! `PutMetricData` sink sends in [`batches`] or that [`super::emf`] writes as log lines. Pure:
//! no AWS calls, no clock.
//!
//! # Metrics (a public contract: users alarm on these names and dimensions)
//!
//! All go to `publish.cloudwatch.namespace` (default `APIGatewayAuditor`), unit `Count` unless
//! noted. Every series below is sent on every run, zeros included, so an alarm sees 0 rather
//! than missing data. "Findings" are the reported ones, `fail` and `error`, after suppressions.
//!
//! | Metric | Dimensions | Value |
//! |---|---|---|
//! | `Findings` | (none) | all findings; equals the report summary's total |
//! | `Findings` | `Severity` | per severity: `high`, `medium`, `low`, `info` |
//! | `Findings` | `Check`, `Severity` | per enabled check at its effective severity (the config override, else its declared one), plus every other severity it reported at (`function-not-active` is `medium` for an Inactive function). Disabled checks send nothing. |
//! | `Findings` | `ApiName`, `Stage` | per stage of every REST API in the inventory: findings that affect it |
//! | `Findings` | `ApiId`, `Stage` | per stage of every HTTP API in the inventory: findings that affect it |
//! | `Findings` | `Protocol` | findings about a `REST` API, an `HTTP` API (the report's `api.protocol`); findings about no API are in neither |
//! | `RoutesAudited`, `FunctionsAudited` | (none) | what was audited |
//! | `CollectionErrors` | (none) | failed AWS calls during collection |
//! | `SuppressedFindings` | (none) | findings hidden by suppressions |
//! | `PublishFailures` | (none) | publishing sinks that failed before the metrics were sent |
//! | `RunDuration` | (none) | run wall time, `Milliseconds` |
//! | `AwsCalls` | (none), `Operation` | AWS calls, in total and per `service:Operation` |
//!
//! `ApiName` is spelt the way `AWS/ApiGateway` spells it (non-ASCII characters stripped, the API
//! id when nothing is left), so these series line up with its `5XXError` by `ApiName, Stage`.
//! Like AWS's own, APIs sharing a name (in any audited account or region) share, and add up in,
//! one series. HTTP API stages use `ApiId`, as `AWS/ApiGateway` does for them (docs/aws-facts.md
//! §12.5), so they line up with its `5xx` by `ApiId, Stage`. Dimension values must be ASCII
//! without control characters and at most 1,024 characters (CloudWatch `Dimension`); a datum
//! whose value has nothing left is not sent.

use std::collections::BTreeMap;

use crate::checks;
use crate::config::Config;
use crate::inventory::{Inventory, Protocol};
use crate::report::{Report, Severity};

/// At most this many datums per `PutMetricData` request (docs/aws-facts.md §6).
pub const MAX_DATUMS_PER_REQUEST: usize = 1_000;
/// Batches are cut at this estimated size: the request limit is 1 MB, and the estimate leaves
/// room for the request's own fields.
pub const MAX_BATCH_BYTES: usize = 800_000;
/// CloudWatch allows 30 dimensions per metric.
pub const MAX_DIMENSIONS: usize = 30;
const MAX_DIMENSION_VALUE_CHARS: usize = 1_024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    /// The CloudWatch `StandardUnit` spelling, used by both `PutMetricData` and EMF.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    pub name: String,
    /// Dimension names and values, in a fixed order per metric.
    pub dimensions: Vec<(String, String)>,
    pub value: f64,
    pub unit: Unit,
}

/// A dimension value CloudWatch accepts: ASCII without control characters, at most 1,024
/// characters, not blank. `None` when nothing usable is left.
pub fn dimension_value(raw: &str) -> Option<String> {
    let kept: String = raw
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .take(MAX_DIMENSION_VALUE_CHARS)
        .collect();
    (!kept.trim().is_empty()).then_some(kept)
}

/// The `ApiName` dimension value of an API, as `AWS/ApiGateway` derives it.
pub fn api_name_dimension(api_id: &str, api_name: &str) -> Option<String> {
    dimension_value(api_name).or_else(|| dimension_value(api_id))
}

fn push(out: &mut Vec<Datum>, name: &str, dimensions: &[(&str, &str)], value: f64, unit: Unit) {
    // A series whose value cannot be sent would be rejected with the whole request: skip it.
    let kept: Option<Vec<(String, String)>> = dimensions
        .iter()
        .take(MAX_DIMENSIONS)
        .map(|(key, raw)| Some((key.to_string(), dimension_value(raw)?)))
        .collect();
    let Some(dimensions) = kept else { return };
    let name = name.to_string();
    out.push(Datum {
        name,
        dimensions,
        value,
        unit,
    });
}

/// Every datum of one run. Zero counts are included, so alarms see 0 rather than missing data.
pub fn datums(
    report: &Report,
    inventory: &Inventory,
    config: &Config,
    publish_failures: usize,
) -> Vec<Datum> {
    let findings = &report.findings;
    let mut out = Vec::new();
    for severity in Severity::ALL {
        let count = findings.iter().filter(|f| f.severity == severity).count();
        let dims = [("Severity", severity.as_str())];
        push(&mut out, "Findings", &dims, count as f64, Unit::Count);
    }

    // Seeded with every enabled check so a check without findings still reports 0; findings at
    // other severities (or of checks unknown to this build) add keys, so the series sum to the total.
    let mut by_check: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for check in checks::REGISTRY {
        let id = check.id.as_str();
        if config.checks.disabled.contains(id) {
            continue;
        }
        let severity = config.checks.severity.get(id).copied();
        by_check.insert((id, severity.unwrap_or(check.severity)), 0);
    }
    for finding in findings {
        let key = (finding.check.as_str(), finding.severity);
        *by_check.entry(key).or_insert(0) += 1;
    }
    for ((check, severity), count) in by_check {
        let dims = [("Check", check), ("Severity", severity.as_str())];
        push(&mut out, "Findings", &dims, count as f64, Unit::Count);
    }

    // Findings per (account, region, API id, stage), indexed once rather than rescanned per stage.
    let mut per_stage: BTreeMap<(&String, &String, &String, &String), usize> = BTreeMap::new();
    for finding in findings {
        let Some(api) = &finding.api else { continue };
        for stage in &finding.stages {
            let key = (&finding.account, &finding.region, &api.id, stage);
            *per_stage.entry(key).or_insert(0) += 1;
        }
    }
    let mut by_stage: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for scope in &inventory.scopes {
        for api in &scope.apis {
            let Some(api_name) = api_name_dimension(&api.id, &api.name) else {
                continue;
            };
            for stage in api.stages.found().into_iter().flatten() {
                let key = (&scope.account, &scope.region, &api.id, &stage.name);
                let count = per_stage.get(&key).copied().unwrap_or(0);
                let series = (api_name.clone(), stage.name.as_str());
                *by_stage.entry(series).or_insert(0) += count;
            }
        }
    }
    for ((api_name, stage), count) in by_stage {
        let dims = [("ApiName", api_name.as_str()), ("Stage", stage)];
        push(&mut out, "Findings", &dims, count as f64, Unit::Count);
    }
    // HTTP API stages by id: ids are unique per account and region, and `AWS/ApiGateway` keys
    // their series by id.
    let mut by_http_stage: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for scope in &inventory.scopes {
        for api in &scope.http_apis {
            for stage in api.stages.found().into_iter().flatten() {
                let key = (&scope.account, &scope.region, &api.id, &stage.name);
                let count = per_stage.get(&key).copied().unwrap_or(0);
                *by_http_stage
                    .entry((api.id.as_str(), stage.name.as_str()))
                    .or_insert(0) += count;
            }
        }
    }
    for ((api_id, stage), count) in by_http_stage {
        let dims = [("ApiId", api_id), ("Stage", stage)];
        push(&mut out, "Findings", &dims, count as f64, Unit::Count);
    }
    for protocol in [Protocol::Rest, Protocol::Http] {
        let count = findings
            .iter()
            .filter(|f| f.api.as_ref().is_some_and(|a| a.protocol == protocol))
            .count();
        let dims = [("Protocol", protocol.as_str())];
        push(&mut out, "Findings", &dims, count as f64, Unit::Count);
    }

    let summary = &report.summary;
    let calls: u64 = summary.api_calls.values().sum();
    let duration = summary.duration_ms as f64;
    let plain = [
        ("Findings", findings.len() as f64, Unit::Count),
        ("RoutesAudited", summary.routes as f64, Unit::Count),
        ("FunctionsAudited", summary.functions as f64, Unit::Count),
        ("CollectionErrors", summary.errors as f64, Unit::Count),
        ("SuppressedFindings", summary.suppressed as f64, Unit::Count),
        ("PublishFailures", publish_failures as f64, Unit::Count),
        ("RunDuration", duration, Unit::Milliseconds),
        ("AwsCalls", calls as f64, Unit::Count),
    ];
    for (name, value, unit) in plain {
        push(&mut out, name, &[], value, unit);
    }
    for (operation, count) in &summary.api_calls {
        let dims = [("Operation", operation.as_str())];
        push(&mut out, "AwsCalls", &dims, *count as f64, Unit::Count);
    }
    out
}

/// A conservative size of one datum inside a `PutMetricData` request. The SDK sends compact
/// CBOR; this assumes the most verbose form the API accepts, the query form, where every member
/// spells its full path (`MetricData.member.1000.Dimensions.member.30.Value=`, under 64 bytes)
/// and percent-encoding can triple a byte, so the batches hold whichever protocol is spoken.
pub fn estimated_bytes(datum: &Datum) -> usize {
    const FIELD: usize = 64;
    let dimensions: usize = datum
        .dimensions
        .iter()
        .map(|(name, value)| 2 * FIELD + 3 * (name.len() + value.len()))
        .sum();
    // MetricName, Value (a float is at most 24 characters), Unit, and a Timestamp the sink may set.
    4 * FIELD + 3 * datum.name.len() + 24 + 3 * "Milliseconds".len() + 3 * 24 + dimensions
}

/// Batches for `PutMetricData`: at most 1,000 datums and [`MAX_BATCH_BYTES`] of estimated
/// request each, in order. A datum too big on its own still gets a batch of its own, for
/// CloudWatch to judge.
pub fn batches(datums: &[Datum]) -> Vec<&[Datum]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, datum) in datums.iter().enumerate() {
        let size = estimated_bytes(datum);
        if i > start && (i - start == MAX_DATUMS_PER_REQUEST || bytes + size > MAX_BATCH_BYTES) {
            out.push(&datums[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < datums.len() {
        out.push(&datums[start..]);
    }
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::evaluate::RunFacts;
    use crate::report::{Source, Status};
    use crate::testkit::{api, scope, today};

    /// A fixed run (two seconds on the testkit's day), shared with the EMF tests.
    pub(in crate::publish) fn run_context() -> RunFacts {
        let started_at = today().and_hms_opt(10, 0, 0).expect("valid time").and_utc();
        let finished_at = started_at + chrono::Duration::seconds(2);
        let (id, source) = ("run-1".to_string(), Source::Snapshot);
        RunFacts {
            id,
            started_at,
            finished_at,
            source,
            today: today(),
        }
    }

    /// A series by its dimensions, written `Name=value,Name=value,`.
    fn key(datum: &Datum) -> String {
        let pairs = datum.dimensions.iter();
        pairs.map(|(k, v)| format!("{k}={v},")).collect()
    }

    #[test]
    fn counts_per_check_severity_stage_with_zeros() {
        let inventory = scope()
            .api(api("a1", "pets").stage("dev").stage("prod"))
            .api(api("a2", "pets").stage("prod"))
            .api(api("a3", "\u{2615}").stage("live"))
            .inventory();
        let mut config = Config::default();
        config.checks.disabled.insert("runtime-deprecated".into());
        let broad = "invoke-permission-too-broad";
        config.checks.severity.insert(broad.into(), Severity::Low);
        let mut report = crate::evaluate::evaluate(&inventory, &config, run_context());
        let (missing, inactive) = ("invoke-permission-missing", "function-not-active");
        let (high, fail) = (Severity::High, Status::Fail);
        let made: [(&str, Severity, Status, &str, &[&str]); 4] = [
            (missing, high, fail, "a1", &["dev", "prod"]),
            (inactive, Severity::Medium, Status::Error, "a1", &["prod"]),
            (broad, Severity::Low, fail, "a2", &["prod"]),
            ("handler-invalid", high, fail, "", &[]),
        ];
        let (scope, apis) = (&inventory.scopes[0], &inventory.scopes[0].apis);
        let made = made
            .iter()
            .filter_map(|&(check, severity, status, api, stages)| {
                let mut finding =
                    checks::shared::base_finding(checks::find(check)?, scope, status, "m".into());
                finding.api = apis
                    .iter()
                    .find(|a| a.id == api)
                    .map(|a| checks::shared::api_ref(crate::inventory::ApiView::Rest(a)));
                finding.stages = stages.iter().map(|s| s.to_string()).collect();
                finding.severity = severity;
                Some(finding)
            });
        report.findings = made.collect();
        report.summary.duration_ms = 1500;
        let datums = datums(&report, &inventory, &config, 2);
        let series: BTreeMap<String, f64> = datums
            .iter()
            .filter(|d| d.name == "Findings")
            .map(|d| (key(d), d.value))
            .collect();
        let expected = [
            ("", Some(4.0)),
            ("Severity=high,", Some(2.0)),
            ("Severity=info,", Some(0.0)),
            ("Check=invoke-permission-missing,Severity=high,", Some(1.0)),
            ("Check=function-not-active,Severity=high,", Some(0.0)),
            ("Check=function-not-active,Severity=medium,", Some(1.0)),
            ("Check=invoke-permission-too-broad,Severity=low,", Some(1.0)),
            ("Check=invoke-permission-too-broad,Severity=medium,", None),
            ("Check=lambda-error-rate,Severity=medium,", Some(0.0)),
            ("Check=runtime-deprecated,Severity=medium,", None),
            ("ApiName=pets,Stage=dev,", Some(1.0)),
            ("ApiName=pets,Stage=prod,", Some(3.0)),
            ("ApiName=a3,Stage=live,", Some(0.0)),
        ];
        for (key, count) in expected {
            assert_eq!(series.get(key).copied(), count, "{key}");
        }
        let plain = |n: &str| {
            datums
                .iter()
                .find(|d| d.name == n)
                .map(|d| (d.value, d.unit))
        };
        assert_eq!(plain("PublishFailures"), Some((2.0, Unit::Count)));
        assert_eq!(plain("RunDuration"), Some((1500.0, Unit::Milliseconds)));
    }

    /// HTTP API stages are counted by `ApiId` (as `AWS/ApiGateway` keys their `5xx`), and every
    /// run says how many findings were about REST and HTTP APIs.
    #[test]
    fn http_stages_by_id_and_findings_by_protocol() {
        use crate::testkit::{http_api, only, run_check, target};
        let mut denied = target("orders", "none");
        denied.policy = crate::inventory::Lookup::Missing;
        let inventory = scope()
            .http_api(
                http_api("h1", "orders")
                    .route("$default", "orders")
                    .stage("$default"),
            )
            .http_api(http_api("h2", "orders").stage("prod"))
            .target(denied)
            .inventory();
        let mut report = crate::evaluate::evaluate(&inventory, &Config::default(), run_context());
        report.findings = vec![only(&run_check(
            &checks::invoke_permission_missing::CHECK,
            &inventory,
        ))
        .clone()];
        let series: BTreeMap<String, f64> = datums(&report, &inventory, &Config::default(), 0)
            .iter()
            .filter(|d| d.name == "Findings")
            .map(|d| (key(d), d.value))
            .collect();
        assert_eq!(series.get("ApiId=h1,Stage=$default,"), Some(&1.0));
        assert_eq!(series.get("ApiId=h2,Stage=prod,"), Some(&0.0));
        assert_eq!(series.get("Protocol=HTTP,"), Some(&1.0));
        assert_eq!(series.get("Protocol=REST,"), Some(&0.0));
        assert!(
            !series.keys().any(|k| k.starts_with("ApiName=")),
            "{series:?}"
        );
    }

    #[test]
    fn batches_respect_count_and_size() {
        let datum = |dimensions: Vec<(String, String)>| Datum {
            name: "Findings".into(),
            dimensions,
            value: 1.0,
            unit: Unit::Count,
        };
        let many: Vec<Datum> = (0..2_500)
            .map(|i| datum(vec![("Check".into(), format!("c{i}"))]))
            .collect();
        let lens: Vec<usize> = batches(&many).iter().map(|b| b.len()).collect();
        assert_eq!(lens, [1_000, 1_000, 500]);
        let wide = (0..MAX_DIMENSIONS).map(|i| (format!("D{i}"), "v".repeat(1_024)));
        let huge = vec![datum(wide.collect()); 20];
        let split = batches(&huge);
        assert!(split.len() > 2 && split.iter().all(|b| !b.is_empty()));
        for batch in &split {
            assert!(batch.iter().map(estimated_bytes).sum::<usize>() <= MAX_BATCH_BYTES);
        }
        assert_eq!(split.iter().map(|b| b.len()).sum::<usize>(), 20);
        assert!(batches(&[]).is_empty());
        assert_eq!(dimension_value("caf\u{e9}\n"), Some("caf".into()));
        assert_eq!(api_name_dimension("a3", " \u{2615} "), Some("a3".into()));
    }
}
