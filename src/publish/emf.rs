//! The run's metrics as CloudWatch Embedded Metric Format (EMF): one JSON object per line, which
//! CloudWatch Logs turns into metrics once the lines reach a log group (stdout under Lambda or
//! ECS, or any shipped log), so no `PutMetricData` permission is needed.
//!
//! Datums with the same dimension names and values (in the same order) share a line: their
//! values are root members next to the dimension values, under one directive with one
//! dimension set (`[[]]` for datums without dimensions). The specification allows at most 100
//! metrics per directive and 100 values per metric, so bigger groups continue on further lines.
//! Two datums of the same name on the same series become an array of values, which CloudWatch
//! records as separate values, as `PutMetricData` would. A datum EMF cannot express is left
//! out: a non-finite value, an empty name, a name that is `_aws` or one of its own dimension
//! names, repeated dimension names or more than 30 of them. `metrics::datums` makes none.
//! A log event holds 256 KB; 100 metrics and 30 dimension values of at most 1,024 characters
//! stay well below it.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::metrics::{Datum, Unit, MAX_DIMENSIONS};

/// At most this many metric definitions per directive (EMF specification).
pub const MAX_METRICS_PER_LINE: usize = 100;
/// At most this many values in one metric's array (EMF specification).
pub const MAX_VALUES_PER_METRIC: usize = 100;

/// The values of one metric on one series, in datum order.
struct Series<'a> {
    name: &'a str,
    unit: Unit,
    values: Vec<f64>,
}

/// Every metric sharing one set of dimension names and values.
struct Group<'a> {
    dimensions: &'a [(String, String)],
    series: Vec<Series<'a>>,
    by_name: BTreeMap<&'a str, usize>,
}

/// EMF lines (one JSON object per line, no newline inside) for the datums, grouped so each line
/// has one dimension set and at most 100 metrics. Lines follow the order groups first appear in.
pub fn emf_lines(datums: &[Datum], namespace: &str, timestamp_ms: i64) -> Vec<String> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut by_dimensions: BTreeMap<&[(String, String)], usize> = BTreeMap::new();
    for datum in datums.iter().filter(|d| expressible(d)) {
        let at = *by_dimensions
            .entry(datum.dimensions.as_slice())
            .or_insert_with(|| {
                groups.push(Group {
                    dimensions: &datum.dimensions,
                    series: Vec::new(),
                    by_name: BTreeMap::new(),
                });
                groups.len() - 1
            });
        let group = &mut groups[at];
        match group.by_name.get(datum.name.as_str()) {
            Some(&i) => group.series[i].values.push(datum.value),
            None => {
                group.by_name.insert(&datum.name, group.series.len());
                group.series.push(Series {
                    name: &datum.name,
                    unit: datum.unit,
                    values: vec![datum.value],
                });
            }
        }
    }

    let mut lines = Vec::new();
    for group in &groups {
        // Round k carries values k*100.. of every series: a name appears once per line, so a
        // series with more values than one array holds continues in the next round.
        let rounds = group
            .series
            .iter()
            .map(|s| s.values.len().div_ceil(MAX_VALUES_PER_METRIC))
            .max()
            .unwrap_or(0);
        for round in 0..rounds {
            let entries: Vec<(&Series<'_>, &[f64])> = group
                .series
                .iter()
                .filter_map(|s| Some((s, s.values.chunks(MAX_VALUES_PER_METRIC).nth(round)?)))
                .collect();
            for chunk in entries.chunks(MAX_METRICS_PER_LINE) {
                lines.push(line(group.dimensions, chunk, namespace, timestamp_ms));
            }
        }
    }
    lines
}

/// Whether EMF can carry the datum without two root members colliding.
fn expressible(datum: &Datum) -> bool {
    let dims = &datum.dimensions;
    datum.value.is_finite()
        && !datum.name.is_empty()
        && datum.name != "_aws"
        && dims.len() <= MAX_DIMENSIONS
        && dims.iter().enumerate().all(|(i, (name, value))| {
            !name.is_empty()
                && !value.is_empty()
                && name != "_aws"
                && *name != datum.name
                && !dims[..i].iter().any(|(earlier, _)| earlier == name)
        })
}

