//! The one place every AWS call goes through: the registry of operations the auditor calls
//! (which is also the source of `deploy/iam-policy.json`), client-side rate limits that follow
//! AWS's published per-account quotas (aws-facts §7), call counting per operation, and the
//! translation of SDK errors into collection errors.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::config::{RateLimit, RateLimits};
use crate::inventory::CollectionError;

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
}

impl Operation {
    pub const ALL: [Operation; 26] = [
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
    pub const PROBE: [Operation; 1] = [Operation::LambdaInvoke];

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
            Operation::IamGetRole => "iam:GetRole",
            Operation::IamListRolePolicies => "iam:ListRolePolicies",
            Operation::IamGetRolePolicy => "iam:GetRolePolicy",
            Operation::IamListAttachedRolePolicies => "iam:ListAttachedRolePolicies",
            Operation::IamGetPolicy => "iam:GetPolicy",
            Operation::IamGetPolicyVersion => "iam:GetPolicyVersion",
            Operation::SecurityHubBatchImportFindings => "securityhub:BatchImportFindings",
            Operation::SecurityHubGetFindings => "securityhub:GetFindings",
            Operation::LambdaInvoke => "lambda:Invoke",
        }
    }

    /// The IAM action that authorizes the call, or `None` when no permission is needed
    /// (`sts:GetCallerIdentity` works for every principal). API Gateway's control plane is
    /// authorized by HTTP verb: every read is `apigateway:GET`.
    pub fn iam_action(self) -> Option<&'static str> {
        match self {
            Operation::StsGetCallerIdentity => None,
            Operation::ApiGatewayGetRestApis
            | Operation::ApiGatewayGetResources
            | Operation::ApiGatewayGetStages
            | Operation::ApiGatewayGetAuthorizers
            | Operation::ApiGatewayGetExport => Some("apigateway:GET"),
            Operation::LambdaGetFunction => Some("lambda:GetFunction"),
            Operation::LambdaGetPolicy => Some("lambda:GetPolicy"),
            Operation::CloudWatchGetMetricData => Some("cloudwatch:GetMetricData"),
            Operation::LogsFilterLogEvents => Some("logs:FilterLogEvents"),
            // GetLayerVersion and GetLayerVersionByArn share one action (Lambda's service
            // authorization reference).
            Operation::LambdaGetLayerVersionByArn => Some("lambda:GetLayerVersion"),
            // The API operation is `Invoke`; the IAM action is `InvokeFunction`.
            Operation::LambdaInvoke => Some("lambda:InvokeFunction"),
            other => Some(other.name()),
        }
    }
}

/// A token bucket for one quota.
fn limiter(limit: RateLimit) -> Arc<DefaultDirectRateLimiter> {
    // The config loader guarantees per_second > 0 and burst >= 1; clamp anyway so a
    // programmatic Config cannot panic here.
    let period = Duration::from_secs_f64(1.0 / limit.per_second.max(0.001));
    let burst = NonZeroU32::new(limit.burst.max(1)).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN));
    Arc::new(RateLimiter::direct(quota.allow_burst(burst)))
}

