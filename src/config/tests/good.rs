//! Valid configs and what they turn into.

use super::*;

#[test]
fn good_configs() {
    type Expect = fn(&mut Config);
    let cases: &[(&str, &str, Expect)] = &[
        ("empty file", "", |_| {}),
        ("only comments", "# nothing here\n", |_| {}),
        (
            "scope",
            r#"[scope]
               regions = ["us-east-1", "us-gov-west-1", "cn-north-1", "eu-central-2"]
               profile = "prod-audit"
               endpoint-url = "http://127.0.0.1:4566""#,
            |c| {
                c.scope.regions = vec![
                    "us-east-1".into(),
                    "us-gov-west-1".into(),
                    "cn-north-1".into(),
                    "eu-central-2".into(),
                ];
                c.scope.profile = Some("prod-audit".into());
                c.scope.endpoint_url = Some("http://127.0.0.1:4566".into());
            },
        ),
        (
            "collect bounds",
            "[collect]\npage-size = 1\nconcurrency = 64\nmax-attempts = 20\nintegrations = \"current\"",
            |c| {
                c.collect.integrations = crate::config::IntegrationsSource::Current;
                c.collect.page_size = 1;
                c.collect.concurrency = 64;
                c.collect.max_attempts = 20;
            },
        ),
        (
            "one rate limit, integer rate, other limits untouched",
            "[collect.rate-limits]\nlambda-get-policy = { per-second = 5, burst = 2 }",
            |c| {
                c.collect.rate_limits.lambda_get_policy = RateLimit {
                    per_second: 5.0,
                    burst: 2,
                };
            },
        ),
        (
            "half a rate limit keeps the other half",
            "[collect.rate-limits.sts]\nburst = 3",
            |c| c.collect.rate_limits.sts.burst = 3,
        ),
        (
            "checks",
            r#"[checks]
               disable = ["invoke-permission-stale", "execution-logging-disabled"]
               [checks.severity]
               runtime-deprecated = "high"
               "api-5xx-rate" = "info"
               [checks.runtime-deprecated]
               warning-days = 0
               [checks.function-policy-near-size-limit]
               threshold-percent = 100"#,
            |c| {
                c.checks.disabled = ["invoke-permission-stale", "execution-logging-disabled"]
                    .map(String::from)
                    .into();
                c.checks.severity = [
                    ("runtime-deprecated".into(), Severity::High),
                    ("api-5xx-rate".into(), Severity::Info),
                ]
                .into();
                c.checks.settings
                    .set("runtime-deprecated", "warning-days", SettingValue::Integer(0));
                c.checks.settings.set(
                    "function-policy-near-size-limit",
                    "threshold-percent",
                    SettingValue::Integer(100),
                );
            },
        ),
        (
            "suppressions: TOML date, string date, no date, any check",
            r#"[[suppressions]]
               check = "invoke-permission-too-broad"
               resource = "arn:aws:lambda:*:*:function:legacy-*"
               reason = "partner"
               expires = 2027-01-31
               [[suppressions]]
               check = "*"
               resource = "a1b2c3d4e5"
               reason = "sandbox API"
               expires = "2026-12-01"
               [[suppressions]]
               check = "handler-invalid"
               resource = "GET /pets/?"
               reason = "being rewritten""#,
            |c| {
                let s = |check: &str, resource: &str, reason: &str, expires: Option<&str>| {
                    Suppression {
                        check: check.into(),
                        resource: resource.into(),
                        reason: reason.into(),
                        expires: expires.map(date),
                    }
                };
                c.suppressions = vec![
                    s(
                        "invoke-permission-too-broad",
                        "arn:aws:lambda:*:*:function:legacy-*",
                        "partner",
                        Some("2027-01-31"),
                    ),
                    s("*", "a1b2c3d4e5", "sandbox API", Some("2026-12-01")),
                    s("handler-invalid", "GET /pets/?", "being rewritten", None),
                ];
            },
        ),
        (
            "output",
            "[output]\nformat = \"jsonl\"\nfail-on = \"low\"\nfile = \"out/report.jsonl\"",
            |c| {
                c.output.format = OutputFormat::Jsonl;
                c.output.fail_on = Severity::Low;
                c.output.file = Some("out/report.jsonl".into());
            },
        ),
        (
            "dotted keys and inline tables are the same keys",
            "collect.page-size = 100\noutput = { format = \"json\" }",
            |c| {
                c.collect.page_size = 100;
                c.output.format = OutputFormat::Json;
            },
        ),
    ];
    for (name, text, expect) in cases {
        let mut expected = Config::default();
        expect(&mut expected);
        assert_eq!(ok(text), expected, "case: {name}");
    }
}

/// The ids and settings the file may name are exactly those of the checks handed to the loader:
/// a check outside them is unknown even with a settings table, and a check's table holds only
/// the settings it declares.
#[test]
fn check_ids_and_settings_come_from_the_declarations_handed_in() {
    const DAYS: SettingSpec = SettingSpec {
        key: "days",
        doc: "d",
        kind: SettingKind::Integer {
            default: 1,
            min: 0,
            max: 9,
        },
    };
    let declared = [
        CheckSpec {
            id: "aged",
            settings: &[DAYS],
        },
        CheckSpec {
            id: "plain",
            settings: &[],
        },
    ];
    let config = parse(
        "[checks]\ndisable = [\"plain\"]\n[checks.aged]\ndays = 5",
        &declared,
    )
    .unwrap();
    assert!(config.checks.disabled.contains("plain"));
    assert_eq!(config.checks.settings.integer("aged", &DAYS), 5);
    let ConfigErrors(found) = parse("[checks.aged]\nweeks = 5", &declared).unwrap_err();
    assert_eq!(found[0].key, "checks.aged.weeks");
    let ConfigErrors(found) = parse("[checks.plain]\ndays = 5", &declared).unwrap_err();
    assert_eq!(
        found[0].message,
        "check `plain` has no settings (checks with settings: aged)"
    );
    let ConfigErrors(found) =
        parse("[checks.runtime-deprecated]\nwarning-days = 5", &declared).unwrap_err();
    assert_eq!(found[0].key, "checks.runtime-deprecated");
    let ConfigErrors(found) = parse("[checks.aged]\ndays = 10", &declared).unwrap_err();
    assert_eq!(found[0].message, "must be between 0 and 9, found 10");
}

#[test]
fn region_names() {
    for good in [
        "us-east-1",
        "us-gov-west-1",
        "cn-north-1",
        "eu-central-2",
        "ap-southeast-5",
        "us-isob-east-1",
    ] {
        assert!(validate::is_region(good), "{good}");
    }
    for bad in [
        "US-EAST-1",
        "useast1",
        "us-east",
        "us-east-",
        "-east-1",
        "use-east-1",
        "us--1",
        "us-east-1a",
        "us-east-123",
        "",
    ] {
        assert!(!validate::is_region(bad), "{bad}");
    }
}
