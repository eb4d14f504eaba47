//! A role's trust policy: may API Gateway assume the role (`sts:AssumeRole` by the service
//! principal `apigateway.amazonaws.com`, docs/aws-facts.md §2 "Integration credentials")? A role that
//! does not trust it makes every call of the integration fail with "API Gateway does not have
//! permission to assume the provided role" (500).

use chrono::Utc;

use super::{
    evaluate_trust_policy, Evaluation, Principal, Request, RequestContext, APIGATEWAY_SERVICE,
};

/// The action a trust policy must allow.
pub const ASSUME_ROLE_ACTION: &str = "sts:AssumeRole";

/// The request API Gateway makes to assume `role_arn` for an API of `api_account`. Whether API
/// Gateway sends `aws:SourceAccount` and `aws:SourceArn` with it is not documented (NOT FOUND in
/// docs/aws-facts.md); they are included as the other AWS services that assume roles send them
/// (inferred), so a trust policy guarded by them against the confused deputy is not reported.
pub fn assume_request(role_arn: &str, api_account: &str, source_arn: &str) -> Request {
    Request {
        principal: Principal::Service(APIGATEWAY_SERVICE.to_string()),
        action: ASSUME_ROLE_ACTION.to_string(),
        resource: role_arn.to_string(),
        context: RequestContext::apigateway_assume_role(
            source_arn,
            api_account,
            role_arn.split(':').nth(4).unwrap_or_default(),
            Utc::now(),
        ),
    }
}

/// Evaluates the trust policy for API Gateway assuming the role.
pub fn apigateway_may_assume(
    trust_policy: &serde_json::Value,
    role_arn: &str,
    api_account: &str,
    source_arn: &str,
) -> Evaluation {
    evaluate_trust_policy(
        trust_policy,
        &assume_request(role_arn, api_account, source_arn),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Decision;
    use serde_json::{json, Value};

    const ROLE: &str = "arn:aws:iam::123456789012:role/apigw-invoke";
    const ACCOUNT: &str = "123456789012";
    const SRC: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets";

    fn trust(statement: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    #[test]
    fn table() {
        #[rustfmt::skip]
        let cases: Vec<(&str, Value, Decision)> = vec![
            ("API Gateway trusted", trust(json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"})), Decision::Allow),
            ("as one of several services", trust(json!({"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]}, "Action": ["sts:AssumeRole", "sts:TagSession"]})), Decision::Allow),
            ("only Lambda trusted", trust(json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})), Decision::ImplicitDeny),
            ("an account, not the service", trust(json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"})), Decision::ImplicitDeny),
            ("another action", trust(json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"})), Decision::ImplicitDeny),
            ("sts:* covers it", trust(json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:*"})), Decision::Allow),
            ("confused-deputy guard on this account", trust(json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}})), Decision::Allow),
            ("guard on another account", trust(json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": "210987654321"}}})), Decision::ImplicitDeny),
            ("guard on the API's ARN", trust(json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*"}}})), Decision::Allow),
            ("explicit deny of the service", json!({"Statement": [
                {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]}), Decision::ExplicitDeny),
            ("no statement", json!({"Version": "2012-10-17", "Statement": []}), Decision::ImplicitDeny),
            // The URL-encoded or JSON-string form IAM returns is decoded by collection; a JSON
            // string is read here too.
            ("as a JSON string", Value::String(trust(json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"})).to_string()), Decision::Allow),
        ];
        for (name, document, expected) in cases {
            let evaluation = apigateway_may_assume(&document, ROLE, ACCOUNT, SRC);
            assert_eq!(evaluation.decision, expected, "{name}: {evaluation:#?}");
        }
    }

    #[test]
    fn a_trust_policy_needs_no_resource() {
        let document = trust(
            json!({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        );
        let evaluation = apigateway_may_assume(&document, ROLE, ACCOUNT, SRC);
        assert!(evaluation.problems.is_empty(), "{:?}", evaluation.problems);
    }
}
