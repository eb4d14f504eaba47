//! Collection of one scope (account × region): the account (STS), the REST and HTTP APIs, then every
//! distinct Lambda target any route resolves to. Calls run concurrently within the client-side
//! rate limits of `aws.rs`; a failing call is recorded on the resource it was for and
//! collection goes on. `scopes.rs` runs every scope of the config; only a run where no scope
//! could start at all (no credentials, no endpoint, no role) fails.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_config::SdkConfig;
use futures::stream::{self, StreamExt};
use thiserror::Error;

use crate::arn::FunctionArn;
use crate::aws::clients::{regional, RegionalClients};
use crate::aws::{translate, CallGate, Operation};
use crate::collect::apigateway::ApiGatewayCollector;
use crate::collect::apigatewayv2::HttpApiCollector;
use crate::collect::cloudwatch::collect_evidence;
use crate::collect::deployed::collect_deployments;
use crate::collect::export_http::collect_http_deployments;
use crate::collect::iam::{IamCache, IamCollector};
use crate::collect::lambda::LambdaCollector;
use crate::collect::lookup_errors;
use crate::collect::packages::collect_packages;
use crate::collect::plan::Plan;
use crate::config::{Config, IntegrationsSource};
use crate::inventory::evidence::Window;
use crate::inventory::{CollectionError, IamRole, LambdaTarget, Lookup, ScopeInventory};
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
/// it) and the credentials of every account the run reaches, so a target or role in another
/// audited account is read through that account's role.
#[derive(Default, Clone)]
pub struct RunShared {
    pub iam: IamCache,
    /// Account id → the SDK config that reaches it (its assumed role).
    pub accounts: HashMap<String, SdkConfig>,
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
    let gate = CallGate::new(&settings.rate_limits).with_invoke_limit(config.probe.per_second);
    // Few attempts for the first call: an unreachable endpoint should fail the run quickly.
    let (account, partition) = identify(&gate, &regional(base, region, 2), region).await?;
    let sdk = regional(base, region, settings.max_attempts);
    let apigateway = aws_sdk_apigateway::Client::new(&sdk);
    let mut scope = ScopeInventory {
        account: account.clone(),
        region: region.to_string(),
        partition,
        ..ScopeInventory::default()
    };
    let api_collector = ApiGatewayCollector {
        client: &apigateway,
        gate: &gate,
        account: &account,
        region,
        page_size: settings.page_size.clamp(1, 500),
        concurrency: settings.concurrency,
    };
    match api_collector.collect_apis().await {
        Ok(apis) => scope.apis = apis,
        Err((error, true)) => {
            return Err(CollectError::Unreachable {
                region: region.to_string(),
                message: error.message,
            })
        }
        Err((error, false)) => scope.errors.push(error),
    }

    // HTTP and WebSocket APIs (API Gateway v2): the same endpoint and account quota as REST.
    let apigatewayv2 = aws_sdk_apigatewayv2::Client::new(&sdk);
    let http_collector = HttpApiCollector {
        client: &apigatewayv2,
        gate: &gate,
        account: &account,
        region,
        page_size: settings.page_size.max(1),
        concurrency: settings.concurrency,
    };
    match http_collector.collect_apis().await {
        Ok((http_apis, websocket_apis)) => {
            scope.http_apis = http_apis;
            scope.websocket_apis = websocket_apis;
        }
        Err(error) => scope.errors.push(error),
    }

    if settings.integrations == IntegrationsSource::Deployed {
        collect_deployments(
            &apigateway,
            &gate,
            (&account, region),
            &mut scope.apis,
            settings.concurrency,
        )
        .await;
        collect_http_deployments(
            &apigatewayv2,
            &gate,
            (&account, region),
            &mut scope.http_apis,
            settings.concurrency,
        )
        .await;
    }

