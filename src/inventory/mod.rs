//! The inventory: everything collection learned about one or more scopes (account × region),
//! as plain serde data. It is the seam between collection and evaluation: `collect --out`
//! writes it and `audit --snapshot` reads it back. It never holds secrets: no Lambda
//! environment variables, no presigned URLs, no credentials.

pub mod accounts;
pub mod apigateway;
pub mod aws;
pub mod clients;
pub mod cloudwatch;
pub mod collect;
pub mod deployed;
pub mod evidence;
pub mod export;
pub mod iam;
pub mod lambda;
pub mod logs;
mod lookup_errors;
pub mod metrics;
mod package_listing;
pub mod packages;
pub mod scopes;

pub use package_listing::{PackageEntry, PackageListing, PackageReads, SourceDefinitions};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The schema id written in every snapshot.
pub const INVENTORY_SCHEMA: &str = "apigw-auditor.inventory.v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub schema: String,
    pub collected_at: DateTime<Utc>,
    pub scopes: Vec<ScopeInventory>,
}

impl Inventory {
    pub fn new(collected_at: DateTime<Utc>, scopes: Vec<ScopeInventory>) -> Self {
        Self {
            schema: INVENTORY_SCHEMA.to_string(),
            collected_at,
            scopes,
        }
    }
}

/// What was collected in one account and region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeInventory {
    pub account: String,
    pub region: String,
    /// AWS partition (`aws`, `aws-cn`, `aws-us-gov`), used to build ARNs.
    #[serde(default = "default_partition")]
    pub partition: String,
    pub apis: Vec<RestApi>,
    /// Every Lambda target that some integration or authorizer resolves to, keyed by the exact
    /// ARN API Gateway invokes (qualified or not).
    pub targets: BTreeMap<String, LambdaTarget>,
    /// Every AWS call that failed, in the order they failed.
    pub errors: Vec<CollectionError>,
    /// AWS calls made per operation (`service:Operation`).
    pub api_calls: BTreeMap<String, u64>,
    /// What CloudWatch holds about these APIs and functions over the evidence window; `None`
    /// when evidence collection is turned off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<evidence::Evidence>,
    /// Listings of the deployment packages of the targets, keyed by `CodeSha256`; empty when
    /// package inspection is turned off (image functions have none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub packages: BTreeMap<String, Lookup<PackageListing>>,
    /// Listings of layers, keyed by layer version ARN: read only for targets whose handler or
    /// `bootstrap` is not in their own package.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub layers: BTreeMap<String, Lookup<PackageListing>>,
    /// What reading the packages cost.
    #[serde(default, skip_serializing_if = "PackageReads::is_empty")]
    pub package_reads: PackageReads,
    /// The label of the account's `[[scope.accounts]]` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The role assumed to reach the account; `None` for the credentials' own account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Why nothing was collected here (role not assumable, endpoint unreachable); the scope is
    /// then empty apart from its account and region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The IAM roles that Lambda integrations and authorizers name in `credentials`, keyed by
    /// role ARN. Read only for those (pass-through credentials are not roles).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, Lookup<IamRole>>,
    /// What the opt-in probe found, one result per route invoked; `None` when the probe was off
    /// (the check that reads it then reports nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<Vec<crate::probe::ProbeResult>>,
}

fn default_partition() -> String {
    "aws".to_string()
}

/// The outcome of looking something up in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "value", rename_all = "kebab-case")]
pub enum Lookup<T> {
    /// AWS returned it.
    Found(T),
    /// AWS said it does not exist (or, for a policy, that there is none).
    Missing,
    /// The call failed; checks that need the value report `error`.
    Failed(CollectionError),
}

impl<T> Lookup<T> {
    pub fn found(&self) -> Option<&T> {
        match self {
            Lookup::Found(value) => Some(value),
            _ => None,
        }
    }

    pub fn failed(&self) -> Option<&CollectionError> {
        match self {
            Lookup::Failed(error) => Some(error),
            _ => None,
        }
    }
}

/// A failed AWS call, recorded on the resource it was for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionError {
    pub account: String,
    pub region: String,
    /// `service:Operation`, the same key as the call counters and the IAM action.
    pub operation: String,
    /// The resource the call was for (API id, function ARN, ...).
    pub resource: String,
    /// AWS error code (`AccessDeniedException`), or a local code such as `MalformedPolicy`.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    pub resources: Lookup<Vec<ApiResource>>,
    pub stages: Lookup<Vec<Stage>>,
    pub authorizers: Lookup<Vec<Authorizer>>,
    /// What each deployment that a stage serves holds (its resources, methods and integrations,
    /// read with GetExport), keyed by deployment id. Empty when `collect.integrations` is
    /// `current`: the routes of every stage are then the current configuration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deployments: BTreeMap<String, Lookup<Vec<ApiResource>>>,
}

impl RestApi {
    /// The resources a stage serves: its deployment's snapshot when it was read, else the
    /// current configuration (`collect.integrations = "current"`, or the export failed —
    /// `stage-not-redeployed` then reports `error` for the stage).
    pub fn served_resources(&self, stage: &Stage) -> Option<&Vec<ApiResource>> {
        stage
            .deployment_id
            .as_ref()
            .and_then(|id| self.deployments.get(id))
            .and_then(Lookup::found)
            .or_else(|| self.resources.found())
    }
}

