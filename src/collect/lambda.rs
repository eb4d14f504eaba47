//! Collection of Lambda targets: `GetFunction` (configuration, reserved concurrency; the
//! environment is dropped at once, the presigned code URL kept only until the package is read)
//! and `GetPolicy` on exactly the qualifier API Gateway invokes (docs/aws-facts.md §2).

use aws_sdk_lambda::Client;

use crate::arn::FunctionArn;
use crate::aws::{translate, CallGate, Operation};
use crate::inventory::{
    CodeLocation, DurableConfig, FunctionConfig, LambdaTarget, Lookup, ResourcePolicy,
};
use crate::policy;

/// What target collection needs: a Lambda client for the function's region and the gate of the
/// scope that owns the calls.
pub struct LambdaCollector<'a> {
    pub client: &'a Client,
    pub gate: &'a CallGate,
    pub account: &'a str,
    pub region: &'a str,
}

impl LambdaCollector<'_> {
    /// Reads one target. The policy is only read when the function exists.
    pub async fn collect_target(&self, arn: &FunctionArn) -> LambdaTarget {
        let configuration = self.function(arn).await;
        let policy = match configuration {
            // Nothing to read a policy of; integration-target-missing reports it.
            Lookup::Missing => Lookup::Missing,
            // Also when GetFunction failed: GetPolicy may still be allowed, and the permission
            // checks can then still judge.
            _ => self.policy(arn).await,
        };
        LambdaTarget {
            arn: arn.clone(),
            function_name: arn.name.clone(),
            qualifier: arn.qualifier.clone(),
            configuration,
            policy,
            unqualified_policy: None,
            function_exists: None,
        }
    }

    /// Whether the unqualified function exists (`GetFunction` without qualifier). Used only to
    /// explain a qualified target that does not exist.
    pub async fn function_exists(&self, arn: &FunctionArn) -> Lookup<bool> {
        match self.function(&arn.unqualified()).await {
            Lookup::Found(_) => Lookup::Found(true),
            Lookup::Missing => Lookup::Found(false),
            Lookup::Failed(error) => Lookup::Failed(error),
        }
    }

    async fn function(&self, arn: &FunctionArn) -> Lookup<FunctionConfig> {
        let unqualified = arn.unqualified().to_string();
        let result = self
            .gate
            .send(Operation::LambdaGetFunction, || {
                self.client
                    .get_function()
                    .function_name(&unqualified)
                    .set_qualifier(arn.qualifier.clone())
                    .send()
            })
            .await;
        match result {
            Ok(output) => {
                let Some(c) = output.configuration() else {
                    return Lookup::Missing;
                };
                Lookup::Found(FunctionConfig {
                    function_arn: c.function_arn().unwrap_or_default().to_string(),
                    runtime: c.runtime().map(|r| r.as_str().to_string()),
                    handler: c.handler().map(str::to_string),
                    timeout_seconds: c.timeout(),
                    state: c.state().map(|s| s.as_str().to_string()),
                    state_reason: c.state_reason().map(str::to_string),
                    last_update_status: c.last_update_status().map(|s| s.as_str().to_string()),
                    last_update_status_reason: c.last_update_status_reason().map(str::to_string),
                    package_type: c.package_type().map(|p| p.as_str().to_string()),
                    reserved_concurrency: output
                        .concurrency()
                        .and_then(|c| c.reserved_concurrent_executions()),
                    code_sha256: c.code_sha256().map(str::to_string),
                    version: c.version().map(str::to_string),
                    layers: c
                        .layers()
                        .iter()
                        .filter_map(|l| l.arn().map(str::to_string))
                        .collect(),
                    // The fields of 2025's ways to run a function, from the same call.
                    durable: c.durable_config().map(|d| DurableConfig {
                        execution_timeout_seconds: d.execution_timeout(),
                        retention_period_days: d.retention_period_in_days(),
                    }),
                    tenant_isolation: c
                        .tenancy_config()
                        .map(|t| t.tenant_isolation_mode().as_str().to_string()),
                    capacity_provider: c
                        .capacity_provider_config()
                        .and_then(|p| p.lambda_managed_instances_capacity_provider_config())
                        .map(|p| p.capacity_provider_arn().to_string()),
                    // Kept only for the package inspection that follows; never serialized.
                    code_location: output.code().and_then(|code| code.location()).map(|url| {
                        CodeLocation {
                            url: url.to_string(),
                            fetched_at: std::time::Instant::now(),
                        }
                    }),
                })
            }
            Err(e) => {
                let failure = translate(&e);
                if failure.not_found {
                    Lookup::Missing
                } else {
                    Lookup::Failed(failure.into_error(
                        (self.account, self.region),
                        Operation::LambdaGetFunction,
                        &arn.to_string(),
                    ))
                }
            }
        }
    }

    /// The policy attached to exactly `arn` (its qualifier, or the unqualified function).
    pub async fn policy(&self, arn: &FunctionArn) -> Lookup<ResourcePolicy> {
        let result = self
            .gate
            .send(Operation::LambdaGetPolicy, || {
                self.client
                    .get_policy()
                    .function_name(arn.unqualified().to_string())
                    .set_qualifier(arn.qualifier.clone())
                    .send()
            })
            .await;
        match result {
            Ok(output) => match output.policy() {
                Some(text) => parse_policy(text, &arn.to_string()).map_or_else(
                    |message| {
                        Lookup::Failed(crate::inventory::CollectionError {
                            account: self.account.to_string(),
                            region: self.region.to_string(),
                            operation: Operation::LambdaGetPolicy.name().to_string(),
                            resource: arn.to_string(),
                            code: "MalformedPolicy".to_string(),
                            message,
                        })
                    },
                    |policy| policy.map_or(Lookup::Missing, Lookup::Found),
                ),
                None => Lookup::Missing,
            },
            Err(e) => {
                let failure = translate(&e);
                // AWS answers ResourceNotFoundException when there is no policy.
                if failure.not_found {
                    Lookup::Missing
                } else {
                    Lookup::Failed(failure.into_error(
                        (self.account, self.region),
                        Operation::LambdaGetPolicy,
                        &arn.to_string(),
                    ))
                }
            }
        }
    }
}

