//! `integration-role-invalid`: integrations whose `credentials` name an IAM role, built with real
//! roles, inline and managed policies and permissions boundaries in the emulator's IAM, judged
//! from what `iam:GetRole` and the role's policies say: a role that does not trust API Gateway, one
//! without `lambda:InvokeFunction`, one whose boundary does not allow it, one denied by a managed
//! policy, one that does not exist, pass-through credentials — each next to healthy roles (an
//! inline grant, a managed grant) that must produce nothing. `invoke-permission-missing` stays
//! silent for all of them: a route with a role is not judged by the function's policy.

use apigw_auditor::report::{Severity, Status};
use serde_json::{json, Value};

use crate::common::{functions, remediation, MISSING};
use crate::support::audit::{audit, findings, none};
use crate::support::emulator::{Emulator, Microburst};
use crate::support::fleet::apigw::{AuthorizerKind, MethodOptions};
use crate::support::fleet::{function_arn, Fleet};
use crate::support::{new_fleet, sdk_config};

const ROLE_INVALID: &str = "integration-role-invalid";

fn allow(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

/// A customer managed policy; returns its ARN.
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

async fn attach(fleet: &Fleet, role: &str, policy_arn: &str) {
    fleet
        .iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("iam:AttachRolePolicy {role}: {e:?}"));
}

async fn boundary(fleet: &Fleet, role: &str, policy_arn: &str) {
    fleet
        .iam
        .put_role_permissions_boundary()
        .role_name(role)
        .permissions_boundary(policy_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("iam:PutRolePermissionsBoundary {role}: {e:?}"));
}

