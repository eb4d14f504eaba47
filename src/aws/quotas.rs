//! Which of AWS's quotas each call spends, and the buckets that pace them: one set per account and
//! region, shared by every scope and every run of the process, as AWS's own buckets are shared by
//! every caller in the account (docs/aws-facts.md §7).
//!
//! The limits come from `[collect.rate-limits]` (AWS's published quotas by default; a quota
//! raised for an account is raised there too). Publishing's calls, IAM, Organizations and the
//! probe have fixed limits: a run makes few of them.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use super::limiter::{now, Limiter};
use super::Operation;
use crate::config::{RateLimit, RateLimits};

/// One quota of one account and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quota {
    /// Every API Gateway control-plane call of the account, REST (v1) and HTTP/WebSocket (v2)
    /// alike: 10 requests/s, burst 40 ("Amazon API Gateway quotas"; §7, §12.1).
    ApiGateway,
    /// `GetResources` also has its own: 5 requests every 2 seconds (§7).
    ApiGatewayGetResources,
    /// Lambda `GetFunction`: 100 requests/s (§7).
    LambdaGetFunction,
    /// Lambda `GetPolicy`: 15 requests/s (§7).
    LambdaGetPolicy,
    /// Every other Lambda control-plane call: 15 requests/s (§7).
    LambdaOther,
    Sts,
    /// `GetMetricData`: 50 TPS without Metrics Insights (§6).
    CloudWatchGetMetricData,
    /// `FilterLogEvents`: 5 TPS per account and region, a hard limit (CloudWatch Logs quotas).
    LogsFilterLogEvents,
    /// GetDashboard, PutDashboard and DeleteDashboards: 10 TPS together (§6).
    Dashboards,
    /// PutMetricData: 500 TPS (§6); a run needs a few calls.
    PutMetricData,
    /// PutMetricAlarm: one call per run; stay far below any quota.
    Alarms,
    /// Security Hub's published throttling limits (the introduction of the Security Hub API
    /// Reference): BatchImportFindings 10 requests/s with a burst of 30, GetFindings 3 with a
    /// burst of 6, per account and region (§9).
    SecurityHubImport,
    SecurityHubGetFindings,
    /// ListAccounts: one page of 20 accounts per call, a few calls per run; Organizations
    /// throttles its API at a few requests per second per account.
    Organizations,
    /// IAM's read quotas are token buckets per API that AWS does not publish ("How to monitor and
    /// query IAM resources at scale – Part 2", AWS Security Blog; re:Post
    /// knowledge-center/iam-sts-throttling-error). Roles and managed policies are cached per
    /// run, so a run makes a few calls per distinct role: stay slow. IAM is global: one bucket
    /// per account, whatever the region.
    Iam,
}

const ALL: [Quota; 15] = [
    Quota::ApiGateway,
    Quota::ApiGatewayGetResources,
    Quota::LambdaGetFunction,
    Quota::LambdaGetPolicy,
    Quota::LambdaOther,
    Quota::Sts,
    Quota::CloudWatchGetMetricData,
    Quota::LogsFilterLogEvents,
    Quota::Dashboards,
    Quota::PutMetricData,
    Quota::Alarms,
    Quota::SecurityHubImport,
    Quota::SecurityHubGetFindings,
    Quota::Organizations,
    Quota::Iam,
];

impl Quota {
    /// The quotas a call spends, the most specific first and the account-wide one last. Lambda
    /// `Invoke` spends none (concurrency limits it); the probe paces it (`CallGate`).
    pub fn spent_by(operation: Operation) -> &'static [Quota] {
        use Operation::*;
        match operation {
            // AssumeRole counts against the calling account's STS quota, like GetCallerIdentity.
            StsGetCallerIdentity | StsAssumeRole => &[Quota::Sts],
            OrganizationsListAccounts => &[Quota::Organizations],
            ApiGatewayGetResources => &[Quota::ApiGatewayGetResources, Quota::ApiGateway],
            // GetExport has no quota of its own in the fixed-quota table of "Amazon API Gateway
            // quotas" (developerguide/limits.html): it counts against the account's 10/s.
            ApiGatewayGetRestApis
            | ApiGatewayGetStages
            | ApiGatewayGetAuthorizers
            | ApiGatewayGetExport => &[Quota::ApiGateway],
            // The v2 reads have no quota of their own: they share the account's 10/s (burst 40)
            // with v1 ("Amazon API Gateway quotas", limits.html; docs/aws-facts.md §12.1).
            ApiGatewayV2GetApis
            | ApiGatewayV2GetRoutes
            | ApiGatewayV2GetIntegrations
            | ApiGatewayV2GetStages
            | ApiGatewayV2GetAuthorizers
            | ApiGatewayV2ExportApi => &[Quota::ApiGateway],
            IamGetRole
            | IamListRolePolicies
            | IamGetRolePolicy
            | IamListAttachedRolePolicies
            | IamGetPolicy
            | IamGetPolicyVersion => &[Quota::Iam],
            LambdaGetFunction => &[Quota::LambdaGetFunction],
            LambdaGetPolicy => &[Quota::LambdaGetPolicy],
            LambdaGetLayerVersionByArn => &[Quota::LambdaOther],
            LambdaInvoke | LambdaInvokeWithResponseStream => &[],
            CloudWatchGetMetricData => &[Quota::CloudWatchGetMetricData],
            LogsFilterLogEvents => &[Quota::LogsFilterLogEvents],
            CloudWatchPutDashboard | CloudWatchGetDashboard | CloudWatchDeleteDashboards => {
                &[Quota::Dashboards]
            }
            CloudWatchPutMetricData => &[Quota::PutMetricData],
            CloudWatchPutMetricAlarm => &[Quota::Alarms],
            SecurityHubBatchImportFindings => &[Quota::SecurityHubImport],
            SecurityHubGetFindings => &[Quota::SecurityHubGetFindings],
        }
    }

    /// IAM (and Organizations) quotas are the account's, in every region.
    fn global(self) -> bool {
        matches!(self, Quota::Iam | Quota::Organizations)
    }

    fn limit(self, limits: &RateLimits) -> RateLimit {
        let fixed = |per_second, burst| RateLimit { per_second, burst };
        match self {
            Quota::ApiGateway => limits.apigateway,
            Quota::ApiGatewayGetResources => limits.apigateway_get_resources,
            Quota::LambdaGetFunction => limits.lambda_get_function,
            Quota::LambdaGetPolicy => limits.lambda_get_policy,
            Quota::LambdaOther => limits.lambda_other,
            Quota::Sts => limits.sts,
            Quota::CloudWatchGetMetricData => limits.cloudwatch_get_metric_data,
            Quota::LogsFilterLogEvents => limits.logs_filter_log_events,
            Quota::Dashboards => fixed(10.0, 10),
            Quota::PutMetricData => fixed(100.0, 20),
            Quota::Alarms => fixed(1.0, 1),
            Quota::SecurityHubImport => fixed(10.0, 30),
            Quota::SecurityHubGetFindings => fixed(3.0, 6),
            Quota::Organizations => fixed(2.0, 2),
            Quota::Iam => fixed(5.0, 10),
        }
    }
}

