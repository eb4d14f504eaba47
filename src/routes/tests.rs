//! Every integration URI form through the route model: a URI meant for Lambda becomes a route
//! target that is either judged (a function ARN and the Lambda API it calls) or reported — never
//! dropped — and a URI not meant for Lambda is counted by its integration type. The table holds
//! every form API Gateway accepts (docs/aws-facts.md §1 "Integration URI facts", §11.1 for the
//! response-streaming form); the property test feeds any string.

use proptest::prelude::*;

use super::*;
use crate::arn::{ArnError, LambdaAction};
use crate::inventory::{Integration, ScopeInventory};
use crate::testkit::{api, proxy_integration, scope};

/// What the route model makes of one `AWS_PROXY` method with this URI on stage `prod`
/// (variables `alias=live`, `fn=pets`, `account=210987654321`, `region=eu-west-1`).
#[derive(Debug, PartialEq)]
enum Outcome {
    /// A route target resolved to this function, calling this Lambda API.
    Judged(String, LambdaAction),
    /// A route target the auditor cannot judge (`unjudgeable`, counted in `summary.unaudited`).
    Unjudgeable,
    /// A route target whose stage variables do not resolve to a function: undefined, unterminated,
    /// or a value that makes no valid ARN (`stage-variable-unresolved`).
    StageVariable,
    /// Not a Lambda integration: no route target, counted by type.
    NotLambda,
}

fn inventory_with(uri: &str) -> ScopeInventory {
    let integration = Integration {
        uri: Some(uri.to_string()),
        ..proxy_integration("unused")
    };
    scope()
        .api(
            api("a1b2c3", "shop")
                .integration("GET", "/p", integration)
                .stage_vars(
                    "prod",
                    &[
                        ("alias", "live"),
                        ("fn", "pets"),
                        ("account", "210987654321"),
                        ("region", "eu-west-1"),
                    ],
                ),
        )
        .build()
}

fn outcome(uri: &str) -> Outcome {
    let inventory = inventory_with(uri);
    let routes = ScopeRoutes::new(&inventory);
    let kind = integration_counts(&inventory)
        .into_keys()
        .collect::<Vec<_>>()
        .join(",");
    match routes.targets.as_slice() {
        [] => {
            assert!(
                !kind.ends_with("-lambda"),
                "{uri}: counted as {kind} with no target"
            );
            Outcome::NotLambda
        }
        [route] => {
            assert_eq!(kind, "rest/aws-proxy-lambda", "{uri}");
            match &route.resolved {
                Ok(function) => Outcome::Judged(
                    function.to_string(),
                    route.action.expect("a resolved URI has an action"),
                ),
                Err(_) if route.unjudgeable() => Outcome::Unjudgeable,
                // stage-variable-unresolved reports these.
                Err(
                    ArnError::UndefinedStageVariable(_)
                    | ArnError::UnterminatedStageVariable(_)
                    | ArnError::InvalidFunction(_),
                ) => Outcome::StageVariable,
                Err(other) => panic!("{uri}: neither judged nor reported: {other}"),
            }
        }
        more => panic!("{uri}: {} targets for one method", more.len()),
    }
}

const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets";