/// Decodes a policy text and keeps only the statements that belong to `arn`. On AWS a policy
/// holds only its own qualifier's statements, so this changes nothing there; the emulator
/// returns the aliases' statements with the unqualified policy, which would make the size and
/// breadth checks double-count. An empty statement list means no policy (the emulator's answer
/// where AWS says ResourceNotFoundException).
pub fn parse_policy(text: &str, arn: &str) -> Result<Option<ResourcePolicy>, String> {
    let mut document: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the policy is not valid JSON: {e}"))?;
    let Some(object) = document.as_object_mut() else {
        return Err("the policy is not a JSON object".to_string());
    };
    let statements = match object.remove("Statement") {
        Some(serde_json::Value::Array(items)) => items,
        Some(single @ serde_json::Value::Object(_)) => vec![single],
        Some(_) => {
            return Err("the policy's Statement is neither an object nor an array".to_string())
        }
        None => Vec::new(),
    };
    let total = statements.len();
    let own: Vec<serde_json::Value> = statements
        .into_iter()
        .filter(|s| statement_is_for(s, arn))
        .collect();
    if own.is_empty() {
        return Ok(None);
    }
    let dropped = total - own.len();
    object.insert("Statement".to_string(), serde_json::Value::Array(own));
    let size_bytes = if dropped == 0 {
        text.len()
    } else {
        document.to_string().len()
    };
    Ok(Some(ResourcePolicy {
        size_bytes,
        document,
    }))
}

fn statement_is_for(statement: &serde_json::Value, arn: &str) -> bool {
    match statement.get("Resource") {
        Some(serde_json::Value::String(pattern)) => policy::resource_matches(pattern, arn),
        Some(serde_json::Value::Array(patterns)) => patterns
            .iter()
            .any(|p| p.as_str().is_some_and(|p| policy::resource_matches(p, arn))),
        // No Resource (or NotResource): keep it, the evaluator decides.
        _ => true,
    }
}
