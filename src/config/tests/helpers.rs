//! The suppression glob, expiry and matching, suggestions, and how problems print.

use super::*;

#[test]
fn glob_matches_cases() {
    let cases = [
        ("", "", true),
        ("", "a", false),
        ("*", "", true),
        ("*", "anything at all", true),
        ("abc", "abc", true),
        ("abc", "abcd", false),
        ("abc", "ABC", false),
        ("a?c", "abc", true),
        ("a?c", "ac", false),
        ("?", "é", true),
        ("a*", "a", true),
        ("*c", "abc", true),
        ("a*c", "abbbbc", true),
        ("a*c", "abcb", false),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxcyyb", false),
        ("**a**", "bab", true),
        ("*?", "", false),
        (
            "arn:aws:lambda:*:*:function:legacy-*",
            "arn:aws:lambda:us-east-1:123456789012:function:legacy-billing",
            true,
        ),
        (
            "arn:aws:lambda:*:*:function:legacy-*",
            "arn:aws:lambda:us-east-1:123456789012:function:billing-legacy-1",
            false,
        ),
        ("GET /pets/*", "GET /pets/{id}", true),
        ("GET /pets/*", "POST /pets/{id}", false),
        (
            "*aaa*aab",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            true,
        ),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(
            glob_matches(pattern, text),
            expected,
            "{pattern:?} vs {text:?}"
        );
    }
}

fn suppression(check: &str, resource: &str, expires: Option<&str>) -> Suppression {
    Suppression {
        check: check.into(),
        resource: resource.into(),
        reason: "because".into(),
        expires: expires.map(date),
    }
}

#[test]
fn is_expired_only_after_the_expiry_day() {
    let s = suppression("*", "*", Some("2027-01-31"));
    assert!(!s.is_expired(date("2026-12-31")));
    assert!(!s.is_expired(date("2027-01-31")));
    assert!(s.is_expired(date("2027-02-01")));
    assert!(!suppression("*", "*", None).is_expired(date("9999-12-31")));
}

#[test]
fn matches_check_and_any_identity() {
    let s = suppression("invoke-permission-too-broad", "legacy-*", None);
    assert!(s.matches("invoke-permission-too-broad", ["a1b2", "legacy-api"]));
    assert!(!s.matches("invoke-permission-too-broad", ["a1b2", "pets"]));
    assert!(!s.matches("handler-invalid", ["legacy-api"]));
    assert!(!s.matches("invoke-permission-too-broad", []));
    assert!(suppression("*", "legacy-*", None).matches("handler-invalid", ["legacy-x"]));
}

#[test]
fn suggestions() {
    let cases: &[(&str, &[&str], Option<&str>)] = &[
        ("regoins", &["regions", "profile"], Some("regions")),
        (
            "page_size",
            &["page-size", "concurrency"],
            Some("page-size"),
        ),
        ("PageSize", &["page-size", "concurrency"], Some("page-size")),
        ("disabled", &["disable", "severity"], Some("disable")),
        ("burts", &["per-second", "burst"], Some("burst")),
        (
            "invoke-permision-missing",
            &check_ids(),
            Some("invoke-permission-missing"),
        ),
        (
            "runtime-deprecation",
            &check_ids(),
            Some("runtime-deprecated"),
        ),
        ("foo", &["sts", "lambda-other"], None),
        ("colour", &["format", "fail-on", "file"], None),
        ("x", &[], None),
    ];
    for (given, candidates, expected) in cases {
        assert_eq!(
            keys::suggest(given, candidates.iter().copied()),
            *expected,
            "{given}"
        );
    }
}

#[test]
fn keys_are_joined_the_way_toml_writes_them() {
    assert_eq!(keys::join("", "scope"), "scope");
    assert_eq!(
        keys::join("checks.severity", "api-5xx-rate"),
        "checks.severity.api-5xx-rate"
    );
    assert_eq!(
        keys::join("checks.severity", "a.b"),
        "checks.severity.\"a.b\""
    );
    assert_eq!(keys::join("checks", ""), "checks.\"\"");
}

#[test]
fn errors_print_one_problem_per_line() {
    let errors = ConfigErrors(vec![
        ConfigProblem {
            key: "collect.page-size".into(),
            message: "must be between 1 and 500, found 0".into(),
        },
        ConfigProblem {
            key: "suppressions[2].reason".into(),
            message: "must not be empty".into(),
        },
        ConfigProblem {
            key: String::new(),
            message: "cannot read config file x.toml: not found".into(),
        },
    ]);
    assert_eq!(
        errors.to_string(),
        "`collect.page-size`: must be between 1 and 500, found 0\n\
         `suppressions[2].reason`: must not be empty\n\
         cannot read config file x.toml: not found"
    );
    // Usable with `?` into anyhow at the binary edge.
    let _: &dyn std::error::Error = &errors;
}
