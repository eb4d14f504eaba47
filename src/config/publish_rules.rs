//! The `[publish]` section: where each run lands besides stdout (a JSON file, finding events on
//! stderr, CloudWatch metrics, dashboard and alarm, Security Hub), and the formats AWS accepts for
//! the names that go into those calls, checked here so a typo fails at load time and not after
//! the audit.

use std::path::{is_separator, Path, PathBuf};

use toml::{Table, Value};

use super::keys::join;
use super::validate::{is_region, set, Walker};
use super::{CloudWatchPublish, FindingEvents, MetricsMode, PublishSettings};

const FINDING_EVENTS: [(&str, FindingEvents); 3] = [
    ("auto", FindingEvents::Auto),
    ("on", FindingEvents::On),
    ("off", FindingEvents::Off),
];

/// Where the Security Hub sink imports each finding (`[publish.security-hub]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecurityHubDestination {
    /// Into the finding's own account and region, through the scope's credentials (its role
    /// for an account reached through one). Security Hub's administrator account then sees it
    /// through its own aggregation, under the account it is about.
    #[default]
    FindingAccount,
    /// Into the auditor's own account (the credentials' account), in the finding's region,
    /// for member roles that must stay read-only. `BatchImportFindings` only accepts findings
    /// whose `AwsAccountId` is the caller's (aws-facts §9), so these carry the auditor's account;
    /// the audited account is in their resources and product fields.
    AuditorAccount,
}

/// `[publish.security-hub]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityHubPublish {
    /// Import findings with `BatchImportFindings` and archive the ones that were fixed.
    pub enabled: bool,
    pub destination: SecurityHubDestination,
}

const DESTINATIONS: [(&str, SecurityHubDestination); 2] = [
    ("finding-account", SecurityHubDestination::FindingAccount),
    ("auditor-account", SecurityHubDestination::AuditorAccount),
];

const METRICS_MODES: [(&str, MetricsMode); 3] = [
    ("off", MetricsMode::Off),
    ("api", MetricsMode::Api),
    ("emf", MetricsMode::Emf),
];

/// Where the rules between `alarms` and the keys it needs are reported: `alarms = true` is what
/// asks for them.
const ALARMS_KEY: &str = "publish.cloudwatch.alarms";

/// PutDashboard takes names of up to 255 characters; a split dashboard's parts add `-NN`.
const MAX_DASHBOARD: usize = 250;

impl Walker<'_> {
    pub(super) fn publish(&mut self, table: &Table, out: &mut PublishSettings) {
        for (name, value) in table {
            let key = join("publish", name);
            match name.as_str() {
                "json-file" => set(&mut out.json_file, self.file_path(&key, value).map(Some)),
                "finding-events" => set(
                    &mut out.finding_events,
                    self.problems
                        .one_of(&key, value, "finding-events mode", &FINDING_EVENTS),
                ),
                "cloudwatch" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.cloudwatch(t, &mut out.cloudwatch);
                    }
                }
                "security-hub" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.security_hub(t, &mut out.security_hub);
                    }
                }
                _ => self.problems.unknown_key(&key, name, "publish"),
            }
        }
    }

    fn security_hub(&mut self, table: &Table, out: &mut SecurityHubPublish) {
        const PATTERN: &str = "publish.security-hub";
        for (name, value) in table {
            let key = join(PATTERN, name);
            match name.as_str() {
                "enabled" => set(&mut out.enabled, self.problems.boolean(&key, value)),
                "destination" => set(
                    &mut out.destination,
                    self.problems
                        .one_of(&key, value, "destination", &DESTINATIONS),
                ),
                _ => self.problems.unknown_key(&key, name, PATTERN),
            }
        }
    }

    fn cloudwatch(&mut self, table: &Table, out: &mut CloudWatchPublish) {
        const PATTERN: &str = "publish.cloudwatch";
        // Whether `metrics` and `alarm-topic-arn` hold a good value (the file's or the default):
        // a bad one has been reported already, and is not reported again as missing.
        let (mut metrics_ok, mut topic_ok) = (true, true);
        for (name, value) in table {
            let key = join(PATTERN, name);
            match name.as_str() {
                "metrics" => {
                    let mode = self
                        .problems
                        .one_of(&key, value, "metrics mode", &METRICS_MODES);
                    metrics_ok = mode.is_some();
                    set(&mut out.metrics, mode);
                }
                "namespace" => set(
                    &mut out.namespace,
                    self.formatted(&key, value, namespace_problem),
                ),
                "dashboard" => set(
                    &mut out.dashboard,
                    self.formatted(&key, value, dashboard_problem).map(Some),
                ),
                "log-group" => set(
                    &mut out.log_group,
                    self.formatted(&key, value, log_group_problem).map(Some),
                ),
                "alarms" => set(&mut out.alarms, self.problems.boolean(&key, value)),
                "alarm-topic-arn" => {
                    let arn = self.formatted(&key, value, topic_arn_problem);
                    topic_ok = arn.is_some();
                    set(&mut out.alarm_topic_arn, arn.map(Some));
                }
                _ => self.problems.unknown_key(&key, name, PATTERN),
            }
        }
        if out.alarms {
            if topic_ok && out.alarm_topic_arn.is_none() {
                self.problems.add(
                    ALARMS_KEY,
                    "needs `alarm-topic-arn`, the SNS topic the alarm notifies",
                );
            }
            if metrics_ok && out.metrics == MetricsMode::Off {
                self.problems.add(
                    ALARMS_KEY,
                    "needs `metrics = \"api\"` or `\"emf\"`: the alarm watches a metric the run \
                     publishes, and with metrics off there is none",
                );
            }
        }
    }

    /// A string that `problem` accepts.
    fn formatted(
        &mut self,
        key: &str,
        value: &Value,
        problem: fn(&str) -> Option<String>,
    ) -> Option<String> {
        let s = self.problems.string(key, value)?;
        match problem(s) {
            Some(message) => {
                self.problems.add(key, message);
                None
            }
            None => Some(s.to_string()),
        }
    }

    /// The path of a file to write.
    pub(super) fn file_path(&mut self, key: &str, value: &Value) -> Option<PathBuf> {
        let s = self.problems.non_empty_string(key, value)?;
        // `reports/` or `..` name a directory: the atomic write would fail only after the audit.
        if s.ends_with(is_separator) || Path::new(s).file_name().is_none() {
            self.problems.add(
                key,
                format!("`{s}` names a directory; give a file, like `reports/audit.json`"),
            );
            return None;
        }
        Some(PathBuf::from(s))
    }
}

