//! Targets in another account: an API in account A whose routes invoke functions of account B,
//! with both accounts audited through their configured roles (`[[scope.accounts]]`). B's
//! functions and policies are read through B's role, and so is a credentials role that lives in
//! B. A credentials role of A invoking B's function needs both its own policy and the function's
//! policy (IAM cross-account evaluation). A function in an account with no configured role is
//! reported as `error`, not guessed.
//!
//! The shared emulator does not enforce IAM: every AssumeRole succeeds and its credentials land
//! in the role's account, which is all these scenarios need.

use apigw_auditor::config::AccountScope;
use apigw_auditor::report::Status;
use apigw_auditor::{run_audit_with, AuditSource};
use serde_json::json;

use crate::common::{reason, MISSING};
use crate::support::audit::{config, findings};
use crate::support::emulator::Emulator;
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::Fleet;
use crate::support::{new_account, sdk_config};

fn route_path(f: &apigw_auditor::report::Finding) -> &str {
    f.route
        .as_ref()
        .map(|r| r.path.as_str())
        .unwrap_or_default()
}

#[tokio::test]
async fn another_accounts_functions_and_roles_are_read_through_its_role() {
    let endpoint = Emulator::shared().endpoint_url();
    let (a, b, unconfigured) = (new_account(), new_account(), new_account());
    let api_fleet = Fleet::new(&sdk_config(endpoint, &a).await);
    let fn_fleet = Fleet::new(&sdk_config(endpoint, &b).await);
    let (granted, denied, via_role, role_denied, b_role_fn) = tokio::join!(
        fn_fleet.python_function("granted"),
        fn_fleet.python_function("denied"),
        fn_fleet.python_function("via-role"),
        fn_fleet.python_function("role-denied"),
        fn_fleet.python_function("b-role-fn"),
    );
    let invoke_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]});
    // A role of the API's account, and one of the functions' account.
    let role = api_fleet
        .create_role(
            "cross-invoke",
            "apigateway.amazonaws.com",
            Some(invoke_all.clone()),
        )
        .await;
    let b_role = fn_fleet
        .create_role("b-invoke", "apigateway.amazonaws.com", Some(invoke_all))
        .await;
    let nowhere = format!("arn:aws:lambda:us-east-1:{unconfigured}:function:elsewhere");

    let api = api_fleet.create_api("cross-account").await;
    for (path, target, credentials) in [
        ("/granted", &granted, None),
        ("/denied", &denied, None),
        ("/via-role", &via_role, Some(&role)),
        ("/role-denied", &role_denied, Some(&role)),
        ("/b-role", &b_role_fn, Some(&b_role)),
        ("/nowhere", &nowhere, None),
    ] {
        let mut options = MethodOptions::default();
        if let Some(role) = credentials {
            options = options.credentials(role);
        }
        api.lambda_proxy_method(path, "GET", target, options).await;
    }
    let apigw = "apigateway.amazonaws.com";
    let source = api.execute_api_arn("*/GET/granted");
    fn_fleet
        .add_permission("granted", None, "api-a", apigw, Some(&source), None)
        .await;
    // The function's policy names the role from A's integration (cross-account: both sides).
    fn_fleet
        .add_permission("via-role", None, "role-a", &role, None, None)
        .await;
    api.deploy("prod", &[]).await;

    let mut config = config();
    config.scope.accounts = [&a, &b]
        .into_iter()
        .map(|account| AccountScope {
            role_arn: format!("arn:aws:iam::{account}:role/apigw-auditor"),
            external_id: None,
            name: None,
        })
        .collect();
    let caller = sdk_config(endpoint, &new_account()).await;
    let report = run_audit_with(&config, AuditSource::Live, Some(caller))
        .await
        .unwrap_or_else(|e| panic!("the audit failed: {e:#}"));

    let missing = findings(&report, MISSING);
    let mut judged: Vec<(&str, Status)> =
        missing.iter().map(|f| (route_path(f), f.status)).collect();
    judged.sort_by_key(|(path, _)| path.to_string());
    assert_eq!(
        judged,
        [("/denied", Status::Fail), ("/nowhere", Status::Error)],
        "{missing:#?}"
    );
    let denied_finding = missing.iter().find(|f| route_path(f) == "/denied").unwrap();
    assert_eq!(reason(denied_finding), "no-policy");
    assert_eq!(denied_finding.account, a);
    let remediation = denied_finding.remediation.as_deref().unwrap();
    assert!(
        remediation.starts_with(&format!("# run in account {b}")),
        "{remediation}"
    );
    let unreadable = missing
        .iter()
        .find(|f| route_path(f) == "/nowhere")
        .unwrap();
    assert!(
        unreadable.message.contains(&format!(
            "cannot read the policy of a function in account {unconfigured}: no role configured"
        )),
        "{}",
        unreadable.message
    );

    // A's role may invoke via-role (its policy names the role) but not role-denied; B's role,
    // read through B's audit role, invokes B's function with its own policy alone.
    let role_findings = findings(&report, "integration-role-invalid");
    assert_eq!(role_findings.len(), 1, "{role_findings:#?}");
    assert_eq!(route_path(role_findings[0]), "/role-denied");
    assert_eq!(reason(role_findings[0]), "resource-policy-denies");
    let fix = role_findings[0].remediation.as_deref().unwrap();
    assert!(fix.starts_with(&format!("# run in account {b}")), "{fix}");
    assert!(fix.contains(&format!("--principal {role}")), "{fix}");
    assert_eq!(report.summary.api_calls["iam:GetRole"], 2);
}
