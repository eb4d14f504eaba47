//! Where the Security Hub sink sends each finding: the *hubs* of a run (one account in one
//! region each) and the credentials that reach them. Every scope that started gets its hub,
//! findings or not, since its earlier findings may be gone; a scope that could not start gets
//! none (nothing of it was seen).

use std::collections::BTreeMap;

use crate::config::{Config, SecurityHubDestination};
use crate::inventory::Inventory;
use crate::report::{Finding, Report};

/// How the sink reaches a hub's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The credentials of the run.
    Base,
    /// The scope's role, as collection assumed it.
    Role {
        arn: String,
        external_id: Option<String>,
    },
}

/// One account in one region, and the run's findings that go there.
#[derive(Debug, Clone, PartialEq)]
pub struct Hub<'a> {
    pub account: String,
    pub region: String,
    pub reach: Reach,
    pub findings: Vec<&'a Finding>,
}

/// The hubs of a run, and the scopes nothing goes to because they could not start.
#[derive(Debug, Default)]
pub struct Plan<'a> {
    pub hubs: Vec<Hub<'a>>,
    pub not_audited: Vec<String>,
}

/// The external id to assume a scope's role with: its `[[scope.accounts]]` entry's, else the
/// organization's.
fn external_id(config: &Config, role_arn: &str) -> Option<String> {
    config
        .scope
        .accounts
        .iter()
        .find(|a| a.role_arn == role_arn)
        .map(|a| a.external_id.clone())
        .unwrap_or_else(|| {
            config
                .scope
                .organization
                .as_ref()
                .and_then(|o| o.external_id.clone())
        })
}

/// Where each finding goes. `auditor` is the credentials' own account, needed for
/// `auditor-account`.
pub fn plan<'a>(
    report: &'a Report,
    inventory: &Inventory,
    config: &Config,
    auditor: Option<&str>,
) -> Plan<'a> {
    let into_auditor = match (config.publish.security_hub.destination, auditor) {
        (SecurityHubDestination::AuditorAccount, Some(auditor)) => Some(auditor),
        _ => None,
    };
    let scopes = &inventory.scopes;
    let key = |account: &str, region: &str| {
        (
            into_auditor.unwrap_or(account).to_string(),
            region.to_string(),
        )
    };
    let hub = |(account, region): (String, String)| {
        let role = scopes
            .iter()
            .find(|s| s.account == account && s.error.is_none())
            .and_then(|s| s.role_arn.as_deref());
        let reach = match (into_auditor, role) {
            (None, Some(arn)) => Reach::Role {
                arn: arn.to_string(),
                external_id: external_id(config, arn),
            },
            _ => Reach::Base,
        };
        Hub {
            account,
            region,
            reach,
            findings: Vec::new(),
        }
    };
    let mut plan = Plan::default();
    let mut hubs: BTreeMap<(String, String), Hub<'a>> = BTreeMap::new();
    // Every scope that started gets its hub, findings or not: its earlier findings may be gone.
    for scope in scopes {
        if scope.error.is_some() {
            plan.not_audited
                .push(format!("{}/{}", scope.account, scope.region));
            continue;
        }
        let key = key(&scope.account, &scope.region);
        hubs.entry(key.clone()).or_insert_with(|| hub(key));
    }
    for finding in &report.findings {
        let key = key(&finding.account, &finding.region);
        hubs.entry(key.clone())
            .or_insert_with(|| hub(key))
            .findings
            .push(finding);
    }
    plan.hubs = hubs.into_values().collect();
    plan
}