/// The buckets of one account in one region (or of its global quotas).
#[derive(Debug)]
pub struct Buckets {
    limiters: Vec<Limiter>,
    last_used: Mutex<Instant>,
}

impl Buckets {
    fn new(limits: &RateLimits) -> Self {
        Self {
            limiters: ALL.iter().map(|q| Limiter::new(q.limit(limits))).collect(),
            last_used: Mutex::new(now()),
        }
    }

    pub fn limiter(&self, quota: Quota) -> &Limiter {
        let index = ALL.iter().position(|q| *q == quota).unwrap_or_default();
        &self.limiters[index]
    }

    /// A run (or a new configuration) begins using these buckets.
    fn enter(&self, limits: &RateLimits, run: u64) {
        let at = now();
        for (quota, limiter) in ALL.iter().zip(&self.limiters) {
            let mut bucket = limiter.bucket();
            bucket.reconfigure(quota.limit(limits), at);
            bucket.begin_run(run, at);
        }
        *self.last_used.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    fn idle_for(&self, at: Instant) -> Duration {
        at.saturating_duration_since(*self.last_used.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Buckets nobody holds and nobody used for this long are full again (the largest quota refills
/// its burst in 4 s): forgetting them changes nothing.
const FORGET_AFTER: Duration = Duration::from_secs(60);

type Registry = Mutex<HashMap<(String, String), Arc<Buckets>>>;

/// The process's buckets per (account, region); `""` is the region of global quotas.
static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::default);

/// The buckets of `account` in `region` (or the global ones), shared with every other user in
/// the process, entered for `run`: the first use by a new run resets their slowdowns.
pub fn shared(account: &str, region: &str, limits: &RateLimits, run: u64) -> Arc<Buckets> {
    let mut registry = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    let at = now();
    registry.retain(|_, b| Arc::strong_count(b) > 1 || b.idle_for(at) < FORGET_AFTER);
    let buckets = registry
        .entry((account.to_string(), region.to_string()))
        .or_insert_with(|| Arc::new(Buckets::new(limits)))
        .clone();
    drop(registry);
    buckets.enter(limits, run);
    buckets
}

/// Buckets of their own, for calls made before the account is known (the run's first
/// `GetCallerIdentity`, listing the organization) and for publishing.
pub fn private(limits: &RateLimits) -> Arc<Buckets> {
    Arc::new(Buckets::new(limits))
}

/// Where a quota's bucket lives: regional or global.
pub fn is_global(quota: Quota) -> bool {
    quota.global()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_spends_the_quotas_aws_counts_it_against() {
        // API Gateway calls, v1 and v2 alike, all spend the account bucket (§12.1);
        // GetResources its own as well.
        for op in Operation::ALL {
            let spent = Quota::spent_by(op);
            if op.name().starts_with("apigateway") {
                assert_eq!(spent.last(), Some(&Quota::ApiGateway), "{op:?}");
            }
            assert!(!spent.is_empty(), "{op:?}");
        }
        assert_eq!(
            Quota::spent_by(Operation::ApiGatewayGetResources),
            [Quota::ApiGatewayGetResources, Quota::ApiGateway]
        );
        assert_eq!(
            Quota::spent_by(Operation::ApiGatewayV2GetRoutes),
            [Quota::ApiGateway]
        );
        assert!(Quota::spent_by(Operation::LambdaInvoke).is_empty());
    }

    #[test]
    fn the_same_account_and_region_share_buckets_and_others_do_not() {
        let limits = RateLimits::default();
        let a = shared("111111111111", "us-east-1", &limits, 1);
        let b = shared("111111111111", "us-east-1", &limits, 1);
        let c = shared("111111111111", "eu-west-1", &limits, 1);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(ALL.len(), a.limiters.len());
    }
}
