//! The CloudWatch dashboards of a run, as `PutDashboard` bodies: pure functions of the report,
//! the inventory and `[publish.cloudwatch]`, no AWS call (the sink puts and deletes them).
//!
//! The main dashboard holds, in order: a header (the run, its scope, counts and how to read the
//! dashboard), the findings table with each fix, the auditor's own `Findings` and
//! `CollectionErrors` metrics, one graph per audited REST stage, one per HTTP API stage, one per
//! integrated function, and
//! the finding events from Logs Insights. CloudWatch takes at most 500 widgets and 2,500 metrics
//! per dashboard (docs/aws-facts.md §6), so a large fleet continues on `name-2`, `name-3`, ..., each
//! with its own header and the stage and function graphs that did not fit before.

mod body;
mod text;
mod widgets;

#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;

pub use body::{
    lay_out, Dashboard, LogProperties, MetricLine, MetricOptions, MetricProperties, Properties,
    TextProperties, Widget, WidgetKind,
};
pub use widgets::{COLLECTION_ERRORS_METRIC, FINDINGS_METRIC, FINDING_EVENT, SEVERITY_DIMENSION};

use crate::config::CloudWatchPublish;
use crate::inventory::Inventory;
use crate::report::Report;

/// Text every body this tool writes contains, so stale numbered dashboards can be recognised
/// as ours before deleting them (never delete others).
pub const MARKER: &str = "apigw-auditor-dashboard";
/// Widgets per dashboard (`PutDashboard` rejects more).
pub const MAX_WIDGETS: usize = 500;
/// Metrics per dashboard.
pub const MAX_METRICS: usize = 2_500;
/// Bytes of markdown the findings table may take: a few dozen rows, a readable widget.
pub const TABLE_BUDGET: usize = 8_000;
/// The name used in texts when no dashboard name is configured.
const DEFAULT_NAME: &str = "apigw-auditor";
/// Dashboard names are at most this long.
const MAX_NAME: usize = 255;

/// `base`, `base-2`, `base-3`, ... (index 0 → base). Characters `PutDashboard` refuses become
/// `-`, and the base is shortened so that the suffix still fits in 255 characters.
pub fn dashboard_name(base: &str, index: usize) -> String {
    let suffix = if index == 0 {
        String::new()
    } else {
        format!("-{}", index.saturating_add(1))
    };
    let base: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME.saturating_sub(suffix.len()))
        .collect();
    let base = if base.is_empty() {
        DEFAULT_NAME.to_string()
    } else {
        base
    };
    format!("{base}{suffix}")
}

/// The index of `name` among the dashboards named after `base` (`base-3` → 2), for finding
/// numbered parts a smaller run no longer writes. Check [`is_ours`] before deleting one.
pub fn part_index(base: &str, name: &str) -> Option<usize> {
    if name == dashboard_name(base, 0) {
        return Some(0);
    }
    let number: usize = name
        .strip_prefix(&dashboard_name(base, 0))?
        .strip_prefix('-')?
        .parse()
        .ok()?;
    (number >= 2 && dashboard_name(base, number - 1) == name).then(|| number - 1)
}

/// True when a dashboard body (JSON text from GetDashboard) was written by this tool: it parses,
/// and one of its text widgets carries [`MARKER`]. Anything else is someone else's.
pub fn is_ours(body: &str) -> bool {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return false;
    };
    let Some(widgets) = value.get("widgets").and_then(|w| w.as_array()) else {
        return false;
    };
    widgets.iter().any(|widget| {
        widget.get("type").and_then(|t| t.as_str()) == Some("text")
            && widget
                .pointer("/properties/markdown")
                .and_then(|m| m.as_str())
                .is_some_and(|m| m.contains(MARKER))
    })
}

/// The region of the auditor's own metrics and log group: the first scope's.
fn home_region(report: &Report, inventory: &Inventory) -> String {
    report
        .scopes
        .first()
        .map(|s| s.region.clone())
        .or_else(|| inventory.scopes.first().map(|s| s.region.clone()))
        .unwrap_or_else(|| "us-east-1".to_string())
}

fn section_title(markdown: &str) -> Widget {
    Widget::text(24, 2, markdown.to_string())
}

/// The titles of the sections that are text widgets of their own.
const TRENDS_TITLE: &str =
    "## Findings over time\nThe auditor's own metrics, one point per run (hourly maximum).";
const STAGES_TITLE: &str = "## API stages\n`5XXError` (Sum) and requests (`Count`, SampleCount, \
                            right axis) per `ApiName` and `Stage`.";
const HTTP_STAGES_TITLE: &str = "## HTTP API stages\n`5xx` (Sum) and requests (`Count`, \
                                 SampleCount, right axis) per `ApiId` and `Stage`.";
const FUNCTIONS_TITLE: &str =
    "## Integrated functions\n`Errors` and `Throttles` (Sum) per function, alias or version.";
const EVENTS_TITLE: &str = "## Finding events\nOne JSON line per finding, newest first; \
                            `fields` can add any report field.";

