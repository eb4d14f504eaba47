//! Tests of the dashboards: the demo's main dashboard as a reviewed snapshot, a fleet too big
//! for one dashboard, the packing limits, several scopes.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::body::{MetricLine, MetricOptions, MetricProperties};
use super::*;
use crate::audit::read_snapshot;
use crate::config::{CloudWatchPublish, Config};
use crate::evaluate::{evaluate, RunFacts};
use crate::report::Source;
use crate::testkit::{self, api, scope, target};

fn settings(log_group: Option<&str>) -> CloudWatchPublish {
    CloudWatchPublish {
        dashboard: Some("apigw-audit".to_string()),
        log_group: log_group.map(str::to_string),
        ..CloudWatchPublish::default()
    }
}

/// The same fixed run as `tests/demo.rs`, so the snapshot is stable.
fn run() -> RunFacts {
    let started_at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
    RunFacts {
        id: "00000000-0000-4000-8000-00000000d3e0".to_string(),
        started_at,
        finished_at: started_at + Duration::milliseconds(1250),
        source: Source::Snapshot,
        today: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    }
}

fn titles(dashboard: &Dashboard) -> Vec<String> {
    dashboard
        .widgets
        .iter()
        .filter_map(|w| match &w.properties {
            Properties::Metric(m) => Some(m.title.clone()),
            _ => None,
        })
        .collect()
}

/// Every limit `PutDashboard` enforces, and a body that parses back with its `widgets`.
fn assert_valid(dashboard: &Dashboard) {
    assert!(
        dashboard.widgets.len() <= MAX_WIDGETS,
        "{} widgets",
        dashboard.widgets.len()
    );
    assert!(dashboard.metric_count() <= MAX_METRICS);
    for w in &dashboard.widgets {
        assert!(
            (1..=24).contains(&w.width) && (1..=1000).contains(&w.height),
            "{w:?}"
        );
        assert!(w.x + w.width <= 24, "{w:?}");
        assert!(w.metric_count() <= 500);
    }
    let body: serde_json::Value = serde_json::from_str(&dashboard.body().unwrap()).unwrap();
    assert_eq!(
        body["widgets"].as_array().unwrap().len(),
        dashboard.widgets.len()
    );
    assert!(is_ours(&dashboard.body().unwrap()));
}

#[test]
fn demo_main_dashboard() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-account.json");
    let inventory = read_snapshot(std::path::Path::new(path)).unwrap();
    let report = evaluate(&inventory, &Config::default(), run());
    let all = dashboards(&report, &inventory, &settings(Some("/ecs/apigw-auditor")));
    assert_eq!(all.len(), 1);
    assert_valid(&all[0]);
    // 7 REST stages, 2 HTTP API stages and the 15 targets that exist (reports-exporter was
    // deleted).
    let titles = titles(&all[0]);
    assert_eq!(titles.len(), 2 + 7 + 2 + 15, "{titles:?}");
    assert!(titles.contains(&"pets dev".to_string()));
    assert!(titles.contains(&"checkout (h7k2p9x4qe) $default".to_string()));
    assert!(titles.contains(&"pets-api:live".to_string()));
    assert!(!titles.iter().any(|t| t.contains("reports-exporter")));
    insta::assert_json_snapshot!("demo_dashboard", all[0]);
}

/// 300 APIs with two stages each, each API calling a function and an alias of it: 600 stage
/// graphs and 600 function graphs, more than two dashboards hold.
fn fleet() -> crate::inventory::Inventory {
    let mut builder = scope();
    for i in 0..300 {
        let id = format!("api{i:04}");
        let (function, alias) = (format!("fn-{i}"), format!("fn-{i}:live"));
        let api = api(&id, &format!("svc-{i}"))
            .route("GET", "/items", &function)
            .route("POST", "/items", &alias);
        builder = builder
            .api(api.stage("prod").stage("dev"))
            .target(target(&function, &id))
            .target(target(&alias, &id));
    }
    builder.inventory()
}

#[test]
fn a_big_fleet_splits_within_the_limits_and_shows_every_stage_once() {
    let inventory = fleet();
    let report = evaluate(&inventory, &Config::default(), run());
    let all = dashboards(&report, &inventory, &settings(Some("/ecs/apigw-auditor")));
    assert_eq!(
        all.len(),
        3,
        "1,200 graphs and the fixed widgets need three dashboards"
    );
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, dashboard) in all.iter().enumerate() {
        assert_valid(dashboard);
        let header = dashboard.widgets[0].markdown().unwrap();
        assert!(
            header.contains(&format!("part {} of 3", index + 1)),
            "{header}"
        );
        for title in titles(dashboard) {
            *seen.entry(title).or_default() += 1;
        }
    }
    for i in 0..300 {
        for stage in ["prod", "dev"] {
            assert_eq!(
                seen.get(&format!("svc-{i} {stage}")),
                Some(&1),
                "svc-{i} {stage}"
            );
        }
        for function in [format!("fn-{i}"), format!("fn-{i}:live")] {
            assert_eq!(seen.get(&function), Some(&1), "{function}");
        }
    }
    // The findings, trends and events are on the main dashboard only.
    let logs = |d: &Dashboard| {
        d.widgets
            .iter()
            .filter(|w| w.kind == WidgetKind::Log)
            .count()
    };
    assert_eq!(logs(&all[0]), 1);
    assert!(all[1..]
        .iter()
        .all(|d| logs(d) == 0 && titles(d).iter().all(|t| t != "Findings by severity")));
    // A section says it continues only where it began on an earlier dashboard.
    let sections = |d: &Dashboard| -> Vec<String> {
        d.widgets[1..]
            .iter()
            .filter_map(|w| w.markdown()?.lines().next().map(str::to_string))
            .collect()
    };
    assert_eq!(
        sections(&all[1]),
        ["## API stages (continued)", "## Integrated functions"]
    );
    assert_eq!(sections(&all[2]), ["## Integrated functions (continued)"]);
    // The main dashboard was filled to the limit before the next was started.
    assert_eq!(all[0].widgets.len(), MAX_WIDGETS);
}

