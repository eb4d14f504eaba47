//! One AWS quota as a token bucket that every attempt of every call spending it waits its turn
//! in: first come, first served (a retry joins the same queue as fresh calls, so no call starves),
//! a little below the published rate and burst (the safety margin for clock and network jitter),
//! and slowed down when AWS throttles anyway — someone else in the account spends the same
//! quota — to what that someone leaves, then slowly back up to the quota.
//!
//! AWS documents its control-plane quotas as a steady rate with a burst (docs/aws-facts.md §7),
//! the shape of a token bucket: it holds at most `burst` tokens, gains `rate` per second, and a
//! request that finds it empty is throttled. A throttle therefore says AWS's bucket is empty
//! now; the limiter knows what its own calls took since AWS's bucket was last known full (this
//! bucket full too: nothing of ours drew on it) or empty (the last throttle), so the rest of the
//! refill went to the account's other callers. The limiter settles just under what they leave,
//! returns to it along a concave curve as the SDKs' adaptive retry mode does (§7), and then
//! probes upwards slowly, since the other callers are throttled too while it takes more than its
//! share. Unlike the SDKs' mode, it is shared by every call that spends the quota.
//!
//! The waiting is done here rather than with a rate-limiting crate (`governor`, which the auditor
//! used before, or `leaky-bucket`) because the rate must change while calls wait, a call may need
//! tokens of two buckets at the same instant, and the queue must be strictly first come, first
//! served: `tokio::sync::Mutex` grants its lock in request order, and the one holding it sleeps
//! until the bucket has a token at the rate in force when it wakes.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::config::RateLimit;

/// The burst kept in reserve: enough tokens for this much time at the full rate, at least one.
/// Requests reach AWS a variable time after they leave the queue (signing, connection pools, the
/// network); a burst this much smaller than AWS's covers that spread.
const JITTER_ALLOWANCE: Duration = Duration::from_millis(100);
/// The rate is kept this fraction under the quota, for clocks that do not tick alike.
const RATE_MARGIN: f64 = 0.005;
/// After a throttle the rate drops to this fraction of what the other callers leave (or, when
/// the last throttle was too recent to tell, of the rate in force).
const CUT: f64 = 0.9;
/// Throttles less than this apart measure the other callers too roughly: the rate is then only
/// cut.
const MEASURE: Duration = Duration::from_secs(1);
/// After a cut the rate climbs back to what the other callers leave over this long...
const RECOVERY: Duration = Duration::from_secs(4);
/// ...then grows by this fraction of the quota per second until the next throttle or the quota.
const PROBE: f64 = 0.01;
/// Throttles never slow a bucket below this fraction of its quota: random throttling (a fault,
/// not a full bucket) would otherwise stop a run.
const FLOOR: f64 = 0.1;

/// The state of one bucket, with time passed in so it can be tested without waiting.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    /// The quota with its margin: the most this bucket ever lets through per second.
    ceiling: f64,
    capacity: f64,
    /// The rate now: `ceiling` unless throttles slowed it.
    rate: f64,
    tokens: f64,
    at: Instant,
    slowdown: Option<Slowdown>,
    /// Counts the throttles that cut, so that the throttles of attempts sent before a cut do not
    /// cut again.
    epoch: u64,
    /// The run the slowdown belongs to: every run starts at the full quota.
    run: u64,
    /// When AWS's bucket was last known full (`true`) or empty, and the tokens our attempts took
    /// from it since.
    known: (Instant, bool),
    spent: f64,
    limit: RateLimit,
}

#[derive(Debug, Clone, Copy)]
struct Slowdown {
    at: Instant,
    /// The rate right after the cut.
    from: f64,
    /// What the other callers left, which the rate returns to before it probes above.
    to: f64,
}

/// What one attempt took from a bucket: the epoch it was sent in and how much slack the bucket
/// had left, in seconds of refill (the bucket with the least is the one a throttle is blamed on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ticket {
    pub epoch: u64,
    pub slack: f64,
}

impl Bucket {
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Self {
        let (ceiling, capacity) = shape(limit);
        Self {
            ceiling,
            capacity,
            rate: ceiling,
            tokens: capacity,
            at: now,
            slowdown: None,
            epoch: 0,
            run: 0,
            known: (now, true),
            spent: 0.0,
            limit,
        }
    }

    /// Takes a new configuration (the quotas are raised per account), keeping the tokens.
    pub(crate) fn reconfigure(&mut self, limit: RateLimit, now: Instant) {
        if limit == self.limit {
            return;
        }
        self.advance(now);
        let (ceiling, capacity) = shape(limit);
        self.limit = limit;
        self.ceiling = ceiling;
        self.capacity = capacity;
        self.tokens = self.tokens.min(capacity);
        self.rate = self.rate.min(ceiling);
    }

    /// A new run starts at the full quota; the tokens stay, since AWS's bucket does too.
    pub(crate) fn begin_run(&mut self, run: u64, now: Instant) {
        if run != self.run {
            self.advance(now);
            self.run = run;
            self.slowdown = None;
            self.rate = self.ceiling;
        }
    }

    /// The rate at `now`: the quota, or on the way back to it after a throttle.
    fn rate_at(&self, now: Instant) -> f64 {
        let Some(slow) = self.slowdown else {
            return self.ceiling;
        };
        let since = now.saturating_duration_since(slow.at).as_secs_f64();
        let t = since / RECOVERY.as_secs_f64();
        let rate = if t < 1.0 {
            // Concave: quickly most of the way back, then slowly near what is left.
            slow.to - (slow.to - slow.from) * (1.0 - t).powi(3)
        } else {
            slow.to + PROBE * self.ceiling * (since - RECOVERY.as_secs_f64())
        };
        rate.min(self.ceiling)
    }

