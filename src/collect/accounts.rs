//! Which accounts a run audits and how it reaches each: the credentials' own account, the
//! `[[scope.accounts]]` roles, the active accounts of `[scope.organization]` (ListAccounts), cut
//! down to this task's `--shard`; then one set of assumed-role credentials per account, shared
//! by every region of it.

use std::sync::Mutex;

use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;

use crate::arn::account_of;
use crate::aws::clients::regional;
use crate::aws::{translate, CallGate, Operation};
use crate::collect::region::identify;
use crate::collect::CollectError;
use crate::config::{Config, ScopeSettings};

/// The role session name, visible in the audited account's CloudTrail.
const SESSION_NAME: &str = "apigw-auditor";

/// One account to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The 12-digit account id; empty for the credentials' own account when no account is
    /// configured (each scope then learns it from sts:GetCallerIdentity).
    pub account: String,
    /// The label of its `[[scope.accounts]]` entry.
    pub name: Option<String>,
    /// The role to assume; `None`: the base credentials.
    pub role: Option<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub external_id: Option<String>,
}

/// What the organization listing found: the caller's own account and partition, and every
/// account with whether it is active.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgListing {
    pub own_account: String,
    pub partition: String,
    pub accounts: Vec<(String, bool)>,
}

/// The accounts of the run, configured ones first (in config order), then the organization's
/// (by id), kept to this task's shard. Pure, so the rules are unit-tested.
pub fn plan(scope: &ScopeSettings, org: Option<&OrgListing>) -> Vec<Target> {
    if scope.accounts.is_empty() && scope.organization.is_none() {
        return vec![Target {
            account: String::new(),
            name: None,
            role: None,
        }];
    }
    let mut targets: Vec<Target> = scope
        .accounts
        .iter()
        .map(|a| Target {
            account: account_of(&a.role_arn).to_string(),
            name: a.name.clone(),
            role: Some(Role {
                arn: a.role_arn.clone(),
                external_id: a.external_id.clone(),
            }),
        })
        .collect();
    if let (Some(settings), Some(listing)) = (&scope.organization, org) {
        let mut listed: Vec<&String> = listing
            .accounts
            .iter()
            .filter(|(_, active)| *active)
            .map(|(id, _)| id)
            .filter(|id| settings.include.is_empty() || settings.include.contains(id))
            .filter(|id| !settings.exclude.contains(id))
            .collect();
        listed.sort();
        listed.dedup();
        for id in listed {
            // An explicit entry for the account says how to reach it.
            if targets.iter().any(|t| &t.account == id) {
                continue;
            }
            // The caller's own account needs no role: its credentials are already there.
            let role = (*id != listing.own_account).then(|| Role {
                arn: format!(
                    "arn:{}:iam::{id}:role/{}",
                    listing.partition, settings.role_name
                ),
                external_id: settings.external_id.clone(),
            });
            targets.push(Target {
                account: id.clone(),
                name: None,
                role,
            });
        }
    }
    if let Some(shard) = scope.shard {
        targets.retain(|t| shard.keeps(&t.account));
    }
    targets
}

/// The run's accounts: for an organization, after listing it from `region`.
pub async fn targets(
    config: &Config,
    base: &SdkConfig,
    region: &str,
    gate: &CallGate,
) -> Result<Vec<Target>, CollectError> {
    let listing = match &config.scope.organization {
        Some(_) => Some(list_organization(base, region, gate).await?),
        None => None,
    };
    Ok(plan(&config.scope, listing.as_ref()))
}

