//! The settings of the CloudWatch evidence beyond single keys (those are in `evidence_keys.rs`):
//! the rule between window and period, the evidence checks' ids, and many problems reported
//! together.

use super::*;

#[test]
fn period_must_fit_the_window() {
    let cases: &[(&str, Option<&str>)] = &[
        ("window-minutes = 60\nperiod-seconds = 3600", None),
        ("window-minutes = 6\nperiod-seconds = 360", None),
        ("window-minutes = 10080\nperiod-seconds = 60", None),
        (
            "window-minutes = 30\nperiod-seconds = 3600",
            Some("must not exceed the window of 30 minutes (1800 seconds), found 3600"),
        ),
        // The rule holds whichever key comes first, and in an inline table.
        (
            "period-seconds = 360\nwindow-minutes = 5",
            Some("must not exceed the window of 5 minutes (300 seconds), found 360"),
        ),
    ];
    for (body, expected) in cases {
        for text in [
            format!("[evidence]\n{body}"),
            format!("evidence = {{ {} }}", body.replace('\n', ", ")),
        ] {
            match expected {
                None => {
                    ok(&text);
                }
                Some(message) => {
                    let found = problems(&text);
                    assert_eq!(found.len(), 1, "{text}: {found:?}");
                    assert_eq!(found[0].key, "evidence.period-seconds", "{text}");
                    assert_eq!(found[0].message, *message, "{text}");
                }
            }
        }
    }
}

/// A window or period that is wrong by itself is reported once, not again as a misfit.
#[test]
fn a_bad_window_or_period_is_not_also_a_misfit() {
    let found = problems("[evidence]\nwindow-minutes = 4\nperiod-seconds = 3600");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].key, "evidence.window-minutes");
    let found = problems("[evidence]\nwindow-minutes = 5\nperiod-seconds = 390");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].message,
        "must be a multiple of 60 (whole minutes), found 390"
    );
}

/// GetMetricData's 100,800 data points per call: out of reach of today's ranges (7 days of
/// minutes is 10,080 periods), so the rule is exercised directly.
#[test]
fn window_holds_at_most_100800_periods() {
    use evidence_rules::window_problem;
    assert_eq!(window_problem(10_080, 60), None);
    assert_eq!(window_problem(10_080, 6), None); // exactly 100,800
    assert_eq!(window_problem(1_680, 1), None); // exactly 100,800
    assert_eq!(
        window_problem(10_080, 5).as_deref(),
        Some(
            "a window of 10080 minutes holds 120960 periods of 5 seconds, more than the 100800 \
             data points GetMetricData returns per call; use a longer period or a shorter window"
        )
    );
    // A partial last period is a data point too.
    assert!(window_problem(1_681, 1).is_some());
    assert!(window_problem(5, 301).is_some());
    assert_eq!(window_problem(5, 300), None);
}

#[test]
fn evidence_check_settings_and_ids_come_from_the_registry() {
    let text = "[checks.api-5xx-rate]\nmin-requests = 5\n[checks.lambda-error-rate]\nmin-invocations = 1\n[checks.severity]\nlambda-error-rate = \"low\"";
    let config = ok(text);
    assert_eq!(
        config.checks.settings.value("api-5xx-rate", "min-requests"),
        Some(SettingValue::Integer(5))
    );
    assert_eq!(
        config
            .checks
            .settings
            .value("lambda-error-rate", "min-invocations"),
        Some(SettingValue::Integer(1))
    );
    assert_eq!(config.checks.severity["lambda-error-rate"], Severity::Low);
    // Without the registry no check is known, with or without settings.
    let ConfigErrors(found) = parse(text, &[]).unwrap_err();
    assert_eq!(found[0].message, "unknown check `api-5xx-rate`");
    let ConfigErrors(found) =
        parse("[checks]\ndisable = [\"execution-log-errors\"]", &[]).unwrap_err();
    assert_eq!(found[0].message, "unknown check `execution-log-errors`");
    let config = ok("[checks]\ndisable = [\"execution-log-errors\", \"function-log-errors\", \"execution-logging-disabled\"]");
    assert_eq!(config.checks.disabled.len(), 3);
}

#[test]
fn every_evidence_problem_in_a_file_is_reported_at_once() {
    let text = r#"
[collect.rate-limits]
logs-filter-log-event = { per-second = 5.0 }
cloudwatch-get-metric-data = { per-second = 0, burst = 50 }

[evidence]
enable = false
window-minutes = 30
period-seconds = 3600
log-pages-per-signature = 0
metrics = "no"
window = 60

[checks.api-5xx-rate]
threshold-percent = 150
min-request = 10

[checks.lambda-error-rate]
min-invocations = -5
threshold = 5

[checks.function-log-errors]
signatures = ["Task timed out"]
"#;
    let found = problems(text);
    let found: Vec<(&str, &str)> = found
        .iter()
        .map(|p| (p.key.as_str(), p.message.as_str()))
        .collect();
    // In catalogue order, as the registry declares them.
    let with_settings = "checks with settings: function-policy-near-size-limit, \
                         runtime-deprecated, api-5xx-rate, lambda-error-rate";
    let no_settings = format!("check `function-log-errors` has no settings ({with_settings})");
    assert_eq!(
        found,
        [
            (
                "checks.api-5xx-rate.min-request",
                "unknown key `min-request`; did you mean `min-requests`?"
            ),
            (
                "checks.api-5xx-rate.threshold-percent",
                "must be greater than 0 and at most 100, found 150"
            ),
            ("checks.function-log-errors", no_settings.as_str()),
            (
                "checks.lambda-error-rate.min-invocations",
                "must be at least 0, found -5"
            ),
            (
                "checks.lambda-error-rate.threshold",
                "unknown key `threshold`; did you mean `threshold-percent`?"
            ),
            (
                "collect.rate-limits.cloudwatch-get-metric-data.per-second",
                "must be greater than 0 and at most 10000, found 0"
            ),
            (
                "collect.rate-limits.logs-filter-log-event",
                "unknown key `logs-filter-log-event`; did you mean `logs-filter-log-events`?"
            ),
            (
                "evidence.enable",
                "unknown key `enable`; did you mean `enabled`?"
            ),
            (
                "evidence.log-pages-per-signature",
                "must be between 1 and 100, found 0"
            ),
            ("evidence.metrics", "expected a boolean, found a string"),
            (
                "evidence.window",
                "unknown key `window`; did you mean `window-minutes`?"
            ),
            // The rule between keys comes after the table's own problems.
            (
                "evidence.period-seconds",
                "must not exceed the window of 30 minutes (1800 seconds), found 3600"
            ),
        ]
    );
}
