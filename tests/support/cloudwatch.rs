//! Seeding CloudWatch for the evidence scenarios, through the real SDK. The emulator emits no
//! `AWS/ApiGateway` metrics and writes no execution logs (docs/testing.md, "The local AWS the tests use
//! tests"), so tests write the series and log lines themselves, exactly as CloudWatch holds
//! them for a real account: per-minute statistic sets (docs/aws-facts.md §6) and the log lines API
//! Gateway and the Lambda runtimes write (docs/aws-facts.md §4, §5).
//!
//! Every data point and log event lands a few minutes before now, inside the auditor's default
//! window (the 60 minutes before the current whole minute).

use aws_config::SdkConfig;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use aws_sdk_cloudwatch::primitives::DateTime as SmithyDateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit, StatisticSet};
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_lambda::error::DisplayErrorContext;
use chrono::{DurationRound, TimeDelta, Utc};

/// The minute, counted back from the current whole minute, of the first seeded data point: the
/// window ends at the current whole minute, so the minute in progress is never in it.
const FIRST_MINUTE_BACK: i64 = 2;

/// One minute of API Gateway traffic on a stage.
#[derive(Clone, Copy, Debug)]
pub struct ApiMinute {
    pub requests: u64,
    pub five_xx: u64,
}

/// One minute of a Lambda function's (or alias's) metrics.
#[derive(Clone, Copy, Debug, Default)]
pub struct LambdaMinute {
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
}

impl LambdaMinute {
    pub fn new(invocations: u64, errors: u64, throttles: u64) -> LambdaMinute {
        LambdaMinute {
            invocations,
            errors,
            throttles,
        }
    }
}

/// `requests` and `five_xx` spread evenly over `minutes` minutes (the remainders go to the
/// first minutes), as a stage with steady traffic shows them.
pub fn spread(requests: u64, five_xx: u64, minutes: u64) -> Vec<ApiMinute> {
    let share = |total: u64, i: u64| total / minutes + u64::from(i < total % minutes);
    (0..minutes)
        .map(|i| ApiMinute {
            requests: share(requests, i),
            five_xx: share(five_xx, i),
        })
        .collect()
}

/// Writes metrics and logs in one account (the one `sdk` reaches), and turns on execution
/// logging.
pub struct Seeder {
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    apigw: aws_sdk_apigateway::Client,
}

