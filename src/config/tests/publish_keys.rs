//! Each key of `[publish]`, `[publish.cloudwatch]` and `[publish.security-hub]`: good values,
//! wrong types and bad formats, each problem under its exact key.

use super::*;

/// One key: the table it is in, its name, how to read it back from a [`Config`] (as `Debug`
/// text), good values with what they read back as, and bad values (wrong types first, then bad
/// formats) with their one problem's message.
struct KeyCase {
    table: &'static str,
    name: &'static str,
    read: fn(&Config) -> String,
    good: &'static [(&'static str, &'static str)],
    bad: &'static [(&'static str, &'static str)],
}

fn debug(value: impl std::fmt::Debug) -> String {
    format!("{value:?}")
}

const CW: &str = "publish.cloudwatch";
const SH: &str = "publish.security-hub";

fn key_cases() -> Vec<KeyCase> {
    vec![
        KeyCase {
            table: "publish",
            name: "json-file",
            read: |c| debug(&c.publish.json_file),
            good: &[
                ("\"report.json\"", "Some(\"report.json\")"),
                ("\"/var/tmp/audit.json\"", "Some(\"/var/tmp/audit.json\")"),
                ("\"./out/a b.json\"", "Some(\"./out/a b.json\")"),
            ],
            bad: &[
                ("1", "expected a string, found an integer"),
                ("[\"a.json\"]", "expected a string, found an array"),
                ("\"\"", "must not be empty"),
                ("\"  \"", "must not be empty"),
                (
                    "\"reports/\"",
                    "`reports/` names a directory; give a file, like `reports/audit.json`",
                ),
                (
                    "\"..\"",
                    "`..` names a directory; give a file, like `reports/audit.json`",
                ),
                (
                    "\"/\"",
                    "`/` names a directory; give a file, like `reports/audit.json`",
                ),
            ],
        },
        KeyCase {
            table: "publish",
            name: "finding-events",
            read: |c| debug(c.publish.finding_events),
            good: &[("\"auto\"", "Auto"), ("\"on\"", "On"), ("\"off\"", "Off")],
            bad: &[
                ("true", "expected a string, found a boolean"),
                (
                    "\"Auto\"",
                    "unknown finding-events mode `Auto` (expected auto, on or off); did you mean \
                     `auto`?",
                ),
                (
                    "\"yes\"",
                    "unknown finding-events mode `yes` (expected auto, on or off)",
                ),
            ],
        },
        KeyCase {
            table: CW,
            name: "metrics",
            read: |c| debug(c.publish.cloudwatch.metrics),
            good: &[("\"off\"", "Off"), ("\"api\"", "Api"), ("\"emf\"", "Emf")],
            bad: &[
                ("false", "expected a string, found a boolean"),
                (
                    "\"EMF\"",
                    "unknown metrics mode `EMF` (expected off, api or emf); did you mean `emf`?",
                ),
                (
                    "\"apis\"",
                    "unknown metrics mode `apis` (expected off, api or emf); did you mean `api`?",
                ),
                (
                    "\"cloudwatch\"",
                    "unknown metrics mode `cloudwatch` (expected off, api or emf)",
                ),
            ],
        },
        KeyCase {
            table: CW,
            name: "namespace",
            read: |c| debug(&c.publish.cloudwatch.namespace),
            good: &[
                ("\"Team/APIs\"", "\"Team/APIs\""),
                ("\"ops audit: #1 (prod)\"", "\"ops audit: #1 (prod)\""),
                ("\"aws/custom\"", "\"aws/custom\""),
            ],
            bad: &[
                ("1", "expected a string, found an integer"),
                ("\"\"", "must be 1 to 255 characters, found 0"),
                (
                    "\"AWS/ApiGateway\"",
                    "`AWS/ApiGateway` starts with `AWS/`, which CloudWatch keeps for AWS's own \
                     metrics",
                ),
                (
                    "\"Audité\"",
                    "`Audité` holds 'é'; a namespace is ASCII without control characters",
                ),
                (
                    "\"a\\tb\"",
                    "`a\tb` holds '\\t'; a namespace is ASCII without control characters",
                ),
                ("\":audit\"", "must not start with `:`"),
            ],
        },
        KeyCase {
            table: CW,
            name: "dashboard",
            read: |c| debug(&c.publish.cloudwatch.dashboard),
            good: &[
                ("\"apigw-auditor\"", "Some(\"apigw-auditor\")"),
                ("\"Prod_APIs-2\"", "Some(\"Prod_APIs-2\")"),
            ],
            bad: &[
                ("true", "expected a string, found a boolean"),
                (
                    "\"\"",
                    "must be 1 to 250 characters, found 0 (CloudWatch allows 255, and numbered \
                     dashboards add `-NN`)",
                ),
                (
                    "\"apigw auditor\"",
                    "`apigw auditor` holds ' '; a dashboard name is letters, digits, `-` and `_`",
                ),
                (
                    "\"apigw.auditor\"",
                    "`apigw.auditor` holds '.'; a dashboard name is letters, digits, `-` and `_`",
                ),
            ],
        },
        KeyCase {
            table: CW,
            name: "log-group",
            read: |c| debug(&c.publish.cloudwatch.log_group),
            good: &[
                ("\"/ecs/apigw-auditor\"", "Some(\"/ecs/apigw-auditor\")"),
                ("\"audit.logs#2_x\"", "Some(\"audit.logs#2_x\")"),
            ],
            bad: &[
                ("5", "expected a string, found an integer"),
                ("\"\"", "must be 1 to 512 characters, found 0"),
                (
                    "\"/ecs/apigw auditor\"",
                    "`/ecs/apigw auditor` holds ' '; a log group name is letters, digits and \
                     `_-/.#`",
                ),
                (
                    "\"/ecs:apigw\"",
                    "`/ecs:apigw` holds ':'; a log group name is letters, digits and `_-/.#`",
                ),
            ],
        },
        KeyCase {
            table: CW,
            name: "alarms",
            read: |c| debug(c.publish.cloudwatch.alarms),
            // `true` needs the keys it depends on (the rules are in `publish.rs`).
            good: &[
                ("false", "false"),
                (
                    "true\nmetrics = \"emf\"\n\
                     alarm-topic-arn = \"arn:aws:sns:us-east-1:123456789012:ops\"",
                    "true",
                ),
            ],
            bad: &[
                ("\"true\"", "expected a boolean, found a string"),
                ("1", "expected a boolean, found an integer"),
            ],
        },
        KeyCase {
            table: CW,
            name: "alarm-topic-arn",
            read: |c| debug(&c.publish.cloudwatch.alarm_topic_arn),
            good: &[
                (
                    "\"arn:aws:sns:us-east-1:123456789012:ops\"",
                    "Some(\"arn:aws:sns:us-east-1:123456789012:ops\")",
                ),
                (
                    "\"arn:aws-us-gov:sns:us-gov-west-1:123456789012:Ops_Alerts-1\"",
                    "Some(\"arn:aws-us-gov:sns:us-gov-west-1:123456789012:Ops_Alerts-1\")",
                ),
            ],
            bad: &[
                ("[]", "expected a string, found an array"),
                (
                    "\"ops\"",
                    "`ops` is not an SNS topic ARN like `arn:aws:sns:us-east-1:123456789012:ops`: \
                     give the topic's whole ARN, not its name",
                ),
                (
                    "\"arn:aws:sqs:us-east-1:123456789012:ops\"",
                    "`arn:aws:sqs:us-east-1:123456789012:ops` is not an SNS topic ARN like \
                     `arn:aws:sns:us-east-1:123456789012:ops`: it is an ARN of `sqs`, not of `sns`",
                ),
            ],
        },
        KeyCase {
            table: SH,
            name: "enabled",
            read: |c| debug(c.publish.security_hub.enabled),
            good: &[("true", "true"), ("false", "false")],
            bad: &[
                ("\"yes\"", "expected a boolean, found a string"),
                ("1", "expected a boolean, found an integer"),
            ],
        },
        KeyCase {
            table: SH,
            name: "destination",
            read: |c| debug(c.publish.security_hub.destination),
            good: &[
                ("\"finding-account\"", "FindingAccount"),
                ("\"auditor-account\"", "AuditorAccount"),
            ],
            bad: &[
                ("true", "expected a string, found a boolean"),
                (
                    "\"administrator\"",
                    "unknown destination `administrator` (expected finding-account or \
                     auditor-account)",
                ),
                (
                    "\"auditor_account\"",
                    "unknown destination `auditor_account` (expected finding-account or \
                     auditor-account); did you mean `auditor-account`?",
                ),
            ],
        },
    ]
}

