//! Smoke tests of the e2e harness itself (`tests/support/`): the emulator starts, accounts are
//! isolated, the fleet builder creates what it says through the real SDK, zips keep their modes,
//! and microburst injects faults. If these fail, every other e2e test is suspect.

mod support;

use std::io::{Cursor, Read};

use aws_sdk_lambda::error::ProvideErrorMetadata;
use serde_json::{json, Value};

use support::emulator::{Emulator, Microburst};
use support::fleet::apigw::{AuthorizerKind, MethodOptions};
use support::fleet::permissions::{
    cdk_source_arns, console_source_arn, sam_source_arn, serverless_source_arn,
    terraform_source_arn,
};
use support::fleet::{fn_zip, integration_uri, Fleet, PYTHON_OK_HANDLER};
use support::{http, new_account, new_fleet, sdk_config};

/// The statements of a GetPolicy answer (none when there is no policy: ministack answers an empty
/// statement list where AWS answers ResourceNotFoundException).
async fn policy_statements(fleet: &Fleet, function: &str, qualifier: Option<&str>) -> Vec<Value> {
    let result = fleet
        .lambda
        .get_policy()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await;
    match result {
        Ok(out) => {
            let policy: Value = serde_json::from_str(out.policy().unwrap_or("{}")).unwrap();
            policy["Statement"].as_array().cloned().unwrap_or_default()
        }
        Err(e) if e.code() == Some("ResourceNotFoundException") => vec![],
        Err(e) => panic!(
            "GetPolicy {function}: {}",
            aws_sdk_lambda::error::DisplayErrorContext(e)
        ),
    }
}

fn zip_modes(zip: &[u8]) -> Vec<(String, u32)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a valid zip");
    (0..archive.len())
        .map(|i| {
            let entry = archive.by_index(i).unwrap();
            let mode = entry.unix_mode().expect("unix mode recorded");
            (entry.name().to_string(), mode)
        })
        .collect()
}

#[test]
fn new_accounts_are_unique_twelve_digit_ids() {
    let a = new_account();
    let b = new_account();
    for id in [&a, &b] {
        assert_eq!(id.len(), 12, "{id}");
        assert!(id.bytes().all(|c| c.is_ascii_digit()), "{id}");
        assert_ne!(id, support::emulator::DEFAULT_ACCOUNT);
    }
    assert_ne!(a, b);
}

#[test]
fn fn_zip_keeps_unix_modes() {
    let zip = fn_zip(&[
        ("lambda_function.py", PYTHON_OK_HANDLER, 0o644),
        ("private.py", "SECRET = 1\n", 0o600),
        ("bootstrap", "#!/bin/sh\n", 0o755),
        ("lib/", "", 0o700),
        ("lib/util.py", "", 0o640),
    ]);
    let modes = zip_modes(&zip);
    assert_eq!(
        modes,
        vec![
            ("lambda_function.py".to_string(), 0o100644),
            ("private.py".to_string(), 0o100600),
            ("bootstrap".to_string(), 0o100755),
            ("lib/".to_string(), 0o040700),
            ("lib/util.py".to_string(), 0o100640),
        ]
    );
    let mut archive = zip::ZipArchive::new(Cursor::new(&zip[..])).unwrap();
    let mut handler = String::new();
    archive
        .by_name("lambda_function.py")
        .unwrap()
        .read_to_string(&mut handler)
        .unwrap();
    assert_eq!(handler, PYTHON_OK_HANDLER);
}

#[test]
fn source_arn_shapes_follow_the_tools() {
    let a = "111122223333";
    let p = "arn:aws:execute-api:us-east-1:111122223333:abc";
    assert_eq!(
        sam_source_arn(a, "abc", "GET", "/pets/{id}"),
        format!("{p}/*/GET/pets/*")
    );
    assert_eq!(
        sam_source_arn(a, "abc", "ANY", "/{proxy+}"),
        format!("{p}/*/*/*")
    );
    assert_eq!(sam_source_arn(a, "abc", "GET", "/"), format!("{p}/*/GET/"));
    assert_eq!(
        sam_source_arn(a, "abc", "GET", "/pets/"),
        format!("{p}/*/GET/pets")
    );
    assert_eq!(
        cdk_source_arns(a, "abc", "ANY", "/pets/{id}", "prod"),
        [
            format!("{p}/prod/*/pets/*"),
            format!("{p}/test-invoke-stage/*/pets/*")
        ]
    );
    assert_eq!(serverless_source_arn(a, "abc"), format!("{p}/*/*"));
    assert_eq!(terraform_source_arn(a, "abc"), format!("{p}/*"));
    assert_eq!(
        console_source_arn(a, "abc", "GET", "/pets/{id}"),
        format!("{p}/*/GET/pets/{{id}}")
    );
    assert_eq!(
        integration_uri("arn:aws:lambda:us-east-1:111122223333:function:f:${stageVariables.alias}"),
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/\
         arn:aws:lambda:us-east-1:111122223333:function:f:${stageVariables.alias}/invocations"
    );
    let uri = integration_uri("arn:aws:lambda:us-east-1:111122223333:function:f");
    assert_eq!(
        integration_uri(&uri),
        uri,
        "an integration URI is passed through"
    );
}