/// Rate limits and call counters for one account and region. Cloned handles share state.
#[derive(Clone)]
pub struct CallGate {
    apigateway: Arc<DefaultDirectRateLimiter>,
    apigateway_get_resources: Arc<DefaultDirectRateLimiter>,
    lambda_get_function: Arc<DefaultDirectRateLimiter>,
    lambda_get_policy: Arc<DefaultDirectRateLimiter>,
    lambda_other: Arc<DefaultDirectRateLimiter>,
    sts: Arc<DefaultDirectRateLimiter>,
    cloudwatch_get_metric_data: Arc<DefaultDirectRateLimiter>,
    logs_filter_log_events: Arc<DefaultDirectRateLimiter>,
    // Publishing makes a handful of calls per run: fixed limits at AWS's quotas, no settings.
    dashboards: Arc<DefaultDirectRateLimiter>,
    put_metric_data: Arc<DefaultDirectRateLimiter>,
    alarms: Arc<DefaultDirectRateLimiter>,
    security_hub_import: Arc<DefaultDirectRateLimiter>,
    security_hub_get_findings: Arc<DefaultDirectRateLimiter>,
    organizations: Arc<DefaultDirectRateLimiter>,
    iam: Arc<DefaultDirectRateLimiter>,
    /// `[probe] per-second`; see [`CallGate::with_invoke_limit`].
    lambda_invoke: Arc<DefaultDirectRateLimiter>,
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl CallGate {
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            apigateway: limiter(limits.apigateway),
            apigateway_get_resources: limiter(limits.apigateway_get_resources),
            lambda_get_function: limiter(limits.lambda_get_function),
            lambda_get_policy: limiter(limits.lambda_get_policy),
            lambda_other: limiter(limits.lambda_other),
            sts: limiter(limits.sts),
            cloudwatch_get_metric_data: limiter(limits.cloudwatch_get_metric_data),
            logs_filter_log_events: limiter(limits.logs_filter_log_events),
            // GetDashboard, PutDashboard and DeleteDashboards: 10 TPS together (aws-facts §6).
            dashboards: limiter(RateLimit {
                per_second: 10.0,
                burst: 10,
            }),
            // PutMetricData: 500 TPS (aws-facts §6); a run needs a few calls.
            put_metric_data: limiter(RateLimit {
                per_second: 100.0,
                burst: 20,
            }),
            // PutMetricAlarm: one call per run; stay far below any quota.
            alarms: limiter(RateLimit {
                per_second: 1.0,
                burst: 1,
            }),
            // Security Hub's published throttling limits (the introduction of the Security Hub
            // API Reference): BatchImportFindings 10 requests/s with a burst of 30, GetFindings 3
            // with a burst of 6, per account and region (aws-facts §9).
            security_hub_import: limiter(RateLimit {
                per_second: 10.0,
                burst: 30,
            }),
            security_hub_get_findings: limiter(RateLimit {
                per_second: 3.0,
                burst: 6,
            }),
            // ListAccounts: one page of 20 accounts per call, a few calls per run; Organizations
            // throttles its API at a few requests per second per account.
            organizations: limiter(RateLimit {
                per_second: 2.0,
                burst: 2,
            }),
            // IAM's read quotas are token buckets per API that AWS does not publish ("How to
            // monitor and query IAM resources at scale – Part 2", AWS Security Blog; re:Post
            // knowledge-center/iam-sts-throttling-error). Roles and managed policies are cached
            // per run, so a run makes a few calls per distinct role: stay slow.
            iam: limiter(RateLimit {
                per_second: 5.0,
                burst: 10,
            }),
            // Invoke has no control-plane quota (concurrency limits it); the probe's own rate
            // comes from `[probe]` through `with_invoke_limit`. Until then, one per second.
            lambda_invoke: limiter(RateLimit {
                per_second: 1.0,
                burst: 1,
            }),
            counts: Arc::default(),
        }
    }

    /// The same gate with the probe's invocation rate (`[probe] per-second`), no burst: the
    /// probe spreads its invocations evenly.
    pub fn with_invoke_limit(mut self, per_second: f64) -> Self {
        self.lambda_invoke = limiter(RateLimit {
            per_second,
            burst: 1,
        });
        self
    }

    /// Waits for every quota the operation counts against, then counts the call.
    pub async fn admit(&self, operation: Operation) {
        match operation {
            // AssumeRole counts against the calling account's STS quota, like GetCallerIdentity.
            Operation::StsGetCallerIdentity | Operation::StsAssumeRole => {
                self.sts.until_ready().await
            }
            Operation::OrganizationsListAccounts => self.organizations.until_ready().await,
            // GetResources has its own quota (5 per 2 s) and also counts against the
            // account's 10/s total for API Gateway.
            Operation::ApiGatewayGetResources => {
                self.apigateway_get_resources.until_ready().await;
                self.apigateway.until_ready().await;
            }
            // GetExport has no quota of its own in the fixed-quota table of "Amazon API Gateway
            // quotas" (developerguide/limits.html): it counts against the account's 10/s.
            Operation::ApiGatewayGetRestApis
            | Operation::ApiGatewayGetStages
            | Operation::ApiGatewayGetAuthorizers
            | Operation::ApiGatewayGetExport => self.apigateway.until_ready().await,
            Operation::IamGetRole
            | Operation::IamListRolePolicies
            | Operation::IamGetRolePolicy
            | Operation::IamListAttachedRolePolicies
            | Operation::IamGetPolicy
            | Operation::IamGetPolicyVersion => self.iam.until_ready().await,
            Operation::LambdaGetFunction => self.lambda_get_function.until_ready().await,
            Operation::LambdaGetPolicy => self.lambda_get_policy.until_ready().await,
            // 15 requests/s, the quota of every Lambda control-plane call not listed (aws-facts §7).
            Operation::LambdaGetLayerVersionByArn => self.lambda_other.until_ready().await,
            Operation::CloudWatchGetMetricData => {
                self.cloudwatch_get_metric_data.until_ready().await
            }
            Operation::LogsFilterLogEvents => self.logs_filter_log_events.until_ready().await,
            Operation::CloudWatchPutDashboard
            | Operation::CloudWatchGetDashboard
            | Operation::CloudWatchDeleteDashboards => self.dashboards.until_ready().await,
            Operation::CloudWatchPutMetricData => self.put_metric_data.until_ready().await,
            Operation::CloudWatchPutMetricAlarm => self.alarms.until_ready().await,
            Operation::SecurityHubBatchImportFindings => {
                self.security_hub_import.until_ready().await
            }
            Operation::SecurityHubGetFindings => self.security_hub_get_findings.until_ready().await,
            Operation::LambdaInvoke => self.lambda_invoke.until_ready().await,
        }
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry(operation.name().to_string()).or_default() += 1;
    }

    /// Calls made so far, per operation.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// An SDK error reduced to what the report needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFailure {
    pub code: String,
    pub message: String,
    /// The service answered that the thing does not exist.
    pub not_found: bool,
    /// No answer came back at all (connection refused, DNS, timeout): the endpoint is unreachable.
    pub unreachable: bool,
}

