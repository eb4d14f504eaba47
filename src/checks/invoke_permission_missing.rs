//! `invoke-permission-missing`: API Gateway may not invoke the function a method integrates with.

use crate::checks::permission::permission_findings;
use crate::checks::{Check, CheckDoc, Context, ResourceKind};
use crate::report::{Finding, Severity};

pub static DOC: CheckDoc = CheckDoc {
    id: "invoke-permission-missing",
    title: "API Gateway is not allowed to invoke the integrated Lambda function",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(500),
    checks: "For every deployed stage and every AWS_PROXY Lambda method without an integration \
role, the resource policy attached to exactly the function, alias or version the integration URI \
names (after stage variables) is evaluated for the request API Gateway makes: principal \
apigateway.amazonaws.com, action lambda:InvokeFunction, aws:SourceArn \
arn:aws:execute-api:{function region}:{API account}:{api id}/{stage}/{METHOD}/{path} (the method \
as configured, ANY stays ANY, the template path with braces) and aws:SourceAccount = the API's \
account. Full IAM semantics: explicit Deny wins, * and ? wildcards, ArnLike per ARN component, \
StringLike, IfExists, Null, negated operators, NotAction/NotResource/NotPrincipal. \
evidence.reason is one of no-policy, no-apigateway-statement, source-arn-mismatch, \
source-account-mismatch, qualifier-mismatch, explicit-deny; evidence.statements names the \
statements that decided or came closest.",
    why: "Lambda rejects the Invoke call and API Gateway answers 500 Internal server error; the \
execution log shows `Execution failed due to configuration error: Invalid permissions on Lambda \
function`. A policy on the unqualified function does not cover an alias and vice versa: API \
Gateway invokes exactly the ARN in the URI (aws-facts §1–§3).",
    fix: "Run the `aws lambda add-permission` command in the remediation: it names the exact \
qualifier and the narrowest source ARN covering the affected stages. Tools: SAM, CDK, Serverless \
and Terraform write these permissions for you when the function is part of the same stack; a \
permission written for another stage name, path or qualifier does not count.",
    limits: "Integrations with a credentials role are judged by integration-role-invalid. SCPs \
and resource control policies are not evaluated. A target in another account is reported as \
`error` unless its policy can be read.",
};

pub struct InvokePermissionMissing;

impl Check for InvokePermissionMissing {
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }

    fn run(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.inventory
            .scopes
            .iter()
            .flat_map(|scope| permission_findings(&DOC, scope, false))
            .collect()
    }
}
