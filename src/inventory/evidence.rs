//! Evidence from CloudWatch, as collected: the API stages' 5XX and request metrics, the
//! integrated functions' error, invocation and throttle metrics, and the counts of known failure
//! signatures in execution logs and function logs, all over one time window.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::arn::FunctionArn;
use crate::inventory::Lookup;

/// Everything read from CloudWatch for one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub window: Window,
    /// `AWS/ApiGateway` per (`ApiName`, `Stage`) of every deployed REST stage, per (`ApiId`,
    /// `Stage`) of every HTTP API stage.
    pub stage_metrics: Vec<StageMetrics>,
    /// `AWS/Lambda` per integrated target.
    pub function_metrics: Vec<FunctionMetrics>,
    /// `API-Gateway-Execution-Logs_{apiId}/{stage}` of every stage with execution logging.
    pub execution_logs: Vec<LogScan>,
    /// `/aws/lambda/{function}` of every integrated function (one per function, not per alias:
    /// all versions log to the same group).
    pub function_logs: Vec<LogScan>,
    /// The access log of every HTTP API stage whose format shows integration errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_logs: Vec<LogScan>,
}

/// The time window evidence was read over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The GetMetricData period, in seconds.
    pub period_seconds: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageMetrics {
    pub api_id: String,
    /// REST stages are read by `ApiName`, HTTP API stages by `ApiId` (docs/aws-facts.md §12.5),
    /// with the metric names of their kind (`5XXError` / `5xx`). Written only for HTTP APIs, so
    /// snapshots of REST stages read and write as before.
    #[serde(default, skip_serializing_if = "crate::inventory::Protocol::is_rest")]
    pub protocol: crate::inventory::Protocol,
    /// The `ApiName` dimension. API Gateway publishes per name, not id: APIs sharing a name
    /// share these series.
    pub api_name: String,
    pub stage: String,
    pub sums: Lookup<MetricSums>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionMetrics {
    /// The target ARN the routes invoke.
    pub target: FunctionArn,
    pub function_name: String,
    /// Set for aliases and versions, read with the `Resource` dimension (`name:qualifier`).
    pub qualifier: Option<String>,
    pub sums: Lookup<MetricSums>,
}

/// The window's totals of each metric, and how many data points they came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricSums {
    /// Metric name → the window's total of the statistic read for it.
    pub values: BTreeMap<String, f64>,
    /// Metric name → number of data points (periods with data) behind the total.
    pub datapoints: BTreeMap<String, usize>,
}

impl MetricSums {
    pub fn value(&self, metric: &str) -> f64 {
        self.values.get(metric).copied().unwrap_or(0.0)
    }
}

/// What one log group held of the failure signatures over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogScan {
    pub log_group: String,
    /// For execution and access logs: the API and stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// For function logs: the function name (unqualified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_name: Option<String>,
    /// `Missing` when the log group does not exist (nothing was ever logged): not an error.
    pub hits: Lookup<Vec<SignatureHits>>,
}

/// One signature found in a log group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureHits {
    /// The signature's phrase, as in `crate::log_signatures`.
    pub signature: String,
    /// Matching events read (a lower bound when `capped`).
    pub count: u64,
    /// Up to three matching lines, each cut to 300 characters.
    pub samples: Vec<String>,
    /// The page, event or time bound stopped the scan before the end of the window.
    pub capped: bool,
}
