//! Collection of CloudWatch metrics with `GetMetricData`: `AWS/ApiGateway` `5XXError` (Sum) and
//! `Count` (SampleCount) per (`ApiName`, `Stage`) of every deployed REST stage, `5xx` (Sum) and
//! `Count` per (`ApiId`, `Stage`) of every HTTP API stage (§12.5), and `AWS/Lambda`
//! `Errors`, `Invocations` and `Throttles` (Sum) per integrated target (docs/aws-facts.md §6). Queries
//! are batched up to 500 per call, fewer only when the window holds so many periods that 500
//! series would pass the 100,800 data points one call returns.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::primitives::DateTime as SmithyDateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};

use crate::arn::FunctionArn;
use crate::aws::{translate, CallGate, Operation};
use crate::inventory::evidence::{FunctionMetrics, MetricSums, StageMetrics, Window};
use crate::inventory::{Lookup, Protocol, ScopeInventory};

/// The most queries one GetMetricData call takes.
const MAX_QUERIES_PER_CALL: usize = 500;
/// The most data points one GetMetricData call returns (without Metrics Insights).
const MAX_DATAPOINTS_PER_CALL: usize = 100_800;

/// Who a series belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Stage(usize),
    Function(usize),
}

/// One metric series to read.
#[derive(Debug, Clone)]
struct Series {
    owner: Owner,
    region: String,
    namespace: &'static str,
    metric: &'static str,
    stat: &'static str,
    dimensions: Vec<(&'static str, String)>,
}

impl Series {
    fn query(&self, id: String, period: i32) -> MetricDataQuery {
        let mut metric = Metric::builder()
            .namespace(self.namespace)
            .metric_name(self.metric);
        for (name, value) in &self.dimensions {
            metric = metric.dimensions(Dimension::builder().name(*name).value(value).build());
        }
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(metric.build())
                    .period(period)
                    .stat(self.stat)
                    .build(),
            )
            .return_data(true)
            .build()
    }
}

/// The stages and functions whose series are read, before reading.
pub struct MetricPlan {
    stages: Vec<StageMetrics>,
    functions: Vec<FunctionMetrics>,
    series: Vec<Series>,
}

impl MetricPlan {
    /// Every deployed stage of the scope, and every target in `functions` (same-account targets
    /// that exist; their region may differ from the scope's).
    pub fn new(scope: &ScopeInventory, functions: &[FunctionArn]) -> MetricPlan {
        let mut plan = MetricPlan {
            stages: Vec::new(),
            functions: Vec::new(),
            series: Vec::new(),
        };
        for api in scope.all_apis() {
            // REST APIs publish `5XXError` and `Count` per `ApiName` and `Stage`; HTTP APIs `5xx`
            // and `Count` per `ApiId` (not name) and `Stage`. `Count` is read with SampleCount,
            // the 5XX metric with Sum, as CDK's `HttpApi.metric*` helpers do (docs/aws-facts.md
            // §6, §12.5).
            let protocol = api.protocol();
            let (dimension, errors) = match protocol {
                Protocol::Rest => (("ApiName", api.name()), "5XXError"),
                Protocol::Http => (("ApiId", api.id()), "5xx"),
            };
            for stage in api.stages().found().into_iter().flatten() {
                let owner = Owner::Stage(plan.stages.len());
                let dimensions = vec![
                    (dimension.0, dimension.1.to_string()),
                    ("Stage", stage.name.clone()),
                ];
                for (metric, stat) in [(errors, "Sum"), ("Count", "SampleCount")] {
                    plan.series.push(Series {
                        owner,
                        region: scope.region.clone(),
                        namespace: "AWS/ApiGateway",
                        metric,
                        stat,
                        dimensions: dimensions.clone(),
                    });
                }
                plan.stages.push(StageMetrics {
                    api_id: api.id().to_string(),
                    protocol,
                    api_name: api.name().to_string(),
                    stage: stage.name.clone(),
                    sums: Lookup::Found(MetricSums::default()),
                });
            }
        }
        for function in functions {
            let owner = Owner::Function(plan.functions.len());
            let mut dimensions = vec![("FunctionName", function.name.clone())];
            // A version's or alias's own series carries `Resource` = `name:qualifier` as well.
            if let Some(qualifier) = &function.qualifier {
                dimensions.push(("Resource", format!("{}:{qualifier}", function.name)));
            }
            for metric in ["Errors", "Invocations", "Throttles"] {
                plan.series.push(Series {
                    owner,
                    region: function.region.clone(),
                    namespace: "AWS/Lambda",
                    metric,
                    stat: "Sum",
                    dimensions: dimensions.clone(),
                });
            }
            plan.functions.push(FunctionMetrics {
                target: function.clone(),
                function_name: function.name.clone(),
                qualifier: function.qualifier.clone(),
                sums: Lookup::Found(MetricSums::default()),
            });
        }
        plan
    }

