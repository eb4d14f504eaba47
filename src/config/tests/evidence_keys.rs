//! Each key of the CloudWatch evidence feature (`[evidence]`, its two rate limits and the
//! settings of `api-5xx-rate` and `lambda-error-rate`): good values, a wrong type and values out of
//! range, each problem under its exact key.

use super::*;

/// One key: the table it is in, its name, how to read it back from a [`Config`] (as `Debug`
/// text), good values with what they read back as, a value of the wrong type with its message,
/// and values out of range with theirs.
struct KeyCase {
    table: &'static str,
    name: &'static str,
    read: fn(&Config) -> String,
    good: &'static [(&'static str, &'static str)],
    wrong_type: (&'static str, &'static str),
    out_of_range: &'static [(&'static str, &'static str)],
}

fn debug(value: impl std::fmt::Debug) -> String {
    format!("{value:?}")
}

/// A check setting as the file set it, read back as its number.
fn setting(config: &Config, check: &str, key: &str) -> String {
    match config.checks.settings.value(check, key) {
        Some(SettingValue::Integer(n)) => debug(n),
        Some(SettingValue::Float(x)) => debug(x),
        None => "unset".to_string(),
    }
}

const PERCENT_RANGE: &[(&str, &str)] = &[
    ("0", "must be greater than 0 and at most 100, found 0"),
    ("-5.0", "must be greater than 0 and at most 100, found -5"),
    (
        "100.5",
        "must be greater than 0 and at most 100, found 100.5",
    ),
    ("nan", "must be greater than 0 and at most 100, found NaN"),
];

fn key_cases() -> Vec<KeyCase> {
    let boolean = |table, name, read| KeyCase {
        table,
        name,
        read,
        good: &[("false", "false"), ("true", "true")],
        wrong_type: ("\"yes\"", "expected a boolean, found a string"),
        out_of_range: &[],
    };
    let rate_limit = |name, per_second: fn(&Config) -> String, burst: fn(&Config) -> String| {
        let table = "collect.rate-limits";
        [
            KeyCase {
                table,
                name,
                read: per_second,
                good: &[
                    ("{ per-second = 2 }", "2.0"),
                    ("{ per-second = 0.5 }", "0.5"),
                ],
                wrong_type: (
                    "{ per-second = \"fast\" }",
                    "expected a number, found a string",
                ),
                out_of_range: &[
                    (
                        "{ per-second = 0.0 }",
                        "must be greater than 0 and at most 10000, found 0",
                    ),
                    (
                        "{ per-second = 1e5 }",
                        "must be greater than 0 and at most 10000, found 100000",
                    ),
                ],
            },
            KeyCase {
                table,
                name,
                read: burst,
                good: &[("{ burst = 1 }", "1"), ("{ burst = 10000 }", "10000")],
                wrong_type: ("{ burst = 5.0 }", "expected an integer, found a float"),
                out_of_range: &[
                    ("{ burst = 0 }", "must be between 1 and 10000, found 0"),
                    (
                        "{ burst = 10001 }",
                        "must be between 1 and 10000, found 10001",
                    ),
                ],
            },
        ]
    };
    let mut cases = vec![
        boolean("evidence", "enabled", |c| debug(c.evidence.enabled)),
        boolean("evidence", "metrics", |c| debug(c.evidence.metrics)),
        boolean("evidence", "logs", |c| debug(c.evidence.logs)),
        KeyCase {
            table: "evidence",
            name: "window-minutes",
            read: |c| debug(c.evidence.window_minutes),
            good: &[("5", "5"), ("10080", "10080")],
            wrong_type: ("60.0", "expected an integer, found a float"),
            out_of_range: &[
                ("4", "must be between 5 and 10080, found 4"),
                ("10081", "must be between 5 and 10080, found 10081"),
            ],
        },
        KeyCase {
            table: "evidence",
            name: "period-seconds",
            read: |c| debug(c.evidence.period_seconds),
            // 3600 is also the default window: a period may be as long as the window.
            good: &[("60", "60"), ("300", "300"), ("3600", "3600")],
            wrong_type: ("\"60\"", "expected an integer, found a string"),
            out_of_range: &[
                ("0", "must be between 60 and 3600, found 0"),
                ("3660", "must be between 60 and 3600, found 3660"),
                ("90", "must be a multiple of 60 (whole minutes), found 90"),
            ],
        },
        KeyCase {
            table: "evidence",
            name: "log-pages-per-signature",
            read: |c| debug(c.evidence.log_pages_per_signature),
            good: &[("1", "1"), ("100", "100")],
            wrong_type: ("true", "expected an integer, found a boolean"),
            out_of_range: &[
                ("0", "must be between 1 and 100, found 0"),
                ("101", "must be between 1 and 100, found 101"),
            ],
        },
        KeyCase {
            table: "evidence",
            name: "log-events-per-signature",
            read: |c| debug(c.evidence.log_events_per_signature),
            good: &[("1", "1"), ("10000", "10000")],
            wrong_type: ("[]", "expected an integer, found an array"),
            out_of_range: &[
                ("0", "must be between 1 and 10000, found 0"),
                ("10001", "must be between 1 and 10000, found 10001"),
            ],
        },
        KeyCase {
            table: "evidence",
            name: "log-seconds-per-group",
            read: |c| debug(c.evidence.log_seconds_per_group),
            good: &[("1", "1"), ("600", "600")],
            wrong_type: ("1.5", "expected an integer, found a float"),
            out_of_range: &[
                ("-1", "must be between 1 and 600, found -1"),
                ("601", "must be between 1 and 600, found 601"),
            ],
        },
        KeyCase {
            table: "checks.api-5xx-rate",
            name: "threshold-percent",
            read: |c| setting(c, "api-5xx-rate", "threshold-percent"),
            good: &[("0.5", "0.5"), ("100", "100.0")],
            wrong_type: ("\"5%\"", "expected a number, found a string"),
            out_of_range: PERCENT_RANGE,
        },
        KeyCase {
            table: "checks.api-5xx-rate",
            name: "min-requests",
            read: |c| setting(c, "api-5xx-rate", "min-requests"),
            good: &[("0", "0"), ("1000000", "1000000")],
            wrong_type: ("100.0", "expected an integer, found a float"),
            out_of_range: &[("-1", "must be at least 0, found -1")],
        },
        KeyCase {
            table: "checks.lambda-error-rate",
            name: "threshold-percent",
            read: |c| setting(c, "lambda-error-rate", "threshold-percent"),
            good: &[("1", "1.0"), ("99.9", "99.9")],
            wrong_type: ("true", "expected a number, found a boolean"),
            out_of_range: PERCENT_RANGE,
        },
        KeyCase {
            table: "checks.lambda-error-rate",
            name: "min-invocations",
            read: |c| setting(c, "lambda-error-rate", "min-invocations"),
            good: &[("0", "0"), ("5", "5")],
            wrong_type: ("\"20\"", "expected an integer, found a string"),
            out_of_range: &[("-20", "must be at least 0, found -20")],
        },
    ];
    cases.extend(rate_limit(
        "cloudwatch-get-metric-data",
        |c| debug(c.collect.rate_limits.cloudwatch_get_metric_data.per_second),
        |c| debug(c.collect.rate_limits.cloudwatch_get_metric_data.burst),
    ));
    cases.extend(rate_limit(
        "logs-filter-log-events",
        |c| debug(c.collect.rate_limits.logs_filter_log_events.per_second),
        |c| debug(c.collect.rate_limits.logs_filter_log_events.burst),
    ));
    cases
}

