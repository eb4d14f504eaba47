//! The cases of the differential test: documents, request and the IAM User Guide page of the
//! rule each one exercises. Every key the request has is listed, so neither evaluator has
//! anything unknown.

use serde_json::{json, Value};

pub const ACCOUNT: &str = "123456789012";
pub const OTHER: &str = "210987654321";
pub const ROLE: &str = "arn:aws:iam::123456789012:role/invoker";
pub const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/invoker/apigateway";
pub const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets";
pub const REMOTE_FN: &str = "arn:aws:lambda:us-east-1:210987654321:function:shared";
pub const SRC: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets";

/// Who calls: API Gateway itself (the function's policy alone decides) or a credentials role's
/// session (identity policies, boundary and function policy).
#[derive(Clone, Copy, PartialEq)]
pub enum Caller {
    ApiGateway,
    Role,
}

pub struct Case {
    pub name: &'static str,
    /// The IAM User Guide page of the rule.
    pub page: &'static str,
    pub caller: Caller,
    pub identity: Vec<Value>,
    pub boundary: Option<Value>,
    pub function_policy: Option<Value>,
    pub resource: &'static str,
    pub context: Vec<(&'static str, Value)>,
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow_if(condition: Value) -> Value {
    doc(
        json!([{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*", "Condition": condition}]),
    )
}

fn apigw_if(condition: Value) -> Value {
    doc(
        json!([{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": FN, "Condition": condition}]),
    )
}

fn grant(principal: Value, effect: &str, resource: &str) -> Value {
    doc(
        json!([{"Effect": effect, "Principal": principal, "Action": "lambda:InvokeFunction", "Resource": resource}]),
    )
}

fn role_case(
    name: &'static str,
    page: &'static str,
    identity: Vec<Value>,
    context: Vec<(&'static str, Value)>,
) -> Case {
    Case {
        name,
        page,
        caller: Caller::Role,
        identity,
        boundary: None,
        function_policy: None,
        resource: FN,
        context,
    }
}

fn apigw_case(
    name: &'static str,
    page: &'static str,
    policy: Value,
    context: Vec<(&'static str, Value)>,
) -> Case {
    Case {
        name,
        page,
        caller: Caller::ApiGateway,
        identity: Vec::new(),
        boundary: None,
        function_policy: Some(policy),
        resource: FN,
        context,
    }
}

/// The role session's own keys, plus `extra`.
fn role_context(extra: Vec<(&'static str, Value)>) -> Vec<(&'static str, Value)> {
    let mut context = vec![
        ("aws:PrincipalArn", json!(ROLE)),
        ("aws:PrincipalAccount", json!(ACCOUNT)),
        ("aws:CurrentTime", json!("2026-03-02T09:00:00Z")),
        ("aws:EpochTime", json!("1772442000")),
        ("aws:RequestedRegion", json!("us-east-1")),
    ];
    context.extend(extra);
    context
}

fn apigw_context(extra: Vec<(&'static str, Value)>) -> Vec<(&'static str, Value)> {
    let mut context = vec![
        ("aws:SourceArn", json!(SRC)),
        ("aws:SourceAccount", json!(ACCOUNT)),
    ];
    context.extend(extra);
    context
}

const OPS: &str = "IAM JSON policy elements: Condition operators";
const MULTI: &str = "Single-valued vs. multivalued context keys";
const VARS: &str = "IAM policy elements: Variables and tags";
const EVAL: &str = "Policy evaluation logic";
const CROSS: &str = "Cross-account policy evaluation logic";
const PRINCIPAL: &str = "IAM JSON policy elements: Principal";

#[rustfmt::skip]
pub fn cases() -> Vec<Case> {
    let c = |k: &'static str, v: Value| (k, v);
    let ip = |v: &str| vec![c("aws:SourceIp", json!(v))];
    let mut cases = vec![
        // Date
        role_case("DateGreaterThan past", OPS, vec![allow_if(json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}))], role_context(vec![])),
        role_case("DateLessThan past", OPS, vec![allow_if(json!({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}))], role_context(vec![])),
        role_case("DateNotEquals", OPS, vec![allow_if(json!({"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}))], role_context(vec![])),
        role_case("DateLessThanEquals same instant", OPS, vec![allow_if(json!({"DateLessThanEquals": {"aws:CurrentTime": "2026-03-02T09:00:00Z"}}))], role_context(vec![])),
        role_case("DateGreaterThanIfExists missing key", OPS, vec![allow_if(json!({"DateGreaterThanIfExists": {"aws:TokenIssueTime": "2099-01-01T00:00:00Z"}}))], role_context(vec![])),
        role_case("DateGreaterThan missing key", OPS, vec![allow_if(json!({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}}))], role_context(vec![])),
        // Numeric
        role_case("NumericLessThan", OPS, vec![allow_if(json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}))], role_context(vec![c("aws:MultiFactorAuthAge", json!("300"))])),
        role_case("NumericGreaterThan", OPS, vec![allow_if(json!({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}))], role_context(vec![c("aws:MultiFactorAuthAge", json!("300"))])),
        role_case("NumericNotEquals two values", OPS, vec![allow_if(json!({"NumericNotEquals": {"aws:MultiFactorAuthAge": ["100", "300"]}}))], role_context(vec![c("aws:MultiFactorAuthAge", json!("300"))])),
        role_case("NumericEquals decimal", OPS, vec![allow_if(json!({"NumericEquals": {"aws:MultiFactorAuthAge": "300.0"}}))], role_context(vec![c("aws:MultiFactorAuthAge", json!("300"))])),
        role_case("NumericLessThanIfExists missing", OPS, vec![allow_if(json!({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "1"}}))], role_context(vec![])),
        // Bool
        role_case("Bool true", OPS, vec![allow_if(json!({"Bool": {"aws:SecureTransport": "true"}}))], role_context(vec![c("aws:SecureTransport", json!("true"))])),
        role_case("Bool false vs true", OPS, vec![allow_if(json!({"Bool": {"aws:SecureTransport": "false"}}))], role_context(vec![c("aws:SecureTransport", json!("true"))])),
        role_case("BoolIfExists missing", OPS, vec![allow_if(json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))], role_context(vec![])),
        // IP address, IPv4 and IPv6
        role_case("IpAddress in range", OPS, vec![allow_if(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))], role_context(ip("203.0.113.7"))),
        role_case("IpAddress out of range", OPS, vec![allow_if(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))], role_context(ip("198.51.100.7"))),
        role_case("IpAddress bare address", OPS, vec![allow_if(json!({"IpAddress": {"aws:SourceIp": "203.0.113.7"}}))], role_context(ip("203.0.113.7"))),
        role_case("IpAddress IPv6", OPS, vec![allow_if(json!({"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}))], role_context(ip("2001:db8:1234:5678::9"))),
        role_case("NotIpAddress both families", OPS, vec![allow_if(json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8::/32"]}}))], role_context(ip("198.51.100.7"))),
        role_case("NotIpAddress inside", OPS, vec![allow_if(json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))], role_context(ip("203.0.113.7"))),
        role_case("NotIpAddress missing key", OPS, vec![allow_if(json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))], role_context(vec![])),
        // String and ARN on the principal
        role_case("StringEquals account", OPS, vec![allow_if(json!({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}))], role_context(vec![])),
        role_case("StringNotEquals region (deny elsewhere)", OPS, vec![allow_if(json!({})), doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}}])),], role_context(vec![])),
        role_case("StringNotEquals region fires", OPS, vec![allow_if(json!({})), doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}])),], role_context(vec![])),
        role_case("StringEqualsIgnoreCase tag", OPS, vec![allow_if(json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "PETS"}}))], role_context(vec![c("aws:PrincipalTag/team", json!("pets"))])),
        role_case("ArnLike principal path", OPS, vec![allow_if(json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/inv*"}}))], role_context(vec![])),
        role_case("ArnNotLike principal", OPS, vec![allow_if(json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/inv*"}}))], role_context(vec![])),
        role_case("Null false on a present key", OPS, vec![allow_if(json!({"Null": {"aws:PrincipalTag/team": "false"}}))], role_context(vec![c("aws:PrincipalTag/team", json!("pets"))])),
        role_case("Null true on a missing key", OPS, vec![allow_if(json!({"Null": {"aws:PrincipalTag/team": "true"}}))], role_context(vec![])),
        // Set operators
        role_case("ForAnyValue on a list", MULTI, vec![allow_if(json!({"ForAnyValue:StringEquals": {"aws:PrincipalServiceNamesList": ["a.amazonaws.com"]}}))], role_context(vec![c("aws:PrincipalServiceNamesList", json!(["a.amazonaws.com", "b.amazonaws.com"]))])),
        role_case("ForAllValues on a list", MULTI, vec![allow_if(json!({"ForAllValues:StringEquals": {"aws:PrincipalServiceNamesList": ["a.amazonaws.com"]}}))], role_context(vec![c("aws:PrincipalServiceNamesList", json!(["a.amazonaws.com", "b.amazonaws.com"]))])),
        role_case("ForAllValues on a missing key", MULTI, vec![allow_if(json!({"ForAllValues:StringEquals": {"aws:PrincipalServiceNamesList": ["a.amazonaws.com"]}}))], role_context(vec![])),
        role_case("ForAnyValue on a missing key", MULTI, vec![allow_if(json!({"ForAnyValue:StringEquals": {"aws:PrincipalServiceNamesList": ["a.amazonaws.com"]}}))], role_context(vec![])),
        role_case("ForAllValues:StringNotEquals", MULTI, vec![allow_if(json!({"ForAllValues:StringNotEquals": {"aws:PrincipalServiceNamesList": ["c.amazonaws.com"]}}))], role_context(vec![c("aws:PrincipalServiceNamesList", json!(["a.amazonaws.com", "b.amazonaws.com"]))])),
        // Policy variables
        role_case("variable before the fifth colon is literal", VARS, vec![doc(json!([{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:${aws:PrincipalAccount}:function:*"}]))], role_context(vec![])),
        role_case("variable in the resource part", VARS, vec![doc(json!([{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:${aws:PrincipalTag/team}*"}]))], role_context(vec![c("aws:PrincipalTag/team", json!("pe"))])),
        role_case("tag variable in Resource", VARS, vec![doc(json!([{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:${aws:PrincipalTag/team}"}]))], role_context(vec![c("aws:PrincipalTag/team", json!("pets"))])),
        role_case("variable without value in Resource", VARS, vec![doc(json!([{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:${aws:username}"}]))], role_context(vec![])),
        role_case("variable default", VARS, vec![doc(json!([{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:${aws:PrincipalTag/team, 'pets'}"}]))], role_context(vec![])),
        role_case("variable in a condition value", VARS, vec![allow_if(json!({"StringEquals": {"aws:PrincipalTag/owner": "${aws:PrincipalAccount}"}}))], role_context(vec![c("aws:PrincipalTag/owner", json!(ACCOUNT))])),
        role_case("variable literal in an old Version", VARS, vec![json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:${aws:PrincipalAccount}:function:*"}]}),], role_context(vec![])),
        // API Gateway's own call against the function's policy
        apigw_case("SourceArn ArnLike", OPS, apigw_if(json!({"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/pets"}})), apigw_context(vec![])),
        apigw_case("SourceArn ArnLike other API", OPS, apigw_if(json!({"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:zzz/*"}})), apigw_context(vec![])),
        apigw_case("SourceAccount StringEquals", OPS, apigw_if(json!({"StringEquals": {"AWS:SourceAccount": ACCOUNT}})), apigw_context(vec![])),
        apigw_case("StringLike crosses colons", OPS, apigw_if(json!({"StringLike": {"aws:SourceArn": "arn:aws:execute-api:*:a1b2c3d4e5/*"}})), apigw_context(vec![])),
        apigw_case("ArnLike does not", OPS, apigw_if(json!({"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:*:a1b2c3d4e5/*"}})), apigw_context(vec![])),
        apigw_case("Deny on the test stage", EVAL, doc(json!([{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": FN}, {"Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": FN, "Condition": {"StringLike": {"aws:SourceArn": "*/prod/*"}}}])), apigw_context(vec![])),
        apigw_case("DateLessThan future", OPS, apigw_if(json!({"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}})), apigw_context(vec![c("aws:CurrentTime", json!("2026-03-02T09:00:00Z"))])),
    ];
    // Same and cross account (the function's policy next to the role's policies)
    let allow_all = allow_if(json!({}));
    let s3_only = doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    let mut access =
        |name, page, identity: Vec<Value>, boundary: Option<Value>, function: Value, resource| {
            cases.push(Case {
                name,
                page,
                caller: Caller::Role,
                identity,
                boundary,
                function_policy: Some(function),
                resource,
                context: role_context(vec![]),
            })
        };
    access("account principal delegates", PRINCIPAL, vec![], None, grant(json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}), "Allow", FN), FN);
    access("account principal with identity", PRINCIPAL, vec![allow_all.clone()], None, grant(json!({"AWS": ACCOUNT}), "Allow", FN), FN);
    access("role ARN grants", EVAL, vec![], None, grant(json!({"AWS": ROLE}), "Allow", FN), FN);
    access("role ARN grant within a boundary that does not allow", EVAL, vec![], Some(s3_only.clone()), grant(json!({"AWS": ROLE}), "Allow", FN), FN);
    access("identity within a boundary that does not allow", EVAL, vec![allow_all.clone()], Some(s3_only.clone()), grant(json!({"AWS": OTHER}), "Allow", FN), FN);
    access("deny naming the account", EVAL, vec![allow_all.clone()], None, grant(json!({"AWS": ACCOUNT}), "Deny", FN), FN);
    access("cross account, identity only", CROSS, vec![allow_all.clone()], None, grant(json!({"AWS": OTHER}), "Allow", REMOTE_FN), REMOTE_FN);
    access("cross account, both sides", CROSS, vec![allow_all.clone()], None, grant(json!({"AWS": ACCOUNT}), "Allow", REMOTE_FN), REMOTE_FN);
    access("cross account, function side only", CROSS, vec![], None, grant(json!({"AWS": ROLE}), "Allow", REMOTE_FN), REMOTE_FN);
    access("cross account, boundary not allowing", CROSS, vec![allow_all], Some(s3_only), grant(json!({"AWS": ROLE}), "Allow", REMOTE_FN), REMOTE_FN);
    cases
}
