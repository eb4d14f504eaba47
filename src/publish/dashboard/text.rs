//! The markdown of the text widgets: the header that says what the run found and how to read
//! the dashboard, and the findings table with each finding's fix.

use std::cmp::Reverse;
use std::fmt::Write;

use super::{widgets, MARKER};
use crate::inventory::Protocol;
use crate::report::{Finding, Report, Source, Status};

/// Where a header sits among the run's dashboards.
pub struct Place<'a> {
    /// 0 for the main dashboard.
    pub index: usize,
    pub count: usize,
    /// The main dashboard's name.
    pub main: &'a str,
    pub namespace: &'a str,
    pub log_group: Option<&'a str>,
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Markdown-escapes plain text for a table cell (and keeps it on one line).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A code span holding `text` on one line, with `|` escaped for the table (GitHub-flavoured
/// tables need `\|` even inside code) and a fence longer than any backtick run inside.
pub fn code(text: &str) -> String {
    let text = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ; ");
    if text.is_empty() {
        return "—".to_string();
    }
    let (mut run, mut longest) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// The first `max` characters of `text`, with `…` when something was cut.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// `pets (a1b2c3) GET /pets/{id} → pets-get:live`, `orders (h1a2b3, HTTP) ANY $default → …`
/// for an HTTP API, `authorizer x`, or a function.
pub fn resource(finding: &Finding) -> String {
    let function = finding
        .function
        .as_deref()
        .map(|arn| match arn.split_once(":function:") {
            Some((_, short)) => short,
            None => arn,
        });
    let Some(api) = &finding.api else {
        return function.unwrap_or("(account)").to_string();
    };
    let mut parts = vec![match api.protocol {
        Protocol::Rest => format!("{} ({})", api.name, api.id),
        Protocol::Http => format!("{} ({}, HTTP)", api.name, api.id),
    }];
    if let Some(route) = &finding.route {
        parts.push(format!("{} {}", route.method, route.path));
    }
    if let Some(authorizer) = &finding.authorizer {
        parts.push(format!("authorizer {}", authorizer.name));
    }
    if let Some(function) = function {
        parts.push(format!("→ {function}"));
    }
    parts.join(" ")
}

/// The header of a dashboard: the run, its scope and counts, and how to read what follows.
pub fn header(report: &Report, part: &Place) -> String {
    let mut md = String::from("# API Gateway → Lambda 5XX audit");
    if part.count > 1 {
        let _ = write!(md, " — part {} of {}", part.index + 1, part.count);
    }
    let source = match report.run.source {
        Source::Live => "live",
        Source::Snapshot => "from a snapshot",
    };
    let _ = write!(
        md,
        "\nLast run **{}** ({source}) · run {} · {} {}\n",
        report.run.finished_at.format("%Y-%m-%d %H:%M:%S UTC"),
        code(&report.run.id),
        report.tool.name,
        report.tool.version
    );
    let scopes: Vec<String> = report
        .scopes
        .iter()
        .take(10)
        .map(|s| format!("account {} region {}", code(&s.account), code(&s.region)))
        .collect();
    let more = report.scopes.len().saturating_sub(scopes.len());
    let _ = write!(
        md,
        "\nScope: {}",
        if scopes.is_empty() {
            "none".to_string()
        } else {
            scopes.join("; ")
        }
    );
    if more > 0 {
        let _ = write!(md, " and {more} more");
    }
    md.push('\n');
    if part.index > 0 {
        let _ = write!(
            md,
            "\nMore API stages and integrated functions. The findings, their fixes and the \
             trends are on {}.\n",
            code(part.main)
        );
        return footer(md);
    }
    let s = &report.summary;
    let f = &s.findings;
    let unevaluated = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .count();
    let _ = write!(
        md,
        "\nAudited {}, {}, {}, {}.\n\n**{} high** · **{} medium** · **{} low** · **{} info** \
         findings ({unevaluated} could not be evaluated) · **{}** · **{} suppressed**\n",
        plural(s.apis, "API"),
        plural(s.stages, "stage"),
        plural(s.routes, "route"),
        plural(s.functions, "function"),
        f.high,
        f.medium,
        f.low,
        f.info,
        plural(s.errors, "collection error"),
        s.suppressed
    );
    md.push_str("\n**How to read this dashboard**\n");
    md.push_str(
        "- **Findings**: every finding of the last run, worst first, with the command that \
         fixes it (cut when long). `apigw-auditor checks explain CHECK` says why a check breaks \
         the API.\n",
    );
    let _ = writeln!(
        md,
        "- **Findings over time**: the auditor's own metrics `{}` by `{}` and `{}`, namespace {}.",
        widgets::FINDINGS_METRIC,
        widgets::SEVERITY_DIMENSION,
        widgets::COLLECTION_ERRORS_METRIC,
        code(part.namespace)
    );
    md.push_str(
        "- **API stages**: 5XX errors and requests of every audited REST stage \
         (`AWS/ApiGateway`, published per API *name*: APIs sharing a name share a graph).\n",
    );
    md.push_str(
        "- **HTTP API stages**, when there are any: `5xx` and requests of every HTTP API stage \
         (`AWS/ApiGateway`, published per API id).\n",
    );
    md.push_str(
        "- **Integrated functions**: `Errors` and `Throttles` of every function, alias or \
         version an integration or authorizer invokes (`AWS/Lambda`).\n",
    );
    match part.log_group {
        Some(group) => {
            let _ = writeln!(
                md,
                "- **Finding events**: the latest finding events (`event` = `{}`, one JSON line \
                 per finding with every report field) in {}.",
                widgets::FINDING_EVENT,
                code(group)
            );
        }
        None => md.push_str(
            "- **Finding events**: not shown; set `log-group` in `[publish.cloudwatch]` to the \
             log group of the auditor's output.\n",
        ),
    }
    if part.count > 1 {
        let others: Vec<String> = (1..part.count)
            .map(|i| code(&super::dashboard_name(part.main, i)))
            .collect();
        let _ = writeln!(
            md,
            "- More stages and functions continue on {}.",
            others.join(", ")
        );
    }
    md.push_str(
        "\nThe JSON report (`audit --format json`, or `json-file` in `[publish]`) has every \
         finding with its evidence and full fix, and every collection error.\n",
    );
    footer(md)
}

fn footer(mut md: String) -> String {
    let _ = write!(
        md,
        "\n---\nWritten by apigw-auditor on every run: edits are overwritten. `{MARKER}`"
    );
    md
}

/// The findings table, worst first, kept within `budget` bytes of markdown.
pub struct Table {
    pub markdown: String,
    pub shown: usize,
}

/// Fixes are cut to this many characters: enough for the command and its key arguments.
const FIX_CHARACTERS: usize = 160;
/// Room kept for the closing "N more" line while rows are added.
const MORE_LINE_ROOM: usize = 64;

pub fn findings_table(findings: &[Finding], budget: usize) -> Table {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_cached_key(|f| {
        (
            Reverse(f.severity),
            f.status == Status::Error,
            f.check.clone(),
            resource(f),
            f.stages.clone(),
            f.fingerprint.clone(),
        )
    });
    let mut md = format!("## Findings ({})\n", findings.len());
    if sorted.is_empty() {
        md.push_str("\nNo findings in the last run.\n");
        return Table {
            markdown: md,
            shown: 0,
        };
    }
    md.push_str("\n| severity | check | resource | stages | fix |\n|---|---|---|---|---|\n");
    let mut shown = 0;
    for (i, finding) in sorted.iter().enumerate() {
        let row = row(finding);
        let room = if i + 1 == sorted.len() {
            0
        } else {
            MORE_LINE_ROOM
        };
        if md.len() + row.len() + room > budget {
            break;
        }
        md.push_str(&row);
        shown += 1;
    }
    let omitted = sorted.len() - shown;
    if omitted > 0 {
        let _ = write!(md, "\n{omitted} more — see the JSON report.\n");
    }
    Table {
        markdown: md,
        shown,
    }
}

fn row(finding: &Finding) -> String {
    let severity = match finding.status {
        Status::Fail => finding.severity.as_str().to_string(),
        Status::Error => format!("{} (error)", finding.severity),
    };
    let stages = if finding.stages.is_empty() {
        "—".to_string()
    } else {
        plain(&finding.stages.join(", "))
    };
    // An `error` row's message says what could not be read; the severity cell marks it.
    let fix = match (&finding.remediation, finding.status) {
        (Some(fix), Status::Fail) => code(&cut(fix, FIX_CHARACTERS)),
        _ => plain(&cut(&finding.message, FIX_CHARACTERS)),
    };
    format!(
        "| {severity} | {} | {} | {stages} | {fix} |\n",
        code(&finding.check),
        code(&resource(finding))
    )
}