    /// How many queries go in one call: 500, or fewer when the window has so many periods that
    /// 500 full series would pass the data points one call can return.
    pub fn batch_size(window: &Window) -> usize {
        let seconds = (window.end - window.start).num_seconds().max(1) as usize;
        let periods = seconds
            .div_ceil(window.period_seconds.max(1) as usize)
            .max(1);
        (MAX_DATAPOINTS_PER_CALL / periods).clamp(1, MAX_QUERIES_PER_CALL)
    }

    /// How many GetMetricData calls the plan needs when no call is paginated.
    pub fn calls(&self, window: &Window) -> usize {
        batches(&self.series, window).len()
    }
}

/// The batches of series indices, per region, in the order they are sent.
fn batches(series: &[Series], window: &Window) -> Vec<(String, Vec<usize>)> {
    {
        let mut by_region: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, series) in series.iter().enumerate() {
            by_region
                .entry(series.region.as_str())
                .or_default()
                .push(index);
        }
        let size = MetricPlan::batch_size(window);
        by_region
            .into_iter()
            .flat_map(|(region, indices)| {
                indices
                    .chunks(size)
                    .map(|chunk| (region.to_string(), chunk.to_vec()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Reads every series of the plan; `client` gives the CloudWatch client of a region.
pub async fn collect_metrics(
    plan: MetricPlan,
    window: &Window,
    gate: &CallGate,
    scope: (&str, &str),
    client: impl Fn(&str) -> aws_sdk_cloudwatch::Client,
) -> (Vec<StageMetrics>, Vec<FunctionMetrics>) {
    let MetricPlan {
        mut stages,
        mut functions,
        series,
    } = plan;
    for (region, indices) in batches(&series, window) {
        let client = client(&region);
        match read_batch(&client, gate, &series, &indices, window).await {
            Ok(totals) => {
                for (index, (sum, points)) in indices.iter().zip(totals) {
                    let s = &series[*index];
                    let sums = match s.owner {
                        Owner::Stage(i) => &mut stages[i].sums,
                        Owner::Function(i) => &mut functions[i].sums,
                    };
                    if let Lookup::Found(sums) = sums {
                        sums.values.insert(s.metric.to_string(), sum);
                        sums.datapoints.insert(s.metric.to_string(), points);
                    }
                }
            }
            Err(failure) => {
                // One error for the batch: every series in it shares it (the report lists it once).
                let what = format!("{} metric series in {region}", indices.len());
                let error = failure.into_error(scope, Operation::CloudWatchGetMetricData, &what);
                for index in &indices {
                    match series[*index].owner {
                        Owner::Stage(i) => stages[i].sums = Lookup::Failed(error.clone()),
                        Owner::Function(i) => functions[i].sums = Lookup::Failed(error.clone()),
                    }
                }
            }
        }
    }
    (stages, functions)
}

/// One batch: every page of one GetMetricData request, summed per query.
async fn read_batch(
    client: &aws_sdk_cloudwatch::Client,
    gate: &CallGate,
    series: &[Series],
    indices: &[usize],
    window: &Window,
) -> Result<Vec<(f64, usize)>, crate::aws::CallFailure> {
    let queries: Vec<MetricDataQuery> = indices
        .iter()
        .enumerate()
        .map(|(position, index)| {
            series[*index].query(format!("q{position}"), window.period_seconds)
        })
        .collect();
    let mut totals = vec![(0.0, 0usize); indices.len()];
    let mut next_token: Option<String> = None;
    loop {
        let output = gate
            .send(Operation::CloudWatchGetMetricData, || {
                client
                    .get_metric_data()
                    .set_metric_data_queries(Some(queries.clone()))
                    .start_time(SmithyDateTime::from_millis(window.start.timestamp_millis()))
                    .end_time(SmithyDateTime::from_millis(window.end.timestamp_millis()))
                    .set_next_token(next_token.clone())
                    .send()
            })
            .await
            .map_err(|e| translate(&e))?;
        for result in output.metric_data_results() {
            // Ids are `q{position}`, as built above.
            let Some(position) = result
                .id()
                .and_then(|id| id.strip_prefix('q'))
                .and_then(|p| p.parse::<usize>().ok())
            else {
                continue;
            };
            if let Some(total) = totals.get_mut(position) {
                total.0 += result.values().iter().sum::<f64>();
                total.1 += result.values().len();
            }
        }
        match output.next_token() {
            Some(token) if !token.is_empty() && Some(token) != next_token.as_deref() => {
                next_token = Some(token.to_string())
            }
            _ => return Ok(totals),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::MetricPlan;
    use crate::inventory::evidence::Window;

    fn window(minutes: i64, period: i32) -> Window {
        let end = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        Window {
            start: end - Duration::minutes(minutes),
            end,
            period_seconds: period,
        }
    }

    #[test]
    fn batches_hold_500_queries_unless_the_window_is_long() {
        assert_eq!(MetricPlan::batch_size(&window(60, 60)), 500);
        // A day of one-minute periods: 1,440 points per series, 70 series per call.
        assert_eq!(MetricPlan::batch_size(&window(24 * 60, 60)), 70);
        assert_eq!(MetricPlan::batch_size(&window(7 * 24 * 60, 60)), 10);
    }
}