/// The key a problem with `value` of the case is reported under: a rate limit's value is an inline
/// table holding the one field.
fn problem_key(case: &KeyCase, value: &str) -> String {
    let key = format!("{}.{}", case.table, case.name);
    match value.trim_start_matches("{ ").split_once(" =") {
        Some((field, _)) if value.starts_with('{') => format!("{key}.{field}"),
        _ => key,
    }
}

#[test]
fn each_new_key_good_wrong_type_and_out_of_range() {
    for case in key_cases() {
        let doc = |value: &str| format!("[{}]\n{} = {value}\n", case.table, case.name);
        for (value, read_back) in case.good {
            assert_eq!((case.read)(&ok(&doc(value))), *read_back, "{}", doc(value));
        }
        let (value, message) = case.wrong_type;
        let bad = std::iter::once((value, message)).chain(case.out_of_range.iter().copied());
        for (value, message) in bad {
            let found = problems(&doc(value));
            let found: Vec<(&str, &str)> = found
                .iter()
                .map(|p| (p.key.as_str(), p.message.as_str()))
                .collect();
            assert_eq!(
                found,
                [(problem_key(&case, value).as_str(), message)],
                "{}",
                doc(value)
            );
        }
    }
}

/// Every key this feature added has a case above.
#[test]
fn every_new_key_has_a_case() {
    let covered: Vec<String> = key_cases()
        .iter()
        .flat_map(|c| {
            let key = format!("{}.{}", c.table, c.name);
            let (first, _) = c.good[0];
            vec![problem_key(c, first), key]
        })
        .collect();
    let all = all_keys(&checks());
    let new_keys = all.iter().filter(|k| {
        k.starts_with("evidence.")
            || k.starts_with("checks.api-5xx-rate.")
            || k.starts_with("checks.lambda-error-rate.")
            || k.starts_with("collect.rate-limits.cloudwatch-")
            || k.starts_with("collect.rate-limits.logs-")
    });
    let mut count = 0;
    for key in new_keys {
        assert!(covered.iter().any(|c| c == key), "no case for {key}");
        count += 1;
    }
    assert_eq!(count, 8 + 4 + 4);
}
