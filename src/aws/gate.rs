//! The one place every AWS call goes through: each attempt — the first and every retry — waits
//! its turn for a token of every quota the call spends (`quotas.rs`, `limiter.rs`), a throttle
//! slows the quota down for every caller of the process, transient failures are retried after a
//! backoff (`retry.rs`), and the gate counts, per operation, the calls, the attempts AWS
//! throttled and the retries, for the report's summary.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::ProvideErrorKind;

use super::limiter::{acquire, now, Limiter, Ticket};
use super::quotas::{self, Buckets, Quota};
use super::retry::{answered, backoff, classify, Outcome};
use super::Operation;
use crate::config::{RateLimit, RateLimits};

/// A throttle is blamed on the bucket with the least slack when the attempt was sent, and on any
/// other within this many seconds of it.
const BLAME_MARGIN: f64 = 0.1;

/// One audit run. The buckets' levels outlive runs, as AWS's do; their slowdowns do not: every
/// run starts at the full quota and retries the same way, however the last one went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(u64);

impl RunId {
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl Default for RunId {
    fn default() -> Self {
        Self::next()
    }
}

/// What the calls through a gate cost, per operation (`service:Operation`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallTally {
    /// Calls made: one per request the audit needed, however many attempts it took.
    pub calls: BTreeMap<String, u64>,
    /// Attempts AWS throttled.
    pub throttled: BTreeMap<String, u64>,
    /// Attempts after the first, for any reason.
    pub retries: BTreeMap<String, u64>,
    /// The most attempts one call took (0 before any call).
    pub most_attempts: u32,
}

/// Pacing and counters for the calls of one scope. Cloned handles share the counters.
#[derive(Clone)]
pub struct CallGate {
    limits: RateLimits,
    regional: Arc<Buckets>,
    global: Arc<Buckets>,
    /// `[probe] per-second`; see [`CallGate::with_invoke_limit`].
    invoke: Arc<Limiter>,
    max_attempts: u32,
    /// Attempts that get no answer at all before a call gives up (see `with_unanswered_attempts`).
    unanswered_attempts: u32,
    tally: Arc<Mutex<CallTally>>,
}

impl CallGate {
    /// A gate with buckets of its own, for calls made before the account is known and for
    /// publishing; `at` gives the account's shared buckets. `max_attempts` counts the first.
    pub fn new(limits: &RateLimits, max_attempts: u32) -> Self {
        Self {
            limits: limits.clone(),
            regional: quotas::private(limits),
            global: quotas::private(limits),
            // Invoke has no control-plane quota (concurrency limits it); the probe's own rate
            // comes from `[probe]` through `with_invoke_limit`. Until then, one per second.
            invoke: Arc::new(Limiter::new(RateLimit {
                per_second: 1.0,
                burst: 1,
            })),
            max_attempts: max_attempts.max(1),
            unanswered_attempts: max_attempts.max(1),
            tally: Arc::default(),
        }
    }

    /// The same counters, pacing with the buckets of `account` in `region`, which every gate of
    /// the process shares (AWS's quotas are per account and region, IAM's per account).
    pub fn at(&self, account: &str, region: &str, run: RunId) -> Self {
        Self {
            regional: quotas::shared(account, region, &self.limits, run.0),
            global: quotas::shared(account, "", &self.limits, run.0),
            ..self.clone()
        }
    }

    /// The same gate with the probe's invocation rate (`[probe] per-second`), no burst: the
    /// probe spreads its invocations evenly.
    pub fn with_invoke_limit(mut self, per_second: f64) -> Self {
        self.invoke = Arc::new(Limiter::new(RateLimit {
            per_second,
            burst: 1,
        }));
        self
    }

    /// The same gate (and counters), giving up after `attempts` that get no answer at all (a
    /// refused connection, a timeout): the first call of a run, so that an unreachable endpoint
    /// fails the run quickly. Answered failures (a throttle, a 5XX) keep the full budget: the
    /// endpoint is there, and a throttled first call must not fail a run.
    pub fn with_unanswered_attempts(&self, attempts: u32) -> Self {
        Self {
            unanswered_attempts: attempts.max(1),
            ..self.clone()
        }
    }

    fn limiters(&self, operation: Operation) -> Vec<&Limiter> {
        if matches!(
            operation,
            Operation::LambdaInvoke | Operation::LambdaInvokeWithResponseStream
        ) {
            return vec![&self.invoke];
        }
        Quota::spent_by(operation)
            .iter()
            .map(|quota| {
                let buckets = if quotas::is_global(*quota) {
                    &self.global
                } else {
                    &self.regional
                };
                buckets.limiter(*quota)
            })
            .collect()
    }

