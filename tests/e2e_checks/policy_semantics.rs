//! The IAM policy language as AWS evaluates it, end to end: credentials roles built in the
//! emulator's IAM with conditions on the time and the Region, a permissions boundary written
//! with policy variables over the role's own tags, a function policy that names only the
//! account, or the role itself, and a boundary that depends on the caller's IP address — each
//! with the finding, or none, that AWS's evaluation implies (IAM User Guide pages cited per
//! route), and the one the auditor cannot decide reported as an `error` naming the key.

use std::collections::BTreeMap;

use apigw_auditor::report::{Finding, Status};
use serde_json::{json, Value};

use crate::common::{functions, MISSING};
use crate::support::audit::{audit, findings, none};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::Fleet;
use crate::support::new_fleet;

const ROLE_INVALID: &str = "integration-role-invalid";

fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn invoke_all() -> Value {
    json!({"Sid": "Invoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"})
}

async fn managed_policy(fleet: &Fleet, name: &str, document: Value) -> String {
    fleet
        .iam
        .create_policy()
        .policy_name(name)
        .policy_document(document.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("iam:CreatePolicy {name}: {e:?}"))
        .policy()
        .and_then(|p| p.arn())
        .expect("CreatePolicy returns the ARN")
        .to_string()
}

async fn set_boundary(fleet: &Fleet, role: &str, policy_arn: &str) {
    fleet
        .iam
        .put_role_permissions_boundary()
        .role_name(role)
        .permissions_boundary(policy_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("iam:PutRolePermissionsBoundary {role}: {e:?}"));
}

async fn tag_role(fleet: &Fleet, role: &str, key: &str, value: &str) {
    let tag = aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("a tag has a key and a value");
    fleet
        .iam
        .tag_role()
        .role_name(role)
        .tags(tag)
        .send()
        .await
        .unwrap_or_else(|e| panic!("iam:TagRole {role}: {e:?}"));
}

/// The findings of `check` by route path.
fn by_path<'r>(found: &[&'r Finding]) -> BTreeMap<String, &'r Finding> {
    found
        .iter()
        .map(|f| (f.route.as_ref().expect("a route").path.clone(), *f))
        .collect()
}

#[tokio::test]
async fn credentials_roles_are_judged_with_the_whole_policy_language() {
    let (account, sdk, fleet) = new_fleet().await;
    let paths = [
        "dated",
        "expired",
        "variables",
        "delegated",
        "granted",
        "region-ok",
        "region-denied",
        "office",
    ];
    let names: Vec<String> = paths.iter().map(|p| format!("pets-{p}")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let arns = functions(&fleet, &name_refs).await;
    let apigw = "apigateway.amazonaws.com";

    // "Condition operators", Date: allowed after a date long past...
    let dated = fleet
        .create_role("dated-role", apigw, Some(policy(json!([{
            "Sid": "SinceLaunch", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]))))
        .await;
    // ...and not before a date long past: AWS denies, the finding says so.
    let expired = fleet
        .create_role("expired-role", apigw, Some(policy(json!([{
            "Sid": "Until2020", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]))))
        .await;
    // "Variables and tags": a boundary over the role's account and its `team` tag (GetRole's
    // Tags become aws:PrincipalTag/team).
    let variables = fleet
        .create_role("variables-role", apigw, Some(policy(json!([invoke_all()]))))
        .await;
    tag_role(&fleet, "variables-role", "team", "pets").await;
    let team_boundary = managed_policy(
        &fleet,
        "team-boundary",
        policy(
            json!([{"Sid": "OwnTeam", "Effect": "Allow", "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:*:*:function:${aws:PrincipalTag/team}-*",
            "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}]),
        ),
    )
    .await;
    set_boundary(&fleet, "variables-role", &team_boundary).await;
    // "Principal": an account principal "delegates authority to the account"; the role itself
    // has no lambda:InvokeFunction, so AWS denies although the function's policy names the
    // account.
    let delegated = fleet
        .create_role(
            "delegated-role",
            apigw,
            Some(policy(json!([{
            "Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]))),
        )
        .await;
    fleet
        .add_permission(&names[3], None, "account-only", &account, None, None)
        .await;
    // "Policy evaluation logic", same account: a resource policy naming the role's ARN grants
    // by itself ("limited by an implicit deny in a permissions boundary" only, and there is
    // none), so the same role without identity permission can invoke this function.
    let granted = fleet
        .create_role(
            "granted-role",
            apigw,
            Some(policy(json!([{
            "Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]))),
        )
        .await;
    fleet
        .add_permission(&names[4], None, "the-role", &granted, None, None)
        .await;
    // "AWS global condition context keys", aws:RequestedRegion: the function's Region.
    let region_deny = |region: &str| {
        policy(
            json!([invoke_all(), {"Sid": "OnlyHome", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": [region]}}}]),
        )
    };
    let region_ok = fleet
        .create_role("region-ok-role", apigw, Some(region_deny("us-east-1")))
        .await;
    let region_denied = fleet
        .create_role("region-denied-role", apigw, Some(region_deny("eu-west-1")))
        .await;
    // aws:SourceIp: the address API Gateway calls from is not published: undecided.
    let office = fleet
        .create_role("office-role", apigw, Some(policy(json!([invoke_all()]))))
        .await;
    let office_boundary = managed_policy(
        &fleet,
        "office-boundary",
        policy(
            json!([{"Sid": "OfficeOnly", "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]),
        ),
    )
    .await;
    set_boundary(&fleet, "office-role", &office_boundary).await;

    let roles = [
        &dated,
        &expired,
        &variables,
        &delegated,
        &granted,
        &region_ok,
        &region_denied,
        &office,
    ];
    let api = fleet.create_api("semantics").await;
    for (i, role) in roles.iter().enumerate() {
        api.lambda_proxy_method(
            &format!("/{}", paths[i]),
            "GET",
            &arns[i],
            MethodOptions::default().credentials(role),
        )
        .await;
    }
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    let found = findings(&report, ROLE_INVALID);
    let found = by_path(&found);
    let reasons: Vec<(&str, &str, Status)> = found
        .iter()
        .map(|(path, f)| {
            (
                path.as_str(),
                f.evidence["reason"].as_str().unwrap_or_default(),
                f.status,
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("/delegated", "no-invoke-permission", Status::Fail),
            ("/expired", "no-invoke-permission", Status::Fail),
            ("/office", "undecided", Status::Error),
            ("/region-denied", "explicit-deny", Status::Fail),
        ],
        "{found:#?}"
    );
    let denied = found["/region-denied"];
    assert_eq!(
        denied.evidence["detail"]["statements"][0]["statement"],
        "OnlyHome"
    );
    let office = found["/office"];
    assert!(
        office.message.contains("could not decide") && office.message.contains("aws:SourceIp"),
        "{}",
        office.message
    );
    assert!(office.message.contains("OfficeOnly"), "{}", office.message);
    assert_eq!(
        office.evidence["detail"]["unknown_keys"][0]["key"],
        "aws:SourceIp"
    );
    assert_eq!(office.remediation, None);
}
