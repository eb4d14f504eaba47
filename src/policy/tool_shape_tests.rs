//! The policy shapes real tools write (docs/aws-facts.md §1 "SourceArn that common tools write"),
//! evaluated for the source ARNs API Gateway really sends (docs/aws-facts.md §1 table: stage as
//! deployed or `test-invoke-stage`, `ANY` kept, template path with braces, root = trailing `/`).

use serde_json::{json, Value};

use super::*;
use Decision::{Allow, ImplicitDeny};

const API: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5";
const OTHER_API: &str = "arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz";
const ACCOUNT: &str = "123456789012";
const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets-api";
const FN_LIVE: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets-api:live";

/// `{API}/suffix`, or the argument itself when it is already a full ARN.
fn arn(suffix: &str) -> String {
    if suffix.starts_with("arn:") {
        suffix.to_string()
    } else {
        format!("{API}/{suffix}")
    }
}

/// The statement `lambda add-permission` writes, with the key spelled `AWS:SourceArn`
/// (docs/aws-facts.md §2). `source_arn` is relative to `API` unless it is a full ARN.
fn permission(function: &str, source_arn: &str, source_account: Option<&str>) -> Value {
    let mut condition = json!({"ArnLike": {"AWS:SourceArn": arn(source_arn)}});
    if let (Some(account), Some(map)) = (source_account, condition.as_object_mut()) {
        map.insert("StringEquals".into(), json!({"AWS:SourceAccount": account}));
    }
    json!({
        "Sid": format!("sid-{source_arn}"),
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": function,
        "Condition": condition,
    })
}

fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Id": "default", "Statement": statements})
}

/// (case name, policy, invoked function, source ARN sent (relative to `API`), source account,
/// expected decision)
type Case<'a> = (&'a str, &'a Value, &'a str, &'a str, &'a str, Decision);

fn run(cases: &[Case]) {
    for &(name, doc, function, sent, account, expected) in cases {
        let request = Request::apigateway_invoke(function, &arn(sent), account);
        let eval = evaluate_resource_policy(doc, &request);
        assert_eq!(eval.decision, expected, "{name}: {sent} → {eval:#?}");
        assert!(eval.problems.is_empty(), "{name}: {:?}", eval.problems);
    }
}

#[test]
fn sam() {
    // `{api}/*/{METHOD}{path}`: stage `*`, `{param}` → `*`, ANY → `*`, plus SourceAccount;
    // authorizers `{api}/authorizers/*`; AutoPublishAlias puts the policy on the alias.
    let get_pet = policy(vec![permission(FN, "*/GET/pets/*", Some(ACCOUNT))]);
    let any_proxy = policy(vec![permission(FN, "*/*/*", Some(ACCOUNT))]);
    let on_alias = policy(vec![permission(FN_LIVE, "*/GET/pets/*", Some(ACCOUNT))]);
    let authorizer = policy(vec![permission(FN, "authorizers/*", Some(ACCOUNT))]);
    let other_api = format!("{OTHER_API}/Prod/GET/pets/{{id}}");
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("get pet, prod", &get_pet, FN, "Prod/GET/pets/{id}", ACCOUNT, Allow),
        ("get pet, console test", &get_pet, FN, "test-invoke-stage/GET/pets/{id}", ACCOUNT, Allow),
        ("list pets is another event", &get_pet, FN, "Prod/GET/pets", ACCOUNT, ImplicitDeny),
        ("other verb", &get_pet, FN, "Prod/POST/pets/{id}", ACCOUNT, ImplicitDeny),
        ("other API", &get_pet, FN, &other_api, ACCOUNT, ImplicitDeny),
        ("SourceAccount differs", &get_pet, FN, "Prod/GET/pets/{id}", "210987654321", ImplicitDeny),
        ("ANY and {proxy+} as *", &any_proxy, FN, "Prod/ANY/{proxy+}", ACCOUNT, Allow),
        ("alias policy, alias URI", &on_alias, FN_LIVE, "Prod/GET/pets/{id}", ACCOUNT, Allow),
        ("alias policy, unqualified URI", &on_alias, FN, "Prod/GET/pets/{id}", ACCOUNT, ImplicitDeny),
        ("authorizer", &authorizer, FN, "authorizers/abc123", ACCOUNT, Allow),
        ("method ARN on authorizer permission", &authorizer, FN, "Prod/GET/pets", ACCOUNT, ImplicitDeny),
    ];
    run(cases);
}

