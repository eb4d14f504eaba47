//! The Security Hub sink (`[publish.security-hub]`): every finding of the run imported into AWS
//! Security Hub as ASFF with `BatchImportFindings`, and every finding of an earlier run that this
//! run no longer reports, and could have seen, archived.
//!
//! Findings go into a *hub*, one account in one region: with `destination = "finding-account"`
//! each audited scope's own, reached with the scope's credentials (the base ones, or its role,
//! assumed again for publishing), since `BatchImportFindings` only takes findings whose
//! `AwsAccountId` is the caller's; with `"auditor-account"` the auditor's own account in each
//! region. Per hub: `GetFindings` reads this tool's active findings (filtered by product ARN,
//! account and record state, and checked again here, since a filter that matched too much must
//! not archive another tool's findings), the run's findings are imported (an existing one keeps
//! its `CreatedAt`; `UpdatedAt` always grows, or Security Hub ignores the update), and the earlier
//! ones the lifecycle rules (`security_hub_lifecycle.rs`) let go are imported again as ARCHIVED.
//! Calls go through the call gate at Security Hub's published rates; the SDK retries throttling.
//! A hub that fails (a denied call, findings rejected in `FailedFindings`) fails the sink, after
//! the other hubs have had their turn.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_config::SdkConfig;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, StringFilter, StringFilterComparison,
};
use chrono::{DateTime, Duration, Utc};
use futures::stream::{self, StreamExt};

use crate::aws::clients::regional;
use crate::aws::{translate, CallGate, Operation};
use crate::collect::accounts::{reach, Role, Target};
use crate::collect::region::identify;
use crate::config::{Config, SecurityHubDestination};
use crate::inventory::Inventory;
use crate::publish::security_hub_asff::{
    batches, finding_id, product_arn, timestamp, to_asff, AsffFinding, ComplianceStatus, Placement,
    RecordState, FINGERPRINT_FIELD, MAX_FINDING_BYTES,
};
use crate::publish::security_hub_lifecycle::{Keep, RunView};
pub use crate::publish::security_hub_plan::{plan, Hub, Plan, Reach};
use crate::publish::security_hub_sdk::{parse_time, read_back, to_sdk, Earlier};
use crate::report::{Report, SinkOutcome, Status};

/// The sink's name in `report.publish`.
pub const SINK: &str = "security-hub";

/// What happened in one hub.
#[derive(Debug, Default)]
struct HubOutcome {
    imported: usize,
    archived: usize,
    kept: BTreeMap<Keep, usize>,
    /// Active findings that carry this tool's fingerprint but could not be read back whole.
    unreadable: usize,
    error: Option<String>,
}

/// `now`, or just after `earlier` when that is not before it: Security Hub ignores an update
/// whose `UpdatedAt` is not later than the finding's.
fn later_than(now: DateTime<Utc>, earlier: Option<DateTime<Utc>>) -> DateTime<Utc> {
    match earlier {
        Some(earlier) if earlier >= now => earlier + Duration::milliseconds(1),
        _ => now,
    }
}

fn failure(operation: Operation, failure: &crate::aws::CallFailure) -> String {
    format!(
        "{} failed with {}: {}",
        operation.name(),
        failure.code,
        failure.message
    )
}

/// The `GetFindings` filters of a hub's active findings under its default product ARN. The
/// product ARN is per account and region, so a hub in Security Hub's aggregation region does not
/// read the findings of linked regions (which `GetFindings` returns there) as its own.
fn earlier_filters(account: &str, product: &str) -> AwsSecurityFindingFilters {
    let equals = |value: &str| {
        StringFilter::builder()
            .value(value)
            .comparison(StringFilterComparison::Equals)
            .build()
    };
    AwsSecurityFindingFilters::builder()
        .product_arn(equals(product))
        .aws_account_id(equals(account))
        .record_state(equals("ACTIVE"))
        .build()
}

/// This tool's active findings in the hub, and how many of its findings could not be read back.
async fn read_active(
    client: &aws_sdk_securityhub::Client,
    gate: &CallGate,
    account: &str,
    product: &str,
) -> Result<(Vec<Earlier>, usize), String> {
    let filters = earlier_filters(account, product);
    let (mut earlier, mut unreadable) = (Vec::new(), 0);
    let mut token: Option<String> = None;
    loop {
        let page = gate
            .send(Operation::SecurityHubGetFindings, || {
                client
                    .get_findings()
                    .filters(filters.clone())
                    .max_results(100)
                    .set_next_token(token.clone())
                    .send()
            })
            .await
            .map_err(|e| failure(Operation::SecurityHubGetFindings, &translate(&e)))?;
        for found in page.findings() {
            if !is_ours(found, account, product) {
                continue;
            }
            match read_back(found) {
                Some(one) => earlier.push(one),
                None => unreadable += 1,
            }
        }
        token = page
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok((earlier, unreadable));
        }
    }
}

