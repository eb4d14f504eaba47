//! The library entry point: collect (or load a snapshot), evaluate, and return the report.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use aws_config::SdkConfig;
use chrono::Utc;

use crate::aws::load_sdk_config;
use crate::collect::collect;
use crate::config::Config;
use crate::evaluate::{evaluate, RunFacts};
use crate::inventory::{Inventory, INVENTORY_SCHEMA};
use crate::report::{Report, Source};

/// Where the inventory comes from.
#[derive(Debug, Clone)]
pub enum AuditSource {
    /// Collect it now from AWS (or the endpoint configured).
    Live,
    /// Read a snapshot written by `collect --out`.
    Snapshot(PathBuf),
}

/// An audit's result: the report, and the inventory it was made from (publishing needs both:
/// the dashboard and the per-stage metrics list every audited stage, not only those with
/// findings).
pub struct Audit {
    pub inventory: Inventory,
    pub report: Report,
}

/// Runs one audit with credentials from the default chain.
pub async fn run_audit(config: &Config, source: AuditSource) -> anyhow::Result<Report> {
    run_audit_with(config, source, None).await
}

/// Runs one audit; `sdk` replaces the default credential chain (used by embedding programs and
/// the end-to-end tests, which give each test its own account).
pub async fn run_audit_with(
    config: &Config,
    source: AuditSource,
    sdk: Option<SdkConfig>,
) -> anyhow::Result<Report> {
    Ok(audit(config, source, sdk).await?.report)
}

/// Runs one audit and keeps the inventory with the report.
pub async fn audit(
    config: &Config,
    source: AuditSource,
    sdk: Option<SdkConfig>,
) -> anyhow::Result<Audit> {
    let started_at = Utc::now();
    let (inventory, kind) = match source {
        AuditSource::Live => (collect_live(config, sdk).await?, Source::Live),
        AuditSource::Snapshot(path) => (read_snapshot(&path)?, Source::Snapshot),
    };
    let finished_at = Utc::now();
    let report = evaluate(
        &inventory,
        config,
        RunFacts {
            id: uuid::Uuid::new_v4().to_string(),
            started_at,
            finished_at,
            source: kind,
            today: finished_at.date_naive(),
        },
    );
    Ok(Audit { inventory, report })
}

/// Collects a live inventory.
pub async fn collect_live(config: &Config, sdk: Option<SdkConfig>) -> anyhow::Result<Inventory> {
    let sdk = match sdk {
        Some(sdk) => sdk,
        None => load_sdk_config(config).await,
    };
    Ok(collect(config, &sdk).await?)
}

/// Reads and checks a snapshot file.
pub fn read_snapshot(path: &Path) -> anyhow::Result<Inventory> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read snapshot {}", path.display()))?;
    let inventory: Inventory = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an apigw-auditor inventory snapshot",
            path.display()
        )
    })?;
    if inventory.schema != INVENTORY_SCHEMA {
        anyhow::bail!(
            "{} has schema `{}`; this version reads `{INVENTORY_SCHEMA}`",
            path.display(),
            inventory.schema
        );
    }
    Ok(inventory)
}

/// Writes a snapshot atomically (temporary file, then rename) so a reader never sees half of it.
pub fn write_snapshot(inventory: &Inventory, path: &Path) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(inventory)?;
    crate::publish::write_atomically(path, text.as_bytes())
}
