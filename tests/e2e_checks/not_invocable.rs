//! `integration-target-not-invocable`: the target exists but Lambda refuses the call API Gateway
//! makes (docs/aws-facts.md §11.2–§11.4) — a durable function named without a qualifier, the
//! `$LATEST` of a Lambda Managed Instances function or an unqualified one with no published
//! version, a tenant-isolated function whose integration does not map `X-Amz-Tenant-Id`. Each
//! sits next to the same function reached the right way, which must be quiet.
//!
//! ministack stores `DurableConfig`, `TenancyConfig` and `CapacityProviderConfig` as given and
//! returns them from GetFunction, which is all the check reads. It has no `$LATEST.PUBLISHED`
//! version (PublishVersion has no `PublishTo`), so "an unqualified Managed Instances target whose
//! `$LATEST.PUBLISHED` exists" cannot be built here; the check's unit tests cover it
//! (`src/checks/integration_target_not_invocable.rs`).

use apigw_auditor::report::Severity;
use aws_sdk_lambda::types::{
    CapacityProviderConfig, DurableConfig, LambdaManagedInstancesCapacityProviderConfig,
    TenancyConfig, TenantIsolationMode,
};

use crate::common::{assert_api, assert_fail, reason, remediation, route, MISSING};
use crate::support::audit::{audit, findings, none};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{fn_zip, Fleet, PYTHON_OK_HANDLER};
use crate::support::new_fleet;

const CHECK: &str = "integration-target-not-invocable";

/// The tenant id mapping the check looks for.
const TENANT_HEADER: &str = "integration.request.header.X-Amz-Tenant-Id";

/// A Python function created with extra CreateFunction settings.
async fn configured(
    fleet: &Fleet,
    name: &str,
    configure: impl FnOnce(
        aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
    )
        -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
) -> String {
    let zip = fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)]);
    fleet
        .create_function_configured(
            name,
            "python3.12",
            "lambda_function.lambda_handler",
            zip,
            configure,
        )
        .await
}