/// An active finding of this hub that this tool imported.
fn is_ours(found: &AwsSecurityFinding, account: &str, product: &str) -> bool {
    found.product_arn() == Some(product)
        && found.aws_account_id() == Some(account)
        && found.record_state().is_none_or(|s| s.as_str() == "ACTIVE")
        && found
            .product_fields()
            .is_some_and(|fields| fields.contains_key(FINGERPRINT_FIELD))
}

/// Imports `records` in batches; the first call that fails ends the import.
async fn import(
    client: &aws_sdk_securityhub::Client,
    gate: &CallGate,
    records: &[AsffFinding],
) -> Result<(), String> {
    if let Some(big) = records.iter().find(|r| r.json_bytes() > MAX_FINDING_BYTES) {
        return Err(format!(
            "finding {} is {} bytes, over Security Hub's 240 KB",
            big.id,
            big.json_bytes()
        ));
    }
    let mut rejected: Vec<String> = Vec::new();
    let mut rejected_count = 0;
    for batch in batches(records) {
        let output = gate
            .send(Operation::SecurityHubBatchImportFindings, || {
                client
                    .batch_import_findings()
                    .set_findings(Some(batch.iter().map(to_sdk).collect()))
                    .send()
            })
            .await
            .map_err(|e| failure(Operation::SecurityHubBatchImportFindings, &translate(&e)))?;
        rejected_count += output.failed_count().unwrap_or(0).max(0) as usize;
        for failed in output
            .failed_findings()
            .iter()
            .take(3 - rejected.len().min(3))
        {
            rejected.push(format!(
                "{}: {}: {}",
                failed.id().unwrap_or("?"),
                failed.error_code().unwrap_or("?"),
                failed.error_message().unwrap_or("")
            ));
        }
    }
    if rejected_count > 0 {
        return Err(format!(
            "{} rejected {rejected_count} of {} findings ({})",
            Operation::SecurityHubBatchImportFindings.name(),
            records.len(),
            rejected.join("; ")
        ));
    }
    Ok(())
}

/// Everything the hubs share.
struct Run<'a> {
    report: &'a Report,
    inventory: &'a Inventory,
    config: &'a Config,
    sdk: &'a SdkConfig,
    now: DateTime<Utc>,
}

async fn sync_hub(run: &Run<'_>, hub: &Hub<'_>) -> HubOutcome {
    let mut outcome = HubOutcome::default();
    if let Err(error) = sync_hub_into(run, hub, &mut outcome).await {
        outcome.error = Some(error);
    }
    outcome
}

async fn sync_hub_into(
    run: &Run<'_>,
    hub: &Hub<'_>,
    outcome: &mut HubOutcome,
) -> Result<(), String> {
    let config = run.config;
    // The hub's own rate limits: Security Hub's quotas are per account and region.
    let gate = CallGate::new(&config.collect.rate_limits, config.collect.max_attempts);
    let base = match &hub.reach {
        Reach::Base => run.sdk.clone(),
        Reach::Role { arn, external_id } => {
            let target = Target {
                account: hub.account.clone(),
                name: None,
                role: Some(Role {
                    arn: arn.clone(),
                    external_id: external_id.clone(),
                }),
            };
            reach(run.sdk, &hub.region, &target, &gate)
                .await
                .map_err(|e| e.to_string())?
        }
    };
    let client = aws_sdk_securityhub::Client::new(&regional(&base, &hub.region));
    let product = product_arn(&hub.account, &hub.region);
    let (earlier, unreadable) = read_active(&client, &gate, &hub.account, &product).await?;
    outcome.unreadable = unreadable;
    let by_id: HashMap<&str, &Earlier> =
        earlier.iter().map(|e| (e.record.id.as_str(), e)).collect();

    let report = run.report;
    let observed_at = run.inventory.collected_at;
    let mut records: Vec<AsffFinding> = hub
        .findings
        .iter()
        .map(|finding| {
            let prior = by_id.get(finding_id(&finding.fingerprint, finding.status).as_str());
            let created_at = prior
                .and_then(|p| parse_time(&p.record.created_at))
                .unwrap_or(run.now);
            let place = Placement {
                account: &hub.account,
                run_id: &report.run.id,
                created_at,
                first_observed_at: prior
                    .and_then(|p| parse_time(&p.record.first_observed_at))
                    .unwrap_or(observed_at),
                // A new finding: UpdatedAt equals CreatedAt.
                updated_at: later_than(run.now, prior.and_then(|p| p.updated_at)),
                observed_at,
            };
            to_asff(finding, &place)
        })
        .collect();
    outcome.imported = records.len();

    let current: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let failing: BTreeSet<&str> = hub
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| f.fingerprint.as_str())
        .collect();
    let view = RunView {
        report,
        inventory: run.inventory,
        config,
    };
    let mut archived = Vec::new();
    for one in &earlier {
        if current.contains(one.record.id.as_str()) {
            continue;
        }
        if let Some(reason) = view.keep(&one.identity) {
            *outcome.kept.entry(reason).or_default() += 1;
            continue;
        }
        let mut record = one.record.clone();
        record.record_state = RecordState::Archived;
        record.updated_at = timestamp(later_than(run.now, one.updated_at));
        // Fixed: the check passes now. An `error` record whose check now finds the problem
        // stays NOT_AVAILABLE: its failure is the active finding with the same fingerprint.
        if one.identity.status == Status::Fail
            || !failing.contains(one.identity.fingerprint.as_str())
        {
            record.compliance.status = ComplianceStatus::Passed;
        }
        record
            .product_fields
            .insert("apigw-auditor/RunId".into(), report.run.id.clone());
        archived.push(record);
    }
    outcome.archived = archived.len();
    records.extend(archived);
    import(&client, &gate, &records).await
}

