//! Evaluation: computes each scope's route targets once, runs every enabled check over them,
//! links symptoms to their probable causes (`causes.rs`), applies the config's severity overrides
//! and suppressions, and assembles the report. Pure: no I/O, no clock (the caller passes the
//! times).

mod causes;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::checks::{self, Context};
use crate::config::{Config, Suppression};
use crate::inventory::{Inventory, ScopeInventory};
use crate::report::{
    Finding, Report, RunInfo, ScopeRef, SeverityCounts, Source, Summary, SuppressedFinding,
    ToolInfo, REPORT_SCHEMA,
};
use crate::routes::ScopeRoutes;

/// When and how the run happened, supplied by the caller so evaluation stays deterministic.
pub struct RunFacts {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub source: Source,
    /// The date date-based checks and suppression expiry are judged against.
    pub today: NaiveDate,
}

/// Runs the enabled checks and builds the report.
pub fn evaluate(inventory: &Inventory, config: &Config, run: RunFacts) -> Report {
    let routes = ScopeRoutes::of_all(&inventory.scopes);
    let mut findings: Vec<Finding> = checks::REGISTRY
        .iter()
        .filter(|check| !config.checks.disabled.contains(check.id.as_str()))
        .flat_map(|&check| {
            (check.run)(&Context {
                check,
                inventory,
                routes: &routes,
                settings: &config.checks.settings,
                today: run.today,
            })
        })
        .collect();
    for finding in &mut findings {
        if let Some(severity) = config.checks.severity.get(&finding.check) {
            finding.severity = *severity;
        }
    }
    // Before suppressions, so a suppressed cause is still named by the symptom it explains.
    causes::link_probable_causes(&mut findings, &routes);

    let mut notices = Vec::new();
    for suppression in config
        .suppressions
        .iter()
        .filter(|s| s.is_expired(run.today))
    {
        notices.push(format!(
            "suppression of {} on `{}` expired on {}: its findings are reported again ({})",
            suppression.check,
            suppression.resource,
            suppression
                .expires
                .map(|d| d.to_string())
                .unwrap_or_default(),
            suppression.reason
        ));
    }
    // A scope that could not start has no findings to show for it: say so where people look.
    for scope in inventory.scopes.iter().filter(|s| s.error.is_some()) {
        notices.push(format!(
            "account {} in {} was not audited: {}",
            scope.account,
            scope.region,
            scope.error.as_deref().unwrap_or_default()
        ));
    }
    let (findings, suppressed) = apply_suppressions(findings, &config.suppressions, run.today);
    let findings = sorted(findings);

    let mut counts = SeverityCounts::default();
    for finding in &findings {
        counts.add(finding.severity);
    }
    let errors: Vec<_> = inventory
        .scopes
        .iter()
        .flat_map(|s| s.errors.iter().cloned())
        .collect();
    let sum = |per_scope: fn(&ScopeInventory) -> &BTreeMap<String, u64>| {
        let mut total = BTreeMap::new();
        for scope in &inventory.scopes {
            for (operation, count) in per_scope(scope) {
                *total.entry(operation.clone()).or_insert(0) += count;
            }
        }
        total
    };
    let summary = Summary {
        apis: inventory
            .scopes
            .iter()
            .map(|s| s.apis.len() + s.http_apis.len())
            .sum(),
        stages: inventory
            .scopes
            .iter()
            .flat_map(|s| s.all_apis())
            .map(|api| api.stages().found().map_or(0, Vec::len))
            .sum(),
        routes: count_routes(&routes),
        functions: inventory.scopes.iter().map(|s| s.targets.len()).sum(),
        findings: counts,
        errors: errors.len(),
        suppressed: suppressed.len(),
        api_calls: sum(|s| &s.api_calls),
        throttled: sum(|s| &s.throttled),
        retries: sum(|s| &s.retries),
        most_attempts: inventory
            .scopes
            .iter()
            .map(|s| s.most_attempts)
            .max()
            .unwrap_or(0),
        package_bytes_read: inventory.scopes.iter().map(|s| s.package_reads.bytes).sum(),
        package_requests: inventory
            .scopes
            .iter()
            .map(|s| s.package_reads.requests)
            .sum(),
        unaudited: count_unaudited(&routes),
        integrations: {
            let mut all = std::collections::BTreeMap::new();
            for scope in &inventory.scopes {
                for (kind, count) in crate::routes::integration_counts(scope) {
                    *all.entry(kind).or_insert(0) += count;
                }
            }
            all
        },
        duration_ms: (run.finished_at - run.started_at).num_milliseconds().max(0) as u64,
    };
    Report {
        schema: REPORT_SCHEMA.to_string(),
        tool: ToolInfo::default(),
        run: RunInfo {
            id: run.id,
            started_at: run.started_at,
            finished_at: run.finished_at,
            source: run.source,
        },
        scopes: inventory
            .scopes
            .iter()
            .map(|s| ScopeRef {
                account: s.account.clone(),
                region: s.region.clone(),
                name: s.name.clone(),
                role_arn: s.role_arn.clone(),
                error: s.error.clone(),
            })
            .collect(),
        summary,
        findings,
        errors,
        suppressed,
        notices,
        publish: Vec::new(),
    }
}