/// A durable function reached unqualified is refused (high, 500, fix names a version or alias
/// and redeploys); the same function through its alias is invocable.
#[tokio::test]
async fn a_durable_function_must_be_named_with_a_qualifier() {
    let (account, sdk, fleet) = new_fleet().await;
    let orders = configured(&fleet, "orders", |create| {
        create.durable_config(DurableConfig::builder().execution_timeout(3600).build())
    })
    .await;
    let version = fleet.publish_version("orders").await;
    let live = fleet.create_alias("orders", "live", &version).await;
    let api = fleet.create_api("shop").await;
    api.lambda_proxy_method("/orders", "POST", &orders, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/orders/live", "POST", &live, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    fleet.permit("orders", None).serverless(&api.id).await;
    fleet
        .permit("orders", Some("live"))
        .serverless(&api.id)
        .await;

    let report = audit(&sdk).await;
    let found = findings(&report, CHECK);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_fail(f, &account, Severity::High, Some(500));
    assert_api(f, &api);
    assert_eq!(route(f), ("POST", "/orders"));
    assert_eq!(reason(f), "durable-unqualified");
    assert_eq!(f.function.as_deref(), Some(orders.as_str()));
    assert!(f.message.contains("durable function"), "{}", f.message);
    let fix = remediation(f);
    assert!(
        fix.contains("--qualifier ALIAS")
            && fix.contains("op=replace,path=/uri")
            && fix.contains("create-deployment"),
        "{fix}"
    );
    none(&report, MISSING);
}

/// A Lambda Managed Instances function: its `$LATEST` is never invoked (finding, fix points the
/// URI at the unqualified function); a published version is fine; another such function with no
/// published version, reached unqualified, has nothing to run (fix publishes one).
#[tokio::test]
async fn the_latest_of_a_managed_instances_function_is_not_invocable() {
    let (account, sdk, fleet) = new_fleet().await;
    let provider = format!("arn:aws:lambda:us-east-1:{account}:capacity-provider:fleet");
    let managed = |provider: String| {
        move |create: aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder| {
            create.capacity_provider_config(
                CapacityProviderConfig::builder()
                    .lambda_managed_instances_capacity_provider_config(
                        LambdaManagedInstancesCapacityProviderConfig::builder()
                            .capacity_provider_arn(provider)
                            .build()
                            .expect("capacity provider ARN set"),
                    )
                    .build(),
            )
        }
    };
    let search = configured(&fleet, "search", managed(provider.clone())).await;
    let fresh = configured(&fleet, "fresh", managed(provider)).await;
    let version = fleet.publish_version("search").await;
    let api = fleet.create_api("catalog").await;
    api.lambda_proxy_method(
        "/latest",
        "GET",
        &format!("{search}:$LATEST"),
        MethodOptions::default(),
    )
    .await;
    api.lambda_proxy_method(
        "/version",
        "GET",
        &format!("{search}:{version}"),
        MethodOptions::default(),
    )
    .await;
    api.lambda_proxy_method("/fresh", "GET", &fresh, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let mut found = findings(&report, CHECK);
    found.sort_by_key(|f| route(f).1.to_string());
    assert_eq!(found.len(), 2, "{found:#?}");

    let unpublished = found[0];
    assert_fail(unpublished, &account, Severity::High, Some(500));
    assert_eq!(route(unpublished), ("GET", "/fresh"));
    assert_eq!(reason(unpublished), "latest-not-invocable");
    assert_eq!(unpublished.evidence["no_published_version"], true);
    assert!(
        remediation(unpublished).starts_with(
            "aws lambda publish-version --function-name fresh --publish-to LATEST_PUBLISHED"
        ),
        "{}",
        remediation(unpublished)
    );

    let latest = found[1];
    assert_fail(latest, &account, Severity::High, Some(500));
    assert_eq!(route(latest), ("GET", "/latest"));
    assert_eq!(reason(latest), "latest-not-invocable");
    assert_eq!(latest.evidence["no_published_version"], false);
    let fix = remediation(latest);
    assert!(
        fix.contains(&format!(
            "value=arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{search}/invocations"
        )),
        "the fix names the unqualified function: {fix}"
    );
}

/// A function with tenant isolation needs `X-Amz-Tenant-Id` on every invocation: the route
/// whose integration maps it is quiet, the one that does not is reported with a fix adding the
/// mapping; an ordinary function next to them needs nothing.
#[tokio::test]
async fn a_tenant_isolated_function_needs_the_tenant_id_mapped() {
    let (account, sdk, fleet) = new_fleet().await;
    let isolated = configured(&fleet, "ledger", |create| {
        create.tenancy_config(
            TenancyConfig::builder()
                .tenant_isolation_mode(TenantIsolationMode::PerTenant)
                .build()
                .expect("isolation mode set"),
        )
    })
    .await;
    let plain = fleet.python_function("plain").await;
    let api = fleet.create_api("books").await;
    api.lambda_proxy_method("/ledger", "GET", &isolated, MethodOptions::default())
        .await;
    api.lambda_proxy_method(
        "/ledger/mapped",
        "GET",
        &isolated,
        MethodOptions::default().request_parameter(TENANT_HEADER, "context.authorizer.tenantId"),
    )
    .await;
    api.lambda_proxy_method("/plain", "GET", &plain, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;
    fleet.permit("ledger", None).serverless(&api.id).await;
    fleet.permit("plain", None).serverless(&api.id).await;

    let report = audit(&sdk).await;
    let found = findings(&report, CHECK);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(route(f), ("GET", "/ledger"));
    assert_eq!(reason(f), "tenant-id-not-mapped");
    let fix = remediation(f);
    assert!(
        fix.contains(&format!("path=/requestParameters/{TENANT_HEADER}"))
            && fix.contains("create-deployment"),
        "{fix}"
    );
    none(&report, MISSING);
}
