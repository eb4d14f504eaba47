//! Functions that cannot run at all: `function-not-active` (a version whose initialisation
//! failed) and `function-concurrency-zero` (reserved concurrency 0).

use apigw_auditor::report::Severity;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime, SnapStart, SnapStartApplyOn, State};
use serde_json::json;

use crate::common::{assert_fail, remediation};
use crate::support::audit::{audit, only};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{fn_zip, function_arn, Fleet};
use crate::support::new_fleet;

// ---------------------------------------------------------------------------------------------
// function-not-active
// ---------------------------------------------------------------------------------------------

/// A deterministic `Failed` function: ministack keeps every function `Pending` for a fixed 0.5 s
/// after CreateFunction/UpdateFunction* and then flips it to `Active`/`Successful`
/// (`lambda_svc._schedule_state_transition`) — auditing inside that window would be a race, and
/// it never fails an update. What it does deterministically: a version published with
/// SnapStart (`ApplyOn=PublishedVersions`, python3.12) initialises its runtime at publish time
/// (`_snapstart_provision_version_async`) and lands in `State=Failed` when the module raises on
/// import — as AWS reports a failed snapshot. Returns the alias ARN pointing at that version,
/// once the version is `Failed`.
async fn failed_snapstart_alias(fleet: &Fleet, name: &str, alias: &str) -> String {
    let zip = fn_zip(&[(
        "lambda_function.py",
        "raise RuntimeError('init failed on purpose')\n\n\
         def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': ''}\n",
        0o644,
    )]);
    fleet
        .lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .handler("lambda_function.lambda_handler")
        .role(fleet.lambda_role().await)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .snap_start(
            SnapStart::builder()
                .apply_on(SnapStartApplyOn::PublishedVersions)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "CreateFunction {name}: {}",
                aws_sdk_lambda::error::DisplayErrorContext(e)
            )
        });
    // $LATEST has no snapshot: it becomes Active like any function.
    fleet.wait_active(name, None).await;
    let version = fleet
        .lambda
        .publish_version()
        .function_name(name)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PublishVersion {name}: {}",
                aws_sdk_lambda::error::DisplayErrorContext(e)
            )
        })
        .version()
        .expect("PublishVersion returns the version")
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let config = fleet
            .lambda
            .get_function_configuration()
            .function_name(name)
            .qualifier(&version)
            .send()
            .await
            .expect("GetFunctionConfiguration of the version");
        match config.state() {
            Some(State::Failed) => break,
            Some(State::Pending) => {}
            other => panic!("version {version} of {name} is {other:?}, expected Failed"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "version {version} of {name} still Pending after 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    fleet.create_alias(name, alias, &version).await
}

/// The alias `live` points at a version whose initialisation failed (`State=Failed`): one high
/// finding naming the alias, with the state and its reason as evidence; the Active function
/// next to it is quiet.
#[tokio::test]
async fn function_not_active_when_its_version_failed() {
    let (account, sdk, fleet) = new_fleet().await;
    let broken = failed_snapstart_alias(&fleet, "checkout", "live").await;
    let healthy = fleet.python_function("catalog").await;
    let api = fleet.create_api("shop").await;
    api.lambda_proxy_method("/checkout", "POST", &broken, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/catalog", "GET", &healthy, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, "function-not-active");
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(
        f.function.as_deref(),
        Some(function_arn(&account, "checkout", Some("live")).as_str())
    );
    // A function-level finding: not tied to one API, route or stage; the routes are evidence.
    assert!(
        f.api.is_none() && f.route.is_none() && f.stages.is_empty(),
        "{f:#?}"
    );
    assert_eq!(
        f.evidence["routes"],
        json!([format!("{} (shop) prod POST /checkout", api.id)])
    );
    assert_eq!(f.evidence["state"], "Failed");
    let reason = f.evidence["state_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("init failed on purpose"), "{f:#?}");
    assert!(
        f.message.starts_with("checkout:live is in state Failed (")
            && f.message.contains("every call fails with 500"),
        "{}",
        f.message
    );
    let fix = remediation(f);
    assert!(
        fix.starts_with(
            "aws lambda get-function-configuration --function-name checkout \
             --region us-east-1 --qualifier live --query"
        ),
        "{fix}"
    );
    assert!(fix.contains("update-function-code"), "{fix}");
}

// ---------------------------------------------------------------------------------------------
// function-concurrency-zero
// ---------------------------------------------------------------------------------------------

const CONCURRENCY_ZERO: &str = "function-concurrency-zero";

/// Reserved concurrency 0 on `pets`, integrated through two aliases: ONE finding naming the
/// unqualified function (the setting belongs to the function, not to a qualifier) and listing
/// the routes of both aliases. `toys`, without a reservation, and `birds`, reserved 5, are quiet.
#[tokio::test]
async fn concurrency_zero_is_one_finding_per_function() {
    let (account, sdk, fleet) = new_fleet().await;
    fleet.python_function("pets").await;
    let version = fleet.publish_version("pets").await;
    let live = fleet.create_alias("pets", "live", &version).await;
    let beta = fleet.create_alias("pets", "beta", &version).await;
    fleet.put_reserved_concurrency("pets", 0).await;
    let toys = fleet.python_function("toys").await;
    let birds = fleet.python_function("birds").await;
    fleet.put_reserved_concurrency("birds", 5).await;

    let api = fleet.create_api("zoo").await;
    api.lambda_proxy_method("/pets", "GET", &live, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/pets/beta", "GET", &beta, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/toys", "GET", &toys, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/birds", "GET", &birds, MethodOptions::default())
        .await;
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;
    let f = only(&report, CONCURRENCY_ZERO);
    assert_fail(f, &account, Severity::High, Some(500));
    assert_eq!(
        f.function.as_deref(),
        Some(function_arn(&account, "pets", None).as_str())
    );
    assert!(
        f.api.is_none() && f.route.is_none() && f.stages.is_empty(),
        "{f:#?}"
    );
    assert_eq!(f.evidence["reserved_concurrency"], 0);
    assert_eq!(
        f.evidence["routes"],
        json!([
            format!("{} (zoo) prod GET /pets", api.id),
            format!("{} (zoo) prod GET /pets/beta", api.id),
        ])
    );
    assert!(
        f.message.starts_with("pets has reserved concurrency 0"),
        "{}",
        f.message
    );
    assert_eq!(
        remediation(f),
        "aws lambda delete-function-concurrency --function-name pets --region us-east-1"
    );
}
