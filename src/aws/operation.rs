//! Every AWS operation the auditor calls: its `service:Operation` name (the key of the call
//! counters and of collection errors) and the IAM action that authorizes it, which is also the
//! source of `deploy/iam-policy.json` (`tests/iam_policy.rs` keeps the two equal).

/// Every AWS operation the auditor calls. Adding a call means adding it here, which keeps the
/// call counters, the rate limits and the IAM policy in one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    StsGetCallerIdentity,
    ApiGatewayGetRestApis,
    ApiGatewayGetResources,
    ApiGatewayGetStages,
    ApiGatewayGetAuthorizers,
    LambdaGetFunction,
    LambdaGetPolicy,
    CloudWatchGetMetricData,
    LogsFilterLogEvents,
    // Publishing (only with the CloudWatch sinks configured).
    CloudWatchPutMetricData,
    CloudWatchPutDashboard,
    CloudWatchGetDashboard,
    CloudWatchDeleteDashboards,
    CloudWatchPutMetricAlarm,
    // Many accounts (only with `[[scope.accounts]]` or `[scope.organization]`).
    StsAssumeRole,
    OrganizationsListAccounts,
    // Layer listings (only when a handler is not in the function's own package).
    LambdaGetLayerVersionByArn,
    // What a stage serves (only with `collect.integrations = "deployed"`, the default).
    ApiGatewayGetExport,
    // HTTP APIs (API Gateway v2); ExportApi only for stages without auto-deploy.
    ApiGatewayV2GetApis,
    ApiGatewayV2GetRoutes,
    ApiGatewayV2GetIntegrations,
    ApiGatewayV2GetStages,
    ApiGatewayV2GetAuthorizers,
    ApiGatewayV2ExportApi,
    // Integration and authorizer credentials roles (only for those that have one).
    IamGetRole,
    IamListRolePolicies,
    IamGetRolePolicy,
    IamListAttachedRolePolicies,
    IamGetPolicy,
    IamGetPolicyVersion,
    // The Security Hub sink (only with `[publish.security-hub]` on).
    SecurityHubBatchImportFindings,
    SecurityHubGetFindings,
    // The opt-in probe (only with `[probe]` on): it runs functions, so it is not in `ALL`.
    LambdaInvoke,
    /// The probe of a streaming route (`InvokeWithResponseStream`).
    LambdaInvokeWithResponseStream,
}

impl Operation {
    pub const ALL: [Operation; 32] = [
        Operation::StsGetCallerIdentity,
        Operation::ApiGatewayGetRestApis,
        Operation::ApiGatewayGetResources,
        Operation::ApiGatewayGetStages,
        Operation::ApiGatewayGetAuthorizers,
        Operation::LambdaGetFunction,
        Operation::LambdaGetPolicy,
        Operation::CloudWatchGetMetricData,
        Operation::LogsFilterLogEvents,
        Operation::CloudWatchPutMetricData,
        Operation::CloudWatchPutDashboard,
        Operation::CloudWatchGetDashboard,
        Operation::CloudWatchDeleteDashboards,
        Operation::CloudWatchPutMetricAlarm,
        Operation::StsAssumeRole,
        Operation::OrganizationsListAccounts,
        Operation::LambdaGetLayerVersionByArn,
        Operation::ApiGatewayGetExport,
        Operation::ApiGatewayV2GetApis,
        Operation::ApiGatewayV2GetRoutes,
        Operation::ApiGatewayV2GetIntegrations,
        Operation::ApiGatewayV2GetStages,
        Operation::ApiGatewayV2GetAuthorizers,
        Operation::ApiGatewayV2ExportApi,
        Operation::IamGetRole,
        Operation::IamListRolePolicies,
        Operation::IamGetRolePolicy,
        Operation::IamListAttachedRolePolicies,
        Operation::IamGetPolicy,
        Operation::IamGetPolicyVersion,
        Operation::SecurityHubBatchImportFindings,
        Operation::SecurityHubGetFindings,
    ];

    /// The calls of the opt-in probe. They execute customer code, so they are kept out of
    /// [`Operation::ALL`] and of the read-only `deploy/iam-policy.json`: the separate, optional
    /// `deploy/iam-policy-probe.json` grants them.
    pub const PROBE: [Operation; 2] = [
        Operation::LambdaInvoke,
        Operation::LambdaInvokeWithResponseStream,
    ];