    let clients = RegionalClients::new(base, settings.max_attempts);
    let peers: HashMap<&str, RegionalClients<'_>> = run
        .accounts
        .iter()
        .filter(|(id, _)| **id != account)
        .map(|(id, sdk)| {
            (
                id.as_str(),
                RegionalClients::new(sdk, settings.max_attempts),
            )
        })
        .collect();
    let lambdas = LambdaClients {
        account: &account,
        own: &clients,
        peers: &peers,
    };
    // The probe runs functions: only when asked for, and not when its check is disabled.
    let probe = config.probe.enabled
        && !config
            .checks
            .disabled
            .contains(checks::proxy_response_malformed::CHECK.id.as_str());
    let plan = Plan::of(&scope, config, probe);
    scope.targets = collect_targets(
        &lambdas,
        &gate,
        &scope,
        &plan.functions,
        settings.concurrency,
    )
    .await;
    // Unqualified calls of a Lambda Managed Instances function run `$LATEST.PUBLISHED`
    // (docs/aws-facts.md §11.4): read that version too, so the checks judge what runs. Only
    // for such functions: the others cost no extra call.
    let published: BTreeSet<FunctionArn> = scope
        .targets
        .values()
        .filter(|t| t.arn.qualifier.is_none())
        .filter(|t| {
            t.configuration
                .found()
                .is_some_and(|c| c.capacity_provider.is_some())
        })
        .map(|t| {
            let mut version = t.arn.clone();
            version.qualifier = Some(crate::routes::PUBLISHED.to_string());
            version
        })
        .collect();
    if !published.is_empty() {
        let versions =
            collect_targets(&lambdas, &gate, &scope, &published, settings.concurrency).await;
        scope.targets.extend(versions);
    }
    // Right after GetFunction, while the presigned code URLs are fresh.
    collect_packages(
        &clients,
        &gate,
        &mut scope,
        &config.packages,
        settings.concurrency,
    )
    .await;
    scope.roles = collect_roles(base, run, &gate, &scope, &plan.roles, settings.max_attempts).await;
    explain_qualifier_mismatches(&lambdas, &gate, &mut scope, &plan).await;
    explain_missing_qualifiers(&lambdas, &gate, &mut scope).await;
    if config.evidence.enabled {
        let evidence = collect_evidence(
            &clients,
            &gate,
            &scope,
            &config.evidence,
            window,
            settings.concurrency,
        )
        .await;
        scope.evidence = Some(evidence);
    }
    if probe {
        let probes =
            probe::run::probe_scope(&clients, &gate, &scope, plan.probes, &config.probe).await;
        scope.probes = Some(probes);
    }

    scope.errors.extend(lookup_errors::lookup_errors(&scope));
    scope.api_calls = gate.counts();
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
    gate.admit(Operation::StsGetCallerIdentity).await;
    let identity = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
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

/// The Lambda client that can read a function: in its region (the Lambda API is regional), with
/// the scope's credentials for its own account, through the configured role for another audited
/// account, none for any other account.
struct LambdaClients<'a> {
    account: &'a str,
    own: &'a RegionalClients<'a>,
    peers: &'a HashMap<&'a str, RegionalClients<'a>>,
}

impl LambdaClients<'_> {
    fn for_function(&self, arn: &FunctionArn) -> Option<aws_sdk_lambda::Client> {
        if arn.account == self.account {
            Some(self.own.lambda(&arn.region))
        } else {
            self.peers
                .get(arn.account.as_str())
                .map(|peer| peer.lambda(&arn.region))
        }
    }
}