#[test]
fn packing_respects_the_metric_limit() {
    let heavy = |i: usize| {
        let metrics = (0..10)
            .map(|m| MetricLine {
                namespace: "N".into(),
                name: format!("m{m}"),
                dimensions: vec![("D".into(), i.to_string())],
                options: MetricOptions::default(),
            })
            .collect();
        let properties = MetricProperties {
            metrics,
            view: "timeSeries",
            stacked: false,
            stat: "Sum",
            period: 300,
            region: "us-east-1".into(),
            title: i.to_string(),
        };
        Widget::metric(6, 6, properties)
    };
    let sections = [
        ("a", (0..300).map(heavy).collect::<Vec<_>>()),
        ("b", Vec::new()),
    ];
    let parts = pack(&sections, 5, 5);
    let metrics: Vec<usize> = parts
        .iter()
        .map(|p| {
            p.iter()
                .flat_map(|(_, _, ws)| ws)
                .map(|w| w.metric_count())
                .sum()
        })
        .collect();
    assert_eq!(
        metrics,
        vec![2490, 510],
        "the first part holds 5 metrics already"
    );
    assert_eq!(
        parts
            .iter()
            .flatten()
            .map(|(_, _, ws)| ws.len())
            .sum::<usize>(),
        300
    );
}

#[test]
fn an_empty_run_still_has_a_main_dashboard() {
    let inventory = testkit::inventory(Vec::new());
    let report = evaluate(&inventory, &Config::default(), run());
    let all = dashboards(&report, &inventory, &settings(None));
    assert_eq!(all.len(), 1);
    assert_valid(&all[0]);
    assert!(all[0].widgets.iter().all(|w| w.kind != WidgetKind::Log));
    let header = all[0].widgets[0].markdown().unwrap();
    assert!(header.contains("Finding events**: not shown") && header.contains(MARKER));
}

#[test]
fn scopes_are_told_apart_and_apis_sharing_a_name_share_a_graph() {
    let mut other = scope()
        .api(api("b1", "pets").stage("prod"))
        .api(api("b2", "pets").stage("prod"))
        .build();
    other.account = "210987654321".into();
    other.region = "eu-west-1".into();
    let home = scope().api(api("a1", "pets").stage("prod")).build();
    let inventory = testkit::inventory(vec![home, other]);
    let report = evaluate(&inventory, &Config::default(), run());
    let all = dashboards(&report, &inventory, &settings(None));
    let graphs: Vec<&MetricProperties> = all[0]
        .widgets
        .iter()
        .filter_map(|w| match &w.properties {
            Properties::Metric(m) if m.metrics[0].namespace == "AWS/ApiGateway" => Some(m),
            _ => None,
        })
        .collect();
    let described: Vec<(&str, &str, Option<&str>)> = graphs
        .iter()
        .map(|m| {
            (
                m.title.as_str(),
                m.region.as_str(),
                m.metrics[0].options.account_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            (
                "pets prod · 123456789012 us-east-1",
                "us-east-1",
                Some("123456789012")
            ),
            (
                "pets prod · 210987654321 eu-west-1",
                "eu-west-1",
                Some("210987654321")
            ),
        ]
    );
}

/// HTTP API stages get graphs of their own, by `ApiId` and `Stage` with the `5xx` metric: two
/// HTTP APIs with one name are two graphs, unlike REST's per-name series.
#[test]
fn http_api_stages_have_their_own_graphs_by_id() {
    let inventory = scope()
        .api(api("a1", "orders").stage("prod"))
        .http_api(testkit::http_api("h1", "orders").stage("$default"))
        .http_api(testkit::http_api("h2", "orders").stage("$default"))
        .inventory();
    let report = evaluate(&inventory, &Config::default(), run());
    let all = dashboards(&report, &inventory, &settings(None));
    assert_valid(&all[0]);
    let graphs: Vec<(String, Vec<String>)> = all[0]
        .widgets
        .iter()
        .filter_map(|w| match &w.properties {
            Properties::Metric(m) if m.metrics[0].namespace == "AWS/ApiGateway" => Some((
                m.title.clone(),
                m.metrics
                    .iter()
                    .map(|l| format!("{} {:?}", l.name, l.dimensions))
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(graphs.len(), 3, "{graphs:#?}");
    assert_eq!(graphs[0].0, "orders prod");
    assert_eq!(graphs[1].0, "orders (h1) $default");
    assert_eq!(graphs[2].0, "orders (h2) $default");
    assert!(graphs[1].1[0].starts_with("5xx "), "{:?}", graphs[1].1);
    assert!(graphs[1].1[0].contains("ApiId"), "{:?}", graphs[1].1);
    let markdown: Vec<&str> = all[0]
        .widgets
        .iter()
        .filter_map(|w| match &w.properties {
            Properties::Text(t) => Some(t.markdown.as_str()),
            _ => None,
        })
        .collect();
    assert!(markdown.iter().any(|m| m.starts_with("## HTTP API stages")));
}