#[tokio::test]
async fn accounts_are_isolated() {
    let (account_a, _, fleet_a) = new_fleet().await;
    let (account_b, _, fleet_b) = new_fleet().await;
    assert_ne!(account_a, account_b);
    assert_eq!(fleet_a.account().await, account_a);

    let api = fleet_a.create_api("isolation").await;
    let function = fleet_a.python_function("isolation-fn").await;
    assert!(
        function.contains(&format!(":{account_a}:function:")),
        "{function}"
    );

    let ids = |out: aws_sdk_apigateway::operation::get_rest_apis::GetRestApisOutput| {
        out.items()
            .iter()
            .filter_map(|a| a.id().map(str::to_string))
            .collect::<Vec<_>>()
    };
    let in_a = ids(fleet_a.apigw.get_rest_apis().send().await.unwrap());
    let in_b = ids(fleet_b.apigw.get_rest_apis().send().await.unwrap());
    assert_eq!(in_a, vec![api.id.clone()]);
    assert!(in_b.is_empty(), "account {account_b} sees {in_b:?}");
    assert!(fleet_b
        .apigw
        .get_rest_api()
        .rest_api_id(&api.id)
        .send()
        .await
        .is_err());

    let functions_b = fleet_b.lambda.list_functions().send().await.unwrap();
    assert!(functions_b.functions().is_empty(), "{functions_b:?}");
}

#[tokio::test]
async fn function_alias_and_permission_round_trip() {
    let (account, _, fleet) = new_fleet().await;
    let zip = fn_zip(&[
        ("lambda_function.py", PYTHON_OK_HANDLER, 0o644),
        ("secret.py", "X = 1\n", 0o600),
    ]);
    let arn = fleet
        .create_function(
            "pets-get",
            "python3.12",
            "lambda_function.lambda_handler",
            zip,
            10,
        )
        .await;
    assert_eq!(
        arn,
        support::fleet::function_arn(&account, "pets-get", None)
    );
    let version = fleet.publish_version("pets-get").await;
    let alias_arn = fleet.create_alias("pets-get", "live", &version).await;
    assert_eq!(alias_arn, format!("{arn}:live"));

    let api = fleet.create_api("pets").await;
    let grants = fleet
        .permit("pets-get", Some("live"))
        .sam(&api.id, "GET", "/pets/{id}")
        .await;
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].source_arn, api.execute_api_arn("*/GET/pets/*"));

    let statements = policy_statements(&fleet, "pets-get", Some("live")).await;
    let statement = statements
        .iter()
        .find(|s| s["Sid"] == json!(grants[0].statement_id))
        .unwrap_or_else(|| panic!("{} not in {statements:#?}", grants[0].statement_id));
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], "lambda:InvokeFunction");
    assert_eq!(
        statement["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    assert_eq!(statement["Resource"], json!(alias_arn));
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        json!(grants[0].source_arn)
    );

    // Not asserted: the unqualified policy. ministack also returns the alias's statements there
    // (AWS keeps them apart), which is the auditor's problem to handle, not the harness's.

    // The package downloads from Code.Location with its modes intact.
    let function = fleet
        .lambda
        .get_function()
        .function_name("pets-get")
        .send()
        .await
        .unwrap();
    let location = function
        .code()
        .and_then(|c| c.location())
        .expect("Code.Location");
    let modes = zip_modes(&http::get_ok(location).body);
    assert!(
        modes.contains(&("secret.py".to_string(), 0o100600)),
        "{modes:?}"
    );

    fleet.put_reserved_concurrency("pets-get", 0).await;
    let concurrency = fleet
        .lambda
        .get_function_concurrency()
        .function_name("pets-get")
        .send()
        .await
        .unwrap();
    assert_eq!(concurrency.reserved_concurrent_executions(), Some(0));
}

