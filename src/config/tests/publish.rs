//! The `[publish]` settings beyond single values (those are in `publish_keys.rs`, and the name
//! formats at their limits in `publish_formats.rs`): the rules between `alarms` and the keys it
//! needs, a full section, and many problems reported together.

use super::*;

const ARN: &str = "arn:aws:sns:us-east-1:123456789012:ops";

const ALARMS: &str = "publish.cloudwatch.alarms";
const NEEDS_TOPIC: &str = "needs `alarm-topic-arn`, the SNS topic the alarm notifies";
const NEEDS_METRICS: &str = "needs `metrics = \"api\"` or `\"emf\"`: the alarm watches a metric \
                             the run publishes, and with metrics off there is none";

#[test]
fn alarms_need_a_topic_and_metrics() {
    let topic = format!("alarm-topic-arn = \"{ARN}\"");
    // The `[publish.cloudwatch]` body, and every problem expected as (key, message).
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("alarms = true\nmetrics = \"api\"\n{topic}"), vec![]),
        (format!("alarms = true\nmetrics = \"emf\"\n{topic}"), vec![]),
        // A topic without alarms, or metrics without alarms, is harmless.
        (format!("alarms = false\n{topic}"), vec![]),
        ("metrics = \"api\"".into(), vec![]),
        (
            "alarms = true\nmetrics = \"api\"".into(),
            vec![(ALARMS, NEEDS_TOPIC)],
        ),
        (
            format!("alarms = true\n{topic}"),
            vec![(ALARMS, NEEDS_METRICS)],
        ),
        (
            format!("alarms = true\nmetrics = \"off\"\n{topic}"),
            vec![(ALARMS, NEEDS_METRICS)],
        ),
        (
            "alarms = true".into(),
            vec![(ALARMS, NEEDS_TOPIC), (ALARMS, NEEDS_METRICS)],
        ),
        // A bad value is reported once, not again as missing.
        (
            "alarms = true\nmetrics = \"on\"\nalarm-topic-arn = \"ops\"".into(),
            vec![
                (
                    "publish.cloudwatch.alarm-topic-arn",
                    "`ops` is not an SNS topic ARN like `arn:aws:sns:us-east-1:123456789012:ops`: \
                     give the topic's whole ARN, not its name",
                ),
                (
                    "publish.cloudwatch.metrics",
                    "unknown metrics mode `on` (expected off, api or emf)",
                ),
            ],
        ),
        // And a bad `alarms` asks for nothing.
        (
            "alarms = \"yes\"".into(),
            vec![(ALARMS, "expected a boolean, found a string")],
        ),
    ];
    for (body, expected) in cases {
        let inline = format!("{{ {} }}", body.replace('\n', ", "));
        for text in [
            format!("[publish.cloudwatch]\n{body}"),
            format!("[publish]\ncloudwatch = {inline}"),
            format!("publish = {{ cloudwatch = {inline} }}"),
        ] {
            if expected.is_empty() {
                ok(&text);
                continue;
            }
            let found = problems(&text);
            let found: Vec<(&str, &str)> = found
                .iter()
                .map(|p| (p.key.as_str(), p.message.as_str()))
                .collect();
            assert_eq!(found, expected, "{text}");
        }
    }
}

#[test]
fn a_full_publish_section() {
    let config = ok(&format!(
        r#"[publish]
           json-file = "out/report.json"
           finding-events = "on"
           [publish.cloudwatch]
           metrics = "emf"
           namespace = "Platform/APIGatewayAuditor"
           dashboard = "apigw-auditor"
           log-group = "/ecs/apigw-auditor"
           alarms = true
           alarm-topic-arn = "{ARN}"
           [publish.security-hub]
           enabled = true
           destination = "auditor-account""#
    ));
    let publish = PublishSettings {
        json_file: Some("out/report.json".into()),
        finding_events: FindingEvents::On,
        cloudwatch: CloudWatchPublish {
            metrics: MetricsMode::Emf,
            namespace: "Platform/APIGatewayAuditor".into(),
            dashboard: Some("apigw-auditor".into()),
            log_group: Some("/ecs/apigw-auditor".into()),
            alarms: true,
            alarm_topic_arn: Some(ARN.into()),
        },
        security_hub: SecurityHubPublish {
            enabled: true,
            destination: SecurityHubDestination::AuditorAccount,
        },
    };
    // Everything else is the defaults.
    let expected = Config {
        publish,
        ..Config::default()
    };
    assert_eq!(config, expected);
}

#[test]
fn every_publish_problem_in_a_file_is_reported_at_once() {
    let text = r#"
[publish]
json_file = "report.json"
finding-events = "always"
events = "on"

[publish.cloudwatch]
metrics = "EMF"
namepsace = "Audit"
namespace = "AWS/Audit"
dashboard = "apigw auditor"
log-group = ""
alarms = true
alarm-topic = "arn:aws:sns:us-east-1:123456789012:ops"

[publish.cloud-watch]
alarms = true

[publish.security-hub]
enable = true
destination = "member-account"
"#;
    let found = problems(text);
    let found: Vec<(&str, &str)> = found
        .iter()
        .map(|p| (p.key.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "publish.cloud-watch",
                "unknown key `cloud-watch`; did you mean `cloudwatch`?"
            ),
            (
                "publish.cloudwatch.alarm-topic",
                "unknown key `alarm-topic`; did you mean `alarm-topic-arn`?"
            ),
            (
                "publish.cloudwatch.dashboard",
                "`apigw auditor` holds ' '; a dashboard name is letters, digits, `-` and `_`"
            ),
            (
                "publish.cloudwatch.log-group",
                "must be 1 to 512 characters, found 0"
            ),
            (
                "publish.cloudwatch.metrics",
                "unknown metrics mode `EMF` (expected off, api or emf); did you mean `emf`?"
            ),
            (
                "publish.cloudwatch.namepsace",
                "unknown key `namepsace`; did you mean `namespace`?"
            ),
            (
                "publish.cloudwatch.namespace",
                "`AWS/Audit` starts with `AWS/`, which CloudWatch keeps for AWS's own metrics"
            ),
            // The rule between keys comes after the table's own problems; the misspelt topic key
            // leaves the topic unset.
            (ALARMS, NEEDS_TOPIC),
            ("publish.events", "unknown key `events`"),
            (
                "publish.finding-events",
                "unknown finding-events mode `always` (expected auto, on or off)"
            ),
            (
                "publish.json_file",
                "unknown key `json_file`; did you mean `json-file`?"
            ),
            (
                "publish.security-hub.destination",
                "unknown destination `member-account` (expected finding-account or \
                 auditor-account)"
            ),
            (
                "publish.security-hub.enable",
                "unknown key `enable`; did you mean `enabled`?"
            ),
        ]
    );
}

#[test]
fn publish_tables_must_be_tables() {
    let cases = [
        ("publish = \"report.json\"", "publish"),
        ("[publish]\ncloudwatch = true", "publish.cloudwatch"),
        ("[publish]\nsecurity-hub = true", "publish.security-hub"),
    ];
    for (text, key) in cases {
        let found = problems(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].key, key);
        assert!(found[0].message.starts_with("expected a table, found "));
    }
    let found = problems("[publsh]\njson-file = \"a.json\"");
    assert_eq!(
        found[0].message,
        "unknown key `publsh`; did you mean `publish`?"
    );
}
