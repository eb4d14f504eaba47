//! OCSF output checked against the schema facts vendored in
//! `tests/data/ocsf-1.6.0-compliance-finding.json` (required attributes of the class, its
//! objects and the cloud profile; `at_least_one` constraints; enum values; timestamps), for a
//! finding of every check, failing and unevaluated.

use serde_json::Value;

use super::*;
use crate::checks::ResourceKind;
use crate::publish::metrics::tests::run_context;
use crate::report::{ApiRef, AuthorizerRef, RouteRef};

const FACTS: &str = include_str!("../../tests/data/ocsf-1.6.0-compliance-finding.json");

fn facts() -> Value {
    serde_json::from_str(FACTS).expect("the vendored facts are JSON")
}

fn present(value: Option<&Value>) -> bool {
    !matches!(value, None | Some(Value::Null)) && value.and_then(Value::as_str) != Some("")
}

/// The value at a dotted path.
fn at<'v>(event: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(event, |v, key| v.get(key))
}

/// Everything in `event` the vendored schema facts reject.
pub(crate) fn schema_problems(event: &Value) -> Vec<String> {
    let facts = facts();
    let mut problems = Vec::new();
    for key in facts["class_required"].as_array().unwrap() {
        let key = key.as_str().unwrap();
        if !present(event.get(key)) {
            problems.push(format!("missing required `{key}`"));
        }
    }
    if event["class_uid"] != facts["class_uid"] || event["category_uid"] != facts["category_uid"] {
        problems.push("not a Compliance Finding of category Findings".into());
    }
    let class_uid = event["class_uid"].as_u64().unwrap_or(0);
    let activity = event["activity_id"].as_u64().unwrap_or(0);
    if event["type_uid"].as_u64() != Some(class_uid * 100 + activity) {
        problems.push(format!(
            "type_uid {} is not class_uid * 100 + activity_id",
            event["type_uid"]
        ));
    }
    if at(event, "metadata.version").and_then(Value::as_str) != facts["version"].as_str() {
        problems.push("metadata.version is not the schema's version".into());
    }
    // Profiles the event claims bring their own required attributes.
    for profile in at(event, "metadata.profiles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let profile = profile.as_str().unwrap_or_default();
        let Some(required) = facts["profiles"][profile].as_array() else {
            problems.push(format!("unknown profile `{profile}`"));
            continue;
        };
        for key in required {
            let key = key.as_str().unwrap();
            if !present(event.get(key)) {
                problems.push(format!("profile {profile} needs `{key}`"));
            }
        }
    }
    for (path, object) in facts["object_paths"].as_object().unwrap() {
        let rules = &facts["objects"][object.as_str().unwrap()];
        let instances: Vec<&Value> = match path.strip_suffix("[]") {
            Some(list) => event
                .get(list)
                .and_then(Value::as_array)
                .map(|items| items.iter().collect())
                .unwrap_or_default(),
            None => at(event, path).into_iter().collect(),
        };
        for instance in instances {
            for key in rules["required"].as_array().unwrap() {
                let key = key.as_str().unwrap();
                if !present(instance.get(key)) {
                    problems.push(format!("{path} misses required `{key}`"));
                }
            }
            let one_of = rules["at_least_one"].as_array().unwrap();
            if !one_of.is_empty()
                && !one_of
                    .iter()
                    .any(|k| present(instance.get(k.as_str().unwrap())))
            {
                problems.push(format!("{path} needs at least one of {one_of:?}"));
            }
        }
    }
    for (path, allowed) in facts["enums"].as_object().unwrap() {
        if let Some(value) = at(event, path) {
            if !allowed.as_array().unwrap().contains(value) {
                problems.push(format!("{path} = {value} is not in its enum"));
            }
        }
    }
    for path in facts["timestamps"].as_array().unwrap() {
        if let Some(value) = at(event, path.as_str().unwrap()) {
            if !value.is_i64() {
                problems.push(format!("{path} is not epoch milliseconds: {value}"));
            }
        }
    }
    problems
}

fn report() -> Report {
    let inventory = crate::testkit::scope().inventory();
    crate::evaluate::evaluate(&inventory, &crate::config::Config::default(), run_context())
}

/// A finding of `check` shaped as the check builds them.
fn finding_of(check: &str, status: Status) -> Finding {
    let doc = checks::find(check).unwrap();
    let mut finding = Finding {
        fingerprint: "00112233445566778899".into(),
        check: check.into(),
        severity: doc.severity,
        status,
        account: "123456789012".into(),
        region: "us-east-1".into(),
        api: None,
        stages: Vec::new(),
        route: None,
        function: Some("arn:aws:lambda:us-east-1:123456789012:function:f".into()),
        authorizer: None,
        client_status: doc.client_status,
        message: format!("{check} says so"),
        evidence: serde_json::json!({"reason": "x"}),
        remediation: (status == Status::Fail).then(|| "aws lambda ...".into()),
    };
    let api = ApiRef {
        id: "a1".into(),
        name: "pets".into(),
        protocol: Default::default(),
    };
    match doc.resource {
        ResourceKind::Route => {
            finding.api = Some(api);
            finding.stages = vec!["prod".into()];
            finding.route = Some(RouteRef {
                method: "ANY".into(),
                path: "/{proxy+}".into(),
            });
        }
        ResourceKind::Authorizer => {
            finding.api = Some(api);
            finding.stages = vec!["prod".into()];
            finding.authorizer = Some(AuthorizerRef {
                id: "au".into(),
                name: "jwt".into(),
            });
        }
        ResourceKind::Stage => {
            (finding.api, finding.function) = (Some(api), None);
            finding.stages = vec!["prod".into()];
        }
        ResourceKind::Function | ResourceKind::FunctionPolicy => {}
    }
    finding
}