    fn advance(&mut self, now: Instant) {
        if now > self.at {
            let elapsed = (now - self.at).as_secs_f64();
            self.tokens = (self.tokens + self.rate * elapsed).min(self.capacity);
            self.at = now;
        }
        if self.tokens >= self.capacity {
            // Nothing of ours draws on AWS's bucket: as far as we know it is full again.
            self.known = (now, true);
            self.spent = 0.0;
        }
        self.rate = self.rate_at(now);
        if self.slowdown.is_some() && self.rate >= self.ceiling {
            self.slowdown = None;
        }
    }

    /// How long until a token is there.
    pub(crate) fn wait(&mut self, now: Instant) -> Duration {
        self.advance(now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate.max(f64::MIN_POSITIVE))
        }
    }

    pub(crate) fn take(&mut self, now: Instant) -> Ticket {
        self.advance(now);
        self.tokens -= 1.0;
        self.spent += 1.0;
        Ticket {
            epoch: self.epoch,
            slack: self.tokens / self.rate.max(f64::MIN_POSITIVE),
        }
    }

    /// AWS throttled an attempt: its bucket is empty now. The first throttle of an epoch sets
    /// the rate just under what the account's other callers left since AWS's bucket was last
    /// known full or empty; later throttles of attempts sent before that only empty the bucket
    /// again.
    pub(crate) fn throttled(&mut self, ticket: Ticket, now: Instant) {
        self.advance(now);
        self.tokens = self.tokens.min(0.0);
        if ticket.epoch != self.epoch {
            return;
        }
        // The throttled attempt took nothing from AWS's bucket.
        self.spent -= 1.0;
        let floor = self.ceiling * FLOOR;
        let (since, full) = self.known;
        let window = now.saturating_duration_since(since).as_secs_f64();
        let to = if window >= MEASURE.as_secs_f64() {
            // AWS's bucket held `burst` (or nothing) then, gained the quota's rate since, and is
            // empty now: what our attempts did not take, the others did.
            let start = if full {
                f64::from(self.limit.burst)
            } else {
                0.0
            };
            let others = (start + self.limit.per_second * window - self.spent) / window;
            ((self.limit.per_second - others) * (1.0 - RATE_MARGIN)).min(self.rate)
        } else {
            self.rate * CUT
        };
        let to = to.max(floor);
        self.slowdown = Some(Slowdown {
            at: now,
            from: (to * CUT).max(floor),
            to,
        });
        self.rate = (to * CUT).max(floor);
        self.epoch += 1;
        self.known = (now, false);
        self.spent = 0.0;
    }

    /// AWS throttled an attempt because of another bucket: this one's token was not taken.
    pub(crate) fn returned(&mut self, ticket: Ticket, now: Instant) {
        self.advance(now);
        if ticket.epoch == self.epoch {
            self.spent -= 1.0;
            self.tokens = (self.tokens + 1.0).min(self.capacity);
        }
    }

    #[cfg(test)]
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }
}

/// The rate and burst kept, with the safety margin taken off the quota.
fn shape(limit: RateLimit) -> (f64, f64) {
    let rate = limit.per_second.max(0.001);
    let burst = f64::from(limit.burst.max(1));
    let reserve = (rate * JITTER_ALLOWANCE.as_secs_f64()).ceil().max(1.0);
    let capacity = (burst - reserve).max(1.0);
    (rate * (1.0 - RATE_MARGIN), capacity)
}

/// One quota's bucket and the queue of attempts waiting for it.
#[derive(Debug)]
pub struct Limiter {
    queue: tokio::sync::Mutex<()>,
    bucket: Mutex<Bucket>,
}

/// Now, on tokio's clock (which tests can pause) as a std `Instant`.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            queue: tokio::sync::Mutex::new(()),
            bucket: Mutex::new(Bucket::new(limit, now())),
        }
    }

    pub(crate) fn bucket(&self) -> MutexGuard<'_, Bucket> {
        self.bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn ready(&self) {
        loop {
            let wait = self.bucket().wait(now());
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// Waits for a token of every limiter an attempt spends, in turn, and takes them all at the
/// same instant. `limiters` goes from the most specific quota to the most shared one (an API
/// Gateway `GetResources` spends its own, then the account's): the attempt holds its place at the
/// head of the specific queue until that bucket has a token, and only then joins the shared
/// queue, so that it never holds up the calls that spend the shared quota alone.
pub(crate) async fn acquire(limiters: &[&Limiter]) -> Vec<Ticket> {
    let mut held = Vec::with_capacity(limiters.len());
    for (i, limiter) in limiters.iter().enumerate() {
        held.push(limiter.queue.lock().await);
        if i + 1 < limiters.len() {
            limiter.ready().await;
        }
    }
    loop {
        let at = now();
        let wait = limiters
            .iter()
            .map(|l| l.bucket().wait(at))
            .max()
            .unwrap_or_default();
        if wait.is_zero() {
            return limiters.iter().map(|l| l.bucket().take(at)).collect();
        }
        // Woken, the head looks again: a throttle meanwhile may have emptied the bucket.
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
#[path = "limiter_tests.rs"]
mod tests;
