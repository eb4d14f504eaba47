//! What each stage serves: collection reads every deployment a stage points at with GetExport
//! (oas30, extensions=integrations), once per distinct deployment, and the checks judge it;
//! `stage-not-redeployed` compares it with the current configuration.
//!
//! Emulator limit (ministack): its GetExport builds the document from the API's *current*
//! resources, not from the deployment's snapshot as AWS does, so a stage that really serves an
//! older deployment cannot be built here. These scenarios therefore run on the current
//! configuration: they prove that the export is read, parsed and matched to the current
//! configuration method by method (any parsing slip would show as a difference or an `error`
//! finding), with the call counts; the detection of real differences is unit-tested on export
//! documents shaped like AWS's (`src/inventory/export.rs`, `src/checks/stage_not_redeployed.rs`).

use apigw_auditor::config::IntegrationsSource;
use apigw_auditor::report::Status;
use serde_json::json;

use crate::common::{functions, MISSING};
use crate::support::audit::{audit, audit_with, config, findings, none};
use crate::support::emulator::{Emulator, Microburst};
use crate::support::fleet::apigw::{AuthorizerKind, MethodOptions};
use crate::support::{new_fleet, sdk_config};

const NOT_REDEPLOYED: &str = "stage-not-redeployed";

#[tokio::test]
async fn exports_are_read_once_per_deployment_and_match_the_current_configuration() {
    let (_, sdk, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["pets-fn", "auth-fn", "nopolicy-fn"]).await;
    let role = fleet.apigateway_invoke_role("apigw-invoke").await;
    let api = fleet.create_api("snapshots").await;
    let authorizer = api
        .authorizer("token", AuthorizerKind::Token, &arns[1])
        .await;
    api.lambda_proxy_method("/pets", "GET", &arns[0], MethodOptions::default())
        .await;
    api.lambda_proxy_method(
        "/pets/{id}",
        "ANY",
        &arns[0],
        MethodOptions::default().authorizer(&authorizer),
    )
    .await;
    api.lambda_proxy_method(
        "/role",
        "POST",
        &arns[2],
        MethodOptions::default().credentials(&role),
    )
    .await;
    api.lambda_proxy_method("/", "GET", &arns[2], MethodOptions::default())
        .await;
    fleet.permit("pets-fn", None).serverless(&api.id).await;
    fleet.permit("auth-fn", None).serverless(&api.id).await;
    // prod and dev share a deployment; old has one of its own.
    let deployment = api.deploy("prod", &[]).await;
    api.stage("dev", &deployment, &[]).await;
    api.deploy("old", &[]).await;

    let deployed = audit(&sdk).await;

    none(&deployed, NOT_REDEPLOYED);
    assert!(deployed.errors.is_empty(), "{:?}", deployed.errors);
    assert_eq!(deployed.summary.api_calls["apigateway:GetExport"], 2);
    // The routes read from the export are judged: GET / has no permission on any stage; the
    // method with a role and the authorizer are recognised as such.
    let missing = findings(&deployed, MISSING);
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0].route.as_ref().unwrap().path, "/");
    assert_eq!(missing[0].stages, ["dev", "old", "prod"]);
    none(&deployed, "authorizer-invoke-permission-missing");
    none(&deployed, "integration-role-invalid");

    // `integrations = "current"` reads no export and judges the same routes.
    let mut current = config();
    current.collect.integrations = IntegrationsSource::Current;
    let report = audit_with(&current, &sdk).await;
    assert!(!report
        .summary
        .api_calls
        .contains_key("apigateway:GetExport"));
    assert_eq!(report.summary.routes, deployed.summary.routes);
    let fingerprints = |r: &apigw_auditor::report::Report| {
        let mut f: Vec<String> = r.findings.iter().map(|f| f.fingerprint.clone()).collect();
        f.sort();
        f
    };
    assert_eq!(fingerprints(&report), fingerprints(&deployed));
}

/// An export that cannot be read (AccessDenied, injected by the fault proxy) is an `error`
/// finding for the stage; the other checks judge the current configuration of that stage.
#[tokio::test]
async fn an_unreadable_export_is_an_error_finding_and_the_current_configuration_is_judged() {
    let (account, _, fleet) = new_fleet().await;
    let arns = functions(&fleet, &["pets-fn"]).await;
    let api = fleet.create_api("denied-export").await;
    api.lambda_proxy_method("/pets", "GET", &arns[0], MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    let proxy = Microburst::start(Emulator::shared().endpoint_url());
    proxy.set_rules(json!([{
        "service": "apigateway",
        "operation": "GetExport",
        "error": {"code": "AccessDeniedException", "status": 403,
                  "message": "User is not authorized to perform: apigateway:GET"}
    }]));
    let sdk = sdk_config(proxy.endpoint_url(), &account).await;

    let report = audit(&sdk).await;

    let stage = crate::support::audit::only(&report, NOT_REDEPLOYED);
    assert_eq!(stage.status, Status::Error);
    assert_eq!(stage.stages, ["prod"]);
    assert!(
        stage.message.contains("apigateway:GetExport"),
        "{}",
        stage.message
    );
    let missing = crate::support::audit::only(&report, MISSING);
    assert_eq!(missing.status, Status::Fail);
    assert_eq!(missing.stages, ["prod"]);
}
