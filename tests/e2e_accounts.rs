//! End-to-end tests of many accounts against the emulator, through the real SDK: two accounts
//! audited in one run where one role cannot be assumed (findings for the first, a clear scope
//! error for the second), the accounts of an organization, and `--shard` splitting configured
//! accounts between two runs of the binary.
//!
//! The emulator keeps per-account state, and assumed-role credentials land in the role's
//! account. Only with IAM enforcement on (`Emulator::shared_with_iam`) does its STS evaluate
//! trust policies; elsewhere every AssumeRole succeeds, which the organization and shard tests
//! rely on.

mod support;

use std::collections::BTreeSet;
use std::process::Output;

use apigw_auditor::config::AccountScope;
use apigw_auditor::{run_audit_with, AuditSource};
use serde_json::{json, Value};

use support::emulator::Emulator;
use support::fleet::apigw::MethodOptions;
use support::fleet::Fleet;
use support::{audit, new_account, sdk_config, REGION};

/// An API whose one route invokes a function with no permission for API Gateway: exactly one
/// `invoke-permission-missing` finding in the fleet's account.
async fn broken_api(fleet: &Fleet) {
    let function = fleet.python_function("orders").await;
    let api = fleet.create_api("orders").await;
    api.lambda_proxy_method("/orders", "GET", &function, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
}

/// Creates role `name` that `trusted` (an account's root) may assume with `external_id`, with
/// the auditor's least-privilege policy (`deploy/iam-policy.json`); returns its ARN.
async fn audit_role(
    iam: &aws_sdk_iam::Client,
    name: &str,
    trusted: &str,
    external_id: &str,
) -> String {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{trusted}:root")},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}
        }]
    });
    let role = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .expect("iam:CreateRole");
    let policy = include_str!("../deploy/iam-policy.json");
    iam.put_role_policy()
        .role_name(name)
        .policy_name("apigw-auditor")
        .policy_document(policy)
        .send()
        .await
        .expect("iam:PutRolePolicy");
    role.role()
        .expect("CreateRole returns the role")
        .arn()
        .to_string()
}

#[tokio::test]
async fn two_accounts_audited_in_one_run_and_a_role_that_cannot_be_assumed_is_reported() {
    let endpoint = Emulator::shared_with_iam().endpoint_url();
    let (caller, audited, locked) = (new_account(), new_account(), new_account());
    let fleet = Fleet::new(&sdk_config(endpoint, &audited).await);
    broken_api(&fleet).await;
    let role = audit_role(&fleet.iam, "apigw-auditor", &caller, "ext-4f1c").await;
    // The other account has the role too, but its trust policy lets another account in.
    let locked_iam = aws_sdk_iam::Client::new(&sdk_config(endpoint, &locked).await);
    let locked_role = audit_role(&locked_iam, "apigw-auditor", "799999999999", "ext-4f1c").await;

    let mut config = audit::config();
    config.scope.accounts = [(&role, Some("orders-prod")), (&locked_role, None)]
        .into_iter()
        .map(|(arn, name)| AccountScope {
            role_arn: arn.clone(),
            external_id: Some("ext-4f1c".into()),
            name: name.map(Into::into),
        })
        .collect();
    let caller_sdk = sdk_config(endpoint, &caller).await;
    let report = run_audit_with(&config, AuditSource::Live, Some(caller_sdk))
        .await
        .unwrap_or_else(|e| panic!("one failing scope must not fail the run: {e:#}"));

    // Findings for the account whose role was assumed, under its own account id.
    let missing = audit::only(&report, "invoke-permission-missing");
    assert_eq!(missing.account, audited);
    assert!(
        report.findings.iter().all(|f| f.account == audited),
        "{:#?}",
        report.findings
    );
    // The one error is the scope that could not be reached: nothing else failed.
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    assert_eq!(report.summary.errors, 1);
    let unreached = &report.errors[0];
    assert_eq!(
        (
            unreached.operation.as_str(),
            unreached.code.as_str(),
            unreached.account.as_str()
        ),
        ("sts:AssumeRole", "ScopeNotAudited", locked.as_str())
    );
    assert_eq!(unreached.resource, locked_role);

    // Both scopes are listed; the second says which role failed and what STS answered.
    let scopes = serde_json::to_value(&report.scopes).unwrap();
    assert_eq!(
        scopes[0],
        json!({"account": audited, "region": REGION, "name": "orders-prod", "role_arn": role})
    );
    assert_eq!(scopes[1]["account"], json!(locked));
    assert_eq!(scopes[1]["role_arn"], json!(locked_role));
    let error = scopes[1]["error"]
        .as_str()
        .expect("the failed scope has an error");
    assert!(
        error.contains(&locked_role) && error.contains("AccessDenied"),
        "{error}"
    );
    assert!(
        report
            .notices
            .iter()
            .any(|n| n.contains(&locked) && n.contains("AccessDenied")),
        "{:?}",
        report.notices
    );

    // The summary counts what was audited: one API, one function, one route.
    assert_eq!(
        (
            report.summary.apis,
            report.summary.functions,
            report.summary.routes
        ),
        (1, 1, 1)
    );
    let counts = &report.summary.findings;
    assert_eq!(
        counts.high + counts.medium + counts.low + counts.info,
        report.findings.len()
    );
    // Both AssumeRole calls are counted, the failed one too; one identity check per audited scope.
    assert_eq!(report.summary.api_calls["sts:AssumeRole"], 2);
    assert_eq!(report.summary.api_calls["sts:GetCallerIdentity"], 1);

    // Only when no scope at all could start does the run itself fail.
    config.scope.accounts.remove(0);
    let caller_sdk = sdk_config(endpoint, &caller).await;
    let failed = run_audit_with(&config, AuditSource::Live, Some(caller_sdk))
        .await
        .expect_err("no scope could start");
    let message = format!("{failed:#}");
    assert!(
        message.contains(&locked_role) && message.contains("AccessDenied"),
        "{message}"
    );
}