impl Seeder {
    pub fn new(sdk: &SdkConfig) -> Seeder {
        Seeder {
            cloudwatch: aws_sdk_cloudwatch::Client::new(sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
            apigw: aws_sdk_apigateway::Client::new(sdk),
        }
    }

    /// `AWS/ApiGateway` `Count` and `5XXError` of (`ApiName`, `Stage`), one statistic set per
    /// minute as API Gateway publishes them: every request is a sample, of value 1 in `Count`,
    /// and 1 (5XX) or 0 in `5XXError`. Minutes without requests publish nothing.
    pub async fn api_traffic(&self, api_name: &str, stage: &str, minutes: &[ApiMinute]) {
        let dimensions = [("ApiName", api_name), ("Stage", stage)];
        let mut data = Vec::new();
        for (back, m) in minutes_back(minutes).filter(|(_, m)| m.requests > 0) {
            data.push(datum("Count", &dimensions, back, ones(m.requests)));
            data.push(datum(
                "5XXError",
                &dimensions,
                back,
                flags(m.requests, m.five_xx),
            ));
        }
        self.put_metrics("AWS/ApiGateway", data).await;
    }

    /// `AWS/ApiGateway` `Count` and `5xx` of an HTTP API stage (`ApiId`, `Stage`), one statistic
    /// set per minute like `api_traffic`: HTTP APIs publish by id, with `5xx` (docs/aws-facts.md
    /// §12.5).
    pub async fn http_api_traffic(&self, api_id: &str, stage: &str, minutes: &[ApiMinute]) {
        let dimensions = [("ApiId", api_id), ("Stage", stage)];
        let mut data = Vec::new();
        for (back, m) in minutes_back(minutes).filter(|(_, m)| m.requests > 0) {
            data.push(datum("Count", &dimensions, back, ones(m.requests)));
            data.push(datum(
                "5xx",
                &dimensions,
                back,
                flags(m.requests, m.five_xx),
            ));
        }
        self.put_metrics("AWS/ApiGateway", data).await;
    }

    /// `AWS/Lambda` `Invocations`, `Errors` and `Throttles` of one series per minute: every
    /// invocation is a sample of `Invocations` (1) and `Errors` (1 or 0), every throttled request
    /// a sample of `Throttles` (it counts as neither invocation nor error, docs/aws-facts.md §6). Without
    /// a qualifier, the `FunctionName` series (every version and alias together); with one, the
    /// alias's or version's own series, `FunctionName` + `Resource` = `name:qualifier`. Lambda
    /// publishes both for a qualified call: write both when a scenario needs both.
    pub async fn lambda_traffic(
        &self,
        name: &str,
        qualifier: Option<&str>,
        minutes: &[LambdaMinute],
    ) {
        let resource = qualifier.map(|q| format!("{name}:{q}"));
        let mut dimensions = vec![("FunctionName", name)];
        dimensions.extend(resource.as_deref().map(|r| ("Resource", r)));
        let mut data = Vec::new();
        for (back, m) in minutes_back(minutes) {
            if m.invocations > 0 {
                data.push(datum("Invocations", &dimensions, back, ones(m.invocations)));
                data.push(datum(
                    "Errors",
                    &dimensions,
                    back,
                    flags(m.invocations, m.errors),
                ));
            }
            if m.throttles > 0 {
                data.push(datum("Throttles", &dimensions, back, ones(m.throttles)));
            }
        }
        self.put_metrics("AWS/Lambda", data).await;
    }

    async fn put_metrics(&self, namespace: &str, data: Vec<MetricDatum>) {
        // PutMetricData takes at most 1,000 data points per request (docs/aws-facts.md §6).
        for chunk in data.chunks(1000) {
            let put = self.cloudwatch.put_metric_data().namespace(namespace);
            let sent = put.set_metric_data(Some(chunk.to_vec())).send().await;
            sent.unwrap_or_else(|e| fail(&format!("cloudwatch:PutMetricData {namespace}"), e));
        }
    }

    /// Execution logging at `level` (`ERROR` or `INFO`) for every method of the stage (its `*/*`
    /// method setting), as `execution-logging-disabled`'s remediation sets it.
    pub async fn enable_execution_logging(&self, api_id: &str, stage: &str, level: &str) {
        let patch = PatchOperation::builder()
            .op(Op::Replace)
            .path("/*/*/logging/loglevel")
            .value(level)
            .build();
        let update = self
            .apigw
            .update_stage()
            .rest_api_id(api_id)
            .stage_name(stage);
        let sent = update.patch_operations(patch).send().await;
        sent.unwrap_or_else(|e| fail(&format!("apigateway:UpdateStage {api_id} {stage}"), e));
    }

    /// Lines in `API-Gateway-Execution-Logs_{api_id}/{stage}`, in a stream named like API
    /// Gateway's (a hex request hash).
    pub async fn execution_log(&self, api_id: &str, stage: &str, lines: &[String]) {
        let group = format!("API-Gateway-Execution-Logs_{api_id}/{stage}");
        self.log_lines(&group, "e4da3b7fbbce2345d7772b0674a318d5", lines)
            .await;
    }

    /// Lines in `/aws/lambda/{function}`, in a stream named like Lambda's.
    pub async fn function_log(&self, function: &str, lines: &[String]) {
        let group = format!("/aws/lambda/{function}");
        let day = Utc::now().format("%Y/%m/%d");
        let stream = format!("{day}/[$LATEST]1f0e3dad99908345f7439f8ffabdffc4");
        self.log_lines(&group, &stream, lines).await;
    }

    /// `lines` in `group`/`stream` (both created if missing), one event each, in order, one
    /// second apart, starting three minutes ago.
    pub async fn log_lines(&self, group: &str, stream: &str, lines: &[String]) {
        let logs = &self.logs;
        let created = logs.create_log_group().log_group_name(group).send().await;
        exists_or_created(created, &format!("logs:CreateLogGroup {group}"));
        let create = logs.create_log_stream().log_group_name(group);
        let created = create.log_stream_name(stream).send().await;
        exists_or_created(created, &format!("logs:CreateLogStream {group} {stream}"));
        let start = Utc::now() - TimeDelta::minutes(3);
        let events = lines.iter().enumerate().map(|(i, line)| {
            let at = start + TimeDelta::seconds(i as i64);
            let event = InputLogEvent::builder().timestamp(at.timestamp_millis());
            event
                .message(line)
                .build()
                .expect("timestamp and message are set")
        });
        let put = logs
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream);
        let sent = put.set_log_events(Some(events.collect())).send().await;
        sent.unwrap_or_else(|e| fail(&format!("logs:PutLogEvents {group} {stream}"), e));
    }
}

/// A create call that succeeded, or found the resource already there.
fn exists_or_created<T, E, R>(result: Result<T, SdkError<E, R>>, what: &str)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let Err(e) = result {
        if e.code() != Some("ResourceAlreadyExistsException") {
            fail(what, e);
        }
    }
}

/// Panics with the SDK error's whole chain (its plain `Display` says only "service error").
fn fail(what: &str, error: impl std::error::Error) -> ! {
    panic!("{what}: {}", DisplayErrorContext(error))
}

/// `n` samples of value 1 (`Count`, `Invocations`, `Throttles`).
fn ones(n: u64) -> StatisticSet {
    stats(n as f64, n as f64, 1.0, 1.0)
}

