//! Builders for the unit tests of checks: inventories in a few lines, with healthy defaults so a
//! test states only what it breaks. Everything lives in account 123456789012, us-east-1, and
//! checks run on a fixed day (2026-11-21) with the default settings.
//!
//! ```ignore
//! let inv = scope()
//!     .api(api("a1b2c3", "pets").route("GET", "/pets/{id}", "pets-get:live").stage("prod"))
//!     .target(target("pets-get:live", "a1b2c3"))
//!     .inventory();
//! assert!(run_check(&my_check::CHECK, &inv).is_empty());
//! ```

mod http_api;

pub use http_api::*;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use crate::checks::{Check, Context};
use crate::config::CheckSettings;
use crate::inventory::{
    ApiResource, Authorizer, CollectionError, FunctionConfig, Integration, Inventory, LambdaTarget,
    Lookup, Method, ResourcePolicy, RestApi, ScopeInventory, Stage,
};
use crate::report::Finding;
use crate::routes::ScopeRoutes;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// The day every test audit runs.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("valid date")
}

fn collected_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0)
        .single()
        .expect("valid time")
}

/// `pets-get:live` → `arn:aws:lambda:us-east-1:123456789012:function:pets-get:live`; a full ARN
/// is returned as is. The reference may hold `${stageVariables.x}`.
pub fn function_arn(reference: &str) -> String {
    if reference.starts_with("arn:") {
        reference.to_string()
    } else {
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{reference}")
    }
}

/// The integration URI API Gateway stores for a Lambda function reference.
pub fn lambda_uri(reference: &str) -> String {
    format!(
        "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{}/invocations",
        function_arn(reference)
    )
}

/// A healthy `AWS_PROXY` integration: POST, default timeout, no role.
pub fn proxy_integration(reference: &str) -> Integration {
    Integration {
        kind: "AWS_PROXY".into(),
        http_method: Some("POST".into()),
        uri: Some(lambda_uri(reference)),
        credentials: None,
        timeout_ms: None,
        payload_format_version: None,
        response_transfer_mode: None,
        request_parameters: BTreeMap::new(),
    }
}

/// A failed call as collection records it.
pub fn access_denied(operation: &str, resource: &str) -> CollectionError {
    CollectionError {
        account: ACCOUNT.into(),
        region: REGION.into(),
        operation: operation.into(),
        resource: resource.into(),
        code: "AccessDeniedException".into(),
        message: format!("not authorized to perform {operation}"),
    }
}

/// Builds a REST API; start with [`api`].
pub struct ApiBuilder(RestApi);

/// A REST API with no resources, stages or authorizers yet.
pub fn api(id: &str, name: &str) -> ApiBuilder {
    ApiBuilder(RestApi {
        id: id.into(),
        name: name.into(),
        resources: Lookup::Found(Vec::new()),
        stages: Lookup::Found(Vec::new()),
        authorizers: Lookup::Found(Vec::new()),
        deployments: BTreeMap::new(),
        endpoint_types: vec!["REGIONAL".into()],
    })
}

impl ApiBuilder {
    /// `verb path` with a healthy proxy integration to `reference`.
    pub fn route(self, verb: &str, path: &str, reference: &str) -> Self {
        self.integration(verb, path, proxy_integration(reference))
    }

    /// `verb path` with the given integration.
    pub fn integration(self, verb: &str, path: &str, integration: Integration) -> Self {
        self.method(
            path,
            Method {
                http_method: verb.into(),
                authorization_type: Some("NONE".into()),
                authorizer_id: None,
                integration: Some(integration),
            },
        )
    }

    /// `verb path` to `reference`, protected by the authorizer `authorizer_id`.
    pub fn authorized_route(
        self,
        verb: &str,
        path: &str,
        reference: &str,
        authorizer_id: &str,
    ) -> Self {
        self.method(
            path,
            Method {
                http_method: verb.into(),
                authorization_type: Some("CUSTOM".into()),
                authorizer_id: Some(authorizer_id.into()),
                integration: Some(proxy_integration(reference)),
            },
        )
    }

