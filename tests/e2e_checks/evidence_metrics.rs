//! The checks that read `AWS/ApiGateway` and `AWS/Lambda` metrics: `api-5xx-rate` (threshold,
//! minimum traffic, the stage it names, APIs sharing a name, probable causes) and
//! `lambda-error-rate` (error rate, minimum invocations, throttles, an alias's own series).
//!
//! ministack publishes no `AWS/ApiGateway` metrics and no Lambda metrics for these fleets: every
//! scenario writes the series with PutMetricData as CloudWatch holds them
//! (`support::cloudwatch`), then audits the account like AWS.

use apigw_auditor::report::{Finding, Report};
use serde_json::{json, Value};

use crate::common::{function_with_alias, functions, proxy_methods, stages, MISSING};
use crate::support::audit::{audit, findings, none, only};
use crate::support::cloudwatch::{spread, LambdaMinute as Minute, Seeder};
use crate::support::fleet::apigw::{ApiHandle, MethodOptions};
use crate::support::fleet::{function_arn, Fleet};
use crate::support::new_fleet;

const RATE: &str = "api-5xx-rate";
const LAMBDA_RATE: &str = "lambda-error-rate";

/// The finding, as the JSON report writes it, holds `expected`: every key of `expected`, nested
/// objects key by key, lists of the same length element by element, other values (and `{}`)
/// exactly.
pub fn assert_has(f: &Finding, expected: Value) {
    fn project(actual: &Value, shape: &Value) -> Value {
        match (actual, shape) {
            (Value::Object(actual), Value::Object(shape)) if !shape.is_empty() => shape
                .iter()
                .map(|(k, v)| (k.clone(), project(actual.get(k).unwrap_or(&Value::Null), v)))
                .collect(),
            (Value::Array(actual), Value::Array(shape)) if actual.len() == shape.len() => actual
                .iter()
                .zip(shape)
                .map(|(a, s)| project(a, s))
                .collect(),
            _ => actual.clone(),
        }
    }
    let actual = serde_json::to_value(f).expect("a finding serializes");
    assert_eq!(project(&actual, &expected), expected, "{f:#?}");
}

/// A failing finding about `stage` of `api` itself: no route, no function, and a fingerprint that
/// hashes its identity (the stage included).
pub fn assert_stage_fail(f: &Finding, account: &str, api: &ApiHandle, stage: &str) {
    assert_has(
        f,
        json!({"status": "fail", "account": account, "region": "us-east-1", "stages": [stage],
               "api": {"id": api.id, "name": api.name}, "route": null, "function": null}),
    );
    assert_eq!(f.fingerprint, f.compute_fingerprint());
}

/// The finding of `check` on `stage` of API `api_id`; panics with all of them otherwise.
pub fn on_stage<'r>(report: &'r Report, check: &str, api_id: &str, stage: &str) -> &'r Finding {
    let found = findings(report, check);
    let on = |f: &&&Finding| f.api.as_ref().is_some_and(|a| a.id == api_id) && f.stages == [stage];
    let matching: Vec<&&Finding> = found.iter().filter(on).collect();
    assert_eq!(matching.len(), 1, "{check} on {api_id}/{stage}: {found:#?}");
    matching[0]
}

/// GET /pets/{id} on API `pets` invokes `pets-get:${stageVariables.alias}`: prod resolves to alias
/// `live`, dev to alias `beta`. The only permission is on the unqualified function (a SAM
/// statement written before the routes moved to aliases), so neither alias lets API Gateway in:
/// one `invoke-permission-missing` per stage, each naming its alias.
pub async fn alias_routes_without_permission(fleet: &Fleet, account: &str) -> ApiHandle {
    function_with_alias(fleet, "pets-get", "live").await;
    fleet.create_alias("pets-get", "beta", "1").await;
    let function = function_arn(account, "pets-get", None);
    let api = fleet.create_api("pets").await;
    let template = format!("{function}:${{stageVariables.alias}}");
    let options = MethodOptions::default();
    api.lambda_proxy_method("/pets/{id}", "GET", &template, options)
        .await;
    let deployment = api.deploy("prod", &[("alias", "live")]).await;
    api.stage("dev", &deployment, &[("alias", "beta")]).await;
    let permit = fleet.permit(&function, None);
    permit.sam(&api.id, "GET", "/pets/{id}").await;
    api
}

/// The fingerprint of the `invoke-permission-missing` finding for `alias` on `stage`.
pub fn missing_permission(report: &Report, account: &str, alias: &str, stage: &str) -> String {
    let alias_arn = function_arn(account, "pets-get", Some(alias));
    let found = findings(report, MISSING);
    let f = found
        .iter()
        .find(|f| f.function.as_deref() == Some(alias_arn.as_str()))
        .unwrap_or_else(|| panic!("no {MISSING} for {alias_arn}: {found:#?}"));
    assert_eq!(f.stages, [stage], "{f:#?}");
    f.fingerprint.clone()
}

