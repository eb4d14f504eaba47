//! The Lambda part of the inventory: each function, version or alias that API Gateway invokes,
//! with the configuration fields the checks read and the resource policy of exactly that qualifier.

use serde::{Deserialize, Serialize};

use super::Lookup;
use crate::arn::FunctionArn;

/// One function, version or alias that API Gateway invokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LambdaTarget {
    /// The exact ARN invoked: `arn:aws:lambda:r:a:function:name[:qualifier]`.
    pub arn: FunctionArn,
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
    /// `DurableConfig`: set for a durable function, which Lambda refuses to invoke unqualified
    /// (docs/aws-facts.md §11.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable: Option<DurableConfig>,
    /// `TenancyConfig.TenantIsolationMode` (`PER_TENANT`): every invocation must carry a tenant
    /// id (§11.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_isolation: Option<String>,
    /// The capacity provider of a Lambda Managed Instances function, whose `$LATEST` is never
    /// invoked (§11.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider: Option<String>,
    /// The presigned URL of the package, held only between `GetFunction` and the package
    /// inspection of the same run: never serialized, never printed.
    #[serde(skip)]
    pub code_location: Option<CodeLocation>,
}

/// The durable settings of a function (`GetFunction` `DurableConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DurableConfig {
    /// How long one durable execution may run, in seconds.
    pub execution_timeout_seconds: Option<i32>,
    pub retention_period_days: Option<i32>,
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