async fn list_organization(
    base: &SdkConfig,
    region: &str,
    gate: &CallGate,
) -> Result<OrgListing, CollectError> {
    // The first call gives up after two attempts without an answer: an unreachable endpoint
    // should fail the run quickly.
    let (own_account, partition) = identify(
        &gate.with_unanswered_attempts(2),
        &regional(base, region),
        region,
    )
    .await?;
    let client = aws_sdk_organizations::Client::new(&regional(base, region));
    let mut listing = OrgListing {
        own_account,
        partition,
        accounts: Vec::new(),
    };
    let mut token: Option<String> = None;
    loop {
        let page = gate
            .send(Operation::OrganizationsListAccounts, || {
                client.list_accounts().set_next_token(token.clone()).send()
            })
            .await
            .map_err(|e| {
                let failure = translate(&e);
                CollectError::Organization {
                    code: failure.code,
                    message: failure.message,
                }
            })?;
        for account in page.accounts() {
            let Some(id) = account.id() else { continue };
            listing.accounts.push((id.to_string(), is_active(account)));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(listing);
        }
    }
}

/// `State` replaces `Status` (retired by Organizations in September 2026); read whichever is
/// there. Suspended, closing and closed accounts cannot be audited.
fn is_active(account: &aws_sdk_organizations::types::Account) -> bool {
    match account.state() {
        Some(state) => *state == AccountState::Active,
        None => account.status() == Some(&AccountStatus::Active),
    }
}

/// An SdkConfig that reaches `target`'s account: the base one, or one whose credentials come
/// from the target's role, assumed once now so that a role that cannot be assumed is known (and
/// reported) before any of its scopes starts.
pub async fn reach(
    base: &SdkConfig,
    region: &str,
    target: &Target,
    gate: &CallGate,
) -> Result<SdkConfig, CollectError> {
    let Some(role) = &target.role else {
        return Ok(base.clone());
    };
    let mut builder = AssumeRoleProvider::builder(role.arn.clone())
        .configure(base)
        .region(Region::new(region.to_string()))
        .session_name(SESSION_NAME);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id.clone());
    }
    let provider = builder.build().await;
    gate.admit_external(Operation::StsAssumeRole).await;
    let first = provider
        .provide_credentials()
        .await
        .map_err(|e| assume_role_failure(&role.arn, &e))?;
    tracing::debug!(role_arn = %role.arn, "assumed role");
    let primed = Primed {
        first: Mutex::new(Some(first)),
        provider,
        gate: gate.clone(),
    };
    // The SdkConfig's identity cache (shared by every client built from it) asks the provider
    // again shortly before the credentials expire, and AssumeRoleProvider then calls STS anew:
    // long audits and the long-running daemon never work with expired credentials.
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(primed))
        .build())
}

/// The AssumeRole provider, handing out the credentials of the probe in `reach` first so that
/// reaching an account costs one AssumeRole, not two; every later call (a refresh) goes to STS
/// and is counted.
struct Primed {
    first: Mutex<Option<Credentials>>,
    provider: AssumeRoleProvider,
    gate: CallGate,
}

impl std::fmt::Debug for Primed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials themselves.
        f.debug_struct("Primed").finish_non_exhaustive()
    }
}

impl ProvideCredentials for Primed {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self
            .first
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match first {
            Some(credentials) => future::ProvideCredentials::ready(Ok(credentials)),
            None => future::ProvideCredentials::new(async move {
                self.gate.admit_external(Operation::StsAssumeRole).await;
                self.provider.provide_credentials().await
            }),
        }
    }
}

/// The STS error code and message behind a failed AssumeRole, which the SDK wraps in a
/// `CredentialsError`.
fn assume_role_failure(role_arn: &str, error: &CredentialsError) -> CollectError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut chain = Vec::new();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        if let Some(sdk) = cause.downcast_ref::<aws_sdk_sts::error::SdkError<AssumeRoleError>>() {
            let failure = translate(sdk);
            return CollectError::AssumeRole {
                role_arn: role_arn.to_string(),
                code: failure.code,
                message: failure.message,
            };
        }
        source = cause.source();
    }
    CollectError::AssumeRole {
        role_arn: role_arn.to_string(),
        code: "CredentialsError".to_string(),
        message: chain.join(": "),
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