/// API `name` with GET /pets invoking `function` (with SAM's permission: a healthy route),
/// deployed to `stage_names`.
async fn healthy_api(fleet: &Fleet, name: &str, function: &str, stage_names: &[&str]) -> ApiHandle {
    let api = fleet.create_api(name).await;
    proxy_methods(&api, &[("GET", "/pets", function)]).await;
    stages(&api, stage_names).await;
    fleet
        .permit(function, None)
        .sam(&api.id, "GET", "/pets")
        .await;
    api
}

/// 14 of 200 requests answered 5XX (7 %) over four minutes: one high finding, with the counts,
/// the settings it was judged by, the window, and no cause (the route itself is healthy).
#[tokio::test]
async fn api_5xx_rate_fires_above_the_threshold() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("pets").await;
    let api = healthy_api(&fleet, "pets", &function, &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .api_traffic("pets", "prod", &spread(200, 14, 4))
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, RATE);
    assert_stage_fail(f, &account, &api, "prod");
    let message = format!(
        "Stage prod of API pets ({}) answered 7 % of 200 requests with 5XX in the last 60 minutes.",
        api.id
    );
    assert_has(
        f,
        json!({"severity": "high", "client_status": 500, "message": message, "evidence": {
            "five_xx": 14, "requests": 200, "rate_percent": 7.0, "threshold_percent": 5.0,
            "min_requests": 100, "shared_name_with": [], "probable_causes": [],
            "window": {"period_seconds": 60}}}),
    );
    let fix = f.remediation.as_deref().unwrap_or_default();
    let group = format!(
        "--log-group-name API-Gateway-Execution-Logs_{}/prod",
        api.id
    );
    assert!(fix.contains(&group), "{fix}");
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