fn line(
    dimensions: &[(String, String)],
    entries: &[(&Series<'_>, &[f64])],
    namespace: &str,
    timestamp_ms: i64,
) -> String {
    let mut root = Map::new();
    for (name, value) in dimensions {
        root.insert(name.clone(), Value::String(value.clone()));
    }
    let mut definitions = Vec::with_capacity(entries.len());
    for (series, values) in entries {
        let value = match values {
            [one] => number(*one),
            many => Value::Array(many.iter().map(|v| number(*v)).collect()),
        };
        root.insert(series.name.to_string(), value);
        definitions.push(json!({"Name": series.name, "Unit": series.unit.as_str()}));
    }
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| name.as_str()).collect();
    let directive = json!({"Namespace": namespace, "Dimensions": [names], "Metrics": definitions});
    let metadata = json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": [directive]});
    root.insert("_aws".to_string(), metadata);
    Value::Object(root).to_string()
}

/// Whole numbers as JSON integers, so counts read `3` rather than `3.0`.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

#[cfg(test)]
mod tests {
    use super::super::metrics::{self, tests::run_context};
    use super::*;

    type Decoded = (String, Vec<(String, String)>, u64);

    /// Checks one line against the specification's required structure and returns the datums
    /// it carries.
    fn validate(line: &str, namespace: &str) -> Result<Vec<Decoded>, String> {
        let root: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let root = root.as_object().ok_or("root is not an object")?;
        let aws = root
            .get("_aws")
            .and_then(Value::as_object)
            .ok_or("no _aws")?;
        aws.get("Timestamp")
            .filter(|t| t.is_i64())
            .ok_or("Timestamp")?;
        let directives = aws.get("CloudWatchMetrics").and_then(Value::as_array);
        let mut out = Vec::new();
        for directive in directives.ok_or("no CloudWatchMetrics")? {
            let ns = directive.get("Namespace").and_then(Value::as_str);
            (ns == Some(namespace)).then_some(()).ok_or("Namespace")?;
            let sets = directive.get("Dimensions").and_then(Value::as_array);
            let sets = sets.filter(|s| !s.is_empty()).ok_or("Dimensions")?;
            let mut dims = Vec::new();
            for set in sets {
                let set = set.as_array().filter(|s| s.len() <= 30).ok_or("set")?;
                dims.clear();
                for name in set {
                    let name = name.as_str().ok_or("dimension name")?;
                    let value = root.get(name).and_then(Value::as_str).ok_or(name)?;
                    dims.push((name.to_string(), value.to_string()));
                }
            }
            let defs = directive.get("Metrics").and_then(Value::as_array);
            for def in defs.filter(|m| m.len() <= 100).ok_or("Metrics")? {
                let name = def.get("Name").and_then(Value::as_str).ok_or("Name")?;
                def.get("Unit")
                    .is_none_or(Value::is_string)
                    .then_some(())
                    .ok_or("Unit")?;
                let values = match root.get(name).ok_or(name)? {
                    Value::Array(many) if many.len() <= 100 => many.clone(),
                    one => vec![one.clone()],
                };
                for value in values {
                    let value = value.as_f64().ok_or(name)?;
                    out.push((name.to_string(), dims.clone(), value.to_bits()));
                }
            }
        }
        Ok(out)
    }

    fn decoded(datums: &[Datum]) -> Vec<Decoded> {
        let mut out: Vec<Decoded> = datums
            .iter()
            .map(|d| (d.name.clone(), d.dimensions.clone(), d.value.to_bits()))
            .collect();
        out.sort();
        out
    }

    fn round_trip(datums: &[Datum]) -> (Vec<String>, Vec<Decoded>) {
        let lines = emf_lines(datums, "APIGatewayAuditor", 1_795_000_000_000);
        let mut back = Vec::new();
        for line in &lines {
            assert!(!line.contains('\n'));
            back.extend(validate(line, "APIGatewayAuditor").unwrap_or_else(|e| panic!("{e}")));
        }
        back.sort();
        (lines, back)
    }

    #[test]
    fn demo_account_metrics_match_the_report_and_round_trip() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-account.json");
        let inventory = crate::audit::read_snapshot(std::path::Path::new(path)).unwrap();
        let config = crate::config::Config::default();
        let report = crate::evaluate::evaluate(&inventory, &config, run_context());
        let datums = metrics::datums(&report, &inventory, &config, 0);
        // The sum of the `Findings` series with exactly these dimension names.
        let sum = |names: &[&str]| -> f64 {
            let names_of =
                |d: &Datum| -> Vec<String> { d.dimensions.iter().map(|k| k.0.clone()).collect() };
            let has = |d: &&Datum| d.name == "Findings" && names_of(d) == names;
            datums.iter().filter(has).map(|d| d.value).sum()
        };
        let (total, summary) = (report.findings.len() as f64, &report.summary);
        let counts = &summary.findings;
        assert!(total > 0.0);
        let by_severity = (counts.high + counts.medium + counts.low + counts.info) as f64;
        let by_dimensions = (sum(&["Severity"]), sum(&["Check", "Severity"]));
        assert_eq!((by_dimensions, by_severity), ((total, total), total));
        let plain = |name: &str| {
            let found = datums
                .iter()
                .find(|d| d.name == name && d.dimensions.is_empty());
            found.map(|d| d.value)
        };
        assert_eq!(plain("Findings"), Some(total));
        assert_eq!(plain("RoutesAudited"), Some(summary.routes as f64));
        let calls: u64 = report.summary.api_calls.values().sum();
        assert_eq!(plain("AwsCalls"), Some(calls as f64));
        let stages = datums
            .iter()
            .filter(|d| d.dimensions.iter().any(|k| k.0 == "Stage"));
        assert_eq!(stages.count(), report.summary.stages);
        let zeros = datums
            .iter()
            .filter(|d| d.name == "Findings" && d.value == 0.0);
        assert!(zeros.count() > 0);
        for check in crate::checks::ids() {
            assert!(datums
                .iter()
                .any(|d| d.dimensions.iter().any(|k| k.1 == check)));
        }
        let (lines, back) = round_trip(&datums);
        assert!(lines.len() < datums.len());
        assert_eq!(back, decoded(&datums));
    }

    #[test]
    fn big_groups_split_and_unexpressible_datums_are_left_out() {
        let datum = |name: String, dims: &[(&str, &str)], value: f64| Datum {
            name,
            dimensions: dims
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
            unit: Unit::Count,
        };
        let mut datums: Vec<Datum> = (0..250).map(|i| datum(format!("M{i}"), &[], 1.0)).collect();
        datums.extend((0..150).map(|i| datum("Findings".into(), &[("Stage", "prod")], i as f64)));
        let valid = datums.clone();
        datums.push(datum("Bad".into(), &[], f64::NAN));
        datums.push(datum("Stage".into(), &[("Stage", "prod")], 1.0));
        let (lines, back) = round_trip(&datums);
        assert_eq!(back, decoded(&valid));
        assert_eq!(lines.len(), 5);
        assert!(lines[0].contains(r#""Dimensions":[[]]"#));
        assert!(lines[3].contains(r#""Dimensions":[["Stage"]]"#));
        assert!(lines[3].contains(r#""Findings":[0,1,2"#));
    }
}
