//! The sink's plan (which hub each finding goes to, through which credentials), the growth of
//! `UpdatedAt`, and the outcome it reports.

use chrono::TimeZone;

use super::*;
use crate::config::{AccountScope, OrganizationScope};
use crate::inventory::Inventory;
use crate::publish::metrics::tests::run_context;
use crate::publish::resources::tests::finding;
use crate::report::Finding;
use crate::testkit::{inventory, scope};

const MEMBER: &str = "222222222222";
const ROLE: &str = "arn:aws:iam::222222222222:role/apigw-auditor";

/// The auditor's own account in us-east-1 and eu-west-1, a member through its role in
/// us-east-1, and a member whose role could not be assumed.
fn audit_of(findings: Vec<Finding>) -> (Report, Inventory) {
    let own = |region: &str| {
        let mut s = scope().build();
        s.region = region.into();
        s
    };
    let mut member = scope().build();
    member.account = MEMBER.into();
    member.role_arn = Some(ROLE.into());
    let mut unreachable = scope().build();
    unreachable.account = "333333333333".into();
    unreachable.role_arn = Some("arn:aws:iam::333333333333:role/apigw-auditor".into());
    unreachable.error = Some("cannot assume role".into());
    let inventory: Inventory = inventory(vec![
        own("us-east-1"),
        own("eu-west-1"),
        member,
        unreachable,
    ]);
    let mut report = crate::evaluate::evaluate(&inventory, &Config::default(), run_context());
    report.findings = findings;
    (report, inventory)
}

fn in_account(account: &str, region: &str, check: &str) -> Finding {
    let mut f = finding(check);
    (f.account, f.region) = (account.into(), region.into());
    f
}

fn summary(plan: &Plan<'_>) -> Vec<(String, String, Reach, usize)> {
    plan.hubs
        .iter()
        .map(|h| {
            (
                h.account.clone(),
                h.region.clone(),
                h.reach.clone(),
                h.findings.len(),
            )
        })
        .collect()
}

#[test]
fn findings_go_to_their_own_account_through_its_role() {
    let (report, inventory) = audit_of(vec![
        in_account("123456789012", "us-east-1", "handler-invalid"),
        in_account("123456789012", "us-east-1", "runtime-deprecated"),
        in_account(MEMBER, "us-east-1", "handler-invalid"),
    ]);
    let mut config = Config::default();
    config.scope.accounts = vec![AccountScope {
        role_arn: ROLE.into(),
        external_id: Some("ext-1".into()),
        name: None,
    }];
    let plan = plan(&report, &inventory, &config, None);
    let role = Reach::Role {
        arn: ROLE.into(),
        external_id: Some("ext-1".into()),
    };
    assert_eq!(
        summary(&plan),
        [
            ("123456789012".into(), "eu-west-1".into(), Reach::Base, 0),
            ("123456789012".into(), "us-east-1".into(), Reach::Base, 2),
            (MEMBER.into(), "us-east-1".into(), role, 1),
        ]
    );
    // Nothing goes to a scope that could not start, and the outcome says so.
    assert_eq!(plan.not_audited, ["333333333333/us-east-1"]);
}

#[test]
fn an_organization_role_takes_the_organization_external_id() {
    let (report, inventory) = audit_of(Vec::new());
    let mut config = Config::default();
    config.scope.organization = Some(OrganizationScope {
        role_name: "apigw-auditor".into(),
        external_id: Some("org-ext".into()),
        include: Vec::new(),
        exclude: Vec::new(),
    });
    let plan = plan(&report, &inventory, &config, None);
    assert_eq!(
        plan.hubs[2].reach,
        Reach::Role {
            arn: ROLE.into(),
            external_id: Some("org-ext".into())
        }
    );
}

#[test]
fn into_the_auditor_account_everything_goes_by_region_with_the_base_credentials() {
    let (report, inventory) = audit_of(vec![
        in_account("123456789012", "us-east-1", "handler-invalid"),
        in_account(MEMBER, "us-east-1", "handler-invalid"),
        in_account(MEMBER, "ap-south-1", "handler-invalid"),
    ]);
    let mut config = Config::default();
    config.publish.security_hub.destination = SecurityHubDestination::AuditorAccount;
    let plan = plan(&report, &inventory, &config, Some("999999999999"));
    assert_eq!(
        summary(&plan),
        [
            ("999999999999".into(), "ap-south-1".into(), Reach::Base, 1),
            ("999999999999".into(), "eu-west-1".into(), Reach::Base, 0),
            ("999999999999".into(), "us-east-1".into(), Reach::Base, 2),
        ]
    );
}

#[test]
fn updated_at_always_grows() {
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
    assert_eq!(later_than(now, None), now);
    assert_eq!(later_than(now, Some(now - Duration::hours(1))), now);
    // A clock behind the finding's last update (another host, skew): just after it.
    let ahead = now + Duration::seconds(5);
    assert_eq!(
        later_than(now, Some(ahead)),
        ahead + Duration::milliseconds(1)
    );
    assert_eq!(later_than(now, Some(now)), now + Duration::milliseconds(1));
}

#[test]
fn the_outcome_counts_and_names_every_failure() {
    let (report, inventory) = audit_of(Vec::new());
    let plan = plan(&report, &inventory, &Config::default(), None);
    let fine = HubOutcome {
        imported: 3,
        archived: 1,
        kept: BTreeMap::from([(Keep::CheckDisabled, 2)]),
        ..HubOutcome::default()
    };
    let denied = HubOutcome {
        error: Some("securityhub:BatchImportFindings failed with AccessDeniedException: no".into()),
        ..HubOutcome::default()
    };
    let outcome = summarize(&plan, &[(&plan.hubs[0], fine), (&plan.hubs[2], denied)]);
    assert_eq!(outcome.sink, "security-hub");
    assert!(!outcome.ok);
    assert_eq!(
        outcome.detail,
        "imported 3 findings and archived 1 in 1 account-region; kept 2 earlier findings as they \
         were (2: its check is disabled or unknown); nothing published for 333333333333/us-east-1 \
         (not audited); failed in 222222222222/us-east-1: securityhub:BatchImportFindings failed \
         with AccessDeniedException: no"
    );
    let all_fine = summarize(&plan, &[]);
    assert!(all_fine.ok);
}

#[test]
fn earlier_findings_are_read_by_product_arn_account_and_state() {
    let product = product_arn("123456789012", "eu-west-1");
    let filters = earlier_filters("123456789012", &product);
    let only = |list: &[StringFilter]| {
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].comparison(), Some(&StringFilterComparison::Equals));
        list[0].value().unwrap().to_string()
    };
    assert_eq!(
        only(filters.product_arn()),
        "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
    );
    assert_eq!(only(filters.aws_account_id()), "123456789012");
    assert_eq!(only(filters.record_state()), "ACTIVE");
}
