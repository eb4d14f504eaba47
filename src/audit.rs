//! The library entry point (STUB).
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum AuditSource {
    Live,
    Snapshot(PathBuf),
}

pub async fn run_audit(
    _config: &crate::config::Config,
    _source: AuditSource,
) -> anyhow::Result<crate::report::Report> {
    anyhow::bail!("not yet")
}