#[test]
fn every_check_is_a_valid_compliance_finding() {
    let report = report();
    for check in checks::ids() {
        for status in [Status::Fail, Status::Error] {
            let event = compliance_finding(&finding_of(check, status), &report);
            let problems = schema_problems(&event);
            assert!(
                problems.is_empty(),
                "{check} {status:?}: {problems:?}\n{event:#}"
            );
            assert_eq!(event["finding_info"]["analytic"]["uid"], check);
            assert_eq!(event["compliance"]["control"], check);
            let expected = if status == Status::Fail { 3 } else { 2 };
            assert_eq!(event["compliance"]["status_id"], expected);
        }
    }
}

#[test]
fn the_schema_check_catches_what_the_schema_forbids() {
    let report = report();
    let good = compliance_finding(&finding_of("handler-invalid", Status::Fail), &report);
    assert!(schema_problems(&good).is_empty());
    type Edit = fn(&mut Value);
    let broken: [(&str, Edit); 7] = [
        ("missing required `finding_info`", |e| {
            e.as_object_mut().unwrap().remove("finding_info");
        }),
        ("finding_info misses required `uid`", |e| {
            e["finding_info"].as_object_mut().unwrap().remove("uid");
        }),
        ("type_uid", |e| e["type_uid"] = json!(200300)),
        ("profile cloud needs", |e| {
            e.as_object_mut().unwrap().remove("cloud");
        }),
        ("severity_id = 7", |e| e["severity_id"] = json!(7)),
        ("not epoch milliseconds", |e| {
            e["time"] = json!("2026-11-21T10:00:02Z")
        }),
        ("remediation misses required `desc`", |e| {
            e["remediation"].as_object_mut().unwrap().remove("desc");
        }),
    ];
    for (expected, edit) in broken {
        let mut event = good.clone();
        edit(&mut event);
        let problems = schema_problems(&event);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected}: {problems:?}"
        );
    }
    let mut nameless = good.clone();
    nameless["resources"][0]
        .as_object_mut()
        .unwrap()
        .remove("uid");
    nameless["resources"][0]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert!(schema_problems(&nameless)
        .iter()
        .any(|p| p.contains("resources[] needs at least one of")));
}

#[test]
fn lines_hold_one_finding_each_with_its_account_and_resources() {
    let mut report = report();
    report.findings = vec![
        finding_of("invoke-permission-missing", Status::Fail),
        finding_of("api-5xx-rate", Status::Error),
    ];
    report.scopes[0].name = Some("payments-prod".into());
    let text = render_lines(&report).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    assert_eq!(first["time"], report.run.finished_at.timestamp_millis());
    assert_eq!(first["cloud"]["account"]["uid"], "123456789012");
    assert_eq!(first["cloud"]["account"]["name"], "payments-prod");
    assert_eq!(first["resources"][0]["type"], "AwsApiGatewayStage");
    assert_eq!(
        first["resources"][0]["uid"],
        "arn:aws:apigateway:us-east-1::/restapis/a1/stages/prod"
    );
    assert_eq!(
        first["finding_info"]["uid"],
        "apigw-auditor/00112233445566778899"
    );
    assert_eq!(first["severity"], "High");
    assert_eq!(first["unmapped"]["route"]["path"], "/{proxy+}");
    let second = &lines[1];
    assert_eq!(second["compliance"]["status"], "Warning");
    assert_eq!(second["status_detail"], "api-5xx-rate says so");
    assert_eq!(
        second["finding_info"]["uid"],
        "apigw-auditor/00112233445566778899/error"
    );
    let empty = self::report();
    assert!(empty.findings.is_empty());
    assert_eq!(render_lines(&empty).unwrap(), "");
}

#[test]
fn every_finding_of_the_demo_is_a_valid_compliance_finding() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-account.json");
    let inventory = crate::audit::read_snapshot(std::path::Path::new(path)).unwrap();
    let report =
        crate::evaluate::evaluate(&inventory, &crate::config::Config::default(), run_context());
    assert!(report.findings.len() > 20);
    for finding in &report.findings {
        let event = compliance_finding(finding, &report);
        let problems = schema_problems(&event);
        assert!(problems.is_empty(), "{}: {problems:?}", finding.check);
    }
}
