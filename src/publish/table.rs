//! The table for people: findings grouped by API (REST or HTTP) and stage (function-level
//! findings under their function), severity-coloured on a terminal and plain when piped, then collection errors and
//! notices, ending with a one-line summary.

use std::collections::BTreeMap;
use std::fmt::Write;

use owo_colors::OwoColorize;

use crate::report::{Finding, Report, Severity, Status};

pub fn render(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    let scopes: Vec<String> = report
        .scopes
        .iter()
        .map(|s| format!("{} {}", s.account, s.region))
        .collect();
    let _ = writeln!(
        out,
        "{} {} — {} — {}",
        report.tool.name,
        report.tool.version,
        if scopes.is_empty() {
            "no scope".to_string()
        } else {
            scopes.join(", ")
        },
        match report.run.source {
            crate::report::Source::Live => "live",
            crate::report::Source::Snapshot => "snapshot",
        }
    );

    // Causes named by `evidence.probable_causes` are looked up by fingerprint.
    let by_fingerprint: BTreeMap<&str, &Finding> = report
        .findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();

    // `error` findings that share one cause (a call that failed the same way for many
    // resources) are one block at the end; JSON keeps every one.
    let shared_causes = shared_error_causes(report);
    // Group: API findings by (API, stages), the rest by function.
    let mut by_api: BTreeMap<(String, String, &str), BTreeMap<String, Vec<&Finding>>> =
        BTreeMap::new();
    let mut by_function: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for finding in report
        .findings
        .iter()
        .filter(|f| error_cause(f).is_none_or(|cause| !shared_causes.contains_key(&cause)))
    {
        match &finding.api {
            Some(api) => by_api
                .entry((api.name.clone(), api.id.clone(), api.protocol.as_str()))
                .or_default()
                .entry(finding.stages.join(", "))
                .or_default()
                .push(finding),
            None => by_function
                .entry(finding.function.clone().unwrap_or_default())
                .or_default()
                .push(finding),
        }
    }
    for ((name, id, protocol), stages) in &by_api {
        // `REST API pets (a1b2c3)` or `HTTP API orders (h1a2b3)`: the two kinds are fixed with
        // different commands.
        let _ = writeln!(out, "\n{protocol} API {name} ({id})");
        for (stages, findings) in stages {
            let label = match stages.as_str() {
                "" => "all stages".to_string(),
                s if s.contains(", ") => format!("stages {s}"),
                s => format!("stage {s}"),
            };
            let _ = writeln!(out, "  {label}");
            for finding in findings {
                write_finding(&mut out, finding, &by_fingerprint, colour);
            }
        }
    }
    if !by_function.is_empty() {
        let _ = writeln!(out, "\nFunctions");
        for (function, findings) in &by_function {
            let _ = writeln!(
                out,
                "  {}",
                if function.is_empty() {
                    "(account)"
                } else {
                    function
                }
            );
            for finding in findings {
                write_finding(&mut out, finding, &by_fingerprint, colour);
            }
        }
    }
    write_shared_causes(&mut out, &shared_causes);
    if !report.errors.is_empty() {
        let _ = writeln!(out, "\nCollection errors");
        for error in &report.errors {
            let _ = writeln!(
                out,
                "  {} on {}: {}: {}",
                error.operation, error.resource, error.code, error.message
            );
        }
    }
    if !report.notices.is_empty() {
        let _ = writeln!(out, "\nNotices");
        for notice in &report.notices {
            let _ = writeln!(out, "  {notice}");
        }
    }
    if report.findings.is_empty() {
        let _ = writeln!(out, "\nNo findings.");
    }
    let _ = writeln!(out, "\n{}", summary_line(report));
    out
}

fn write_finding(
    out: &mut String,
    finding: &Finding,
    by_fingerprint: &BTreeMap<&str, &Finding>,
    colour: bool,
) {
    let label = match finding.status {
        Status::Error => "ERROR".to_string(),
        Status::Fail => finding.severity.as_str().to_ascii_uppercase(),
    };
    let label = format!("{label:<6}");
    let label = if !colour {
        label
    } else if finding.status == Status::Error {
        label.magenta().bold().to_string()
    } else {
        match finding.severity {
            Severity::High => label.red().bold().to_string(),
            Severity::Medium => label.yellow().bold().to_string(),
            Severity::Low => label.cyan().to_string(),
            Severity::Info => label.dimmed().to_string(),
        }
    };
    let header = format!("    {label} {}  {}", finding.check, subject(finding));
    let _ = writeln!(out, "{}", header.trim_end());
    let _ = writeln!(out, "           {}", finding.message);
    write_causes(out, finding, by_fingerprint);
    if let Some(remediation) = &finding.remediation {
        for (i, line) in remediation.lines().enumerate() {
            let _ = writeln!(
                out,
                "           {} {line}",
                if i == 0 { "fix:" } else { "    " }
            );
        }
    }
    let _ = writeln!(out, "           id: {}", finding.fingerprint);
}

