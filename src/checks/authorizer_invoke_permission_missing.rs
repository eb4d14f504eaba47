//! `authorizer-invoke-permission-missing`: API Gateway may not invoke a Lambda authorizer.

use crate::checks::shared::permission::permission_findings;
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::log_signatures;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    id: CheckId::new("authorizer-invoke-permission-missing"),
    title: "API Gateway is not allowed to invoke a Lambda authorizer",
    severity: Severity::High,
    resource: ResourceKind::Authorizer,
    client_status: Some(500),
    checks: "For every TOKEN or REQUEST authorizer that a deployed method uses (REST), and every \
Lambda REQUEST authorizer a deployed HTTP API route uses, that has no credentials role, the resource policy of exactly the function, alias or version its URI names is \
evaluated for principal apigateway.amazonaws.com, action lambda:InvokeFunction and source ARN \
arn:aws:execute-api:{function region}:{API account}:{api id}/authorizers/{authorizer id} (no \
stage, verb or path), with the same IAM semantics and evidence.reason values as \
invoke-permission-missing.",
    why: "Every call to a method guarded by the authorizer fails before the integration runs: API \
Gateway answers 500 with x-amzn-errortype AuthorizerConfigurationException, and the execution log \
shows `Invalid permissions on Lambda function` then `Authorizer error` (docs/aws-facts.md §1, §4).",
    fix: "Run the `aws lambda add-permission` command in the remediation (source ARN \
.../authorizers/{id}). SAM writes `{api}/authorizers/*`, Serverless `{api}/*/*`; a permission for \
a method path does not cover the authorizer.",
    limits: "Authorizers no deployed method uses are not audited: they are never invoked. \
Authorizers with a credentials role are judged by integration-role-invalid.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::INVALID_PERMISSIONS],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    permission_findings(&CHECK, ctx, true)
}

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::inventory::Lookup;
    use crate::testkit::*;

    const API: &str = "a1b2c3d4e5";

    fn inventory(statement_source: Option<&str>) -> crate::inventory::Inventory {
        let mut authorizer = target("auth-fn", API);
        authorizer.policy = match statement_source {
            Some(source) => Lookup::Found(policy(vec![allow_statement(
                "auth",
                &function_arn("auth-fn"),
                source,
            )])),
            None => Lookup::Missing,
        };
        scope()
            .api(
                api(API, "orders")
                    .authorizer("au1234", "token-auth", "auth-fn")
                    .authorized_route("GET", "/orders", "orders-fn", "au1234")
                    .stage("prod")
                    .stage("dev"),
            )
            .target(target("orders-fn", API))
            .target(authorizer)
            .inventory()
    }

    #[test]
    fn authorizer_source_arn_has_no_stage_or_path() {
        let ok = format!("arn:aws:execute-api:us-east-1:123456789012:{API}/authorizers/au1234");
        assert!(run_check(&CHECK, &inventory(Some(&ok))).is_empty());
        let sam = format!("arn:aws:execute-api:us-east-1:123456789012:{API}/authorizers/*");
        assert!(run_check(&CHECK, &inventory(Some(&sam))).is_empty());

        // A method-shaped permission does not cover the authorizer.
        let method = format!("arn:aws:execute-api:us-east-1:123456789012:{API}/*/GET/orders");
        let findings = run_check(&CHECK,
            &inventory(Some(&method)),
        );
        let finding = only(&findings);
        assert_eq!(finding.evidence["reason"], "source-arn-mismatch");
        assert_eq!(finding.authorizer.as_ref().unwrap().id, "au1234");
        assert!(finding.route.is_none());
        assert_eq!(finding.stages, vec!["dev", "prod"]);
        assert!(finding
            .remediation
            .as_deref()
            .unwrap()
            .ends_with(&format!("--source-arn {ok}")));
    }

    #[test]
    fn missing_policy_is_reported_once_per_authorizer() {
        let findings = run_check(&CHECK, &inventory(None));
        assert_eq!(only(&findings).evidence["reason"], "no-policy");
    }
}