    /// True for the calls that write: they are made only by the publishing sinks, and the IAM
    /// policy grants them in a statement of their own.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Operation::CloudWatchPutMetricData
                | Operation::CloudWatchPutDashboard
                | Operation::CloudWatchDeleteDashboards
                | Operation::CloudWatchPutMetricAlarm
                | Operation::SecurityHubBatchImportFindings
        )
    }

    /// `service:Operation`, the key of `summary.api_calls` and of collection errors.
    pub fn name(self) -> &'static str {
        match self {
            Operation::StsGetCallerIdentity => "sts:GetCallerIdentity",
            Operation::ApiGatewayGetRestApis => "apigateway:GetRestApis",
            Operation::ApiGatewayGetResources => "apigateway:GetResources",
            Operation::ApiGatewayGetStages => "apigateway:GetStages",
            Operation::ApiGatewayGetAuthorizers => "apigateway:GetAuthorizers",
            Operation::LambdaGetFunction => "lambda:GetFunction",
            Operation::LambdaGetPolicy => "lambda:GetPolicy",
            Operation::CloudWatchGetMetricData => "cloudwatch:GetMetricData",
            Operation::LogsFilterLogEvents => "logs:FilterLogEvents",
            Operation::CloudWatchPutMetricData => "cloudwatch:PutMetricData",
            Operation::CloudWatchPutDashboard => "cloudwatch:PutDashboard",
            Operation::CloudWatchGetDashboard => "cloudwatch:GetDashboard",
            Operation::CloudWatchDeleteDashboards => "cloudwatch:DeleteDashboards",
            Operation::CloudWatchPutMetricAlarm => "cloudwatch:PutMetricAlarm",
            Operation::StsAssumeRole => "sts:AssumeRole",
            Operation::OrganizationsListAccounts => "organizations:ListAccounts",
            Operation::LambdaGetLayerVersionByArn => "lambda:GetLayerVersionByArn",
            Operation::ApiGatewayGetExport => "apigateway:GetExport",
            // v2 calls are named after the SDK service (`apigatewayv2`) so that their counts and
            // errors stay apart from v1's `GetStages`/`GetAuthorizers`; IAM authorizes both with
            // the `apigateway` prefix.
            Operation::ApiGatewayV2GetApis => "apigatewayv2:GetApis",
            Operation::ApiGatewayV2GetRoutes => "apigatewayv2:GetRoutes",
            Operation::ApiGatewayV2GetIntegrations => "apigatewayv2:GetIntegrations",
            Operation::ApiGatewayV2GetStages => "apigatewayv2:GetStages",
            Operation::ApiGatewayV2GetAuthorizers => "apigatewayv2:GetAuthorizers",
            Operation::ApiGatewayV2ExportApi => "apigatewayv2:ExportApi",
            Operation::IamGetRole => "iam:GetRole",
            Operation::IamListRolePolicies => "iam:ListRolePolicies",
            Operation::IamGetRolePolicy => "iam:GetRolePolicy",
            Operation::IamListAttachedRolePolicies => "iam:ListAttachedRolePolicies",
            Operation::IamGetPolicy => "iam:GetPolicy",
            Operation::IamGetPolicyVersion => "iam:GetPolicyVersion",
            Operation::SecurityHubBatchImportFindings => "securityhub:BatchImportFindings",
            Operation::SecurityHubGetFindings => "securityhub:GetFindings",
            Operation::LambdaInvoke => "lambda:Invoke",
            Operation::LambdaInvokeWithResponseStream => "lambda:InvokeWithResponseStream",
        }
    }

    /// The operation named `service:Operation`, as reports and collection errors name it.
    pub fn named(name: &str) -> Option<Operation> {
        Operation::ALL
            .iter()
            .chain(&Operation::PROBE)
            .copied()
            .find(|o| o.name() == name)
    }

    /// The IAM action that authorizes the call, or `None` when no permission is needed
    /// (`sts:GetCallerIdentity` works for every principal). API Gateway's control plane is
    /// authorized by HTTP verb: every read is `apigateway:GET`, v2's (`/v2/apis/...`) included
    /// (API Gateway's service authorization reference lists one `GET` action for both).
    pub fn iam_action(self) -> Option<&'static str> {
        match self {
            Operation::StsGetCallerIdentity => None,
            Operation::ApiGatewayGetRestApis
            | Operation::ApiGatewayGetResources
            | Operation::ApiGatewayGetStages
            | Operation::ApiGatewayGetAuthorizers
            | Operation::ApiGatewayGetExport
            | Operation::ApiGatewayV2GetApis
            | Operation::ApiGatewayV2GetRoutes
            | Operation::ApiGatewayV2GetIntegrations
            | Operation::ApiGatewayV2GetStages
            | Operation::ApiGatewayV2GetAuthorizers
            | Operation::ApiGatewayV2ExportApi => Some("apigateway:GET"),
            Operation::LambdaGetFunction => Some("lambda:GetFunction"),
            Operation::LambdaGetPolicy => Some("lambda:GetPolicy"),
            Operation::CloudWatchGetMetricData => Some("cloudwatch:GetMetricData"),
            Operation::LogsFilterLogEvents => Some("logs:FilterLogEvents"),
            // GetLayerVersion and GetLayerVersionByArn share one action (Lambda's service
            // authorization reference).
            Operation::LambdaGetLayerVersionByArn => Some("lambda:GetLayerVersion"),
            // The API operation is `Invoke`; the IAM action is `InvokeFunction`.
            Operation::LambdaInvoke => Some("lambda:InvokeFunction"),
            // `InvokeWithResponseStream` is authorized by `lambda:InvokeFunction` too (Lambda
            // API reference `API_InvokeWithResponseStream.html`; docs/aws-facts.md §11.1).
            Operation::LambdaInvokeWithResponseStream => Some("lambda:InvokeFunction"),
            other => Some(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn every_operation_has_a_unique_name() {
        let every = Operation::ALL.iter().chain(&Operation::PROBE);
        let names: std::collections::BTreeSet<_> = every.clone().map(|o| o.name()).collect();
        assert_eq!(names.len(), every.count());
        assert_eq!(
            Operation::LambdaInvoke.iam_action(),
            Some("lambda:InvokeFunction")
        );
    }

    #[test]
    fn operations_are_found_by_the_name_reports_use() {
        for operation in Operation::ALL.iter().chain(&Operation::PROBE) {
            assert_eq!(Operation::named(operation.name()), Some(*operation));
        }
        assert_eq!(Operation::named("lambda:NoSuchCall"), None);
        // Streaming invocations are authorized by the same action as Invoke (docs/aws-facts.md §11.1).
        assert_eq!(
            Operation::named("lambda:InvokeWithResponseStream").and_then(|o| o.iam_action()),
            Some("lambda:InvokeFunction")
        );
    }
}