/// `GET /pets/{id} → pets-get:live`: the route or authorizer, and the function when the
/// finding is grouped under its API (under a function heading the function goes without saying).
fn subject(finding: &Finding) -> String {
    let mut subject = Vec::new();
    if let Some(route) = &finding.route {
        subject.push(format!("{} {}", route.method, route.path));
    }
    if let Some(authorizer) = &finding.authorizer {
        subject.push(format!("authorizer {}", authorizer.name));
    }
    if let (Some(function), true) = (&finding.function, finding.api.is_some()) {
        subject.push(format!("→ {}", short_function(function)));
    }
    subject.join(" ")
}

/// `probably because: CHECK SUBJECT (FINGERPRINT)`, one line per cause linked to a symptom
/// finding (`crate::causes`), so the reader goes from the 5XX straight to what explains it.
fn write_causes(out: &mut String, finding: &Finding, by_fingerprint: &BTreeMap<&str, &Finding>) {
    let Some(causes) = finding
        .evidence
        .get("probable_causes")
        .and_then(|c| c.as_array())
    else {
        return;
    };
    for (i, fingerprint) in causes.iter().filter_map(|c| c.as_str()).enumerate() {
        let cause = match by_fingerprint.get(fingerprint) {
            Some(cause) => {
                // A function-level cause has no API, so name its function here.
                let what = match (&cause.function, cause.api.is_some()) {
                    (Some(function), false) => short_function(function),
                    _ => subject(cause),
                };
                format!("{} {what} ({fingerprint})", cause.check)
            }
            // Suppressed after linking: still worth naming.
            None => format!("{fingerprint} (suppressed)"),
        };
        let lead = if i == 0 {
            "probably because:"
        } else {
            "                 "
        };
        let _ = writeln!(out, "           {lead} {cause}");
    }
}

/// The call that failed, for an `error` finding that names one: `(operation, error code)`.
fn error_cause(finding: &Finding) -> Option<(String, String)> {
    if finding.status != Status::Error {
        return None;
    }
    let operation = finding.evidence.get("operation")?.as_str()?;
    let code = finding.evidence.get("code")?.as_str()?;
    Some((operation.to_string(), code.to_string()))
}

/// The causes shared by more than one `error` finding, with those findings.
fn shared_error_causes(report: &Report) -> BTreeMap<(String, String), Vec<&Finding>> {
    let mut by_cause: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        if let Some(cause) = error_cause(finding) {
            by_cause.entry(cause).or_default().push(finding);
        }
    }
    by_cause.retain(|_, findings| findings.len() > 1);
    by_cause
}

/// One block per shared cause: how many findings it left unjudged, of which checks, and the IAM
/// action to grant when it is a permission the auditor lacks.
fn write_shared_causes(out: &mut String, causes: &BTreeMap<(String, String), Vec<&Finding>>) {
    if causes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nCould not be judged");
    for ((operation, code), findings) in causes {
        let _ = writeln!(
            out,
            "  {operation} failed with {code}: {} findings could not be evaluated",
            findings.len()
        );
        let mut per_check: BTreeMap<&str, usize> = BTreeMap::new();
        for finding in findings {
            *per_check.entry(finding.check.as_str()).or_insert(0) += 1;
        }
        let checks: Vec<String> = per_check
            .iter()
            .map(|(check, n)| format!("{check} ({n})"))
            .collect();
        let _ = writeln!(out, "           checks: {}", checks.join(", "));
        let denied = code.contains("AccessDenied") || code.contains("Unauthorized");
        let action = crate::aws::Operation::named(operation).and_then(|o| o.iam_action());
        if let (true, Some(action)) = (denied, action) {
            let _ = writeln!(
                out,
                "           fix: allow {action} to the auditor's role (deploy/iam-policy.json lists every action it calls)"
            );
        }
        let ids: Vec<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
        let _ = writeln!(out, "           ids: {}", ids.join(" "));
    }
}

/// `name:qualifier` from a function ARN, for compact lines.
fn short_function(arn: &str) -> String {
    match arn.split_once(":function:") {
        Some((_, rest)) => rest.to_string(),
        None => arn.to_string(),
    }
}

