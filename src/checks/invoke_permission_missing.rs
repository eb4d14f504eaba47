//! `invoke-permission-missing`: API Gateway may not invoke the function a method integrates with.

use crate::checks::shared::permission::permission_findings;
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::log_signatures;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    id: CheckId::new("invoke-permission-missing"),
    title: "API Gateway is not allowed to invoke the integrated Lambda function",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every deployed stage and every AWS_PROXY Lambda method (REST) or Lambda route \
(HTTP API) without an integration role, the resource policy attached to exactly the function, alias or version the integration URI \
names (after stage variables) is evaluated for the request API Gateway makes: principal \
apigateway.amazonaws.com, action lambda:InvokeFunction, aws:SourceArn \
arn:aws:execute-api:{function region}:{API account}:{api id}/{stage}/{METHOD}/{path} (the method \
as configured, ANY stays ANY, the template path with braces; an HTTP API's `$default` route is \
{api id}/{stage}/$default, with no method) and aws:SourceAccount = the API's account. Full IAM semantics: explicit Deny wins, * and ? wildcards, ArnLike per ARN component, \
StringLike, IfExists, Null, negated operators, NotAction/NotResource/NotPrincipal. \
evidence.reason is one of no-policy, no-apigateway-statement, source-arn-mismatch, \
source-account-mismatch, qualifier-mismatch, explicit-deny; evidence.statements names the \
statements that decided or came closest.",
    why: "Lambda rejects the Invoke call and API Gateway answers 500 Internal server error; the \
execution log shows `Execution failed due to configuration error: Invalid permissions on Lambda \
function` (an HTTP API's access log, `$context.integrationErrorMessage`: `... doesn't have \
permissions to call the integration`, docs/aws-facts.md §12.3). A policy on the unqualified function does not cover an alias and vice versa: API \
Gateway invokes exactly the ARN in the URI (docs/aws-facts.md §1–§3).",
    fix: "Run the `aws lambda add-permission` command in the remediation: it names the exact \
qualifier and the narrowest source ARN covering the affected stages. Tools: SAM, CDK, Serverless \
and Terraform write these permissions for you when the function is part of the same stack; a \
permission written for another stage name, path or qualifier does not count.",
    limits: "Integrations with a credentials role are judged by integration-role-invalid. SCPs \
and resource control policies are not evaluated. A target in another account is reported as \
`error` unless its policy can be read. A policy whose decision depends on a key the auditor \
cannot know for API Gateway's call (aws:SourceIp, aws:SourceOrgID, the function's tags, ...) is \
reported with status `error` and evidence.reason `undecided`, naming the keys.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[
        &log_signatures::INVALID_PERMISSIONS,
        &log_signatures::INTEGRATION_PERMISSIONS,
    ],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    permission_findings(&CHECK, ctx, false)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::CHECK;
    use crate::inventory::Lookup;
    use crate::report::Status;
    use crate::testkit::*;

    const API: &str = "a1b2c3d4e5";

    fn source(stage: &str, rest: &str) -> String {
        format!("arn:aws:execute-api:us-east-1:123456789012:{API}/{stage}/{rest}")
    }

    /// One GET /pets/{id} route on prod and dev to `pets-get:live` whose policy holds `statements`.
    fn run_with_policy(statements: Option<Vec<serde_json::Value>>) -> Vec<crate::report::Finding> {
        let mut t = target("pets-get:live", API);
        t.policy = match statements {
            Some(s) => Lookup::Found(policy(s)),
            None => Lookup::Missing,
        };
        let inventory = scope()
            .api(
                api(API, "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .stage("prod")
                    .stage("dev"),
            )
            .target(t)
            .inventory();
        run_check(&CHECK, &inventory)
    }

    fn reason(findings: &[crate::report::Finding]) -> String {
        only(findings).evidence["reason"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn tool_shaped_permissions_allow_the_route() {
        let f = function_arn("pets-get:live");
        let shapes = [
            source("*", "GET/pets/*"),                                     // SAM
            source("*", "*"),                                              // Serverless Framework
            format!("arn:aws:execute-api:us-east-1:123456789012:{API}/*"), // Terraform
            source("*", "GET/pets/{id}"), // console, literal template
        ];
        for shape in shapes {
            assert!(
                run_with_policy(Some(vec![allow_statement("s", &f, &shape)])).is_empty(),
                "{shape}"
            );
        }
        // CDK: one statement per stage plus test-invoke-stage; both stages need theirs.
        let cdk = vec![
            allow_statement("prod", &f, &source("prod", "GET/pets/*")),
            allow_statement("dev", &f, &source("dev", "GET/pets/*")),
            allow_statement("test", &f, &source("test-invoke-stage", "GET/pets/*")),
        ];
        assert!(run_with_policy(Some(cdk)).is_empty());
    }

    #[test]
    fn no_policy_groups_stages_and_prescribes_the_exact_permission() {
        let findings = run_with_policy(None);
        let finding = only(&findings);
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(finding.evidence["reason"], "no-policy");
        assert_eq!(finding.stages, vec!["dev", "prod"]);
        assert_eq!(finding.client_status, Some(500));
        assert_eq!(
            finding.function.as_deref(),
            Some(function_arn("pets-get:live").as_str())
        );
        let remediation = finding.remediation.as_deref().unwrap();
        assert!(remediation.starts_with("aws lambda add-permission --function-name pets-get --region us-east-1 --qualifier live "), "{remediation}");
        assert!(
            remediation.ends_with(&format!("--source-arn '{}'", source("*", "GET/pets/{id}"))),
            "{remediation}"
        );
        assert!(
            finding.message.contains("pets-get:live")
                && finding.message.contains("stages dev, prod"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn a_permission_for_one_stage_leaves_the_other_failing() {
        let f = function_arn("pets-get:live");
        let findings = run_with_policy(Some(vec![allow_statement(
            "prod",
            &f,
            &source("prod", "GET/pets/{id}"),
        )]));
        let finding = only(&findings);
        assert_eq!(finding.evidence["reason"], "source-arn-mismatch");
        assert_eq!(finding.stages, vec!["dev"]);
        assert_eq!(finding.evidence["statements"][0]["statement"], "prod");
        assert!(finding
            .remediation
            .as_deref()
            .unwrap()
            .contains(&source("dev", "GET/pets/{id}")));
    }

    #[test]
    fn every_denial_reason() {
        let f = function_arn("pets-get:live");
        // A statement for another service only.
        let s3 = json!({"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": f});
        assert_eq!(
            reason(&run_with_policy(Some(vec![s3]))),
            "no-apigateway-statement"
        );
        // Path of another method.
        assert_eq!(
            reason(&run_with_policy(Some(vec![allow_statement(
                "p",
                &f,
                &source("*", "POST/pets/*")
            )]))),
            "source-arn-mismatch"
        );
        // ANY is presented as ANY, not as the request verb: a GET route is not covered by ANY.
        assert_eq!(
            reason(&run_with_policy(Some(vec![allow_statement(
                "a",
                &f,
                &source("*", "ANY/pets/{id}")
            )]))),
            "source-arn-mismatch"
        );
        // Right ARN, wrong SourceAccount.
        let mut account = allow_statement("acct", &f, &source("*", "*"));
        account["Condition"]["StringEquals"] = json!({"AWS:SourceAccount": "210987654321"});
        assert_eq!(
            reason(&run_with_policy(Some(vec![account]))),
            "source-account-mismatch"
        );
        // A statement on the unqualified ARN inside the alias policy.
        let unqualified = allow_statement("u", &function_arn("pets-get"), &source("*", "*"));
        assert_eq!(
            reason(&run_with_policy(Some(vec![unqualified]))),
            "qualifier-mismatch"
        );
        // An explicit deny wins over the allow.
        let deny = json!({"Sid": "block", "Effect": "Deny", "Principal": "*", "Action": "lambda:*", "Resource": f});
        let findings = run_with_policy(Some(vec![
            allow_statement("ok", &f, &source("*", "*")),
            deny,
        ]));
        assert_eq!(reason(&findings), "explicit-deny");
        assert!(only(&findings)
            .remediation
            .as_deref()
            .unwrap()
            .contains("remove-permission"));
    }

    #[test]
    fn permission_on_the_unqualified_function_is_a_qualifier_mismatch() {
        let mut t = target("pets-get:live", API);
        t.policy = Lookup::Missing;
        t.unqualified_policy = Some(Lookup::Found(api_policy(&function_arn("pets-get"), &[API])));
        let inventory = scope()
            .api(
                api(API, "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        let findings = run_check(&CHECK, &inventory);
        let finding = only(&findings);
        assert_eq!(finding.evidence["reason"], "qualifier-mismatch");
        assert_eq!(finding.evidence["allowed_on"], function_arn("pets-get"));
        // The statement on the unqualified function that would let the route in is named.
        assert_eq!(
            finding.evidence["allowed_by"][0]["statement"],
            format!("apigw-{API}")
        );
        assert!(finding
            .remediation
            .as_deref()
            .unwrap()
            .contains("--qualifier live"));
    }

    #[test]
    fn routes_with_credentials_missing_targets_and_failures() {
        // A credentials role: not judged here.
        let mut integration = proxy_integration("pets-get:live");
        integration.credentials = Some("arn:aws:iam::123456789012:role/apigw-invoke".into());
        let mut t = target("pets-get:live", API);
        t.policy = Lookup::Missing;
        let inventory = scope()
            .api(
                api(API, "pets")
                    .integration("GET", "/pets", integration)
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        assert!(run_check(&CHECK, &inventory).is_empty());

        // A missing target is integration-target-missing's finding, not this one's.
        let inventory = scope()
            .api(
                api(API, "pets")
                    .route("GET", "/pets", "gone:live")
                    .stage("prod"),
            )
            .target(missing_target("gone:live"))
            .inventory();
        assert!(run_check(&CHECK, &inventory).is_empty());

        // GetPolicy denied: an error finding naming the operation.
        let mut t = target("pets-get:live", API);
        t.policy = Lookup::Failed(access_denied("lambda:GetPolicy", &t.arn.to_string()));
        let inventory = scope()
            .api(
                api(API, "pets")
                    .route("GET", "/pets", "pets-get:live")
                    .stage("prod")
                    .stage("dev"),
            )
            .target(t)
            .inventory();
        let findings = run_check(&CHECK, &inventory);
        let finding = only(&findings);
        assert_eq!(finding.status, Status::Error);
        assert_eq!(finding.stages, vec!["dev", "prod"]);
        assert!(
            finding.message.contains("lambda:GetPolicy")
                && finding.message.contains("AccessDenied"),
            "{}",
            finding.message
        );

        // Resources unreadable: one error finding for the API.
        let inventory = scope().api(api(API, "pets").resources_failed()).inventory();
        let findings = run_check(&CHECK, &inventory);
        assert_eq!(only(&findings).status, Status::Error);
    }

    #[test]
    fn root_and_proxy_paths_use_the_template() {
        let f = function_arn("site");
        let mut t = target("site", API);
        t.policy = Lookup::Found(policy(vec![
            allow_statement("root", &f, &source("*", "GET/")),
            allow_statement("proxy", &f, &source("*", "ANY/{proxy+}")),
        ]));
        let inventory = scope()
            .api(
                api(API, "site")
                    .route("GET", "/", "site")
                    .route("ANY", "/{proxy+}", "site")
                    .route("POST", "/", "site")
                    .stage("prod"),
            )
            .target(t)
            .inventory();
        let findings = run_check(&CHECK, &inventory);
        let finding = only(&findings);
        assert_eq!(finding.route.as_ref().unwrap().method, "POST");
        assert_eq!(finding.route.as_ref().unwrap().path, "/");
    }
}