#[tokio::test]
async fn an_organization_is_audited_account_by_account_and_closed_accounts_are_skipped() {
    let endpoint = Emulator::shared().endpoint_url();
    let management = new_account();
    let sdk = sdk_config(endpoint, &management).await;
    broken_api(&Fleet::new(&sdk)).await;
    let organizations = aws_sdk_organizations::Client::new(&sdk);
    let mut members = Vec::new();
    for name in ["payments", "legacy"] {
        let created = organizations
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .expect("organizations:CreateAccount");
        let status = created.create_account_status().expect("a status");
        members.push(status.account_id().expect("an account id").to_string());
    }
    organizations
        .close_account()
        .account_id(&members[1])
        .send()
        .await
        .expect("organizations:CloseAccount");

    let mut config = audit::config();
    config.scope.organization = Some(apigw_auditor::config::OrganizationScope {
        role_name: "apigw-auditor".into(),
        external_id: None,
        include: Vec::new(),
        exclude: Vec::new(),
    });
    let report = run_audit_with(&config, AuditSource::Live, Some(sdk))
        .await
        .unwrap();

    let mut expected = vec![
        (management.clone(), None),
        (
            members[0].clone(),
            Some(format!("arn:aws:iam::{}:role/apigw-auditor", members[0])),
        ),
    ];
    expected.sort();
    let scopes: Vec<(String, Option<String>)> = report
        .scopes
        .iter()
        .map(|s| (s.account.clone(), s.role_arn.clone()))
        .collect();
    assert_eq!(scopes, expected, "the closed {} is skipped", members[1]);
    assert!(report.scopes.iter().all(|s| s.error.is_none()));
    assert_eq!(
        audit::only(&report, "invoke-permission-missing").account,
        management,
        "the management account is audited with its own credentials"
    );
    let calls = &report.summary.api_calls;
    assert_eq!(calls["organizations:ListAccounts"], 1);
    assert_eq!(calls["sts:AssumeRole"], 1);
    // The caller's own account once for the listing, then once per scope.
    assert_eq!(calls["sts:GetCallerIdentity"], 3);
}

/// The binary with the caller's credentials in the environment, as a container would run it.
fn binary(account: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    support::binary::auditor(account)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

/// Audited accounts of a JSON report: from its scopes, and from its findings.
fn audited(output: &Output) -> (BTreeSet<String>, BTreeSet<String>) {
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let accounts = |items: &Value| -> BTreeSet<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["account"].as_str().unwrap().to_string())
            .collect()
    };
    (accounts(&report["scopes"]), accounts(&report["findings"]))
}

#[tokio::test]
async fn shards_split_the_configured_accounts_with_no_overlap_and_no_gap() {
    let endpoint = Emulator::shared().endpoint_url();
    let caller = new_account();
    // Two accounts in different shards of 2: an even and an odd id.
    let even = std::iter::repeat_with(new_account)
        .find(|a| a.ends_with(['0', '2', '4', '6', '8']))
        .unwrap();
    let odd = std::iter::repeat_with(new_account)
        .find(|a| a.ends_with(['1', '3', '5', '7', '9']))
        .unwrap();
    for account in [&even, &odd] {
        broken_api(&Fleet::new(&sdk_config(endpoint, account).await)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.toml");
    let mut text = format!("[scope]\nregions = [\"{REGION}\"]\n");
    for account in [&odd, &even] {
        text.push_str(&format!(
            "\n[[scope.accounts]]\nrole-arn = \"arn:aws:iam::{account}:role/apigw-auditor\"\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let args = [
        "audit",
        "--config",
        path.to_str().unwrap(),
        "--endpoint-url",
        endpoint,
        "--format",
        "json",
    ];

    let first = binary(&caller, &[&args[..], &["--shard", "1/2"][..]].concat(), &[]);
    // The environment variable is how an ECS task is told its shard.
    let second = binary(&caller, &args, &[("APIGW_AUDITOR_SHARD", "2/2")]);
    for output in [&first, &second] {
        assert_eq!(
            output.status.code(),
            Some(1),
            "high findings exit 1; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let one = BTreeSet::from([even.clone()]);
    let two = BTreeSet::from([odd.clone()]);
    assert_eq!(audited(&first), (one.clone(), one));
    assert_eq!(audited(&second), (two.clone(), two));

    // A shard that is not one is a configuration error, exit 2.
    let bad = binary(&caller, &[&args[..], &["--shard", "3/2"][..]].concat(), &[]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("--shard") && stderr.contains("3/2"),
        "{stderr}"
    );
}