#[test]
fn every_uri_form_is_judged_or_reported() {
    use LambdaAction::{Invocations as Buffered, ResponseStreamingInvocations as Streaming};
    use Outcome::*;
    let judged = |arn: &str, action| Judged(arn.to_string(), action);
    let cases: Vec<(String, Outcome)> = vec![
        // The buffered form, unqualified and with each qualifier kind.
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"), judged(FN, Buffered)),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:live/invocations"), judged(&format!("{FN}:live"), Buffered)),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:7/invocations"), judged(&format!("{FN}:7"), Buffered)),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:$LATEST/invocations"), judged(&format!("{FN}:$LATEST"), Buffered)),
        // Managed Instances' published-version qualifier (§11.3).
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:$LATEST.PUBLISHED/invocations"), judged(&format!("{FN}:$LATEST.PUBLISHED"), Buffered)),
        // The response-streaming form (§11.1).
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/{FN}/response-streaming-invocations"), judged(FN, Streaming)),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/{FN}:live/response-streaming-invocations"), judged(&format!("{FN}:live"), Streaming)),
        // Stage variables, defined and not.
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:${{stageVariables.alias}}/invocations"), judged(&format!("{FN}:live"), Buffered)),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/{FN}:${{stageVariables.alias}}/response-streaming-invocations"), judged(&format!("{FN}:live"), Streaming)),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}:${{stageVariables.missing}}/invocations"), StageVariable),
        // Names and partial ARNs: the API's account and the URI's region.
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/pets/invocations".into(), judged(FN, Buffered)),
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/pets:live/invocations".into(), judged(&format!("{FN}:live"), Buffered)),
        ("arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/210987654321:function:pets/response-streaming-invocations".into(), judged("arn:aws:lambda:us-east-1:210987654321:function:pets", Streaming)),
        // Another account and another region.
        ("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:210987654321:function:pets:7/invocations".into(), judged("arn:aws:lambda:eu-west-1:210987654321:function:pets:7", Buffered)),
        // Stage variables in the name, the account and the region.
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations".into(), judged(FN, Buffered)),
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}:${stageVariables.alias}/invocations".into(), judged(&format!("{FN}:live"), Buffered)),
        ("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:${stageVariables.region}:${stageVariables.account}:function:pets/invocations".into(), judged("arn:aws:lambda:eu-west-1:210987654321:function:pets", Buffered)),
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets:${stageVariables.alias/invocations".into(), StageVariable),
        // Other partitions.
        ("arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:pets/invocations".into(), judged("arn:aws-cn:lambda:cn-north-1:123456789012:function:pets", Buffered)),
        ("arn:aws-us-gov:apigateway:us-gov-west-1:lambda:path/2021-11-15/functions/arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:pets/response-streaming-invocations".into(), judged("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:pets", Streaming)),
        // Dates and actions crossed, unknown versions, a bare ARN (HTTP APIs only): reported.
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/response-streaming-invocations"), Unjudgeable),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/{FN}/invocations"), Unjudgeable),
        (format!("arn:aws:apigateway:us-east-1:lambda:path/2031-01-01/functions/{FN}/invocations"), Unjudgeable),
        (FN.to_string(), Unjudgeable),
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations".into(), Unjudgeable),
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/not an arn!/invocations".into(), Unjudgeable),
        // Not Lambda at all: counted by type.
        ("arn:aws:apigateway:us-east-1:s3:path/bucket/key".into(), NotLambda),
        ("https://example.com/pets".into(), NotLambda),
        (String::new(), NotLambda),
    ];
    for (uri, expected) in cases {
        assert_eq!(outcome(&uri), expected, "{uri}");
    }
}

#[test]
fn integration_kinds_name_what_was_and_was_not_audited() {
    let with = |kind: &str, uri: Option<&str>, mode: Option<&str>| Integration {
        kind: kind.into(),
        uri: uri.map(str::to_string),
        response_transfer_mode: mode.map(str::to_string),
        ..proxy_integration("pets")
    };
    let lambda =
        format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations");
    let cases = [
        (
            with("AWS_PROXY", Some(&lambda), None),
            "rest/aws-proxy-lambda",
        ),
        (
            with("AWS_PROXY", Some(&lambda), Some("STREAM")),
            "rest/aws-proxy-lambda-streaming",
        ),
        (with("AWS", Some(&lambda), None), "rest/aws-lambda"),
        (
            with("HTTP_PROXY", Some("https://example.com"), None),
            "rest/http-proxy",
        ),
        (with("MOCK", None, None), "rest/mock"),
        (
            with(
                "AWS",
                Some("arn:aws:apigateway:us-east-1:s3:path/b/k"),
                None,
            ),
            "rest/aws",
        ),
    ];
    for (integration, expected) in cases {
        assert_eq!(
            integration_kind(Some(&integration)),
            expected,
            "{integration:?}"
        );
    }
    assert_eq!(integration_kind(None), "rest/none");
}

/// Pieces real URIs are made of, so generated strings often come close to a valid form.
fn uri_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("arn:".to_string()),
        Just("aws".to_string()),
        Just("aws-cn".to_string()),
        Just(":apigateway:".to_string()),
        Just("us-east-1".to_string()),
        Just(":lambda:path/".to_string()),
        Just("2015-03-31/functions/".to_string()),
        Just("2021-11-15/functions/".to_string()),
        Just(FN.to_string()),
        Just(":lambda:".to_string()),
        Just(":function:".to_string()),
        Just(":live".to_string()),
        Just(":$LATEST".to_string()),
        Just("${stageVariables.alias}".to_string()),
        Just("${stageVariables.".to_string()),
        Just("/invocations".to_string()),
        Just("/response-streaming-invocations".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        "[a-zA-Z0-9$:{}./_-]{0,12}",
        any::<String>(),
    ]
}

proptest! {
    /// Any URI string: a Lambda route target that is judged or reported, or a non-Lambda
    /// integration counted by type — `outcome` panics on anything else.
    #[test]
    fn any_uri_is_judged_reported_or_counted(pieces in prop::collection::vec(uri_piece(), 0..10)) {
        let uri = pieces.concat();
        if outcome(&uri) == Outcome::StageVariable {
            // Blamed on a stage variable only when the URI has one.
            prop_assert!(uri.contains("${stageVariables."), "{}", uri);
        }
    }
}
