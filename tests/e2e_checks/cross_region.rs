//! Targets in another region: an API in us-east-1 whose integration URIs name functions in
//! us-west-2. Collection reads those functions (and their policies) in us-west-2, and the source
//! ARN API Gateway presents uses the function's region (docs/aws-facts.md §1): a permission written with
//! the API's region — the usual mistake — does not match, one with the function's region does.

use aws_config::Region;

use crate::common::{reason, remediation, MISSING};
use crate::support::audit::{audit, only};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::Fleet;
use crate::support::new_fleet;

const WEST: &str = "us-west-2";

/// `arn:aws:apigateway:us-west-2:lambda:path/.../functions/{arn}/invocations`: the first region of
/// an integration URI is the function's.
fn west_uri(function_arn: &str) -> String {
    format!("arn:aws:apigateway:{WEST}:lambda:path/2015-03-31/functions/{function_arn}/invocations")
}

#[tokio::test]
async fn a_function_in_another_region_is_read_there_and_judged_with_its_region() {
    let (account, sdk, east) = new_fleet().await;
    let west = Fleet::new(&sdk.to_builder().region(Region::new(WEST)).build());
    let (right, wrong) = tokio::join!(
        west.python_function("west-right"),
        west.python_function("west-wrong")
    );
    assert!(right.contains(&format!(":lambda:{WEST}:")), "{right}");

    let api = east.create_api("cross-region").await;
    api.lambda_proxy_method("/right", "GET", &west_uri(&right), MethodOptions::default())
        .await;
    api.lambda_proxy_method("/wrong", "GET", &west_uri(&wrong), MethodOptions::default())
        .await;
    let west_source = format!(
        "arn:aws:execute-api:{WEST}:{account}:{}/*/GET/right",
        api.id
    );
    // Written with the API's region: never what API Gateway presents for a us-west-2 function.
    let east_source = api.execute_api_arn("*/GET/wrong");
    let apigw = "apigateway.amazonaws.com";
    west.add_permission("west-right", None, "right", apigw, Some(&west_source), None)
        .await;
    west.add_permission("west-wrong", None, "wrong", apigw, Some(&east_source), None)
        .await;
    api.deploy("prod", &[]).await;

    // Only us-east-1 is audited: the functions are read in us-west-2 all the same.
    let report = audit(&sdk).await;

    assert_eq!(report.summary.functions, 2);
    assert_eq!(report.summary.api_calls["lambda:GetFunction"], 2);
    let finding = only(&report, MISSING);
    assert_eq!(finding.route.as_ref().unwrap().path, "/wrong");
    assert_eq!(finding.function.as_deref(), Some(wrong.as_str()));
    assert_eq!(reason(finding), "source-arn-mismatch");
    let presented = format!(
        "arn:aws:execute-api:{WEST}:{account}:{}/prod/GET/wrong",
        api.id
    );
    assert_eq!(finding.evidence["source_arns"][0], presented.as_str());
    let fix = remediation(finding);
    assert!(fix.contains(&format!("--region {WEST}")), "{fix}");
    assert!(fix.contains(&format!("--source-arn {presented}")), "{fix}");
    // The target was found: no integration-target-missing for either route.
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.check != "integration-target-missing"),
        "{:#?}",
        report.findings
    );
}
