//! Publishing the report: the table for people, JSON, JSON Lines and OCSF for machines, the
//! sinks (CloudWatch, Security Hub, files), and the atomic file writes they share.

pub mod cloudwatch;
pub mod dashboard;
pub mod emf;
pub mod json;
pub mod metrics;
pub mod ocsf;
pub mod resources;
pub mod security_hub;
pub mod security_hub_asff;
pub mod security_hub_lifecycle;
pub mod security_hub_plan;
pub mod security_hub_sdk;
pub mod sinks;
pub mod table;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::config::OutputFormat;
use crate::report::Report;

/// Renders the report in the requested format. `colour` only affects the table.
pub fn render(report: &Report, format: OutputFormat, colour: bool) -> anyhow::Result<String> {
    match format {
        OutputFormat::Table => Ok(table::render(report, colour)),
        OutputFormat::Json => json::render(report),
        OutputFormat::Jsonl => json::render_lines(report),
        OutputFormat::Ocsf => ocsf::render_lines(report),
    }
}

/// Writes a file through a temporary file in the same folder and a rename, so readers never see
/// a half-written report and a crash never leaves one behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let temporary = folder.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("cannot create {}", temporary.display()))?;
        file.write_all(bytes)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot flush {}", temporary.display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("cannot move the report into {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::write_atomically;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomically(&dir.path().join("missing/dir/r.json"), b"x").is_err());
    }
}