/// The dashboards for one run, split so each respects the limits; index 0 is the main one.
pub fn dashboards(
    report: &Report,
    inventory: &Inventory,
    settings: &CloudWatchPublish,
) -> Vec<Dashboard> {
    let main = dashboard_name(settings.dashboard.as_deref().unwrap_or(DEFAULT_NAME), 0);
    let region = home_region(report, inventory);

    // What only the main dashboard holds: the table and trends before the graphs, the events
    // after them.
    let table = text::findings_table(&report.findings, TABLE_BUDGET);
    // About one grid row per table row, plus the title and the column header.
    let table_height = u32::try_from(table.shown)
        .unwrap_or(u32::MAX)
        .saturating_add(5)
        .clamp(4, 80);
    let mut lead = vec![
        Widget::text(24, table_height, table.markdown),
        section_title(TRENDS_TITLE),
    ];
    lead.extend(widgets::own_metrics(&settings.namespace, &region));
    let mut tail = Vec::new();
    if let Some(group) = &settings.log_group {
        tail.push(section_title(EVENTS_TITLE));
        tail.push(widgets::finding_events(group, &region));
    }

    let sections = [
        (STAGES_TITLE, widgets::stages(inventory)),
        (HTTP_STAGES_TITLE, widgets::http_stages(inventory)),
        (FUNCTIONS_TITLE, widgets::functions(inventory)),
    ];
    let fixed_metrics = lead.iter().chain(&tail).map(Widget::metric_count).sum();
    // Every dashboard has a header; the main one also the lead and the tail.
    let parts = pack(&sections, 1 + lead.len() + tail.len(), fixed_metrics);

    let count = parts.len();
    let mut dashboards = Vec::with_capacity(count);
    let mut started = std::collections::BTreeSet::new();
    for (index, part) in parts.into_iter().enumerate() {
        let header = text::header(
            report,
            &text::Place {
                index,
                count,
                main: &main,
                namespace: &settings.namespace,
                log_group: settings.log_group.as_deref(),
            },
        );
        // Markdown lines are about half a grid row each.
        let height = u32::try_from(header.lines().count().div_ceil(2))
            .unwrap_or(u32::MAX)
            .saturating_add(2);
        let mut widgets = vec![Widget::text(24, height, header)];
        if index == 0 {
            widgets.append(&mut lead);
        }
        for (section, title, items) in part {
            // A section that began on an earlier dashboard says it goes on here.
            let title = if started.insert(section) {
                title.to_string()
            } else {
                title.replacen('\n', " (continued)\n", 1)
            };
            widgets.push(section_title(&title));
            widgets.extend(items.into_iter().cloned());
        }
        if index == 0 {
            widgets.append(&mut tail);
        }
        lay_out(&mut widgets);
        dashboards.push(Dashboard {
            start: Some("-PT24H".to_string()),
            period_override: None,
            widgets,
        });
    }
    dashboards
}

/// One dashboard's share of the sections: (section index, its title, its widgets there).
type Part<'a> = Vec<(usize, &'a str, Vec<&'a Widget>)>;

/// Fills dashboards in order with the sections' widgets: the first holds `fixed_widgets` and
/// `fixed_metrics` already, every other one its header. A section starting on a dashboard costs
/// one more widget, its title. Always returns at least one (possibly empty) part.
fn pack<'a>(
    sections: &'a [(&str, Vec<Widget>)],
    fixed_widgets: usize,
    fixed_metrics: usize,
) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    let mut current: Part<'a> = Vec::new();
    let (mut widgets, mut metrics) = (fixed_widgets, fixed_metrics);
    for (section, (title, items)) in sections.iter().enumerate() {
        for item in items {
            let opens = current.last().map(|(s, _, _)| *s) != Some(section);
            let fits = widgets + 1 + usize::from(opens) <= MAX_WIDGETS
                && metrics + item.metric_count() <= MAX_METRICS;
            // A dashboard with no graph yet takes the next one whatever it costs, so this ends.
            if !fits && !current.is_empty() {
                parts.push(std::mem::take(&mut current));
                (widgets, metrics) = (1, 0);
            }
            match current.last_mut() {
                Some((s, _, list)) if *s == section => list.push(item),
                _ => {
                    current.push((section, title, vec![item]));
                    widgets += 1;
                }
            }
            widgets += 1;
            metrics += item.metric_count();
        }
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_are_numbered_from_the_second() {
        assert_eq!(dashboard_name("audit", 0), "audit");
        assert_eq!(dashboard_name("audit", 1), "audit-2");
        assert_eq!(dashboard_name("audit", 9), "audit-10");
        assert_eq!(dashboard_name("my audit/prod", 0), "my-audit-prod");
        assert_eq!(dashboard_name("", 0), "apigw-auditor");
        let long = "a".repeat(300);
        assert_eq!(dashboard_name(&long, 0).len(), 255);
        assert!(
            dashboard_name(&long, 11).len() == 255 && dashboard_name(&long, 11).ends_with("a-12")
        );
        for index in [0, 1, 2, 41] {
            assert_eq!(
                part_index("audit", &dashboard_name("audit", index)),
                Some(index)
            );
        }
        for other in [
            "audit-1",
            "audit-0",
            "audit-x",
            "audit-2-2",
            "audits-2",
            "other",
        ] {
            assert_eq!(part_index("audit", other), None, "{other}");
        }
    }

    #[test]
    fn only_bodies_with_the_marker_in_a_text_widget_are_ours() {
        assert!(is_ours(&format!(
            r#"{{"widgets":[{{"type":"text","properties":{{"markdown":"x `{MARKER}`"}}}}]}}"#
        )));
        assert!(!is_ours(
            r#"{"widgets":[{"type":"text","properties":{"markdown":"team dashboard"}}]}"#
        ));
        assert!(!is_ours(&format!(
            r#"{{"widgets":[{{"type":"metric","properties":{{"title":"{MARKER}"}}}}]}}"#
        )));
        assert!(!is_ours(&format!("not json {MARKER}")));
        assert!(!is_ours(&format!(r#"{{"markdown":"{MARKER}"}}"#)));
        assert!(!is_ours(""));
    }
}
