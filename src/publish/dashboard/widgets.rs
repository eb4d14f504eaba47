//! The graph and log widgets: the auditor's own metrics, one graph per audited stage, one per
//! integrated function, and the Logs Insights table of finding events.

use std::collections::BTreeSet;

use super::body::{LogProperties, MetricLine, MetricOptions, MetricProperties, Widget};
use crate::inventory::{Inventory, Lookup};
use crate::publish::metrics::api_name_dimension;
use crate::report::Severity;

/// The metric the metrics sink publishes per severity, with dimension [`SEVERITY_DIMENSION`].
pub const FINDINGS_METRIC: &str = "Findings";
/// Its dimension; the values are the severities' report names (`high`, ...).
pub const SEVERITY_DIMENSION: &str = "Severity";
/// The metric the metrics sink publishes for collection errors (no dimension).
pub const COLLECTION_ERRORS_METRIC: &str = "CollectionErrors";
/// The `event` field of every finding event.
pub const FINDING_EVENT: &str = "apigw-auditor.finding";

/// Graphs are 6 columns by 6 rows: four to a row, the size CloudWatch itself defaults to.
const GRAPH_WIDTH: u32 = 6;
const GRAPH_HEIGHT: u32 = 6;
/// 5-minute points for AWS metrics: a day is 288 points, readable at 6×6.
const AWS_PERIOD: u32 = 300;
/// The auditor publishes once per run (typically hourly or less often): hourly maxima draw a
/// continuous line where 5-minute periods would leave isolated dots.
const OWN_PERIOD: u32 = 3600;

fn line(
    namespace: &str,
    name: &str,
    dimensions: &[(&str, &str)],
    options: MetricOptions,
) -> MetricLine {
    MetricLine {
        namespace: namespace.to_string(),
        name: name.to_string(),
        dimensions: dimensions
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        options,
    }
}

fn graph(
    title: String,
    region: &str,
    stat: &'static str,
    period: u32,
    metrics: Vec<MetricLine>,
) -> MetricProperties {
    MetricProperties {
        metrics,
        view: "timeSeries",
        stacked: false,
        stat,
        period,
        region: region.to_string(),
        title,
    }
}

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "#d62728",
        Severity::Medium => "#ff7f0e",
        Severity::Low => "#1f77b4",
        Severity::Info => "#7f7f7f",
    }
}

/// `Findings` by severity and `CollectionErrors`, side by side.
pub fn own_metrics(namespace: &str, region: &str) -> Vec<Widget> {
    let findings = Severity::ALL
        .iter()
        .map(|severity| {
            let options = MetricOptions {
                label: Some(severity.as_str().to_string()),
                color: Some(colour(*severity)),
                ..MetricOptions::default()
            };
            line(
                namespace,
                FINDINGS_METRIC,
                &[(SEVERITY_DIMENSION, severity.as_str())],
                options,
            )
        })
        .collect();
    let errors = vec![line(
        namespace,
        COLLECTION_ERRORS_METRIC,
        &[],
        MetricOptions {
            label: Some("collection errors".to_string()),
            ..MetricOptions::default()
        },
    )];
    vec![
        Widget::metric(
            12,
            GRAPH_HEIGHT,
            graph(
                "Findings by severity".into(),
                region,
                "Maximum",
                OWN_PERIOD,
                findings,
            ),
        ),
        Widget::metric(
            12,
            GRAPH_HEIGHT,
            graph(
                "Collection errors".into(),
                region,
                "Maximum",
                OWN_PERIOD,
                errors,
            ),
        ),
    ]
}

/// `accountId` for every line when the inventory spans several accounts, so each graph reads
/// its own account's metrics through cross-account observability.
fn account_option(inventory: &Inventory, account: &str) -> Option<String> {
    let accounts: BTreeSet<&str> = inventory
        .scopes
        .iter()
        .map(|s| s.account.as_str())
        .collect();
    (accounts.len() > 1).then(|| account.to_string())
}

/// The suffix that tells scopes apart in titles, when there is more than one.
fn scope_suffix(inventory: &Inventory, account: &str, region: &str) -> String {
    if inventory.scopes.len() > 1 {
        format!(" · {account} {region}")
    } else {
        String::new()
    }
}

/// One graph per audited stage: `5XXError` (Sum) and requests (`Count`, SampleCount, right
/// axis). API Gateway publishes per API *name*, so stages of APIs sharing a name share one graph.
pub fn stages(inventory: &Inventory) -> Vec<Widget> {
    let mut seen = BTreeSet::new();
    let mut widgets = Vec::new();
    for scope in &inventory.scopes {
        let mut apis: Vec<_> = scope.apis.iter().collect();
        apis.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        for api in apis {
            // Spelt as `AWS/ApiGateway` spells it, like the metrics sink's per-stage series.
            let Some(dimension) = api_name_dimension(&api.id, &api.name) else {
                continue;
            };
            let Lookup::Found(stages) = &api.stages else {
                continue;
            };
            let mut names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
            names.sort_unstable();
            for stage in names {
                let key = (
                    scope.account.clone(),
                    scope.region.clone(),
                    dimension.clone(),
                    stage.to_string(),
                );
                if !seen.insert(key) {
                    continue;
                }
                let dims = [("ApiName", dimension.as_str()), ("Stage", stage)];
                let title = format!(
                    "{} {stage}{}",
                    api.name,
                    scope_suffix(inventory, &scope.account, &scope.region)
                );
                let account_id = account_option(inventory, &scope.account);
                widgets.push(stage_graph(
                    title,
                    &scope.region,
                    "5XXError",
                    &dims,
                    account_id,
                ));
            }
        }
    }
    widgets
}