/// A resource of a REST API with its methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiResource {
    pub id: String,
    /// The template path: `/`, `/pets/{id}`, `/{proxy+}`.
    pub path: String,
    pub methods: Vec<Method>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// The verb as configured; `ANY` stays `ANY`.
    pub http_method: String,
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<String>,
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// `AWS_PROXY`, `AWS`, `HTTP`, `HTTP_PROXY`, `MOCK`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The integration HTTP method (the verb API Gateway uses to call the backend).
    pub http_method: Option<String>,
    pub uri: Option<String>,
    /// An IAM role ARN API Gateway assumes to call the backend, or the pass-through form.
    pub credentials: Option<String>,
    pub timeout_ms: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub deployment_id: Option<String>,
    pub variables: BTreeMap<String, String>,
    /// The stage's method settings, keyed as API Gateway keys them: `*/*` for the whole stage,
    /// `{resource path}/{METHOD}` (path without its leading `/`) for one method.
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
}

/// The logging and metrics part of a stage's method setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodSetting {
    /// `OFF`, `ERROR` or `INFO`: execution logging.
    pub logging_level: Option<String>,
    #[serde(default)]
    pub data_trace_enabled: bool,
    #[serde(default)]
    pub metrics_enabled: bool,
}

impl Stage {
    /// True when some method of the stage writes execution logs (level `ERROR` or `INFO`).
    pub fn execution_logging(&self) -> bool {
        self.method_settings.values().any(|s| {
            matches!(s.logging_level.as_deref(), Some(level) if level.eq_ignore_ascii_case("ERROR") || level.eq_ignore_ascii_case("INFO"))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    #[serde(rename = "type")]
    pub kind: String,
    pub uri: Option<String>,
    pub credentials: Option<String>,
}

/// One function, version or alias that API Gateway invokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LambdaTarget {
    /// The exact ARN invoked: `arn:aws:lambda:r:a:function:name[:qualifier]`.
    pub arn: String,
    pub function_name: String,
    pub qualifier: Option<String>,
    pub configuration: Lookup<FunctionConfig>,
    /// The resource policy attached to exactly this qualifier (or the unqualified function).
    pub policy: Lookup<ResourcePolicy>,
    /// Set when the target's policy did not allow a route and the policy of the function's
    /// other form (unqualified for an alias, and so on) was read to explain why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unqualified_policy: Option<Lookup<ResourcePolicy>>,
    /// Set when this is a qualified target that does not exist: whether the function itself
    /// exists, so the report can say "alias missing" rather than "function missing".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_exists: Option<bool>,
}

/// The configuration fields the checks need, copied from `GetFunction`. Environment variables
/// are deliberately not kept, and the code location only until the package is read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionConfig {
    /// The function's ARN as GetFunction reports it.
    pub function_arn: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub timeout_seconds: Option<i32>,
    pub state: Option<String>,
    pub state_reason: Option<String>,
    pub last_update_status: Option<String>,
    pub last_update_status_reason: Option<String>,
    /// `Zip` or `Image`.
    pub package_type: Option<String>,
    /// Reserved concurrency of the function (applies to all its versions and aliases).
    pub reserved_concurrency: Option<i32>,
    pub code_sha256: Option<String>,
    pub version: Option<String>,
    #[serde(default)]
    pub layers: Vec<String>,
    /// The presigned URL of the package, held only between `GetFunction` and the package
    /// inspection of the same run: never serialized, never printed.
    #[serde(skip)]
    pub code_location: Option<CodeLocation>,
}

/// A presigned `Code.Location` URL: a credential for its 10 minutes, so its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeLocation {
    pub url: String,
    pub fetched_at: std::time::Instant,
}

impl std::fmt::Debug for CodeLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeLocation(<presigned URL withheld>)")
    }
}

/// A Lambda resource-based policy as GetPolicy returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePolicy {
    /// Size of the policy text in bytes, compared with Lambda's 20 KB limit.
    pub size_bytes: usize,
    /// The decoded policy document.
    pub document: serde_json::Value,
}

impl ResourcePolicy {
    /// The statements of the document, whether `Statement` is an array or a single object.
    pub fn statements(&self) -> Vec<&serde_json::Value> {
        match self.document.get("Statement") {
            Some(serde_json::Value::Array(items)) => items.iter().collect(),
            Some(single @ serde_json::Value::Object(_)) => vec![single],
            _ => Vec::new(),
        }
    }
}

/// An IAM role as API Gateway would use it: the trust policy, every identity policy and the
/// permissions boundary, documents decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IamRole {
    pub arn: String,
    /// `AssumeRolePolicyDocument`.
    pub trust_policy: serde_json::Value,
    /// Inline policies (named by policy name) and attached managed policies (named by ARN).
    pub policies: Vec<RolePolicy>,
    /// The permissions boundary, when the role has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<RolePolicy>,
    /// The role's tags (GetRole returns them): its session's `aws:PrincipalTag/...` keys.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolePolicy {
    /// The inline policy's name, or the managed policy's ARN.
    pub name: String,
    pub managed: bool,
    pub document: serde_json::Value,
}