impl CallFailure {
    pub fn into_error(
        self,
        scope: (&str, &str),
        operation: Operation,
        resource: &str,
    ) -> CollectionError {
        CollectionError {
            account: scope.0.to_string(),
            region: scope.1.to_string(),
            operation: operation.name().to_string(),
            resource: resource.to_string(),
            code: self.code,
            message: self.message,
        }
    }
}

/// Translates any SDK error. Lambda says `ResourceNotFoundException`, API Gateway
/// `NotFoundException`; both mean "does not exist".
pub fn translate<E, R>(error: &SdkError<E, R>) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("UnknownError").to_string();
            let message = err
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| code.clone());
            CallFailure {
                not_found: matches!(
                    code.as_str(),
                    // CloudWatch's GetDashboard says `ResourceNotFound`, IAM `NoSuchEntity`.
                    "ResourceNotFoundException"
                        | "NotFoundException"
                        | "ResourceNotFound"
                        | "NoSuchEntity"
                ),
                unreachable: false,
                code,
                message,
            }
        }
        SdkError::DispatchFailure(dispatch) => CallFailure {
            code: "DispatchFailure".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: dispatch.is_io() || dispatch.is_timeout(),
        },
        SdkError::TimeoutError(_) => CallFailure {
            code: "Timeout".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: true,
        },
        SdkError::ConstructionFailure(_) => CallFailure {
            code: "ConstructionFailure".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: false,
        },
        _ => CallFailure {
            code: "ResponseError".to_string(),
            message: describe_chain(error),
            not_found: false,
            unreachable: false,
        },
    }
}

/// The whole source chain of an error on one line; SDK errors hide the cause in `source()`.
fn describe_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::get_policy::GetPolicyError;
    use aws_sdk_lambda::types::error::ResourceNotFoundException;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    #[test]
    fn not_found_is_recognised() {
        // The SDK's deserializer attaches the wire error code as metadata on modeled errors.
        let meta = ErrorMetadata::builder()
            .code("ResourceNotFoundException")
            .build();
        let err = GetPolicyError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("The resource you requested does not exist.")
                .meta(meta)
                .build(),
        );
        let failure = translate(&SdkError::service_error(err, response(404)));
        assert_eq!(failure.code, "ResourceNotFoundException");
        assert!(failure.not_found && !failure.unreachable);
    }

    #[test]
    fn access_denied_keeps_code_and_message() {
        let meta = ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("User is not authorized to perform: lambda:GetPolicy")
            .build();
        let err = GetPolicyError::generic(meta);
        let failure = translate(&SdkError::service_error(err, response(403)));
        assert_eq!(failure.code, "AccessDeniedException");
        assert_eq!(
            failure.message,
            "User is not authorized to perform: lambda:GetPolicy"
        );
        assert!(!failure.not_found && !failure.unreachable);
    }

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

    #[tokio::test]
    async fn counts_calls_per_operation() {
        let gate = CallGate::new(&RateLimits::default());
        gate.admit(Operation::LambdaGetPolicy).await;
        gate.admit(Operation::LambdaGetPolicy).await;
        gate.admit(Operation::ApiGatewayGetResources).await;
        let counts = gate.counts();
        assert_eq!(counts["lambda:GetPolicy"], 2);
        assert_eq!(counts["apigateway:GetResources"], 1);
    }
}