#[test]
fn cdk() {
    // One statement for the CDK-deployed stage and one for test-invoke-stage; `ANY` → `*`,
    // `{...}` → `*`; no SourceAccount. Authorizers: the exact `{api}/authorizers/{id}`.
    let get_pet = policy(vec![
        permission(FN, "prod/GET/pets/*", None),
        permission(FN, "test-invoke-stage/GET/pets/*", None),
    ]);
    let any_proxy = policy(vec![
        permission(FN, "prod/*/*", None),
        permission(FN, "test-invoke-stage/*/*", None),
    ]);
    let authorizer = policy(vec![permission(FN, "authorizers/abc123", None)]);
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("prod", &get_pet, FN, "prod/GET/pets/{petId}", ACCOUNT, Allow),
        ("console test", &get_pet, FN, "test-invoke-stage/GET/pets/{petId}", ACCOUNT, Allow),
        ("stage made outside CDK", &get_pet, FN, "dev/GET/pets/{petId}", ACCOUNT, ImplicitDeny),
        ("stage names are case-sensitive", &get_pet, FN, "Prod/GET/pets/{petId}", ACCOUNT, ImplicitDeny),
        ("ANY proxy", &any_proxy, FN, "prod/ANY/{proxy+}", ACCOUNT, Allow),
        ("ANY proxy, console test", &any_proxy, FN, "test-invoke-stage/ANY/{proxy+}", ACCOUNT, Allow),
        ("ANY proxy, other stage", &any_proxy, FN, "beta/ANY/{proxy+}", ACCOUNT, ImplicitDeny),
        ("authorizer", &authorizer, FN, "authorizers/abc123", ACCOUNT, Allow),
        ("another authorizer", &authorizer, FN, "authorizers/def456", ACCOUNT, ImplicitDeny),
    ];
    run(cases);
}

#[test]
fn serverless_framework() {
    // `{api}/*/*` for every event and for authorizers; FunctionName qualified with the alias
    // when one is used.
    let unqualified = policy(vec![permission(FN, "*/*", None)]);
    let on_alias = policy(vec![permission(FN_LIVE, "*/*", None)]);
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("method", &unqualified, FN, "dev/GET/pets/{id}", ACCOUNT, Allow),
        ("root", &unqualified, FN, "dev/GET/", ACCOUNT, Allow),
        ("ANY proxy", &unqualified, FN, "dev/ANY/{proxy+}", ACCOUNT, Allow),
        ("authorizer", &unqualified, FN, "authorizers/abc123", ACCOUNT, Allow),
        ("alias policy, alias URI", &on_alias, FN_LIVE, "dev/GET/pets", ACCOUNT, Allow),
        ("alias policy, unqualified URI", &on_alias, FN, "dev/GET/pets", ACCOUNT, ImplicitDeny),
        ("unqualified policy, alias URI", &unqualified, FN_LIVE, "dev/GET/pets", ACCOUNT, ImplicitDeny),
    ];
    run(cases);
}

#[test]
fn terraform() {
    // `"${execution_arn}/*"`, and the integration example's literal template path.
    let execution_arn = policy(vec![permission(FN, "*", None)]);
    let literal = policy(vec![permission(FN, "*/GET/pets/{id}", None)]);
    let other_api = format!("{OTHER_API}/prod/GET/");
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("any method", &execution_arn, FN, "prod/DELETE/pets/{id}", ACCOUNT, Allow),
        ("authorizer", &execution_arn, FN, "authorizers/abc123", ACCOUNT, Allow),
        ("other API", &execution_arn, FN, &other_api, ACCOUNT, ImplicitDeny),
        ("literal path", &literal, FN, "prod/GET/pets/{id}", ACCOUNT, Allow),
        ("literal path, parameter renamed", &literal, FN, "prod/GET/pets/{petId}", ACCOUNT, ImplicitDeny),
    ];
    run(cases);
}