/// One graph per HTTP API stage: `5xx` (Sum) and requests (`Count`, SampleCount, right axis) by
/// `ApiId` and `Stage`, the dimensions `AWS/ApiGateway` uses for HTTP APIs (docs/aws-facts.md
/// §12.5): each stage has its own series, whatever its API is named.
pub fn http_stages(inventory: &Inventory) -> Vec<Widget> {
    let mut widgets = Vec::new();
    for scope in &inventory.scopes {
        let mut apis: Vec<_> = scope.http_apis.iter().collect();
        apis.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        for api in apis {
            let Lookup::Found(stages) = &api.stages else {
                continue;
            };
            let mut names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
            names.sort_unstable();
            for stage in names {
                let dims = [("ApiId", api.id.as_str()), ("Stage", stage)];
                let title = format!(
                    "{} ({}) {stage}{}",
                    api.name,
                    api.id,
                    scope_suffix(inventory, &scope.account, &scope.region)
                );
                let account_id = account_option(inventory, &scope.account);
                widgets.push(stage_graph(title, &scope.region, "5xx", &dims, account_id));
            }
        }
    }
    widgets
}

/// A stage's graph: its 5XX metric (`5XXError` for REST, `5xx` for HTTP APIs; Sum) and requests
/// (`Count`, SampleCount, right axis) of `AWS/ApiGateway` by `dims`.
fn stage_graph(
    title: String,
    region: &str,
    errors: &str,
    dims: &[(&str, &str)],
    account_id: Option<String>,
) -> Widget {
    let metrics = vec![
        line(
            "AWS/ApiGateway",
            errors,
            dims,
            MetricOptions {
                label: Some("5XX".into()),
                color: Some(colour(Severity::High)),
                account_id: account_id.clone(),
                ..MetricOptions::default()
            },
        ),
        line(
            "AWS/ApiGateway",
            "Count",
            dims,
            MetricOptions {
                label: Some("requests".into()),
                stat: Some("SampleCount"),
                y_axis: Some("right"),
                account_id,
                ..MetricOptions::default()
            },
        ),
    ];
    Widget::metric(
        GRAPH_WIDTH,
        GRAPH_HEIGHT,
        graph(title, region, "Sum", AWS_PERIOD, metrics),
    )
}

/// One graph per integrated function, alias or version: `Errors` and `Throttles` (Sum). Targets
/// that do not exist or live in another account are left out: there are no metrics to show
/// in this account (collection makes the same choice).
pub fn functions(inventory: &Inventory) -> Vec<Widget> {
    let mut seen = BTreeSet::new();
    let mut widgets = Vec::new();
    for scope in &inventory.scopes {
        for target in scope.targets.values() {
            let function = &target.arn;
            if matches!(target.configuration, Lookup::Missing) || !seen.insert(function) {
                continue;
            }
            if function.account != scope.account {
                continue;
            }
            let resource = function.short();
            let mut dims = vec![("FunctionName", function.name.as_str())];
            // An alias's or version's own series carries `Resource` = `name:qualifier` too.
            if function.qualifier.is_some() {
                dims.push(("Resource", resource.as_str()));
            }
            let account_id = account_option(inventory, &scope.account);
            let metrics = ["Errors", "Throttles"]
                .into_iter()
                .map(|name| {
                    let options = MetricOptions {
                        label: Some(name.to_ascii_lowercase()),
                        account_id: account_id.clone(),
                        ..MetricOptions::default()
                    };
                    line("AWS/Lambda", name, &dims, options)
                })
                .collect();
            let title = format!(
                "{resource}{}",
                scope_suffix(inventory, &scope.account, &function.region)
            );
            widgets.push(Widget::metric(
                GRAPH_WIDTH,
                GRAPH_HEIGHT,
                graph(title, &function.region, "Sum", AWS_PERIOD, metrics),
            ));
        }
    }
    widgets
}

/// The last 100 finding events, newest first.
pub fn finding_events(log_group: &str, region: &str) -> Widget {
    Widget::log(
        24,
        GRAPH_HEIGHT,
        LogProperties {
            query: format!(
                "SOURCE '{log_group}' | fields @timestamp, check, severity, message | filter event = '{FINDING_EVENT}' | sort @timestamp desc | limit 100"
            ),
            region: region.to_string(),
            view: "table",
            title: format!("Finding events in {log_group}"),
        },
    )
}