    /// Makes one call: `attempt` sends it (build the request inside, so each attempt is whole)
    /// and is called again for each retry, each time after a token of every quota the call
    /// spends. Throttles are retried as soon as the slowed limiter allows, transient failures
    /// after a backoff, up to the gate's attempts; the last answer is returned as it came.
    pub async fn send<T, E, F, Fut>(
        &self,
        operation: Operation,
        mut attempt: F,
    ) -> Result<T, SdkError<E, HttpResponse>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + ProvideErrorKind,
    {
        self.count(|t| bump(&mut t.calls, operation));
        let limiters = self.limiters(operation);
        let (mut attempts, mut unanswered) = (1, 0);
        loop {
            let tickets = acquire(&limiters).await;
            let result = attempt().await;
            let outcome = classify(&result);
            match outcome {
                Outcome::Done | Outcome::Transient => {}
                Outcome::Throttled => {
                    blame(&limiters, &tickets);
                    self.count(|t| bump(&mut t.throttled, operation));
                    tracing::debug!(
                        operation = operation.name(),
                        attempt = attempts,
                        "throttled; the quota's limiter slows down"
                    );
                }
            }
            unanswered += u32::from(!answered(&result));
            if outcome == Outcome::Done
                || attempts >= self.max_attempts
                || unanswered >= self.unanswered_attempts
            {
                self.count(|t| t.most_attempts = t.most_attempts.max(attempts));
                return result;
            }
            attempts += 1;
            self.count(|t| bump(&mut t.retries, operation));
            if outcome == Outcome::Transient {
                tokio::time::sleep(backoff(attempts)).await;
            }
        }
    }

    /// Paces and counts one call made by code that sends and retries it itself: the SDK's
    /// credentials provider calling `sts:AssumeRole`.
    pub async fn admit_external(&self, operation: Operation) {
        self.count(|t| bump(&mut t.calls, operation));
        acquire(&self.limiters(operation)).await;
    }