    /// Adds a method to the resource at `path`, creating the resource (id `res-N`) if needed.
    pub fn method(mut self, path: &str, method: Method) -> Self {
        if let Lookup::Found(resources) = &mut self.0.resources {
            match resources.iter_mut().find(|r| r.path == path) {
                Some(resource) => resource.methods.push(method),
                None => {
                    let id = format!("res-{}", resources.len() + 1);
                    resources.push(ApiResource {
                        id,
                        path: path.into(),
                        methods: vec![method],
                    });
                }
            }
        }
        self
    }

    /// A stage with no variables.
    pub fn stage(self, name: &str) -> Self {
        self.stage_vars(name, &[])
    }

    /// A stage with variables.
    pub fn stage_vars(mut self, name: &str, variables: &[(&str, &str)]) -> Self {
        if let Lookup::Found(stages) = &mut self.0.stages {
            stages.push(Stage {
                name: name.into(),
                deployment_id: Some(format!("dep-{name}")),
                variables: variables
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                // Healthy by default: execution logging on for the whole stage.
                method_settings: [(
                    "*/*".to_string(),
                    crate::inventory::MethodSetting {
                        logging_level: Some("ERROR".into()),
                        ..Default::default()
                    },
                )]
                .into(),
                auto_deploy: None,
                access_log: None,
            });
        }
        self
    }

    /// A TOKEN Lambda authorizer backed by `reference`.
    pub fn authorizer(mut self, id: &str, name: &str, reference: &str) -> Self {
        if let Lookup::Found(authorizers) = &mut self.0.authorizers {
            authorizers.push(Authorizer {
                id: id.into(),
                name: name.into(),
                kind: "TOKEN".into(),
                uri: Some(lambda_uri(reference)),
                credentials: None,
            });
        }
        self
    }

    /// GetResources failed for this API.
    pub fn resources_failed(mut self) -> Self {
        let error = access_denied("apigateway:GetResources", &self.0.id);
        self.0.resources = Lookup::Failed(error);
        self
    }

    /// GetStages failed for this API.
    pub fn stages_failed(mut self) -> Self {
        let error = access_denied("apigateway:GetStages", &self.0.id);
        self.0.stages = Lookup::Failed(error);
        self
    }

    pub fn build(self) -> RestApi {
        self.0
    }
}

impl From<ApiBuilder> for RestApi {
    fn from(builder: ApiBuilder) -> Self {
        builder.build()
    }
}

/// A healthy function configuration: python3.12, `app.handler`, 10 s, Active, Zip.
pub fn healthy_config(arn: &str) -> FunctionConfig {
    FunctionConfig {
        function_arn: arn.into(),
        runtime: Some("python3.12".into()),
        handler: Some("app.handler".into()),
        timeout_seconds: Some(10),
        state: Some("Active".into()),
        state_reason: None,
        last_update_status: Some("Successful".into()),
        last_update_status_reason: None,
        package_type: Some("Zip".into()),
        reserved_concurrency: None,
        code_sha256: Some("c2hhMjU2".into()),
        version: Some("1".into()),
        layers: Vec::new(),
        durable: None,
        tenant_isolation: None,
        capacity_provider: None,
        code_location: None,
    }
}

/// A statement as `aws lambda add-permission --principal apigateway.amazonaws.com --source-arn`
/// writes it.
pub fn allow_statement(sid: &str, function_arn: &str, source_arn: &str) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": function_arn,
        "Condition": {"ArnLike": {"AWS:SourceArn": source_arn}},
    })
}

/// A policy document holding `statements`, its size measured as Lambda measures the text.
pub fn policy(statements: Vec<Value>) -> ResourcePolicy {
    let document = json!({"Version": "2012-10-17", "Id": "default", "Statement": statements});
    ResourcePolicy {
        size_bytes: document.to_string().len(),
        document,
    }
}

/// A policy letting every stage, method and path of each API invoke `function_arn`
/// (`{api}/*/*`, as the Serverless Framework writes it).
pub fn api_policy(function_arn: &str, api_ids: &[&str]) -> ResourcePolicy {
    policy(
        api_ids
            .iter()
            .map(|id| {
                let source = format!("arn:aws:execute-api:{REGION}:{ACCOUNT}:{id}/*/*");
                allow_statement(&format!("apigw-{id}"), function_arn, &source)
            })
            .collect(),
    )
}

/// A healthy target (`pets-get:live` or a full ARN) that the API `api_id` may invoke.
pub fn target(reference: &str, api_id: &str) -> LambdaTarget {
    target_with(reference, api_id, |_| {})
}

