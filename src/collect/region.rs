//! Collection of one scope (account × region): the account (STS), the lists of REST and HTTP
//! APIs, then the pipeline (`pipeline.rs`) that reads each API and everything its routes lead to — Lambda
//! targets, packages, credentials roles, log groups — as soon as it is known, and last what needs
//! every target: the layers, the explanations of denials and missing qualifiers, the metrics and
//! the probe. Every call goes through the scope's gate, which paces it with the account's shared
//! buckets (`crate::aws`); a failing call is recorded on the resource it was for and collection
//! goes on. `scopes.rs` runs every scope of the config; only a run where no scope could start at
//! all (no credentials, no endpoint, no role) fails.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_config::SdkConfig;
use thiserror::Error;

use crate::arn::FunctionArn;
use crate::aws::clients::{regional, RegionalClients};
use crate::aws::{translate, CallGate, Operation, RunId};
use crate::collect::apigateway::ApiGatewayCollector;
use crate::collect::apigatewayv2::HttpApiCollector;
use crate::collect::cloudwatch::finish_evidence;
use crate::collect::iam::IamCache;
use crate::collect::lookup_errors;
use crate::collect::packages::Packages;
use crate::collect::pipeline::Pipeline;
use crate::collect::plan::Plan;
use crate::collect::readers::{LambdaClients, RoleReader};
use crate::config::Config;
use crate::inventory::evidence::Window;
use crate::inventory::{Lookup, ScopeInventory};
use crate::{checks, invoke_permission, probe};

/// Why a live collection, or one scope of it, could not run at all.
#[derive(Debug, Clone, Error)]
pub enum CollectError {
    #[error(
        "no region to audit: set `scope.regions` in the config, pass --region, or set AWS_REGION"
    )]
    NoRegion,
    #[error("cannot identify the account in {region} (sts:GetCallerIdentity failed with {code}): {message}")]
    Identity {
        region: String,
        code: String,
        message: String,
    },
    #[error("cannot reach the API Gateway endpoint in {region}: {message}")]
    Unreachable { region: String, message: String },
    #[error("cannot assume role {role_arn} (sts:AssumeRole failed with {code}): {message}")]
    AssumeRole {
        role_arn: String,
        code: String,
        message: String,
    },
    #[error("cannot list the accounts of the organization (organizations:ListAccounts failed with {code}): {message}; the credentials must be those of the management account or of a delegated administrator")]
    Organization { code: String, message: String },
    /// Every scope failed; the first few reasons, then how many more.
    #[error("no scope could be audited: {}", .0.join("; "))]
    NoScope(Vec<String>),
}

/// What the scopes of one run share: the IAM cache (a role is read once however many regions use
/// it), the credentials of every account the run reaches, so a target or role in another
/// audited account is read through that account's role, and the run's id, under which the
/// account's shared buckets start the run at the full quota.
#[derive(Default, Clone)]
pub struct RunShared {
    pub iam: IamCache,
    /// Account id → the SDK config that reaches it (its assumed role).
    pub accounts: HashMap<String, SdkConfig>,
    pub run: RunId,
}

/// Collects one region of the account `base`'s credentials reach.
pub(crate) async fn collect_region(
    config: &Config,
    base: &SdkConfig,
    region: &str,
    window: Window,
    run: &RunShared,
) -> Result<ScopeInventory, CollectError> {
    let settings = &config.collect;
    tracing::info!(region, "collecting scope");
    let first = CallGate::new(&settings.rate_limits, settings.max_attempts)
        .with_invoke_limit(config.probe.per_second);
    let sdk = regional(base, region);
    // The first call gives up after two attempts without an answer: an unreachable endpoint
    // should fail the run quickly.
    let (account, partition) = identify(&first.with_unanswered_attempts(2), &sdk, region).await?;
    // From here on, the account's buckets, shared with every other scope and run of the process.
    let gate = first.at(&account, region, run.run);
    let apigateway = aws_sdk_apigateway::Client::new(&sdk);
    let mut scope = ScopeInventory {
        account: account.clone(),
        region: region.to_string(),
        partition,
        ..ScopeInventory::default()
    };
    let apis = ApiGatewayCollector {
        client: &apigateway,
        gate: &gate,
        account: &account,
        region,
        page_size: settings.page_size.clamp(1, 500),
    };
    // HTTP and WebSocket APIs (API Gateway v2): the same endpoint and account bucket as REST.
    let apigatewayv2 = aws_sdk_apigatewayv2::Client::new(&sdk);
    let http_apis = HttpApiCollector {
        client: &apigatewayv2,
        gate: &gate,
        account: &account,
        region,
        page_size: settings.page_size.max(1),
    };
    let (listed, http_listed) = futures::join!(apis.list_apis(), http_apis.list_apis());
    let listed = match listed {
        Ok(listed) => listed,
        Err((error, true)) => {
            return Err(CollectError::Unreachable {
                region: region.to_string(),
                message: error.message,
            })
        }
        Err((error, false)) => {
            scope.errors.push(error);
            Vec::new()
        }
    };
    let http_listed = match http_listed {
        Ok(listed) => {
            scope.websocket_apis = listed.websocket;
            listed.http
        }
        Err(error) => {
            scope.errors.push(error);
            Vec::new()
        }
    };

    let clients = RegionalClients::new(base);
    let peers: HashMap<&str, RegionalClients<'_>> = run
        .accounts
        .iter()
        .filter(|(id, _)| **id != account)
        .map(|(id, sdk)| (id.as_str(), RegionalClients::new(sdk)))
        .collect();
    let lambdas = LambdaClients {
        account: &account,
        region,
        own: &clients,
        peers: &peers,
        gate: &gate,
        run: run.run,
    };
    let roles = RoleReader {
        base,
        run,
        gate: &gate,
        account: &account,
        region,
        clients: Mutex::default(),
    };
    let mut packages = Packages::new(&clients, &gate, &account, &config.packages);
    let pipeline = Pipeline {
        config,
        gate: &gate,
        apis: &apis,
        http_apis: &http_apis,
        lambdas: &lambdas,
        clients: &clients,
        roles: &roles,
        window,
    };
    let scans = pipeline
        .run(&mut scope, listed, http_listed, &mut packages)
        .await;
    packages.finish(&mut scope, settings.concurrency).await;

    // The probe runs functions: only when asked for, and not when its check is disabled.
    let probe = config.probe.enabled
        && !config
            .checks
            .disabled
            .contains(checks::proxy_response_malformed::CHECK.id.as_str());
    let plan = Plan::of(&scope, config, probe);
    explain_qualifier_mismatches(&lambdas, &mut scope, &plan).await;
    explain_missing_qualifiers(&lambdas, &mut scope).await;
    if config.evidence.enabled {
        let evidence =
            finish_evidence(&clients, &gate, &scope, &config.evidence, window, scans).await;
        scope.evidence = Some(evidence);
    }
    if probe {
        let probes =
            probe::run::probe_scope(&clients, &gate, &scope, plan.probes, &config.probe).await;
        scope.probes = Some(probes);
    }

    scope.errors.extend(lookup_errors::lookup_errors(&scope));
    let tally = gate.tally();
    scope.api_calls = tally.calls;
    scope.throttled = tally.throttled;
    scope.retries = tally.retries;
    scope.most_attempts = tally.most_attempts;
    for error in &scope.errors {
        tracing::warn!(
            account = %error.account,
            region = %error.region,
            operation = %error.operation,
            resource = %error.resource,
            code = %error.code,
            "AWS call failed; the checks it blocks report status error"
        );
    }
    tracing::info!(
        account = %scope.account,
        region = %scope.region,
        apis = scope.apis.len(),
        http_apis = scope.http_apis.len(),
        targets = scope.targets.len(),
        errors = scope.errors.len(),
        calls = scope.api_calls.values().sum::<u64>(),
        throttled = scope.throttled.values().sum::<u64>(),
        "collected scope"
    );
    Ok(scope)
}

