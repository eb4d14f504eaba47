//! Which accounts a run audits: configured, from the organization, filtered, sharded.

use super::*;
use crate::config::{AccountScope, OrganizationScope, Shard};

fn configured(arn: &str, name: Option<&str>) -> AccountScope {
    AccountScope {
        role_arn: arn.into(),
        external_id: Some("ext-1".into()),
        name: name.map(Into::into),
    }
}

fn organization() -> OrganizationScope {
    OrganizationScope {
        role_name: "apigw-auditor".into(),
        external_id: None,
        include: Vec::new(),
        exclude: Vec::new(),
    }
}

fn listing() -> OrgListing {
    OrgListing {
        own_account: "100000000000".into(),
        partition: "aws".into(),
        accounts: vec![
            ("300000000000".into(), true),
            ("100000000000".into(), true),
            ("200000000000".into(), true),
            ("400000000000".into(), false),
        ],
    }
}

fn accounts(targets: &[Target]) -> Vec<&str> {
    targets.iter().map(|t| t.account.as_str()).collect()
}

#[test]
fn without_accounts_the_credentials_own_account_is_the_one_target() {
    let targets = plan(&ScopeSettings::default(), None);
    assert_eq!(
        targets,
        [Target {
            account: String::new(),
            name: None,
            role: None,
        }]
    );
}

#[test]
fn configured_accounts_keep_their_order_role_and_label() {
    let scope = ScopeSettings {
        accounts: vec![
            configured("arn:aws:iam::222222222222:role/r", Some("payments")),
            configured("arn:aws:iam::111111111111:role/r", None),
        ],
        ..ScopeSettings::default()
    };
    let targets = plan(&scope, None);
    assert_eq!(accounts(&targets), ["222222222222", "111111111111"]);
    assert_eq!(targets[0].name.as_deref(), Some("payments"));
    assert_eq!(
        targets[0].role,
        Some(Role {
            arn: "arn:aws:iam::222222222222:role/r".into(),
            external_id: Some("ext-1".into()),
        })
    );
}

#[test]
fn organization_accounts_are_the_active_ones_and_the_own_account_needs_no_role() {
    let scope = ScopeSettings {
        organization: Some(organization()),
        ..ScopeSettings::default()
    };
    let targets = plan(&scope, Some(&listing()));
    // Sorted by id; the suspended 400000000000 is left out.
    assert_eq!(
        accounts(&targets),
        ["100000000000", "200000000000", "300000000000"]
    );
    assert_eq!(targets[0].role, None, "the caller's own account");
    assert_eq!(
        targets[1].role.as_ref().unwrap().arn,
        "arn:aws:iam::200000000000:role/apigw-auditor"
    );
}

#[test]
fn include_exclude_and_configured_entries_shape_the_organization() {
    let mut org = organization();
    org.exclude = vec!["100000000000".into()];
    let scope = ScopeSettings {
        organization: Some(org.clone()),
        // Its own entry (another role) wins over the organization's role name.
        accounts: vec![configured("arn:aws:iam::300000000000:role/special", None)],
        ..ScopeSettings::default()
    };
    let targets = plan(&scope, Some(&listing()));
    assert_eq!(accounts(&targets), ["300000000000", "200000000000"]);
    assert_eq!(
        targets[0].role.as_ref().unwrap().arn,
        "arn:aws:iam::300000000000:role/special"
    );

    org.exclude.clear();
    org.include = vec!["200000000000".into(), "400000000000".into()];
    let scope = ScopeSettings {
        organization: Some(org),
        ..ScopeSettings::default()
    };
    // Included but suspended is still not audited.
    assert_eq!(accounts(&plan(&scope, Some(&listing()))), ["200000000000"]);
}

#[test]
fn the_shard_applies_to_configured_and_organization_accounts_alike() {
    let scope = |index| ScopeSettings {
        organization: Some(organization()),
        accounts: vec![
            configured("arn:aws:iam::500000000001:role/r", None),
            configured("arn:aws:iam::500000000002:role/r", None),
        ],
        shard: Some(Shard { index, count: 2 }),
        ..ScopeSettings::default()
    };
    let first = plan(&scope(1), Some(&listing()));
    let second = plan(&scope(2), Some(&listing()));
    assert_eq!(
        accounts(&first),
        [
            "500000000002",
            "100000000000",
            "200000000000",
            "300000000000"
        ]
    );
    assert_eq!(accounts(&second), ["500000000001"]);
}