/// A target whose healthy configuration `edit` changes.
pub fn target_with(
    reference: &str,
    api_id: &str,
    edit: impl FnOnce(&mut FunctionConfig),
) -> LambdaTarget {
    let arn = function_arn(reference);
    let mut config = healthy_config(&arn);
    edit(&mut config);
    let (function_name, qualifier) = name_and_qualifier(&arn);
    LambdaTarget {
        policy: Lookup::Found(api_policy(&arn, &[api_id])),
        arn: arn.parse().expect("testkit builds valid function ARNs"),
        function_name,
        qualifier,
        configuration: Lookup::Found(config),
        unqualified_policy: None,
        function_exists: None,
    }
}

/// A target Lambda says does not exist (function, alias or version).
pub fn missing_target(reference: &str) -> LambdaTarget {
    let mut t = target(reference, "none");
    t.configuration = Lookup::Missing;
    t.policy = Lookup::Missing;
    t
}

/// A target whose GetFunction call failed with AccessDenied.
pub fn failed_target(reference: &str) -> LambdaTarget {
    let mut t = target(reference, "none");
    t.configuration = Lookup::Failed(access_denied("lambda:GetFunction", &t.arn.to_string()));
    t
}

fn name_and_qualifier(arn: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = arn.split(':').collect();
    let name = parts.get(6).unwrap_or(&"").to_string();
    (name, parts.get(7).map(|q| q.to_string()))
}

/// Builds one scope; start with [`scope`].
pub struct ScopeBuilder(ScopeInventory);

/// An empty scope in account 123456789012, us-east-1.
pub fn scope() -> ScopeBuilder {
    ScopeBuilder(ScopeInventory {
        account: ACCOUNT.into(),
        region: REGION.into(),
        partition: "aws".into(),
        apis: Vec::new(),
        targets: BTreeMap::new(),
        errors: Vec::new(),
        api_calls: BTreeMap::new(),
        evidence: None,
        ..ScopeInventory::default()
    })
}

impl ScopeBuilder {
    pub fn api(mut self, api: impl Into<RestApi>) -> Self {
        self.0.apis.push(api.into());
        self
    }

    /// Adds (or replaces) a target, keyed by its ARN as collection keys it.
    pub fn target(mut self, target: LambdaTarget) -> Self {
        self.0.targets.insert(target.arn.to_string(), target);
        self
    }

    /// Records the listing of the package with this `CodeSha256`.
    pub fn package(mut self, sha: &str, listing: Lookup<PackageListing>) -> Self {
        self.0.packages.insert(sha.into(), listing);
        self
    }

    /// Records the listing of a layer version.
    pub fn layer(mut self, arn: &str, listing: Lookup<PackageListing>) -> Self {
        self.0.layers.insert(arn.into(), listing);
        self
    }

    pub fn build(self) -> ScopeInventory {
        self.0
    }

    /// An inventory holding just this scope.
    pub fn inventory(self) -> Inventory {
        inventory(vec![self.0])
    }
}

pub fn inventory(scopes: Vec<ScopeInventory>) -> Inventory {
    Inventory::new(collected_at(), scopes)
}

/// Settings of `check` with these values, the others at their declared defaults.
pub fn settings_of(check: &Check, values: &[(&str, crate::config::SettingValue)]) -> CheckSettings {
    let mut settings = CheckSettings::default();
    for (key, value) in values {
        settings.set(check.id.as_str(), key, *value);
    }
    settings
}

/// Runs a check on [`today`] with the default settings.
pub fn run_check(check: &'static Check, inventory: &Inventory) -> Vec<Finding> {
    run_check_with(check, inventory, &CheckSettings::default())
}

/// Runs a check on [`today`] with the given settings.
pub fn run_check_with(
    check: &'static Check,
    inventory: &Inventory,
    settings: &CheckSettings,
) -> Vec<Finding> {
    let routes = ScopeRoutes::of_all(&inventory.scopes);
    (check.run)(&Context {
        check,
        inventory,
        routes: &routes,
        settings,
        today: today(),
    })
}

/// The only finding, failing the test with the whole list otherwise.
pub fn only(findings: &[Finding]) -> &Finding {
    assert_eq!(
        findings.len(),
        1,
        "expected exactly one finding: {findings:#?}"
    );
    &findings[0]
}