/// 4 of 200 (2 %) is under the 5 % threshold; 9 of 50 (18 %) is over it but under the minimum of
/// 100 requests: both stages are quiet.
#[tokio::test]
async fn api_5xx_rate_is_quiet_below_the_threshold_and_the_minimum_traffic() {
    let (_, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("pets").await;
    healthy_api(&fleet, "orders", &function, &["prod"]).await;
    healthy_api(&fleet, "pets", &function, &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .api_traffic("orders", "prod", &spread(200, 4, 4))
        .await;
    seeder.api_traffic("pets", "prod", &spread(50, 9, 4)).await;

    let report = audit(&sdk).await;
    none(&report, RATE);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

/// prod and dev serve the same deployment; only prod's series spikes (20 of 200). The finding
/// names prod alone; dev's 1 of 300 stays quiet. The next run gives the same fingerprint.
#[tokio::test]
async fn api_5xx_rate_names_the_spiking_stage_only() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("pets").await;
    let api = healthy_api(&fleet, "pets", &function, &["prod", "dev"]).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .api_traffic("pets", "prod", &spread(200, 20, 5))
        .await;
    seeder.api_traffic("pets", "dev", &spread(300, 1, 5)).await;

    let report = audit(&sdk).await;
    let f = only(&report, RATE);
    assert_stage_fail(f, &account, &api, "prod");
    assert_has(f, json!({"evidence": {"five_xx": 20, "requests": 200}}));
    let again = audit(&sdk).await;
    assert_eq!(only(&again, RATE).fingerprint, f.fingerprint);
}

/// Two APIs named `pets`, each with a stage prod: API Gateway publishes per API *name*
/// (docs/aws-facts.md §6), so both read the one `ApiName=pets, Stage=prod` series. Each gets a finding
/// that names the other in `shared_name_with` and says so.
#[tokio::test]
async fn apis_sharing_a_name_share_their_series_and_say_so() {
    let (account, sdk, fleet) = new_fleet().await;
    let function = fleet.python_function("pets").await;
    let first = healthy_api(&fleet, "pets", &function, &["prod"]).await;
    let second = healthy_api(&fleet, "pets", &function, &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .api_traffic("pets", "prod", &spread(300, 30, 3))
        .await;

    let report = audit(&sdk).await;
    assert_eq!(findings(&report, RATE).len(), 2, "{:#?}", report.findings);
    for (api, other) in [(&first, &second), (&second, &first)] {
        let f = on_stage(&report, RATE, &api.id, "prod");
        assert_stage_fail(f, &account, api, "prod");
        assert_has(
            f,
            json!({"evidence": {"shared_name_with": [other.id], "requests": 300}}),
        );
        let said = format!("include the traffic of {} also named pets", other.id);
        assert!(f.message.contains(&said), "{}", f.message);
    }
}

/// Both stages of the alias routes answer 5XX because API Gateway may not invoke their alias.
/// Each stage's finding lists exactly the `invoke-permission-missing` finding of its own
/// alias as probable cause, never the other stage's.
#[tokio::test]
async fn api_5xx_rate_links_the_missing_permission_of_its_stage() {
    let (account, sdk, fleet) = new_fleet().await;
    let api = alias_routes_without_permission(&fleet, &account).await;
    let seeder = Seeder::new(&sdk);
    seeder
        .api_traffic("pets", "prod", &spread(200, 30, 4))
        .await;
    seeder.api_traffic("pets", "dev", &spread(120, 12, 4)).await;

    let report = audit(&sdk).await;
    assert_eq!(findings(&report, RATE).len(), 2, "{:#?}", report.findings);
    for (stage, alias) in [("prod", "live"), ("dev", "beta")] {
        let cause = missing_permission(&report, &account, alias, stage);
        let f = on_stage(&report, RATE, &api.id, stage);
        assert_stage_fail(f, &account, &api, stage);
        assert_has(f, json!({"evidence": {"probable_causes": [cause]}}));
    }
}

/// API `name` deployed to `stage_names`, with GET `{path}` → `{function}` per route.
pub async fn served(
    fleet: &Fleet,
    name: &str,
    routes: &[(&str, &str)],
    stage_names: &[&str],
) -> ApiHandle {
    let api = fleet.create_api(name).await;
    let methods: Vec<_> = routes
        .iter()
        .map(|(path, to)| ("GET", *path, *to))
        .collect();
    proxy_methods(&api, &methods).await;
    stages(&api, stage_names).await;
    api
}

/// Three integrated functions: `pets` failed 3 of 40 invocations (7.5 %), `orders` 1 of 40
/// (2.5 %, under the threshold), `users` 5 of 10 (under the 20-invocation minimum). One medium
/// finding, for `pets`, with its counts and routes.
#[tokio::test]
async fn lambda_error_rate_fires_above_the_threshold_only() {
    let (account, sdk, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["pets", "orders", "users"]).await;
    let routes = [
        ("/pets", &*arns[0]),
        ("/orders", &arns[1]),
        ("/users", &arns[2]),
    ];
    let api = served(&fleet, "shop", &routes, &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    let (ok, one, two) = (
        Minute::new(20, 0, 0),
        Minute::new(20, 1, 0),
        Minute::new(20, 2, 0),
    );
    seeder.lambda_traffic("pets", None, &[one, two]).await;
    seeder.lambda_traffic("orders", None, &[ok, one]).await;
    seeder
        .lambda_traffic("users", None, &[Minute::new(10, 5, 0)])
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, LAMBDA_RATE);
    assert_has(
        f,
        json!({"status": "fail", "severity": "medium", "client_status": 502, "account": account,
               "region": "us-east-1", "function": arns[0], "evidence": {
               "errors": 3, "invocations": 40, "throttles": 0, "rate_percent": 7.5,
               "routes": [format!("{} (shop) prod GET /pets", api.id)]}}),
    );
    assert_eq!(f.fingerprint, f.compute_fingerprint());
    let said = "pets failed 7.5 % of 40 invocations";
    assert!(f.message.starts_with(said), "{}", f.message);
}

/// `pets` never failed but was throttled twice: any throttle fires (a throttled call is a 500
/// and counts as neither invocation nor error), with client status 500.
#[tokio::test]
async fn lambda_error_rate_fires_on_any_throttle() {
    let (_, sdk, fleet) = new_fleet().await;
    let arn = fleet.python_function("pets").await;
    served(&fleet, "shop", &[("/pets", &arn)], &["prod"]).await;
    let busy = Minute::new(25, 0, 1);
    Seeder::new(&sdk)
        .lambda_traffic("pets", None, &[busy, busy])
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, LAMBDA_RATE);
    assert_has(
        f,
        json!({"status": "fail", "client_status": 500, "function": arn,
               "evidence": {"errors": 0, "invocations": 50, "throttles": 2}}),
    );
    assert!(f.message.contains("was throttled 2 times"), "{}", f.message);
}

/// The route invokes alias `pets-get:live`. The function as a whole is healthy (12 errors in
/// 1,000 invocations: 1.2 %), but its `live` alias failed 12 of 40: the target is judged on its
/// own `Resource` series.
#[tokio::test]
async fn lambda_error_rate_reads_the_alias_series() {
    let (_, sdk, fleet) = new_fleet().await;
    let alias = function_with_alias(&fleet, "pets-get", "live").await;
    served(&fleet, "shop", &[("/pets/{id}", &alias)], &["prod"]).await;
    let seeder = Seeder::new(&sdk);
    let whole = Minute::new(500, 6, 0);
    seeder
        .lambda_traffic("pets-get", None, &[whole, whole])
        .await;
    let live = Minute::new(20, 6, 0);
    seeder
        .lambda_traffic("pets-get", Some("live"), &[live, live])
        .await;

    let report = audit(&sdk).await;
    let f = only(&report, LAMBDA_RATE);
    let counts = json!({"errors": 12, "invocations": 40});
    assert_has(f, json!({"function": alias, "evidence": counts}));
    let said = "pets-get:live failed 30 % of 40";
    assert!(f.message.starts_with(said), "{}", f.message);
}
