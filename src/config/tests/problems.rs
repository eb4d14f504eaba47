//! Each kind of problem, under its exact key, and many problems reported together.

use super::*;

/// A case: its name, the config text, and every problem expected as (key, message), in the order
/// they are reported.
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[test]
fn each_kind_of_problem_has_its_key_and_message() {
    let cases: &[Case] = &[
        (
            "unknown top-level key with suggestion",
            "[scopes]\nregions = []",
            &[("scopes", "unknown key `scopes`; did you mean `scope`?")],
        ),
        (
            "unknown key without suggestion",
            "[output]\ncolour = true",
            &[("output.colour", "unknown key `colour`")],
        ),
        (
            "unknown nested key",
            "[collect.rate-limits.lambda-get-policy]\nburts = 3",
            &[(
                "collect.rate-limits.lambda-get-policy.burts",
                "unknown key `burts`; did you mean `burst`?",
            )],
        ),
        (
            "unknown rate limit",
            "[collect.rate-limits]\nlambda-get-polcy = { burst = 3 }",
            &[(
                "collect.rate-limits.lambda-get-polcy",
                "unknown key `lambda-get-polcy`; did you mean `lambda-get-policy`?",
            )],
        ),
        (
            "wrong type",
            "[collect]\npage-size = \"500\"",
            &[("collect.page-size", "expected an integer, found a string")],
        ),
        (
            "wrong type: table expected",
            "scope = \"us-east-1\"",
            &[("scope", "expected a table, found a string")],
        ),
        (
            "out of range, low and high",
            "[collect]\npage-size = 0\nconcurrency = 65\nmax-attempts = 21\nintegrations = \"latest\"",
            &[
                ("collect.concurrency", "must be between 1 and 64, found 65"),
                (
                    "collect.integrations",
                    "unknown integrations source `latest` (expected deployed or current)",
                ),
                ("collect.max-attempts", "must be between 1 and 20, found 21"),
                ("collect.page-size", "must be between 1 and 500, found 0"),
            ],
        ),
        (
            "rate limit values",
            "[collect.rate-limits]\nsts = { per-second = 0.0, burst = 0 }\nlambda-other = { per-second = \"fast\" }",
            &[
                ("collect.rate-limits.lambda-other.per-second", "expected a number, found a string"),
                ("collect.rate-limits.sts.burst", "must be between 1 and 10000, found 0"),
                (
                    "collect.rate-limits.sts.per-second",
                    "must be greater than 0 and at most 10000, found 0",
                ),
            ],
        ),
        (
            "bad regions",
            "[scope]\nregions = [\"US-EAST-1\", \"useast1\", 1, \"eu-west-1\", \"eu-west-1\"]",
            &[
                ("scope.regions[0]", "`US-EAST-1` is not a region name like `us-east-1`"),
                ("scope.regions[1]", "`useast1` is not a region name like `us-east-1`"),
                ("scope.regions[2]", "expected a string, found an integer"),
                ("scope.regions[4]", "region `eu-west-1` is listed twice"),
            ],
        ),
        (
            "regions not an array",
            "[scope]\nregions = \"us-east-1\"",
            &[("scope.regions", "expected an array of regions, found a string")],
        ),
        (
            "endpoint and profile",
            "[scope]\nendpoint-url = \"127.0.0.1:4566\"\nprofile = \"  \"",
            &[
                (
                    "scope.endpoint-url",
                    "`127.0.0.1:4566` is not a URL starting with http:// or https://",
                ),
                ("scope.profile", "must not be empty"),
            ],
        ),
        (
            "unknown check ids in disable, severity and settings tables",
            r#"[checks]
               disable = ["invoke-permision-missing", 3]
               [checks.severity]
               runtime-deprecatd = "high"
               [checks.handler-invalidd]
               x = 1"#,
            &[
                (
                    "checks.disable[0]",
                    "unknown check `invoke-permision-missing`; did you mean `invoke-permission-missing`?",
                ),
                ("checks.disable[1]", "expected a string, found an integer"),
                (
                    "checks.handler-invalidd",
                    "unknown check `handler-invalidd`; did you mean `handler-invalid`?",
                ),
                (
                    "checks.severity.runtime-deprecatd",
                    "unknown check `runtime-deprecatd`; did you mean `runtime-deprecated`?",
                ),
            ],
        ),
        (
            "unknown severity",
            "[checks.severity]\nhandler-invalid = \"critical\"\n[output]\nfail-on = \"hgh\"",
            &[
                (
                    "checks.severity.handler-invalid",
                    "unknown severity `critical` (expected high, medium, low or info)",
                ),
                (
                    "output.fail-on",
                    "unknown severity `hgh` (expected high, medium, low or info); did you mean `high`?",
                ),
            ],
        ),
        (
            "unknown output format",
            "[output]\nformat = \"JSON\"",
            &[(
                "output.format",
                "unknown output format `JSON` (expected table, json, jsonl or ocsf); did you mean `json`?",
            )],
        ),
        (
            "misspelled plain key under checks",
            "[checks]\ndisabled = [\"handler-invalid\"]",
            &[("checks.disabled", "unknown key `disabled`; did you mean `disable`?")],
        ),
        (
            "settings for a check that has none",
            "[checks.handler-invalid]\nstrict = true",
            &[(
                "checks.handler-invalid",
                "check `handler-invalid` has no settings (checks with settings: \
                 function-policy-near-size-limit, runtime-deprecated, api-5xx-rate, \
                 lambda-error-rate)",
            )],
        ),
        (
            "check settings out of range and unknown",
            "[checks.runtime-deprecated]\nwarning-days = 4000\nwarn-days = 1\n[checks.function-policy-near-size-limit]\nthreshold-percent = 0",
            &[
                (
                    "checks.function-policy-near-size-limit.threshold-percent",
                    "must be between 1 and 100, found 0",
                ),
                (
                    "checks.runtime-deprecated.warn-days",
                    "unknown key `warn-days`; did you mean `warning-days`?",
                ),
                (
                    "checks.runtime-deprecated.warning-days",
                    "must be between 0 and 3650, found 4000",
                ),
            ],
        ),
        (
            "suppression: empty fields, unknown check, bad date",
            r#"[[suppressions]]
               check = "invoke-permission-too-broad"
               resource = "*"
               reason = "ok"
               [[suppressions]]
               check = "invoke-permision-too-broad"
               resource = ""
               reason = " "
               expires = "2027-02-30"
               note = "x""#,
            &[
                (
                    "suppressions[1].check",
                    "unknown check `invoke-permision-too-broad`; did you mean `invoke-permission-too-broad`?",
                ),
                ("suppressions[1].expires", "expected a date like 2027-01-31, found `2027-02-30`"),
                ("suppressions[1].note", "unknown key `note`"),
                ("suppressions[1].reason", "must not be empty"),
                ("suppressions[1].resource", "must not be empty"),
            ],
        ),
        (
            "suppression: missing required keys",
            "[[suppressions]]\nexpires = 2027-01-31",
            &[
                (
                    "suppressions[0].check",
                    "required key is missing (a check id, or \"*\" for every check)",
                ),
                (
                    "suppressions[0].resource",
                    "required key is missing (a glob matched against the finding's resources)",
                ),
                (
                    "suppressions[0].reason",
                    "required key is missing (why this finding is accepted, for the next reviewer)",
                ),
            ],
        ),
        (
            "suppression: date forms",
            r#"[[suppressions]]
               check = "*"
               resource = "*"
               reason = "a"
               expires = 2027-01-31T10:00:00Z
               [[suppressions]]
               check = "*"
               resource = "*"
               reason = "b"
               expires = "31/01/2027"
               [[suppressions]]
               check = "*"
               resource = "*"
               reason = "c"
               expires = 20270131"#,
            &[
                (
                    "suppressions[0].expires",
                    "expected a date like 2027-01-31 without a time, found `2027-01-31T10:00:00Z`",
                ),
                ("suppressions[1].expires", "expected a date like 2027-01-31, found `31/01/2027`"),
                ("suppressions[2].expires", "expected a date like 2027-01-31, found an integer"),
            ],
        ),
        (
            "suppressions written as a single table",
            "[suppressions]\ncheck = \"*\"",
            &[(
                "suppressions",
                "expected an array of tables (write each one under `[[suppressions]]`), found a table",
            )],
        ),
        (
            "output file empty",
            "[output]\nfile = \"\"",
            &[("output.file", "must not be empty")],
        ),
    ];
    for (name, text, expected) in cases {
        let found = problems(text);
        let found: Vec<(&str, &str)> = found
            .iter()
            .map(|p| (p.key.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(found, *expected, "case: {name}");
    }
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let text = r#"
[scope]
regions = ["useast1"]

[collect]
page-size = 1000

[checks]
disable = ["no-such-check"]

[[suppressions]]
check = "*"
resource = "*"
reason = ""
"#;
    let found = problems(text);
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "checks.disable[0]",
            "collect.page-size",
            "scope.regions[0]",
            "suppressions[0].reason",
        ]
    );
    assert_eq!(ConfigErrors(found).to_string().lines().count(), 4);
}

#[test]
fn a_syntax_error_is_one_problem_with_its_position() {
    let found = problems("[collect]\npage-size = 500\nconcurrency = = 8\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "");
    assert!(
        found[0]
            .message
            .starts_with("TOML syntax error at line 3, column 15: "),
        "{}",
        found[0].message
    );

    let found = problems("[output]\nformat = \"json\"\nformat = \"table\"\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("line 3"), "{}", found[0].message);
}