#[test]
fn each_publish_key_good_wrong_type_and_bad_format() {
    for case in key_cases() {
        let doc = |value: &str| format!("[{}]\n{} = {value}\n", case.table, case.name);
        for (value, read_back) in case.good {
            assert_eq!((case.read)(&ok(&doc(value))), *read_back, "{}", doc(value));
        }
        let key = format!("{}.{}", case.table, case.name);
        for (value, message) in case.bad {
            let found = problems(&doc(value));
            let found: Vec<(&str, &str)> = found
                .iter()
                .map(|p| (p.key.as_str(), p.message.as_str()))
                .collect();
            assert_eq!(found, [(key.as_str(), *message)], "{}", doc(value));
        }
    }
}

/// Every `[publish]` key has a case above, with at least one good and one bad value.
#[test]
fn every_publish_key_has_a_case() {
    let cases = key_cases();
    let publish_keys: Vec<&&str> = KNOWN_KEYS
        .iter()
        .filter(|k| k.starts_with("publish."))
        .collect();
    for key in &publish_keys {
        let case = cases
            .iter()
            .find(|c| format!("{}.{}", c.table, c.name) == **key);
        let case = case.unwrap_or_else(|| panic!("no case for {key}"));
        assert!(!case.good.is_empty() && !case.bad.is_empty(), "{key}");
    }
    assert_eq!(publish_keys.len(), 10);
    assert_eq!(cases.len(), 10);
}

/// The defaults the lead's types declare, which the example file writes out.
#[test]
fn publish_defaults() {
    let publish = ok("").publish;
    assert_eq!(publish.json_file, None);
    assert_eq!(publish.finding_events, FindingEvents::Auto);
    let cw = publish.cloudwatch;
    assert_eq!(cw.metrics, MetricsMode::Off);
    assert_eq!(cw.namespace, "APIGatewayAuditor");
    assert_eq!((cw.dashboard, cw.log_group), (None, None));
    assert!(!cw.alarms);
    assert_eq!(cw.alarm_topic_arn, None);
    assert!(!publish.security_hub.enabled);
    assert_eq!(
        publish.security_hub.destination,
        SecurityHubDestination::FindingAccount
    );
    // An empty section is the defaults too.
    assert_eq!(ok("[publish]\n[publish.cloudwatch]\n"), Config::default());
    assert_eq!(ok("[publish.security-hub]\n"), Config::default());
}