/// `12 findings (4 high, ...), 1 error, ...`: the last line of every table.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let total = s.findings.high + s.findings.medium + s.findings.low + s.findings.info;
    let calls: u64 = s.api_calls.values().sum();
    let throttled: u64 = s.throttled.values().sum();
    // Throttles mean someone else spent the same quotas during the run: say so, since the
    // auditor's own calls stay under them.
    let throttled = match throttled {
        0 => String::new(),
        1 => " (1 throttled by AWS)".to_string(),
        n => format!(" ({n} throttled by AWS)"),
    };
    let unaudited = match s.unaudited {
        0 => String::new(),
        1 => "; 1 Lambda integration could not be audited (its error finding says why)".to_string(),
        n => {
            format!("; {n} Lambda integrations could not be audited (their error findings say why)")
        }
    };
    format!(
        "{total} finding{} ({} high, {} medium, {} low, {} info), {} collection error{}, {} suppressed — {} APIs, {} stages, {} routes, {} functions audited with {calls} AWS calls{throttled} in {} ms{unaudited}",
        if total == 1 { "" } else { "s" },
        s.findings.high,
        s.findings.medium,
        s.findings.low,
        s.findings.info,
        s.errors,
        if s.errors == 1 { "" } else { "s" },
        s.suppressed,
        s.apis,
        s.stages,
        s.routes,
        s.functions,
        s.duration_ms
    )
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::render;
    use crate::config::Config;
    use crate::evaluate::{evaluate, RunFacts};
    use crate::inventory::Lookup;
    use crate::report::Source;
    use crate::testkit::*;

    fn report_of(inventory: &crate::inventory::Inventory) -> crate::report::Report {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
        let run = RunFacts {
            id: "run-1".into(),
            started_at: at,
            finished_at: at,
            source: Source::Snapshot,
            today: today(),
        };
        evaluate(inventory, &Config::default(), run)
    }

    #[test]
    fn error_findings_sharing_a_failed_call_are_grouped_with_the_permission_to_grant() {
        // GetFunction was denied for both targets: every check that needed it says so.
        let inventory = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets")
                    .route("GET", "/toys", "toys")
                    .stage("prod"),
            )
            .target(failed_target("pets"))
            .target(failed_target("toys"))
            .inventory();
        let report = report_of(&inventory);
        let unjudged = report
            .findings
            .iter()
            .filter(|f| f.evidence["operation"] == "lambda:GetFunction")
            .count();
        assert!(unjudged > 1, "{:#?}", report.findings);
        let table = render(&report, false);
        assert!(table.contains("\nCould not be judged\n"), "{table}");
        assert!(
            table.contains(&format!(
                "  lambda:GetFunction failed with AccessDeniedException: {unjudged} findings could \
                 not be evaluated\n"
            )),
            "{table}"
        );
        assert!(
            table.contains("fix: allow lambda:GetFunction to the auditor's role"),
            "{table}"
        );
    }

    #[test]
    fn the_summary_line_counts_integrations_that_could_not_be_audited() {
        let mut odd = proxy_integration("pets");
        odd.uri = Some("arn:aws:apigateway:us-east-1:lambda:path/2031-01-01/functions/x/y".into());
        let inventory = scope()
            .api(
                api("a1b2c3", "pets")
                    .integration("GET", "/odd", odd)
                    .stage("prod"),
            )
            .inventory();
        let report = report_of(&inventory);
        assert_eq!(report.summary.unaudited, 1);
        let table = render(&report, false);
        assert!(
            table.contains(
                "; 1 Lambda integration could not be audited (its error finding says why)"
            ),
            "{table}"
        );
    }

    #[test]
    fn a_5xx_stage_names_its_probable_causes() {
        let mut denied = target("pets-get:live", "a1b2c3");
        denied.policy = Lookup::Missing;
        let inventory = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .stage("prod"),
            )
            .target(denied)
            .evidence(|e| {
                e.stage_metrics
                    .push(stage_metrics("a1b2c3", "pets", "prod", 1200.0, 600.0))
            })
            .inventory();
        let report = report_of(&inventory);
        let cause = report
            .findings
            .iter()
            .find(|f| f.check == "invoke-permission-missing")
            .unwrap();
        let symptom = report
            .findings
            .iter()
            .find(|f| f.check == "api-5xx-rate")
            .unwrap();
        assert_eq!(
            symptom.evidence["probable_causes"],
            serde_json::json!([cause.fingerprint])
        );
        let table = render(&report, false);
        let line = format!(
            "           probably because: invoke-permission-missing GET /pets/{{id}} → \
             pets-get:live ({})\n",
            cause.fingerprint
        );
        assert!(table.contains(&line), "{table}");
    }

    /// Each API's heading says which kind it is: REST and HTTP APIs are fixed with different
    /// commands.
    #[test]
    fn apis_are_headed_rest_or_http() {
        let mut denied = target("orders", "none");
        denied.policy = Lookup::Missing;
        let inventory = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "orders")
                    .stage("prod"),
            )
            .http_api(
                http_api("h1", "orders")
                    .route("$default", "orders")
                    .stage("$default"),
            )
            .target(denied)
            .inventory();
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
        let run = RunFacts {
            id: "run-1".into(),
            started_at: at,
            finished_at: at,
            source: Source::Snapshot,
            today: today(),
        };
        let table = render(&evaluate(&inventory, &Config::default(), run), false);
        assert!(table.contains("\nREST API pets (a1b2c3)\n"), "{table}");
        assert!(
            table.contains("\nHTTP API orders (h1)\n  stage $default\n"),
            "{table}"
        );
    }
}