async fn collect_targets(
    clients: &LambdaClients<'_>,
    gate: &CallGate,
    scope: &ScopeInventory,
    wanted: &BTreeSet<FunctionArn>,
    concurrency: usize,
) -> BTreeMap<String, LambdaTarget> {
    let jobs: Vec<(FunctionArn, Option<aws_sdk_lambda::Client>)> = wanted
        .iter()
        .map(|arn| (arn.clone(), clients.for_function(arn)))
        .collect();
    stream::iter(jobs)
        .map(|(arn, client)| async move {
            let target = match client {
                Some(client) => {
                    LambdaCollector {
                        client: &client,
                        gate,
                        account: &scope.account,
                        region: &scope.region,
                    }
                    .collect_target(&arn)
                    .await
                }
                None => cross_account_target(scope, &arn),
            };
            (target.arn.to_string(), target)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

fn cross_account_target(scope: &ScopeInventory, arn: &FunctionArn) -> LambdaTarget {
    let error = CollectionError {
        account: scope.account.clone(),
        region: scope.region.clone(),
        operation: Operation::LambdaGetFunction.name().to_string(),
        resource: arn.to_string(),
        code: "CrossAccountTarget".to_string(),
        message: format!(
            "cannot read the policy of a function in account {}: no role configured for that account ([[scope.accounts]])",
            arn.account
        ),
    };
    LambdaTarget {
        arn: arn.clone(),
        function_name: arn.name.clone(),
        qualifier: arn.qualifier.clone(),
        configuration: Lookup::Failed(error.clone()),
        policy: Lookup::Failed(CollectionError {
            operation: Operation::LambdaGetPolicy.name().to_string(),
            ..error
        }),
        unqualified_policy: None,
        function_exists: None,
    }
}

/// Every distinct role that a Lambda integration or authorizer of the scope names in
/// `credentials` (pass-through credentials are not roles), read through the account that owns
/// it: the scope's own, another audited account's role, or — with no way in — recorded as
/// failed so `integration-role-invalid` reports `error` instead of guessing.
async fn collect_roles(
    base: &SdkConfig,
    run: &RunShared,
    gate: &CallGate,
    scope: &ScopeInventory,
    wanted: &BTreeSet<String>,
    max_attempts: u32,
) -> BTreeMap<String, Lookup<IamRole>> {
    let mut roles = BTreeMap::new();
    if wanted.is_empty() {
        return roles;
    }
    // IAM is global: one client per account, made in the scope's region (the SDK resolves the
    // partition's global endpoint from it).
    let mut clients: HashMap<String, aws_sdk_iam::Client> = HashMap::new();
    for arn in wanted {
        let owner = crate::arn::account_of(arn).to_string();
        let sdk = if owner == scope.account {
            Some(base)
        } else {
            run.accounts.get(&owner)
        };
        let Some(sdk) = sdk else {
            let error = CollectionError {
                account: scope.account.clone(),
                region: scope.region.clone(),
                operation: Operation::IamGetRole.name().to_string(),
                resource: arn.to_string(),
                code: "CrossAccountRole".to_string(),
                message: format!(
                    "cannot read role {arn} in account {owner}: no role configured for that account ([[scope.accounts]])"
                ),
            };
            roles.insert(arn.to_string(), Lookup::Failed(error));
            continue;
        };
        let client = clients.entry(owner).or_insert_with(|| {
            aws_sdk_iam::Client::new(&regional(sdk, &scope.region, max_attempts))
        });
        let collector = IamCollector {
            client,
            gate,
            cache: &run.iam,
            account: &scope.account,
            region: &scope.region,
        };
        roles.insert(arn.to_string(), collector.role(arn).await);
    }
    roles
}

/// For a qualified target whose own policy does not let some route in, reads the unqualified
/// function's policy once, so the report can say "the permission is on the wrong qualifier"
/// instead of "no statement". Healthy targets cost no extra call.
async fn explain_qualifier_mismatches(
    clients: &LambdaClients<'_>,
    gate: &CallGate,
    scope: &mut ScopeInventory,
    plan: &Plan,
) {
    let needed = invoke_permission::targets_needing_unqualified_policy(scope, &plan.invocations);
    for arn in needed {
        let Some(client) = clients.for_function(&arn) else {
            continue;
        };
        let collector = LambdaCollector {
            client: &client,
            gate,
            account: &scope.account,
            region: &scope.region,
        };
        let policy = collector.policy(&arn.unqualified()).await;
        if let Some(target) = scope.targets.get_mut(&arn.to_string()) {
            target.unqualified_policy = Some(policy);
        }
    }
}

/// For a qualified target that does not exist and whose function is not itself a target, reads
/// whether the function exists, so the report can tell a missing alias or version (create it)
/// from a missing function (fix the URI). Healthy targets cost no extra call.
async fn explain_missing_qualifiers(
    clients: &LambdaClients<'_>,
    gate: &CallGate,
    scope: &mut ScopeInventory,
) {
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
            let collector = LambdaCollector {
                client: &client,
                gate,
                account: &scope.account,
                region: &scope.region,
            };
            let exists = match collector.function_exists(&arn).await {
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
