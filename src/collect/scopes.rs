//! A run over many scopes: the accounts of the config (`accounts.rs`) × its regions, collected
//! concurrently (`scope.max-concurrent-scopes`), each scope within its own rate limits since
//! AWS's quotas are per account and region. A scope that cannot start (its role cannot be
//! assumed, its endpoint not reached) is kept as an empty scope that says why, and the others
//! go on; the run fails only when no scope could start.

use aws_config::SdkConfig;
use futures::stream::{self, StreamExt};

use crate::aws::CallGate;
use crate::collect::accounts::{self, Target};
use crate::collect::cloudwatch::evidence_window;
use crate::collect::region::collect_region;
use crate::collect::{CollectError, RunShared};
use crate::config::Config;
use crate::inventory::{Inventory, ScopeInventory};

/// Collects every account × region of the config. `base` supplies credentials and endpoint.
pub async fn collect(config: &Config, base: &SdkConfig) -> Result<Inventory, CollectError> {
    let collected_at = chrono::Utc::now();
    let regions: Vec<String> = if config.scope.regions.is_empty() {
        base.region()
            .map(|r| vec![r.to_string()])
            .ok_or(CollectError::NoRegion)?
    } else {
        config.scope.regions.clone()
    };
    let window = evidence_window(&config.evidence, collected_at);
    // The run's own calls (GetCallerIdentity and ListAccounts for an organization, AssumeRole),
    // made with the base credentials in the first region.
    let run_gate = CallGate::new(&config.collect.rate_limits, config.collect.max_attempts);
    let home = &regions[0];
    let targets = accounts::targets(config, base, home, &run_gate).await?;
    if targets.is_empty() {
        // A shard may own none of a few accounts: nothing to do is not a failure.
        tracing::warn!(shard = ?config.scope.shard.map(|s| s.to_string()), "no account to audit");
        return Ok(Inventory::new(collected_at, Vec::new()));
    }
    let parallel = config.scope.max_concurrent_scopes.max(1);
    // Each account's credentials once, shared by all its regions.
    let reached: Vec<Result<SdkConfig, CollectError>> = stream::iter(&targets)
        .map(|target| accounts::reach(base, home, target, &run_gate))
        .buffered(parallel)
        .collect()
        .await;
    // Each reached account's credentials, so that a scope can read a target or role that lives
    // in another audited account.
    let run = RunShared {
        accounts: targets
            .iter()
            .zip(&reached)
            .filter(|(target, _)| !target.account.is_empty())
            .filter_map(|(target, sdk)| Some((target.account.clone(), sdk.as_ref().ok()?.clone())))
            .collect(),
        ..RunShared::default()
    };
    let run = &run;
    let jobs: Vec<(usize, &str)> = (0..targets.len())
        .flat_map(|t| regions.iter().map(move |r| (t, r.as_str())))
        .collect();
    let mut outcomes: Vec<(usize, Result<ScopeInventory, CollectError>)> =
        stream::iter(jobs.iter().enumerate())
            .map(|(i, &(t, region))| {
                let reached = &reached[t];
                async move {
                    let outcome = match reached {
                        Ok(sdk) => collect_region(config, sdk, region, window, run).await,
                        Err(error) => Err(error.clone()),
                    };
                    (i, outcome)
                }
            })
            .buffer_unordered(parallel)
            .collect()
            .await;
    outcomes.sort_by_key(|(i, _)| *i);
    if outcomes.iter().all(|(_, outcome)| outcome.is_err()) {
        let mut errors: Vec<CollectError> = outcomes
            .into_iter()
            .filter_map(|(_, outcome)| outcome.err())
            .collect();
        // One scope keeps its own message ("cannot reach ..."), as before there were several.
        if errors.len() == 1 {
            return Err(errors.remove(0));
        }
        const SHOWN: usize = 5;
        let mut reasons: Vec<String> = errors.iter().take(SHOWN).map(ToString::to_string).collect();
        if errors.len() > SHOWN {
            reasons.push(format!("and {} more", errors.len() - SHOWN));
        }
        return Err(CollectError::NoScope(reasons));
    }
    let mut scopes: Vec<ScopeInventory> = outcomes
        .into_iter()
        .map(|(i, outcome)| {
            let (t, region) = jobs[i];
            finish_scope(&targets[t], region, outcome)
        })
        .collect();
    // Each scope of the credentials' own account learns its id; one that failed to start takes
    // it from another.
    let own = scopes
        .iter()
        .find(|s| s.role_arn.is_none() && !s.account.is_empty())
        .map(|s| s.account.clone());
    for scope in scopes.iter_mut().filter(|s| s.account.is_empty()) {
        scope.account = own.clone().unwrap_or_default();
    }
    // Calls made for the run rather than a scope are counted with the first scope, so the
    // summary (the sum over scopes) has them all.
    let tally = run_gate.tally();
    let first = &mut scopes[0];
    for (operation, count) in tally.calls {
        *first.api_calls.entry(operation).or_default() += count;
    }
    for (operation, count) in tally.throttled {
        *first.throttled.entry(operation).or_default() += count;
    }
    for (operation, count) in tally.retries {
        *first.retries.entry(operation).or_default() += count;
    }
    first.most_attempts = first.most_attempts.max(tally.most_attempts);
    Ok(Inventory::new(collected_at, scopes))
}

/// Labels a collected scope with its account's entry, or turns a scope that could not start
/// into an empty one that says why.
fn finish_scope(
    target: &Target,
    region: &str,
    outcome: Result<ScopeInventory, CollectError>,
) -> ScopeInventory {
    let role_arn = target.role.as_ref().map(|r| r.arn.clone());
    let mut scope = match outcome {
        Ok(scope) => scope,
        Err(error) => {
            tracing::warn!(
                account = %target.account,
                region,
                role_arn = role_arn.as_deref().unwrap_or_default(),
                error = %error,
                "scope not audited; the others go on"
            );
            ScopeInventory {
                account: target.account.clone(),
                region: region.to_string(),
                partition: crate::arn::partition_of(role_arn.as_deref().unwrap_or_default())
                    .to_string(),
                // Also a collection error, so `errors` and `summary.errors` count it: nothing
                // about this scope was audited.
                errors: vec![crate::inventory::CollectionError {
                    account: target.account.clone(),
                    region: region.to_string(),
                    operation: if role_arn.is_some() {
                        "sts:AssumeRole"
                    } else {
                        "sts:GetCallerIdentity"
                    }
                    .to_string(),
                    resource: role_arn.clone().unwrap_or_else(|| target.account.clone()),
                    code: "ScopeNotAudited".to_string(),
                    message: error.to_string(),
                }],
                error: Some(error.to_string()),
                ..ScopeInventory::default()
            }
        }
    };
    scope.name = target.name.clone();
    scope.role_arn = role_arn;
    scope
}