/// One GET method per role on `/{path}`, to its own function, deployed to prod; every broken
/// role is reported with its reason, the healthy ones are not, and the calls are counted.
#[tokio::test]
async fn each_broken_role_is_reported_with_its_reason_healthy_roles_are_not() {
    let (account, sdk, fleet) = new_fleet().await;
    let names = [
        "inline-fn",
        "managed-fn",
        "untrusted-fn",
        "noinvoke-fn",
        "boundary-fn",
        "deny-fn",
        "missing-fn",
        "passthrough-fn",
    ];
    let arns = functions(&fleet, &names).await;
    let invoke_all = allow("lambda:InvokeFunction", "*");
    // A managed policy shared by two roles: read once in the run.
    let invoke_managed = managed_policy(
        &fleet,
        "invoke-managed",
        allow("lambda:InvokeFunction", &arns[1]),
    )
    .await;
    let s3_only = managed_policy(&fleet, "s3-only-boundary", allow("s3:*", "*")).await;
    let deny_lambda = managed_policy(
        &fleet,
        "deny-lambda",
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoLambda", "Effect": "Deny", "Action": "lambda:*", "Resource": "*"}]}),
    )
    .await;

    let inline = fleet
        .create_role(
            "inline-role",
            "apigateway.amazonaws.com",
            Some(invoke_all.clone()),
        )
        .await;
    let managed = fleet
        .create_role("managed-role", "apigateway.amazonaws.com", None)
        .await;
    attach(&fleet, "managed-role", &invoke_managed).await;
    // Copied from the function's execution role: trusts Lambda, not API Gateway.
    let untrusted = fleet
        .create_role(
            "untrusted-role",
            "lambda.amazonaws.com",
            Some(invoke_all.clone()),
        )
        .await;
    let noinvoke = fleet
        .create_role(
            "noinvoke-role",
            "apigateway.amazonaws.com",
            Some(allow("lambda:GetFunction", "*")),
        )
        .await;
    let bounded = fleet
        .create_role(
            "boundary-role",
            "apigateway.amazonaws.com",
            Some(invoke_all.clone()),
        )
        .await;
    boundary(&fleet, "boundary-role", &s3_only).await;
    let denied = fleet
        .create_role("deny-role", "apigateway.amazonaws.com", Some(invoke_all))
        .await;
    attach(&fleet, "deny-role", &deny_lambda).await;
    attach(&fleet, "deny-role", &invoke_managed).await;
    let missing = format!("arn:aws:iam::{account}:role/deleted-role");
    let pass_through = "arn:aws:iam::*:user/*".to_string();

    let api = fleet.create_api("roles").await;
    let roles = [
        &inline,
        &managed,
        &untrusted,
        &noinvoke,
        &bounded,
        &denied,
        &missing,
        &pass_through,
    ];
    for (i, role) in roles.iter().enumerate() {
        let path = format!("/{}", names[i].trim_end_matches("-fn"));
        api.lambda_proxy_method(
            &path,
            "GET",
            &arns[i],
            MethodOptions::default().credentials(role),
        )
        .await;
    }
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;

    // No function has a policy, yet invoke-permission-missing says nothing: roles are judged here.
    none(&report, MISSING);
    let found = findings(&report, ROLE_INVALID);
    let by_path: Vec<(String, String)> = found
        .iter()
        .map(|f| {
            (
                f.route.as_ref().unwrap().path.clone(),
                f.evidence["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("/boundary", "boundary-denies"),
        ("/deny", "explicit-deny"),
        ("/missing", "role-missing"),
        ("/noinvoke", "no-invoke-permission"),
        ("/passthrough", "pass-through"),
        ("/untrusted", "not-trusted"),
    ]
    .iter()
    .map(|(p, r)| (p.to_string(), r.to_string()))
    .collect();
    let mut sorted = by_path.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{found:#?}");

    for finding in &found {
        let reason = finding.evidence["reason"].as_str().unwrap();
        assert_eq!(finding.stages, ["prod"]);
        assert_eq!(finding.status, Status::Fail);
        if reason == "pass-through" {
            // A note: whether it works depends on each caller.
            assert_eq!(finding.severity, Severity::Info);
            assert_eq!(finding.remediation, None);
            continue;
        }
        assert_eq!(finding.severity, Severity::High);
        assert_eq!(finding.client_status, Some(500));
        let fix = remediation(finding);
        match reason {
            "not-trusted" => assert!(
                fix.contains("update-assume-role-policy --role-name untrusted-role"),
                "{fix}"
            ),
            "no-invoke-permission" => {
                assert!(
                    fix.contains("put-role-policy --role-name noinvoke-role"),
                    "{fix}"
                );
                assert!(
                    fix.contains(&function_arn(&account, "noinvoke-fn", None)),
                    "{fix}"
                );
            }
            "boundary-denies" => {
                assert_eq!(finding.evidence["detail"]["boundary"], s3_only.as_str());
                assert!(
                    fix.contains(&format!("create-policy-version --policy-arn {s3_only}")),
                    "{fix}"
                );
            }
            "explicit-deny" => {
                assert_eq!(
                    finding.evidence["detail"]["statements"][0]["policy"],
                    deny_lambda.as_str()
                );
                assert_eq!(
                    finding.evidence["detail"]["statements"][0]["statement"],
                    "NoLambda"
                );
            }
            "role-missing" => assert!(
                fix.starts_with("aws iam create-role --role-name deleted-role"),
                "{fix}"
            ),
            other => panic!("unexpected reason {other}"),
        }
    }

    // Seven distinct roles read (pass-through is not a role); the three managed policies once
    // each although invoke-managed is attached to two roles.
    let calls = &report.summary.api_calls;
    assert_eq!(calls["iam:GetRole"], 7, "{calls:?}");
    assert_eq!(calls["iam:GetPolicy"], 3, "{calls:?}");
    assert_eq!(calls["iam:GetPolicyVersion"], 3, "{calls:?}");
    // The missing role stops after GetRole.
    assert_eq!(calls["iam:ListRolePolicies"], 6, "{calls:?}");
}

/// Without any credentials role, no IAM call is made at all.
#[tokio::test]
async fn routes_without_a_role_cost_no_iam_call() {
    let (_, sdk, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["plain-fn"]).await;
    let api = fleet.create_api("plain").await;
    api.lambda_proxy_method("/plain", "GET", &arns[0], MethodOptions::default())
        .await;
    fleet.permit("plain-fn", None).serverless(&api.id).await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;

    none(&report, ROLE_INVALID);
    none(&report, MISSING);
    assert!(
        report
            .summary
            .api_calls
            .keys()
            .all(|op| !op.starts_with("iam:")),
        "{:?}",
        report.summary.api_calls
    );
}

/// A Lambda authorizer's credentials role is judged like an integration's: the finding names
/// the authorizer, and the authorizer's permission check stays silent for it.
#[tokio::test]
async fn an_authorizers_role_is_judged_too() {
    let (_, sdk, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["api-fn", "auth-fn"]).await;
    let untrusted = fleet
        .create_role(
            "auth-untrusted",
            "lambda.amazonaws.com",
            Some(allow("lambda:InvokeFunction", "*")),
        )
        .await;
    let api = fleet.create_api("guarded").await;
    let authorizer = api
        .authorizer_with_credentials("token", AuthorizerKind::Token, &arns[1], Some(&untrusted))
        .await;
    api.lambda_proxy_method(
        "/orders",
        "GET",
        &arns[0],
        MethodOptions::default().authorizer(&authorizer),
    )
    .await;
    fleet.permit("api-fn", None).serverless(&api.id).await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    none(&report, "authorizer-invoke-permission-missing");
    let found = findings(&report, ROLE_INVALID);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding.evidence["reason"], "not-trusted");
    assert_eq!(finding.route, None);
    assert_eq!(
        finding.authorizer.as_ref().map(|a| a.id.as_str()),
        Some(authorizer.as_str())
    );
    assert_eq!(finding.function.as_deref(), Some(arns[1].as_str()));
    assert_eq!(
        finding.evidence["source_arns"][0],
        api.authorizer_source_arn(&authorizer).as_str()
    );
}

/// A role whose policies cannot be read (AccessDenied on iam:GetRolePolicy, injected by the
/// fault proxy) is an `error` finding naming the call; the rest of the audit goes on.
#[tokio::test]
async fn an_unreadable_role_is_an_error_finding_and_the_rest_goes_on() {
    let (account, _, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["role-fn", "plain-fn"]).await;
    let role = fleet.apigateway_invoke_role("apigw-invoke").await;
    let api = fleet.create_api("denied-iam").await;
    api.lambda_proxy_method(
        "/role",
        "GET",
        &arns[0],
        MethodOptions::default().credentials(&role),
    )
    .await;
    api.lambda_proxy_method("/plain", "GET", &arns[1], MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(json!([{
        "service": "iam",
        "operation": "GetRolePolicy",
        "error": {"code": "AccessDenied", "status": 403,
                  "message": "User is not authorized to perform: iam:GetRolePolicy"}
    }]));
    let sdk = sdk_config(proxy.endpoint_url(), &account).await;

    let report = audit(&sdk).await;

    assert!(!proxy.fired().is_empty(), "the proxy denied the call");
    let found = findings(&report, ROLE_INVALID);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].status, Status::Error);
    assert!(
        found[0].message.contains("iam:GetRolePolicy") && found[0].message.contains("AccessDenied"),
        "{}",
        found[0].message
    );
    assert!(report
        .errors
        .iter()
        .any(|e| e.operation == "iam:GetRolePolicy" && e.resource == role));
    // The route without a role is still judged: it has no permission.
    let missing = findings(&report, MISSING);
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0].route.as_ref().unwrap().path, "/plain");
    assert_eq!(missing[0].status, Status::Fail);
}