    fn count(&self, update: impl FnOnce(&mut CallTally)) {
        update(&mut self.tally.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Calls made so far, per operation.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.tally().calls
    }

    /// Calls, throttles and retries so far.
    pub fn tally(&self) -> CallTally {
        self.tally.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn bump(counts: &mut BTreeMap<String, u64>, operation: Operation) {
    *counts.entry(operation.name().to_string()).or_default() += 1;
}

/// A throttled attempt found empty the bucket that had the least slack when it was sent (or
/// those within `BLAME_MARGIN` of it): a `GetResources` throttled while the account's bucket
/// runs dry slows the account's limiter, and gets its own quota's token back.
fn blame(limiters: &[&Limiter], tickets: &[Ticket]) {
    let least = tickets
        .iter()
        .map(|t| t.slack)
        .fold(f64::INFINITY, f64::min);
    let at = now();
    for (limiter, ticket) in limiters.iter().zip(tickets) {
        if ticket.slack <= least + BLAME_MARGIN {
            limiter.bucket().throttled(*ticket, at);
        } else {
            limiter.bucket().returned(*ticket, at);
        }
    }
}

#[cfg(test)]
// The SDK's errors are large; tests build them as the SDK returns them.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::get_policy::GetPolicyError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    type Answer = Result<u32, SdkError<GetPolicyError, HttpResponse>>;

    fn error(code: &str, status: u16) -> Answer {
        let meta = ErrorMetadata::builder().code(code).build();
        Err(SdkError::service_error(
            GetPolicyError::generic(meta),
            HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty()),
        ))
    }

    /// A gate whose `send` answers from `script`, one entry per attempt.
    async fn run(gate: &CallGate, op: Operation, script: Vec<Answer>) -> (Answer, usize) {
        let script = Mutex::new(script.into_iter());
        let tried = AtomicU64::new(0);
        let answer = gate
            .send(op, || {
                tried.fetch_add(1, Ordering::Relaxed);
                let next = script
                    .lock()
                    .unwrap()
                    .next()
                    .expect("an answer per attempt");
                async move { next }
            })
            .await;
        (answer, tried.load(Ordering::Relaxed) as usize)
    }

    #[tokio::test]
    async fn throttles_are_retried_counted_and_the_call_counted_once() {
        let gate = CallGate::new(&RateLimits::default(), 10);
        let script = vec![
            error("TooManyRequestsException", 429),
            error("ThrottlingException", 400),
            Ok(7),
        ];
        let (answer, tried) = run(&gate, Operation::LambdaGetPolicy, script).await;
        assert_eq!((answer.unwrap(), tried), (7, 3));
        let tally = gate.tally();
        assert_eq!(tally.calls["lambda:GetPolicy"], 1);
        assert_eq!(tally.throttled["lambda:GetPolicy"], 2);
        assert_eq!(tally.retries["lambda:GetPolicy"], 2);
        assert_eq!(tally.most_attempts, 3);
    }

    #[tokio::test]
    async fn final_errors_are_not_retried_and_the_budget_is_the_gates() {
        let gate = CallGate::new(&RateLimits::default(), 3);
        let (answer, tried) = run(
            &gate,
            Operation::LambdaGetPolicy,
            vec![error("AccessDeniedException", 403)],
        )
        .await;
        assert!(answer.is_err());
        assert_eq!(tried, 1);
        let five_hundreds = (0..3).map(|_| error("InternalFailure", 500)).collect();
        let (answer, tried) = run(&gate, Operation::LambdaGetFunction, five_hundreds).await;
        assert!(answer.is_err());
        assert_eq!(tried, 3, "three attempts, then the last answer");
        assert!(gate.tally().throttled.is_empty());
        // A gate for the next run starts with the same budget: nothing was used up.
        let next = CallGate::new(&RateLimits::default(), 3);
        let five_hundreds = (0..3).map(|_| error("InternalFailure", 500)).collect();
        assert_eq!(
            run(&next, Operation::LambdaGetFunction, five_hundreds)
                .await
                .1,
            3
        );
    }

    #[tokio::test]
    async fn a_first_call_gives_up_without_an_answer_but_not_on_throttles() {
        let refused = || -> Answer {
            Err(SdkError::dispatch_failure(
                aws_smithy_runtime_api::client::result::ConnectorError::io(
                    "connection refused".into(),
                ),
            ))
        };
        let first = CallGate::new(&RateLimits::default(), 10).with_unanswered_attempts(2);
        let (answer, tried) = run(
            &first,
            Operation::StsGetCallerIdentity,
            vec![refused(), refused()],
        )
        .await;
        assert!(answer.is_err());
        assert_eq!(tried, 2, "an unreachable endpoint fails fast");
        let script = vec![
            error("Throttling", 400),
            error("Throttling", 400),
            error("Throttling", 400),
            Ok(3),
        ];
        let (answer, tried) = run(&first, Operation::StsGetCallerIdentity, script).await;
        assert_eq!(
            (answer.unwrap(), tried),
            (3, 4),
            "throttles say the endpoint is there"
        );
    }

    #[tokio::test]
    async fn every_attempt_takes_a_token_so_retries_wait_their_turn() {
        // Ten tokens per second, no burst: three attempts of one call take 0.2 s.
        let limits = RateLimits {
            lambda_get_policy: RateLimit {
                per_second: 10.0,
                burst: 1,
            },
            ..RateLimits::default()
        };
        let gate = CallGate::new(&limits, 10);
        let start = std::time::Instant::now();
        let script = vec![error("Throttling", 400), error("Throttling", 400), Ok(1)];
        run(&gate, Operation::LambdaGetPolicy, script)
            .await
            .0
            .unwrap();
        // The throttles also slowed the limiter: the retries waited longer than 0.1 s each.
        assert!(start.elapsed() > std::time::Duration::from_millis(220));
    }

    #[tokio::test]
    async fn gates_of_one_account_and_region_share_their_buckets() {
        let gate = CallGate::new(&RateLimits::default(), 10);
        let run = RunId::next();
        let a = gate.at("222222222222", "us-east-1", run);
        let b = CallGate::new(&RateLimits::default(), 10).at("222222222222", "us-east-1", run);
        assert!(Arc::ptr_eq(&a.regional, &b.regional));
        assert!(Arc::ptr_eq(&a.global, &b.global));
        let other = a.at("222222222222", "eu-west-1", run);
        assert!(!Arc::ptr_eq(&a.regional, &other.regional));
        assert!(Arc::ptr_eq(&a.global, &other.global), "IAM is global");
        // Counters stay the scope's own.
        a.admit_external(Operation::StsAssumeRole).await;
        assert_eq!(gate.counts()["sts:AssumeRole"], 1);
        assert!(b.counts().is_empty());
    }
}
