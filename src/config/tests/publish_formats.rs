//! The formats of the names `[publish.cloudwatch]` passes to AWS, at their limits and with each
//! kind of bad value.

use super::*;
use publish_rules::{dashboard_problem, log_group_problem, namespace_problem, topic_arn_problem};

const ARN: &str = "arn:aws:sns:us-east-1:123456789012:ops";

/// Each format check at its length limits and with each kind of bad character; `None` is good.
#[test]
fn name_formats_at_their_limits() {
    type Check = fn(&str) -> Option<String>;
    let a = |n: usize| "a".repeat(n);
    let cases: Vec<(Check, String, Option<&str>)> = vec![
        (namespace_problem, a(255), None),
        (
            namespace_problem,
            a(256),
            Some("must be 1 to 255 characters, found 256"),
        ),
        (namespace_problem, "AWS".into(), None),
        (namespace_problem, "MyAWS/x".into(), None),
        (namespace_problem, "a:b".into(), None),
        (
            namespace_problem,
            "AWS/".into(),
            Some("`AWS/` starts with `AWS/`, which CloudWatch keeps for AWS's own metrics"),
        ),
        (
            namespace_problem,
            "a\u{7f}".into(),
            Some("`a\u{7f}` holds '\\u{7f}'; a namespace is ASCII without control characters"),
        ),
        (dashboard_problem, a(250), None),
        (
            dashboard_problem,
            a(251),
            Some(
                "must be 1 to 250 characters, found 251 (CloudWatch allows 255, and numbered \
                 dashboards add `-NN`)",
            ),
        ),
        (
            dashboard_problem,
            "é".into(),
            Some("`é` holds 'é'; a dashboard name is letters, digits, `-` and `_`"),
        ),
        (log_group_problem, a(512), None),
        (log_group_problem, "#/._-Az09".into(), None),
        (
            log_group_problem,
            a(513),
            Some("must be 1 to 512 characters, found 513"),
        ),
        (
            log_group_problem,
            "*".into(),
            Some("`*` holds '*'; a log group name is letters, digits and `_-/.#`"),
        ),
    ];
    for (check, value, expected) in cases {
        assert_eq!(check(&value).as_deref(), expected, "{value:?}");
    }
}

#[test]
fn topic_arns() {
    let topic = |name: &str| format!("arn:aws:sns:us-east-1:123456789012:{name}");
    let good = [
        ARN.to_string(),
        topic(&"t".repeat(256)),
        topic(&format!("{}.fifo", "t".repeat(251))),
        topic("alerts.fifo"),
        "arn:aws-cn:sns:cn-north-1:123456789012:ops".into(),
        "arn:aws-iso-b:sns:us-isob-east-1:123456789012:ops".into(),
    ];
    for arn in &good {
        assert_eq!(topic_arn_problem(arn), None, "{arn}");
    }
    let name_reason = "is not 1 to 256 letters, digits, `-` and `_` (and `.fifo` at the end of \
                       a FIFO topic)";
    let long = "t".repeat(257);
    let bad: Vec<(String, String)> = vec![
        (
            format!("{ARN}:0f1e2d3c-aaaa-bbbb-cccc-000000000000"),
            "a subscription ARN; the topic's ARN ends at the topic name".into(),
        ),
        (
            "arn:aws:sns:us-east-1:ops".into(),
            "it has 5 parts separated by `:`, not 6".into(),
        ),
        (
            "urn:aws:sns:us-east-1:123456789012:ops".into(),
            "it does not start with `arn:`".into(),
        ),
        (
            "arn:amazon:sns:us-east-1:123456789012:ops".into(),
            "`amazon` is not a partition like `aws`".into(),
        ),
        (
            "arn:aws-:sns:us-east-1:123456789012:ops".into(),
            "`aws-` is not a partition like `aws`".into(),
        ),
        (
            "arn:aws:sns:useast1:123456789012:ops".into(),
            "`useast1` is not a region name like `us-east-1`".into(),
        ),
        (
            "arn:aws:sns:us-east-1:12345678901:ops".into(),
            "the account `12345678901` is not 12 digits".into(),
        ),
        (
            "arn:aws:sns:us-east-1:12345678901a:ops".into(),
            "the account `12345678901a` is not 12 digits".into(),
        ),
        (topic(""), format!("the topic name `` {name_reason}")),
        (
            topic(".fifo"),
            format!("the topic name `.fifo` {name_reason}"),
        ),
        (
            topic("ops.alerts"),
            format!("the topic name `ops.alerts` {name_reason}"),
        ),
        (
            topic(&long),
            format!("the topic name `{long}` {name_reason}"),
        ),
    ];
    for (arn, reason) in bad {
        let expected = format!(
            "`{arn}` is not an SNS topic ARN like `arn:aws:sns:us-east-1:123456789012:ops`: \
             {reason}"
        );
        assert_eq!(topic_arn_problem(&arn), Some(expected), "{arn}");
    }
}
