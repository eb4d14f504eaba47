//! Tests of the markdown: the findings table's order, escaping and budget, and the header.

use super::text::{code, cut, findings_table, plain};
use crate::report::{ApiRef, Finding, RouteRef, Severity, Status};

fn finding(check: &str, severity: Severity, remediation: &str) -> Finding {
    Finding {
        fingerprint: format!("{check}-{severity}"),
        check: check.to_string(),
        severity,
        status: Status::Fail,
        account: "123456789012".into(),
        region: "us-east-1".into(),
        api: Some(ApiRef {
            id: "a1b2c3".into(),
            name: "pets".into(),
            protocol: Default::default(),
        }),
        stages: vec!["dev".into(), "prod".into()],
        route: Some(RouteRef {
            method: "GET".into(),
            path: "/pets/{id}".into(),
        }),
        function: Some("arn:aws:lambda:us-east-1:123456789012:function:pets-get:live".into()),
        authorizer: None,
        client_status: Some(500),
        message: "m".into(),
        evidence: serde_json::json!({}),
        remediation: Some(remediation.to_string()),
    }
}

/// The data rows of a table, in order.
fn rows(markdown: &str) -> Vec<&str> {
    markdown
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| severity"))
        .collect()
}

#[test]
fn rows_go_worst_first_with_pipes_escaped() {
    let findings = vec![
        finding("runtime-deprecated", Severity::Low, "fix low"),
        finding(
            "invoke-permission-missing",
            Severity::High,
            "aws x --query 'a|b'",
        ),
        finding("lambda-error-rate", Severity::Medium, "fix medium"),
        finding("execution-logging-disabled", Severity::Info, "fix info"),
    ];
    let table = findings_table(&findings, 8_000);
    assert_eq!(table.shown, 4);
    let rows = rows(&table.markdown);
    let severities: Vec<&str> = rows
        .iter()
        .map(|r| r.split(" | ").next().unwrap())
        .collect();
    assert_eq!(severities, ["| high", "| medium", "| low", "| info"]);
    assert_eq!(
        rows[0],
        "| high | `invoke-permission-missing` | `pets (a1b2c3) GET /pets/{id} → pets-get:live` | dev, prod | `aws x --query 'a\\|b'` |"
    );
    // Every row has exactly the five cells: no unescaped pipe split one.
    for row in &rows {
        assert_eq!(row.replace("\\|", "").matches('|').count(), 6, "{row}");
    }
    assert!(!table.markdown.contains("more — see the JSON report"));
}

#[test]
fn findings_past_the_budget_are_counted_in_a_last_line() {
    let findings: Vec<Finding> = (0..200)
        .map(|i| finding(&format!("check-{i:03}"), Severity::High, &"x".repeat(300)))
        .collect();
    let table = findings_table(&findings, 8_000);
    assert!(table.markdown.len() <= 8_000, "{}", table.markdown.len());
    assert!(table.shown > 10 && table.shown < 200);
    assert_eq!(rows(&table.markdown).len(), table.shown);
    let last = table.markdown.trim_end().lines().last().unwrap();
    assert_eq!(
        last,
        format!("{} more — see the JSON report.", 200 - table.shown)
    );
    // Long fixes are cut, and the cut is visible.
    assert!(rows(&table.markdown)[0].contains(&format!("{}…`", "x".repeat(160))));
}

#[test]
fn a_table_that_just_fits_has_no_more_line() {
    let one = vec![finding("a", Severity::High, "fix")];
    let budget = findings_table(&one, 8_000).markdown.len();
    let table = findings_table(&one, budget);
    assert_eq!(table.shown, 1);
    let table = findings_table(&one, budget - 1);
    assert_eq!(table.shown, 0);
    assert!(table.markdown.ends_with("1 more — see the JSON report.\n"));
}

#[test]
fn no_findings_says_so() {
    let table = findings_table(&[], 8_000);
    assert!(table.markdown.contains("No findings in the last run."));
}

#[test]
fn cells_are_escaped_and_cut_safely() {
    assert_eq!(plain("a_b|c*d\ne"), "a\\_b\\|c\\*d e");
    assert_eq!(code("echo `id` | x"), "``echo `id` \\| x``");
    assert_eq!(code("`x`"), "`` `x` ``");
    assert_eq!(code("one\n  two\n"), "`one ; two`");
    assert_eq!(code("  "), "—");
    assert_eq!(cut("héllo", 2), "hé…");
    assert_eq!(cut("héllo", 5), "héllo");
}