// ---- Evidence from CloudWatch -------------------------------------------------------------

use crate::inventory::evidence::{
    Evidence, FunctionMetrics, LogScan, MetricSums, SignatureHits, StageMetrics, Window,
};

/// The evidence window of every test: the hour before collection, read per minute.
pub fn window() -> Window {
    Window {
        start: collected_at() - chrono::Duration::minutes(60),
        end: collected_at(),
        period_seconds: 60,
    }
}

fn sums(values: &[(&str, f64)]) -> Lookup<MetricSums> {
    Lookup::Found(MetricSums {
        values: values.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        datapoints: values.iter().map(|(k, _)| (k.to_string(), 60)).collect(),
    })
}

/// `AWS/ApiGateway` totals of one stage: `Count` (SampleCount) and `5XXError` (Sum).
pub fn stage_metrics(
    api_id: &str,
    api_name: &str,
    stage: &str,
    requests: f64,
    five_xx: f64,
) -> StageMetrics {
    StageMetrics {
        api_id: api_id.into(),
        protocol: crate::inventory::Protocol::Rest,
        api_name: api_name.into(),
        stage: stage.into(),
        sums: sums(&[("Count", requests), ("5XXError", five_xx)]),
    }
}

/// `AWS/Lambda` totals of one target (`pets-get:live`): `Errors`, `Invocations`, `Throttles`.
pub fn function_metrics(
    reference: &str,
    errors: f64,
    invocations: f64,
    throttles: f64,
) -> FunctionMetrics {
    let arn = function_arn(reference);
    let (function_name, qualifier) = name_and_qualifier(&arn);
    FunctionMetrics {
        target: arn.parse().expect("testkit builds valid function ARNs"),
        function_name,
        qualifier,
        sums: sums(&[
            ("Errors", errors),
            ("Invocations", invocations),
            ("Throttles", throttles),
        ]),
    }
}

/// `count` lines matching `phrase`, with one sample, not capped.
pub fn hits(phrase: &str, count: u64) -> SignatureHits {
    SignatureHits {
        signature: phrase.into(),
        count,
        samples: vec![format!("(a1b2c3) {phrase}")],
        capped: false,
    }
}

/// The scan of `API-Gateway-Execution-Logs_{api_id}/{stage}`.
pub fn execution_log(api_id: &str, stage: &str, found: Vec<SignatureHits>) -> LogScan {
    LogScan {
        log_group: format!("API-Gateway-Execution-Logs_{api_id}/{stage}"),
        api_id: Some(api_id.into()),
        stage: Some(stage.into()),
        function_name: None,
        hits: Lookup::Found(found),
    }
}

/// The scan of `/aws/lambda/{name}`.
pub fn function_log(name: &str, found: Vec<SignatureHits>) -> LogScan {
    LogScan {
        log_group: format!("/aws/lambda/{name}"),
        api_id: None,
        stage: None,
        function_name: Some(name.into()),
        hits: Lookup::Found(found),
    }
}

impl ScopeBuilder {
    /// Edits the scope's evidence, starting from an empty one over [`window`].
    pub fn evidence(mut self, edit: impl FnOnce(&mut Evidence)) -> Self {
        let evidence = self.0.evidence.get_or_insert_with(|| Evidence {
            window: window(),
            stage_metrics: Vec::new(),
            function_metrics: Vec::new(),
            execution_logs: Vec::new(),
            function_logs: Vec::new(),
            access_logs: Vec::new(),
        });
        edit(evidence);
        self
    }
}

// ---- Deployment packages ------------------------------------------------------------------

use crate::inventory::{PackageEntry, PackageListing};

/// The `CodeSha256` of [`healthy_config`]'s package.
pub const HEALTHY_SHA: &str = "c2hhMjU2";

/// A listing of `(path, mode)` entries; a mode of 0 stands for "no Unix mode" (a Windows zip).
pub fn listing(entries: &[(&str, u32)]) -> Lookup<PackageListing> {
    Lookup::Found(PackageListing::new(
        1000,
        entries
            .iter()
            .map(|(path, mode)| PackageEntry {
                path: path.to_string(),
                size: 10,
                mode: (*mode != 0).then(|| {
                    *mode
                        | if path.ends_with('/') {
                            0o040_000
                        } else {
                            0o100_000
                        }
                }),
            })
            .collect(),
    ))
}