/// `"must be 1 to {max} characters, found {n}"` when `s` is not.
fn length_problem(s: &str, max: usize) -> Option<String> {
    let n = s.chars().count();
    (n == 0 || n > max).then(|| format!("must be 1 to {max} characters, found {n}"))
}

/// The first character of `s` that `allowed` refuses, as a problem naming what is allowed.
fn charset_problem(s: &str, allowed: fn(char) -> bool, what: &str) -> Option<String> {
    let c = s.chars().find(|&c| !allowed(c))?;
    Some(format!("`{s}` holds {c:?}; {what}"))
}

/// Why `s` cannot be a CloudWatch namespace (PutMetricData, and EMF's `Namespace`), if it cannot.
pub(super) fn namespace_problem(s: &str) -> Option<String> {
    length_problem(s, 255)
        .or_else(|| {
            charset_problem(
                s,
                |c| c.is_ascii() && !c.is_ascii_control(),
                "a namespace is ASCII without control characters",
            )
        })
        .or_else(|| {
            s.starts_with("AWS/").then(|| {
                format!("`{s}` starts with `AWS/`, which CloudWatch keeps for AWS's own metrics")
            })
        })
        .or_else(|| {
            s.starts_with(':')
                .then(|| "must not start with `:`".to_string())
        })
}

/// Why `s` cannot be the dashboard name, if it cannot.
pub(super) fn dashboard_problem(s: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    length_problem(s, MAX_DASHBOARD)
        .map(|m| format!("{m} (CloudWatch allows 255, and numbered dashboards add `-NN`)"))
        .or_else(|| {
            charset_problem(
                s,
                allowed,
                "a dashboard name is letters, digits, `-` and `_`",
            )
        })
}

/// Why `s` cannot be a CloudWatch Logs log group name, if it cannot.
pub(super) fn log_group_problem(s: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-/.#".contains(c);
    length_problem(s, 512).or_else(|| {
        charset_problem(
            s,
            allowed,
            "a log group name is letters, digits and `_-/.#`",
        )
    })
}

/// Why `s` is not an SNS topic ARN (`arn:PARTITION:sns:REGION:ACCOUNT:TOPIC`), if it is not.
pub(super) fn topic_arn_problem(s: &str) -> Option<String> {
    let reason = topic_arn_reason(s)?;
    Some(format!(
        "`{s}` is not an SNS topic ARN like `arn:aws:sns:us-east-1:123456789012:ops`: {reason}"
    ))
}

fn topic_arn_reason(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [arn, partition, service, region, account, topic] = parts.as_slice() else {
        return Some(match parts.len() {
            // What the console shows next to a topic's subscriptions.
            7 => "a subscription ARN; the topic's ARN ends at the topic name".to_string(),
            1 => "give the topic's whole ARN, not its name".to_string(),
            n => format!("it has {n} parts separated by `:`, not 6"),
        });
    };
    // `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`...
    let partition_ok = *partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|rest| {
            rest.split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        });
    let name = topic.strip_suffix(".fifo").unwrap_or(topic);
    let name_ok = (1..=256).contains(&topic.len())
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    Some(if *arn != "arn" {
        "it does not start with `arn:`".to_string()
    } else if !partition_ok {
        format!("`{partition}` is not a partition like `aws`")
    } else if *service != "sns" {
        format!("it is an ARN of `{service}`, not of `sns`")
    } else if !is_region(region) {
        format!("`{region}` is not a region name like `us-east-1`")
    } else if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        format!("the account `{account}` is not 12 digits")
    } else if !name_ok {
        format!(
            "the topic name `{topic}` is not 1 to 256 letters, digits, `-` and `_` (and \
             `.fifo` at the end of a FIFO topic)"
        )
    } else {
        return None;
    })
}