#[test]
fn api_gateway_console_and_lambda_console() {
    // API Gateway console: any stage, literal verb and path with its braces (docs/aws-facts.md §1).
    let console = policy(vec![permission(FN, "*/GET/pets/{id}", None)]);
    // The Lambda docs' example verbatim: the root resource, `aws:` in lower case.
    let lambda_doc = json!({"Version": "2012-10-17", "Id": "default", "Statement": [{
        "Sid": "lambda-api-root", "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:us-east-2:111122223333:function:my-function",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "111122223333"},
            "ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-2:111122223333:ktyvxmpls1/*/GET/"},
        },
    }]});
    let f = "arn:aws:lambda:us-east-2:111122223333:function:my-function";
    let root = "arn:aws:execute-api:us-east-2:111122223333:ktyvxmpls1";
    let sent = |suffix: &str| format!("{root}/{suffix}");
    let (get_root, post_root) = (sent("default/GET/"), sent("default/POST/"));
    let (get_pets, test_root) = (sent("default/GET/pets"), sent("test-invoke-stage/GET/"));
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("console literal", &console, FN, "prod/GET/pets/{id}", ACCOUNT, Allow),
        ("console literal, concrete path is never sent", &console, FN, "prod/GET/pets/42", ACCOUNT, ImplicitDeny),
        ("root GET", &lambda_doc, f, &get_root, "111122223333", Allow),
        ("root POST", &lambda_doc, f, &post_root, "111122223333", ImplicitDeny),
        ("sub-path", &lambda_doc, f, &get_pets, "111122223333", ImplicitDeny),
        ("console test on root", &lambda_doc, f, &test_root, "111122223333", Allow),
        ("other account", &lambda_doc, f, &get_root, "444455556666", ImplicitDeny),
    ];
    run(cases);
}

#[test]
fn any_methods_and_authorizers() {
    let get_only = policy(vec![permission(FN, "*/GET/*", None)]);
    let any_literal = policy(vec![permission(FN, "*/ANY/{proxy+}", None)]);
    let methods_only = policy(vec![permission(FN, "*/*/*", None)]);
    #[rustfmt::skip]
    let cases: &[Case] = &[
        // API Gateway sends ANY, not the request's verb (docs/aws-facts.md §1)
        ("ANY is not GET", &get_only, FN, "prod/ANY/{proxy+}", ACCOUNT, ImplicitDeny),
        ("GET/* covers the root", &get_only, FN, "prod/GET/", ACCOUNT, Allow),
        ("ANY literal", &any_literal, FN, "prod/ANY/{proxy+}", ACCOUNT, Allow),
        ("ANY literal, other path", &any_literal, FN, "prod/ANY/pets", ACCOUNT, ImplicitDeny),
        // authorizer ARNs have no stage or verb, and only one `/` after the API id
        ("authorizer vs GET pattern", &get_only, FN, "authorizers/abc123", ACCOUNT, ImplicitDeny),
        ("authorizer vs */*/*", &methods_only, FN, "authorizers/abc123", ACCOUNT, ImplicitDeny),
    ];
    run(cases);
}

#[test]
fn arn_like_and_string_like_differ_on_hand_written_patterns() {
    // AddPermission's docs say StringLike, real policies say ArnLike (docs/aws-facts.md §2): a pattern
    // whose `*` spans region and account works with one and not the other.
    let with = |operator: &str| {
        policy(vec![json!({
            "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": FN,
            "Condition": {operator: {"AWS:SourceArn": "arn:aws:execute-api:*:a1b2c3d4e5/*"}},
        })])
    };
    let request = Request::apigateway_invoke(FN, &arn("prod/GET/pets"), ACCOUNT);
    let string_like = evaluate_resource_policy(&with("StringLike"), &request);
    assert_eq!(
        string_like.decision, Allow,
        "StringLike lets `*` cross colons"
    );
    let arn_like = evaluate_resource_policy(&with("ArnLike"), &request);
    assert_eq!(
        arn_like.decision, ImplicitDeny,
        "ArnLike compares six components"
    );
    assert!(!arn_like.statements[0].conditions[0].matched);
    // the pattern has only five components, which the problems point out
    assert_eq!(arn_like.problems.len(), 1, "{:?}", arn_like.problems);
}