/// Distinct (API, method, path) Lambda routes and authorizers that some stage serves.
fn count_routes(routes: &[ScopeRoutes<'_>]) -> usize {
    let mut seen = BTreeSet::new();
    for scope in routes {
        for route in &scope.targets {
            seen.insert((
                &scope.scope.account,
                &scope.scope.region,
                route.api.id(),
                route.describe(),
            ));
        }
    }
    seen.len()
}

/// Distinct Lambda integrations and authorizers (API, invoker) that could not be judged.
fn count_unaudited(routes: &[ScopeRoutes<'_>]) -> usize {
    let mut seen = BTreeSet::new();
    for scope in routes {
        for route in scope.targets.iter().filter(|r| r.unjudgeable()) {
            seen.insert((
                &scope.scope.account,
                &scope.scope.region,
                route.api.id(),
                route.describe(),
            ));
        }
    }
    seen.len()
}

/// The strings a suppression's `resource` glob is matched against.
fn identities(finding: &Finding) -> Vec<String> {
    let mut out = vec![finding.fingerprint.clone()];
    out.extend(finding.function.clone());
    if let Some(api) = &finding.api {
        out.push(api.id.clone());
        out.push(api.name.clone());
    }
    if let Some(route) = &finding.route {
        out.push(format!("{} {}", route.method, route.path));
    }
    out
}

fn apply_suppressions(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    today: NaiveDate,
) -> (Vec<Finding>, Vec<SuppressedFinding>) {
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for mut finding in findings {
        let ids = identities(&finding);
        let matching: Vec<&Suppression> = suppressions
            .iter()
            .filter(|s| s.matches(&finding.check, ids.iter().map(String::as_str)))
            .collect();
        if let Some(active) = matching.iter().find(|s| !s.is_expired(today)) {
            suppressed.push(SuppressedFinding {
                fingerprint: finding.fingerprint.clone(),
                check: finding.check.clone(),
                reason: active.reason.clone(),
                expires: active.expires,
            });
            continue;
        }
        if let Some(expired) = matching.first() {
            if let Some(evidence) = finding.evidence.as_object_mut() {
                evidence.insert(
                    "suppression_expired".to_string(),
                    json!({"reason": expired.reason, "expired_on": expired.expires}),
                );
            }
        }
        kept.push(finding);
    }
    (kept, suppressed)
}

/// Highest severity first, then by check, account, region, API, route, function: a stable order.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| (&a.account, &a.region).cmp(&(&b.account, &b.region)))
            .then_with(|| a.api.cmp(&b.api))
            .then_with(|| a.route.cmp(&b.route))
            .then_with(|| a.authorizer.cmp(&b.authorizer))
            .then_with(|| a.function.cmp(&b.function))
    });
    findings
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::{evaluate, RunFacts};
    use crate::config::{Config, Suppression};
    use crate::inventory::Lookup;
    use crate::report::{Severity, Source, Status};
    use crate::testkit::*;

    fn run_ctx(today: NaiveDate) -> RunFacts {
        RunFacts {
            id: "run-1".into(),
            started_at: Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap(),
            finished_at: Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 2).unwrap(),
            source: Source::Snapshot,
            today,
        }
    }

    /// One route with no permission (high) and a deprecated runtime (medium).
    fn fleet() -> crate::inventory::Inventory {
        let mut t = target_with("legacy-fn", "a1b2c3d4e5", |c| {
            c.runtime = Some("python3.8".into())
        });
        t.policy = Lookup::Missing;
        let mut scope = scope()
            .api(
                api("a1b2c3d4e5", "legacy")
                    .route("GET", "/x", "legacy-fn")
                    .stage("prod"),
            )
            .target(t)
            .build();
        scope.api_calls.insert("lambda:GetPolicy".into(), 1);
        inventory(vec![scope])
    }

    #[test]
    fn summary_counts_and_order() {
        let report = evaluate(&fleet(), &Config::default(), run_ctx(today()));
        assert_eq!(report.schema, "apigw-auditor.report.v1");
        assert_eq!(report.summary.apis, 1);
        assert_eq!(report.summary.stages, 1);
        assert_eq!(report.summary.routes, 1);
        assert_eq!(report.summary.functions, 1);
        assert_eq!(report.summary.api_calls["lambda:GetPolicy"], 1);
        assert_eq!(report.summary.duration_ms, 2000);
        let checks: Vec<&str> = report.findings.iter().map(|f| f.check.as_str()).collect();
        assert_eq!(
            checks,
            vec!["invoke-permission-missing", "runtime-deprecated"]
        );
        assert_eq!(
            (report.summary.findings.high, report.summary.findings.medium),
            (1, 1)
        );
        assert!(report
            .findings
            .iter()
            .all(|f| f.fingerprint.len() == 20 && f.status == Status::Fail));
    }

    #[test]
    fn disabled_checks_and_severity_overrides() {
        let mut config = Config::default();
        config
            .checks
            .disabled
            .insert("invoke-permission-missing".into());
        config
            .checks
            .severity
            .insert("runtime-deprecated".into(), Severity::High);
        let report = evaluate(&fleet(), &config, run_ctx(today()));
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].severity, Severity::High);
        assert!(report.has_findings_at_or_above(Severity::High));
    }

    #[test]
    fn suppressions_hide_until_they_expire() {
        let mut config = Config::default();
        config.suppressions.push(Suppression {
            check: "runtime-deprecated".into(),
            resource: "arn:aws:lambda:*:*:function:legacy-*".into(),
            reason: "migrating in Q1".into(),
            expires: NaiveDate::from_ymd_opt(2026, 12, 31),
        });
        let report = evaluate(&fleet(), &config, run_ctx(today()));
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.suppressed.len(), 1);
        assert_eq!(report.suppressed[0].reason, "migrating in Q1");
        assert!(report.notices.is_empty());

        let later = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let report = evaluate(&fleet(), &config, run_ctx(later));
        assert_eq!(report.findings.len(), 2);
        assert!(report.suppressed.is_empty());
        assert_eq!(report.notices.len(), 1);
        assert!(
            report.notices[0].contains("expired on 2026-12-31"),
            "{}",
            report.notices[0]
        );
        let deprecated = report
            .findings
            .iter()
            .find(|f| f.check == "runtime-deprecated")
            .unwrap();
        assert_eq!(
            deprecated.evidence["suppression_expired"]["reason"],
            "migrating in Q1"
        );
    }

    #[test]
    fn suppressions_match_routes_and_api_names() {
        let mut config = Config::default();
        config.suppressions.push(Suppression {
            check: "*".into(),
            resource: "GET /x".into(),
            reason: "r".into(),
            expires: None,
        });
        let report = evaluate(&fleet(), &config, run_ctx(today()));
        // The route-level finding is hidden; the function-level one has no route.
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].check, "runtime-deprecated");
    }
}
