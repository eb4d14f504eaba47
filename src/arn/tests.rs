//! Table-driven tests of every ARN and URI form the auditor reads.

use std::collections::BTreeMap;

use super::*;

const ACCT: &str = "123456789012";

#[test]
fn parses_integration_uris() {
    let cases = [
        (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations",
            Some(("aws", "us-east-1", "arn:aws:lambda:us-east-1:123456789012:function:pets")),
        ),
        (
            "arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:f:${stageVariables.alias}/invocations",
            Some(("aws-cn", "cn-north-1", "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:${stageVariables.alias}")),
        ),
        ("arn:aws:apigateway:us-east-1:s3:path/bucket/key", None),
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations", None),
        ("https://example.com/pets", None),
        ("", None),
    ];
    for (uri, expected) in cases {
        let got = parse_integration_uri(uri).ok();
        let got = got
            .as_ref()
            .map(|u| (u.partition.as_str(), u.region.as_str(), u.function.as_str()));
        assert_eq!(got, expected, "{uri}");
    }
}

#[test]
fn substitutes_stage_variables() {
    let vars: BTreeMap<String, String> = [
        ("alias".to_string(), "live".to_string()),
        ("fn".to_string(), "pets".to_string()),
    ]
    .into();
    assert_eq!(
        substitute_stage_variables(
            "function:${stageVariables.fn}:${stageVariables.alias}",
            &vars
        )
        .unwrap(),
        "function:pets:live"
    );
    assert_eq!(
        substitute_stage_variables("x:${stageVariables.nope}", &vars),
        Err(ArnError::UndefinedStageVariable("nope".into()))
    );
    assert!(matches!(
        substitute_stage_variables("x:${stageVariables.fn", &vars),
        Err(ArnError::UnterminatedStageVariable(_))
    ));
    assert_eq!(
        stage_variable_names("a${stageVariables.x}b${stageVariables.y}").unwrap(),
        vec!["x", "y"]
    );
    assert!(stage_variable_names("plain").unwrap().is_empty());
}

#[test]
fn resolves_every_function_reference_form() {
    let cases: [(&str, Option<&str>); 10] = [
        (
            "pets",
            Some("arn:aws:lambda:us-east-1:123456789012:function:pets"),
        ),
        (
            "pets:live",
            Some("arn:aws:lambda:us-east-1:123456789012:function:pets:live"),
        ),
        (
            "210987654321:function:pets",
            Some("arn:aws:lambda:us-east-1:210987654321:function:pets"),
        ),
        (
            "210987654321:function:pets:7",
            Some("arn:aws:lambda:us-east-1:210987654321:function:pets:7"),
        ),
        (
            "arn:aws:lambda:eu-west-1:210987654321:function:pets",
            Some("arn:aws:lambda:eu-west-1:210987654321:function:pets"),
        ),
        (
            "arn:aws:lambda:eu-west-1:210987654321:function:pets:$LATEST",
            Some("arn:aws:lambda:eu-west-1:210987654321:function:pets:$LATEST"),
        ),
        ("arn:aws:lambda:eu-west-1:2109:function:pets", None),
        ("pets/bad", None),
        ("arn:aws:s3:::bucket", None),
        ("a:b:c:d:e", None),
    ];
    for (reference, expected) in cases {
        let got = resolve_function(reference, "aws", "us-east-1", ACCT)
            .ok()
            .map(|a| a.to_string());
        assert_eq!(got.as_deref(), expected, "{reference}");
    }
    let arn =
        parse_function_arn("arn:aws:lambda:us-east-1:123456789012:function:pets:live").unwrap();
    assert_eq!(arn.short(), "pets:live");
    assert_eq!(
        arn.unqualified().to_string(),
        "arn:aws:lambda:us-east-1:123456789012:function:pets"
    );
    assert!(parse_function_arn("pets").is_err());
}

#[test]
fn builds_source_arns_as_api_gateway_does() {
    let cases = [
        (
            "prod",
            "GET",
            "/pets/{id}",
            "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/{id}",
        ),
        (
            "prod",
            "ANY",
            "/{proxy+}",
            "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/ANY/{proxy+}",
        ),
        (
            "test-invoke-stage",
            "POST",
            "/",
            "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/test-invoke-stage/POST/",
        ),
    ];
    for (stage, method, path, expected) in cases {
        assert_eq!(
            method_source_arn("aws", "us-east-1", ACCT, "a1b2c3", stage, method, path),
            expected
        );
    }
    assert_eq!(
        authorizer_source_arn("aws", "eu-west-1", ACCT, "a1b2c3", "elkw5b"),
        "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/authorizers/elkw5b"
    );
}
