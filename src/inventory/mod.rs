//! The inventory: everything collection learned about one or more scopes (account × region),
//! as plain serde data. It is the seam between collection and evaluation: `collect --out`
//! writes it and `audit --snapshot` reads it back. It never holds secrets: no Lambda
//! environment variables, no presigned URLs, no credentials. It is only data: `collect/` fills
//! it, `routes/` and the checks read it.

pub mod api;
pub mod evidence;
pub mod http_api;
pub mod iam;
pub mod lambda;
pub mod packages;
pub mod probes;

pub use api::{
    AccessLogSettings, ApiResource, Authorizer, Integration, Method, MethodSetting, RestApi, Stage,
};
pub use http_api::{
    ApiSummary, ApiView, HttpApi, HttpAuthorizer, HttpDeployment, HttpIntegration, HttpRoute,
    Protocol,
};
pub use iam::{IamRole, RolePolicy};
pub use lambda::{CodeLocation, DurableConfig, FunctionConfig, LambdaTarget, ResourcePolicy};
pub use packages::{PackageEntry, PackageListing, PackageReads, SourceDefinitions};
pub use probes::{ProbeOutcome, ProbeResult, ProbeRule, ProbeViolation};

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
    /// The HTTP APIs (API Gateway v2); absent from snapshots written before they were collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_apis: Vec<HttpApi>,
    /// The WebSocket APIs: listed and counted, not audited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub websocket_apis: Vec<ApiSummary>,
    /// Every Lambda target that some integration or authorizer resolves to, keyed by the exact
    /// ARN API Gateway invokes (qualified or not).
    pub targets: BTreeMap<String, LambdaTarget>,
    /// Every AWS call that failed, in the order they failed.
    pub errors: Vec<CollectionError>,
    /// AWS calls made per operation (`service:Operation`).
    pub api_calls: BTreeMap<String, u64>,
    /// Attempts AWS throttled, per operation: other callers in the account were spending the
    /// same quota (the auditor alone stays under it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub throttled: BTreeMap<String, u64>,
    /// Attempts after the first, per operation, for any reason (throttles, 5XX, lost answers).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retries: BTreeMap<String, u64>,
    /// The most attempts one call took.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub most_attempts: u32,
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
    pub probes: Option<Vec<ProbeResult>>,
}

impl ScopeInventory {
    /// Every REST and HTTP API of the scope, REST first.
    pub fn all_apis(&self) -> impl Iterator<Item = ApiView<'_>> {
        self.apis
            .iter()
            .map(ApiView::Rest)
            .chain(self.http_apis.iter().map(ApiView::Http))
    }

    /// The REST or HTTP API with this id.
    pub fn api(&self, id: &str) -> Option<ApiView<'_>> {
        self.all_apis().find(|api| api.id() == id)
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
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
