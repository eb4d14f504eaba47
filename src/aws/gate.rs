//! The one place every AWS call goes through: client-side rate limits that follow AWS's
//! published per-account quotas (docs/aws-facts.md §7) and call counting per operation.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::Operation;
use crate::config::{RateLimit, RateLimits};

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
            // GetDashboard, PutDashboard and DeleteDashboards: 10 TPS together (docs/aws-facts.md §6).
            dashboards: limiter(RateLimit {
                per_second: 10.0,
                burst: 10,
            }),
            // PutMetricData: 500 TPS (docs/aws-facts.md §6); a run needs a few calls.
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
            // with a burst of 6, per account and region (docs/aws-facts.md §9).
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
            // The v2 reads have no quota of their own: they share the account's 10/s (burst 40)
            // with v1 ("Amazon API Gateway quotas", limits.html; docs/aws-facts.md §12.1).
            Operation::ApiGatewayV2GetApis
            | Operation::ApiGatewayV2GetRoutes
            | Operation::ApiGatewayV2GetIntegrations
            | Operation::ApiGatewayV2GetStages
            | Operation::ApiGatewayV2GetAuthorizers
            | Operation::ApiGatewayV2ExportApi => self.apigateway.until_ready().await,
            Operation::IamGetRole
            | Operation::IamListRolePolicies
            | Operation::IamGetRolePolicy
            | Operation::IamListAttachedRolePolicies
            | Operation::IamGetPolicy
            | Operation::IamGetPolicyVersion => self.iam.until_ready().await,
            Operation::LambdaGetFunction => self.lambda_get_function.until_ready().await,
            Operation::LambdaGetPolicy => self.lambda_get_policy.until_ready().await,
            // 15 requests/s, the quota of every Lambda control-plane call not listed (docs/aws-facts.md §7).
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
            Operation::LambdaInvoke | Operation::LambdaInvokeWithResponseStream => {
                self.lambda_invoke.until_ready().await
            }
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

#[cfg(test)]
mod tests {
    use super::*;

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
