//! `authorizer-invoke-permission-missing`: Lambda authorizers that methods use need their own
//! permission for `{api}/authorizers/{id}`; unused authorizers and authorizers with a credentials
//! role do not.

use apigw_auditor::report::Status;

use crate::common::{
    assert_add_permission, functions, reason, sids, stages, statement_ids, MISSING,
};
use crate::support::audit::{audit, none, only};
use crate::support::fleet::apigw::{ApiHandle, AuthorizerKind, MethodOptions};
use crate::support::fleet::function_arn;
use crate::support::new_fleet;

const AUTHORIZER_MISSING: &str = "authorizer-invoke-permission-missing";

/// A GET method guarded by `authorizer`, integrated with `function`.
async fn guarded_method(api: &ApiHandle, path: &str, function: &str, authorizer: &str) {
    let options = MethodOptions::default().authorizer(authorizer);
    api.lambda_proxy_method(path, "GET", function, options)
        .await;
}

/// A TOKEN authorizer used by a method and without permission is reported (with its id); an
/// authorizer no method uses is never invoked and is not, nor is one with a credentials role.
#[tokio::test]
async fn used_authorizer_without_permission_is_reported_unused_one_is_not() {
    let (account, sdk, fleet) = new_fleet().await;
    let names = ["orders-fn", "auth-fn", "idle-auth-fn", "role-auth-fn"];
    let (arns, role) = tokio::join!(
        functions(&fleet, &names),
        fleet.apigateway_invoke_role("apigw-authorizer"),
    );
    let api = fleet.create_api("guarded").await;
    let used = api
        .authorizer("token", AuthorizerKind::Token, &arns[1])
        .await;
    api.authorizer("idle", AuthorizerKind::Token, &arns[2])
        .await;
    let with_role = api
        .authorizer_with_credentials("role", AuthorizerKind::Token, &arns[3], Some(&role))
        .await;
    guarded_method(&api, "/orders", &arns[0], &used).await;
    guarded_method(&api, "/admin", &arns[0], &with_role).await;
    fleet.permit("orders-fn", None).serverless(&api.id).await;
    stages(&api, &["prod", "dev"]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    let finding = only(&report, AUTHORIZER_MISSING);
    assert_eq!(finding.status, Status::Fail);
    let authorizer = finding.authorizer.as_ref().expect("the authorizer");
    assert_eq!(
        (authorizer.id.as_str(), authorizer.name.as_str()),
        (used.as_str(), "token")
    );
    assert_eq!(finding.route, None);
    assert_eq!(finding.stages, ["dev", "prod"]);
    assert_eq!(
        finding.function.as_deref(),
        Some(function_arn(&account, "auth-fn", None).as_str())
    );
    assert_eq!(reason(finding), "no-policy");
    assert_add_permission(finding, None, &api.authorizer_source_arn(&used));
    // The idle authorizer's function is not even read.
    assert_eq!(report.summary.functions, 3);
}

/// SAM's `{api}/authorizers/*` and the Serverless Framework's `{api}/*/*` cover an authorizer;
/// a statement for the path of the method it guards does not.
#[tokio::test]
async fn authorizer_permissions_in_tool_shapes() {
    let (_, sdk, fleet) = new_fleet().await;
    let names = ["orders-fn", "sam-auth-fn", "sls-auth-fn", "path-auth-fn"];
    let arns = functions(&fleet, &names).await;
    let api = fleet.create_api("authorizers").await;
    let sam = api.authorizer("sam", AuthorizerKind::Token, &arns[1]).await;
    let sls = api
        .authorizer("sls", AuthorizerKind::Request, &arns[2])
        .await;
    let path = api
        .authorizer("path", AuthorizerKind::Token, &arns[3])
        .await;
    guarded_method(&api, "/a", &arns[0], &sam).await;
    guarded_method(&api, "/b", &arns[0], &sls).await;
    guarded_method(&api, "/c", &arns[0], &path).await;
    fleet.permit("orders-fn", None).serverless(&api.id).await;
    fleet
        .permit("sam-auth-fn", None)
        .sam_authorizer(&api.id)
        .await;
    fleet.permit("sls-auth-fn", None).serverless(&api.id).await;
    let wrong = fleet
        .permit("path-auth-fn", None)
        .sam(&api.id, "GET", "/c")
        .await;
    stages(&api, &["prod"]).await;

    let report = audit(&sdk).await;

    none(&report, MISSING);
    let finding = only(&report, AUTHORIZER_MISSING);
    assert_eq!(finding.authorizer.as_ref().map(|a| &a.id), Some(&path));
    assert_eq!(finding.function.as_ref(), Some(&arns[3]));
    assert_eq!(reason(finding), "source-arn-mismatch");
    assert_eq!(statement_ids(finding), sids(&wrong));
    assert_add_permission(finding, None, &api.authorizer_source_arn(&path));
}