/// The account and partition of the credentials of `sdk`.
pub(crate) async fn identify(
    gate: &CallGate,
    sdk: &SdkConfig,
    region: &str,
) -> Result<(String, String), CollectError> {
    let client = aws_sdk_sts::Client::new(sdk);
    let identity = gate
        .send(Operation::StsGetCallerIdentity, || {
            client.get_caller_identity().send()
        })
        .await
        .map_err(|e| {
            let failure = translate(&e);
            if failure.unreachable {
                CollectError::Unreachable {
                    region: region.to_string(),
                    message: failure.message,
                }
            } else {
                CollectError::Identity {
                    region: region.to_string(),
                    code: failure.code,
                    message: failure.message,
                }
            }
        })?;
    let account = identity.account().unwrap_or_default().to_string();
    // arn:{partition}:sts::{account}:...
    let partition = crate::arn::partition_of(identity.arn().unwrap_or_default()).to_string();
    Ok((account, partition))
}

/// For a qualified target whose own policy does not let some route in, reads the unqualified
/// function's policy once, so the report can say "the permission is on the wrong qualifier"
/// instead of "no statement". Healthy targets cost no extra call.
async fn explain_qualifier_mismatches(
    clients: &LambdaClients<'_>,
    scope: &mut ScopeInventory,
    plan: &Plan,
) {
    let needed = invoke_permission::targets_needing_unqualified_policy(scope, &plan.invocations);
    for arn in needed {
        let Some(client) = clients.for_function(&arn) else {
            continue;
        };
        let gate = clients.gate_at(&arn.account, &arn.region);
        let policy = clients
            .collector(&client, &gate)
            .policy(&arn.unqualified())
            .await;
        if let Some(target) = scope.targets.get_mut(&arn.to_string()) {
            target.unqualified_policy = Some(policy);
        }
    }
}

/// For a qualified target that does not exist and whose function is not itself a target, reads
/// whether the function exists, so the report can tell a missing alias or version (create it)
/// from a missing function (fix the URI). Healthy targets cost no extra call.
async fn explain_missing_qualifiers(clients: &LambdaClients<'_>, scope: &mut ScopeInventory) {
    let needed: Vec<FunctionArn> = scope
        .targets
        .values()
        .filter(|t| t.qualifier.is_some() && matches!(t.configuration, Lookup::Missing))
        .map(|t| t.arn.clone())
        .filter(|arn| !scope.targets.contains_key(&arn.unqualified().to_string()))
        .collect();
    let mut checked: HashMap<String, Option<bool>> = HashMap::new();
    for arn in needed {
        let unqualified = arn.unqualified().to_string();
        if !checked.contains_key(&unqualified) {
            let Some(client) = clients.for_function(&arn) else {
                continue;
            };
            let gate = clients.gate_at(&arn.account, &arn.region);
            let exists = match clients
                .collector(&client, &gate)
                .function_exists(&arn)
                .await
            {
                Lookup::Found(exists) => Some(exists),
                Lookup::Missing => Some(false),
                Lookup::Failed(error) => {
                    scope.errors.push(error);
                    None
                }
            };
            checked.insert(unqualified.clone(), exists);
        }
        if let Some(target) = scope.targets.get_mut(&arn.to_string()) {
            target.function_exists = checked[&unqualified];
        }
    }
}