/// Publishes the run (its report, and the inventory it was made from) to Security Hub.
pub async fn publish(
    report: &Report,
    inventory: &Inventory,
    config: &Config,
    sdk: &SdkConfig,
) -> SinkOutcome {
    let auditor = match config.publish.security_hub.destination {
        SecurityHubDestination::FindingAccount => None,
        SecurityHubDestination::AuditorAccount => {
            let region = inventory
                .scopes
                .first()
                .map(|s| s.region.clone())
                .or_else(|| sdk.region().map(|r| r.to_string()))
                .unwrap_or_else(|| "us-east-1".to_string());
            let gate = CallGate::new(&config.collect.rate_limits, config.collect.max_attempts);
            match identify(&gate, &regional(sdk, &region), &region).await {
                Ok((account, _)) => Some(account),
                Err(error) => {
                    return SinkOutcome {
                        sink: SINK.to_string(),
                        ok: false,
                        detail: format!("cannot tell the auditor's own account: {error}"),
                    }
                }
            }
        }
    };
    let plan = plan(report, inventory, config, auditor.as_deref());
    let run = Run {
        report,
        inventory,
        config,
        sdk,
        now: Utc::now(),
    };
    let run = &run;
    let parallel = config.scope.max_concurrent_scopes.max(1);
    let outcomes: Vec<(&Hub<'_>, HubOutcome)> = stream::iter(&plan.hubs)
        .map(|hub| async move { (hub, sync_hub(run, hub).await) })
        .buffered(parallel)
        .collect()
        .await;
    summarize(&plan, &outcomes)
}

fn summarize(plan: &Plan<'_>, outcomes: &[(&Hub<'_>, HubOutcome)]) -> SinkOutcome {
    let ok: Vec<&HubOutcome> = outcomes
        .iter()
        .map(|(_, o)| o)
        .filter(|o| o.error.is_none())
        .collect();
    let imported: usize = ok.iter().map(|o| o.imported).sum();
    let archived: usize = ok.iter().map(|o| o.archived).sum();
    let mut detail = format!(
        "imported {imported} finding{} and archived {archived} in {} account-region{}",
        if imported == 1 { "" } else { "s" },
        ok.len(),
        if ok.len() == 1 { "" } else { "s" }
    );
    let mut kept: BTreeMap<Keep, usize> = BTreeMap::new();
    for outcome in &ok {
        for (reason, count) in &outcome.kept {
            *kept.entry(*reason).or_default() += count;
        }
    }
    if !kept.is_empty() {
        let reasons: Vec<String> = kept
            .iter()
            .map(|(reason, count)| format!("{count}: {}", reason.as_str()))
            .collect();
        detail.push_str(&format!(
            "; kept {} earlier finding{} as they were ({})",
            kept.values().sum::<usize>(),
            if kept.values().sum::<usize>() == 1 {
                ""
            } else {
                "s"
            },
            reasons.join(", ")
        ));
    }
    let unreadable: usize = ok.iter().map(|o| o.unreadable).sum();
    if unreadable > 0 {
        detail.push_str(&format!(
            "; {unreadable} earlier finding{} of this tool could not be read back and stay active",
            if unreadable == 1 { "" } else { "s" }
        ));
    }
    if !plan.not_audited.is_empty() {
        detail.push_str(&format!(
            "; nothing published for {} (not audited)",
            plan.not_audited.join(", ")
        ));
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|(hub, o)| {
            o.error
                .as_ref()
                .map(|e| format!("{}/{}: {e}", hub.account, hub.region))
        })
        .collect();
    if !failed.is_empty() {
        detail.push_str(&format!("; failed in {}", failed.join("; ")));
    }
    SinkOutcome {
        sink: SINK.to_string(),
        ok: failed.is_empty(),
        detail,
    }
}

#[cfg(test)]
#[path = "security_hub_tests.rs"]
mod tests;
