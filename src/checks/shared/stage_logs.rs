//! The two checks that count failure lines in a stage's log — `execution-log-errors` (REST
//! execution logs) and `access-log-errors` (HTTP API access logs) — read their scans the same
//! way: one finding per (API, stage) whose log holds a known line, an `error` finding for a log
//! that could not be read, nothing for a log group that does not exist. Several HTTP API stages
//! may write their access logs to one group; the lines found there cannot be told apart by
//! stage, so each such stage's finding names the others (`evidence.shared_with`) instead of
//! claiming the lines as its own.

use std::collections::BTreeMap;

use serde_json::json;

use crate::checks::shared::evidence::{api_named, Answers, SignatureTable};
use crate::checks::shared::{base_finding, error_finding};
use crate::checks::{Check, Context};
use crate::inventory::evidence::{Evidence, LogScan};
use crate::inventory::Lookup;
use crate::report::{Finding, Status};

/// Which log a stage-log check reads.
pub struct StageLog {
    /// The scans of that log in a scope's evidence.
    pub scans: fn(&Evidence) -> &[LogScan],
    /// How the message names it: "execution log", "access log".
    pub name: &'static str,
    /// The API id and stage of a scan.
    pub api_and_stage: fn(&LogScan) -> Option<(String, String)>,
}

/// The findings of `check` over the `log` scans of every scope.
pub fn stage_log_findings(check: &Check, ctx: &Context<'_>, log: &StageLog) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        let Some(evidence) = &scope.evidence else {
            continue;
        };
        let scans = (log.scans)(evidence);
        let mut writers: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        for scan in scans {
            if let Some(owner) = (log.api_and_stage)(scan) {
                writers.entry(&scan.log_group).or_default().push(owner);
            }
        }
        for scan in scans {
            let Some((api_id, stage)) = (log.api_and_stage)(scan) else {
                continue;
            };
            let others: Vec<&(String, String)> = writers[scan.log_group.as_str()]
                .iter()
                .filter(|(a, s)| (a, s) != (&api_id, &stage))
                .collect();
            let api = api_named(scope, &api_id);
            let mut finding = match &scan.hits {
                Lookup::Missing => continue,
                Lookup::Failed(error) => {
                    let what = format!("stage {stage} of API {} ({})", api.name, api.id);
                    error_finding(check, scope, error, &what)
                }
                Lookup::Found(hits) => {
                    let Some(table) = SignatureTable::new(hits, Answers::REST) else {
                        continue;
                    };
                    let mut message = format!(
                        "The {} of stage {stage} of API {} ({}) holds {}.",
                        log.name,
                        api.name,
                        api.id,
                        table.counted("failed integration line", &evidence.window)
                    );
                    if !others.is_empty() {
                        let names: Vec<String> = others
                            .iter()
                            .map(|(a, s)| format!("stage {s} of API {a}"))
                            .collect();
                        message.push_str(&format!(
                            " Its log group {} is shared with {}: the lines may be theirs.",
                            scan.log_group,
                            names.join(", ")
                        ));
                    }
                    let mut finding = base_finding(check, scope, Status::Fail, message);
                    finding.client_status = table.top_status().or(check.client_status);
                    finding.evidence = table.evidence(&scan.log_group, &evidence.window);
                    if !others.is_empty() {
                        finding.evidence["shared_with"] = others
                            .iter()
                            .map(|(a, s)| json!({"api_id": a, "stage": s}))
                            .collect();
                    }
                    finding.remediation = Some(format!(
                        "{}  # then fix the findings listed in evidence.probable_causes",
                        table.search_command(&scan.log_group, &evidence.window, &scope.region)
                    ));
                    finding
                }
            };
            finding.api = Some(api);
            finding.stages = vec![stage];
            finding.fingerprint = finding.compute_fingerprint();
            findings.push(finding);
        }
    }
    findings
}