/// `n` samples of which `k` are 1 and the others 0 (`5XXError`, `Errors`).
fn flags(n: u64, k: u64) -> StatisticSet {
    let (n, k) = (n as f64, k.min(n) as f64);
    let min = if k == n { 1.0 } else { 0.0 };
    stats(n, k, min, if k > 0.0 { 1.0 } else { 0.0 })
}

fn stats(samples: f64, sum: f64, min: f64, max: f64) -> StatisticSet {
    let set = StatisticSet::builder().sample_count(samples).sum(sum);
    set.minimum(min).maximum(max).build()
}

/// Each item with its minute, counted back from the current whole minute: the first item is the
/// oldest, the last is `FIRST_MINUTE_BACK` minutes back.
fn minutes_back<T: Copy>(items: &[T]) -> impl Iterator<Item = (i64, T)> + '_ {
    let newest = FIRST_MINUTE_BACK;
    let oldest = newest + items.len() as i64 - 1;
    items
        .iter()
        .enumerate()
        .map(move |(i, item)| (oldest - i as i64, *item))
}

/// One statistic set, at the start of the minute `back` minutes before the current one.
fn datum(metric: &str, dimensions: &[(&str, &str)], back: i64, stats: StatisticSet) -> MetricDatum {
    let now = Utc::now().duration_trunc(TimeDelta::minutes(1));
    let minute = now.expect("truncate to the minute") - TimeDelta::minutes(back);
    let mut datum = MetricDatum::builder()
        .metric_name(metric)
        .timestamp(SmithyDateTime::from_millis(minute.timestamp_millis()))
        .unit(StandardUnit::Count)
        .statistic_values(stats);
    for (name, value) in dimensions {
        datum = datum.dimensions(Dimension::builder().name(*name).value(*value).build());
    }
    datum.build()
}

// ---------------------------------------------------------------------------------------------
// Log lines as API Gateway and the Lambda runtimes write them (docs/aws-facts.md §4, §5)
// ---------------------------------------------------------------------------------------------

/// An execution-log line: `({request id}) {text}`; `n` varies the request id.
pub fn execution_line(n: u32, text: &str) -> String {
    format!("(c0ffee{n:02x}-1234-4a5b-9c8d-0123456789ab) {text}")
}

pub const MALFORMED: &str =
    "Execution failed due to configuration error: Malformed Lambda proxy response";
pub const INVALID_PERMISSIONS: &str =
    "Execution failed due to configuration error: Invalid permissions on Lambda function";
pub const INTEGRATION_TIMEOUT: &str = "Execution failed due to a timeout error";
pub const RATE_EXCEEDED: &str = "Execution failed due to configuration error: Rate Exceeded.";

/// `Lambda execution failed with status 200 due to customer function error: {message}. Lambda
/// request id: ...`.
pub fn customer_function_error(message: &str) -> String {
    format!(
        "Lambda execution failed with status 200 due to customer function error: {message}. \
         Lambda request id: 9f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"
    )
}

/// Lines of a request that went well: none of them is a failure signature.
pub fn healthy_execution_lines(n: u32) -> Vec<String> {
    [
        "Extended Request Id: Zk3sPGxHoAMF8Lw=",
        "Verifying Usage Plan for request: c0ffee. API Key:  API Stage: pets/prod",
        "Endpoint request URI: https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/\
         arn:aws:lambda:us-east-1:123456789012:function:pets/invocations",
        "Received response. Status: 200, Integration latency: 41 ms",
        "Endpoint response body before transformations: {\"statusCode\": 200, \"body\": \"[]\"}",
        "Method completed with status: 200",
    ]
    .iter()
    .map(|text| execution_line(n, text))
    .collect()
}

/// Python's line for a handler whose module is not in the package.
pub const IMPORT_MODULE_ERROR: &str =
    "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'app'";
/// Python's line for a handler function the module does not define.
pub const HANDLER_NOT_FOUND: &str =
    "[ERROR] Runtime.HandlerNotFound: Handler 'handler' missing on module 'app'";
/// Python's line for a package file that is not world-readable.
pub const PERMISSION_DENIED: &str =
    "[ERROR] PermissionError: [Errno 13] Permission denied: '/var/task/app.py'";

/// `{timestamp} {request id} Task timed out after 3.00 seconds`, as Lambda writes it.
pub fn task_timed_out(n: u32) -> String {
    format!(
        "{} 4d7e8f90-{n:04x}-4b1c-8d2e-3f405162738a Task timed out after 3.00 seconds",
        Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}

/// The START / END / REPORT lines of an invocation that went well.
pub fn healthy_function_lines(n: u32) -> Vec<String> {
    let id = format!("4d7e8f90-{n:04x}-4b1c-8d2e-3f405162738a");
    vec![
        format!("START RequestId: {id} Version: $LATEST"),
        format!("END RequestId: {id}"),
        format!(
            "REPORT RequestId: {id}\tDuration: 2.17 ms\tBilled Duration: 3 ms\tMemory Size: 128 \
             MB\tMax Memory Used: 40 MB"
        ),
    ]
}