#[tokio::test]
async fn api_builder_round_trips() {
    let (_, _, fleet) = new_fleet().await;
    let function = fleet.python_function("api-fn").await;
    let api = fleet.create_api("builder").await;
    let authorizer = api
        .authorizer("tok", AuthorizerKind::Token, &function)
        .await;
    let pets_id = api
        .lambda_proxy_method(
            "/pets/{id}",
            "GET",
            &format!("{function}:${{stageVariables.alias}}"),
            MethodOptions::default().authorizer(&authorizer),
        )
        .await;
    api.lambda_proxy_method(
        "/{proxy+}",
        "ANY",
        &function,
        MethodOptions::default()
            .integration_http_method("GET")
            .timeout_ms(5000),
    )
    .await;
    api.lambda_proxy_method("/", "GET", &function, MethodOptions::default())
        .await;
    assert_eq!(
        api.resource("/pets/{id}").await,
        pets_id,
        "resources are reused"
    );
    let deployment = api.deploy("prod", &[("alias", "live")]).await;
    api.stage("beta", &deployment, &[("alias", "beta")]).await;

    let resources = fleet
        .apigw
        .get_resources()
        .rest_api_id(&api.id)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let mut paths: Vec<&str> = resources.items().iter().filter_map(|r| r.path()).collect();
    paths.sort();
    assert_eq!(paths, ["/", "/pets", "/pets/{id}", "/{proxy+}"]);

    let method = fleet
        .apigw
        .get_method()
        .rest_api_id(&api.id)
        .resource_id(&pets_id)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(method.authorization_type(), Some("CUSTOM"));
    assert_eq!(method.authorizer_id(), Some(authorizer.as_str()));
    let integration = method.method_integration().expect("integration");
    assert_eq!(integration.r#type().map(|t| t.as_str()), Some("AWS_PROXY"));
    assert_eq!(integration.http_method(), Some("POST"));
    assert_eq!(
        integration.uri(),
        Some(integration_uri(&format!("{function}:${{stageVariables.alias}}")).as_str())
    );

    let proxy_id = api.resource("/{proxy+}").await;
    let proxy = fleet
        .apigw
        .get_integration()
        .rest_api_id(&api.id)
        .resource_id(&proxy_id)
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(proxy.http_method(), Some("GET"));
    assert_eq!(proxy.timeout_in_millis(), 5000);

    let stages = fleet
        .apigw
        .get_stages()
        .rest_api_id(&api.id)
        .send()
        .await
        .unwrap();
    let mut stages: Vec<(String, Option<String>, Option<String>)> = stages
        .item()
        .iter()
        .map(|s| {
            let alias = s.variables().and_then(|v| v.get("alias")).cloned();
            (
                s.stage_name().unwrap_or_default().to_string(),
                s.deployment_id().map(str::to_string),
                alias,
            )
        })
        .collect();
    stages.sort();
    assert_eq!(
        stages,
        [
            (
                "beta".to_string(),
                Some(deployment.clone()),
                Some("beta".to_string())
            ),
            (
                "prod".to_string(),
                Some(deployment.clone()),
                Some("live".to_string())
            ),
        ]
    );
    assert_eq!(
        api.route_source_arn("prod", "GET", "/"),
        format!(
            "arn:aws:execute-api:us-east-1:{}:{}/prod/GET/",
            api.account, api.id
        )
    );
}

#[tokio::test]
async fn microburst_denies_get_policy_but_not_get_function() {
    let emulator = Emulator::shared();
    let (account, _, fleet) = new_fleet().await;
    fleet.python_function("guarded").await;
    fleet.permit("guarded", None).serverless("abcdefgh").await;

    let proxy = Microburst::start(emulator.endpoint_url());
    let stored = proxy.set_rules(json!([{
        "service": "lambda",
        "operation": "GetPolicy",
        "error": {
            "code": "AccessDeniedException",
            "status": 403,
            "message": "User is not authorized to perform lambda:GetPolicy"
        }
    }]));
    assert_eq!(stored.as_array().map(Vec::len), Some(1), "{stored}");
    let through_proxy = Fleet::new(&sdk_config(proxy.endpoint_url(), &account).await);

    let denied = through_proxy
        .lambda
        .get_policy()
        .function_name("guarded")
        .send()
        .await
        .expect_err("GetPolicy is denied through the proxy");
    assert_eq!(denied.code(), Some("AccessDeniedException"), "{denied:?}");

    let function = through_proxy
        .lambda
        .get_function()
        .function_name("guarded")
        .send()
        .await
        .expect("GetFunction passes through");
    assert_eq!(
        function.configuration().and_then(|c| c.function_name()),
        Some("guarded")
    );
    // Direct to the emulator, the policy is there.
    assert_eq!(policy_statements(&fleet, "guarded", None).await.len(), 1);

    let fired = proxy.fired();
    assert_eq!(fired.len(), 1, "{fired:#?}");
    assert_eq!(fired[0]["operation"], "GetPolicy");

    // Dropping the proxy stops it (SIGKILL is delivered asynchronously: allow a moment).
    let health = format!("{}/_microburst/health", proxy.endpoint_url());
    drop(proxy);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while http::request("GET", &health, None).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "microburst still answers after drop"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
