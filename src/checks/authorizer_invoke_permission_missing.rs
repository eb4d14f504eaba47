//! `authorizer-invoke-permission-missing`: API Gateway may not invoke a Lambda authorizer.

use crate::checks::permission::permission_findings;
use crate::checks::{Check, CheckDoc, Context, ResourceKind};
use crate::report::{Finding, Severity};

pub static DOC: CheckDoc = CheckDoc {
    id: "authorizer-invoke-permission-missing",
    title: "API Gateway is not allowed to invoke a Lambda authorizer",
    severity: Severity::High,
    resource: ResourceKind::Authorizer,
    client_status: Some(500),
    checks: "For every TOKEN or REQUEST authorizer that a deployed method uses and that has no \
credentials role, the resource policy of exactly the function, alias or version its URI names is \
evaluated for principal apigateway.amazonaws.com, action lambda:InvokeFunction and source ARN \
arn:aws:execute-api:{function region}:{API account}:{api id}/authorizers/{authorizer id} (no \
stage, verb or path), with the same IAM semantics and evidence.reason values as \
invoke-permission-missing.",
    why: "Every call to a method guarded by the authorizer fails before the integration runs: API \
Gateway answers 500 with x-amzn-errortype AuthorizerConfigurationException, and the execution log \
shows `Invalid permissions on Lambda function` then `Authorizer error` (aws-facts §1, §4).",
    fix: "Run the `aws lambda add-permission` command in the remediation (source ARN \
.../authorizers/{id}). SAM writes `{api}/authorizers/*`, Serverless `{api}/*/*`; a permission for \
a method path does not cover the authorizer.",
    limits: "Authorizers no deployed method uses are not audited: they are never invoked. \
Authorizers with a credentials role are judged by integration-role-invalid.",
};

pub struct AuthorizerInvokePermissionMissing;

impl Check for AuthorizerInvokePermissionMissing {
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }

    fn run(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.inventory
            .scopes
            .iter()
            .flat_map(|scope| permission_findings(&DOC, scope, true))
            .collect()
    }
}
