//! JSON output: the whole report as one object (`json`), or one finding per line (`jsonl`)
//! followed by a summary line, for log pipelines.

use serde_json::json;

use crate::report::Report;

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// One JSON object per finding (each with `"type": "finding"`), then one per collection error
/// (`"type": "error"`), then a `"type": "summary"` line carrying the schema, run and summary.
pub fn render_lines(report: &Report) -> anyhow::Result<String> {
    let mut out = String::new();
    for finding in &report.findings {
        let mut value = serde_json::to_value(finding)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("type".to_string(), json!("finding"));
            object.insert("run_id".to_string(), json!(report.run.id));
        }
        out.push_str(&serde_json::to_string(&value)?);
        out.push('\n');
    }
    for error in &report.errors {
        let mut value = serde_json::to_value(error)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("type".to_string(), json!("error"));
            object.insert("run_id".to_string(), json!(report.run.id));
        }
        out.push_str(&serde_json::to_string(&value)?);
        out.push('\n');
    }
    let summary = json!({
        "type": "summary",
        "schema": report.schema,
        "tool": report.tool,
        "run": report.run,
        "scopes": report.scopes,
        "summary": report.summary,
        "notices": report.notices,
    });
    out.push_str(&serde_json::to_string(&summary)?);
    out.push('\n');
    Ok(out)
}
