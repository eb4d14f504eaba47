//! Tests of the limiter: the bucket's arithmetic with explicit times, the slowdown against a
//! simulated AWS bucket shared with another caller, and the queue.

use super::*;

const APIGW: RateLimit = RateLimit {
    per_second: 10.0,
    burst: 40,
};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Sends every attempt as soon as the bucket allows for `seconds`, returning the send times.
fn saturate(bucket: &mut Bucket, start: Instant, seconds: f64) -> Vec<Instant> {
    let mut sent = Vec::new();
    let mut now = start;
    while now < start + secs(seconds) {
        now += bucket.wait(now);
        bucket.take(now);
        sent.push(now);
    }
    sent
}

/// AWS's bucket (docs/aws-facts.md §7: API Gateway 10/s, burst 40): how many of `sent`
/// it throttles.
fn aws_throttles(sent: &[Instant], limit: RateLimit) -> usize {
    let mut tokens = f64::from(limit.burst);
    let mut last = sent[0];
    let mut throttled = 0;
    for t in sent {
        tokens =
            (tokens + (*t - last).as_secs_f64() * limit.per_second).min(f64::from(limit.burst));
        last = *t;
        if tokens >= 1.0 {
            tokens -= 1.0;
        } else {
            throttled += 1;
        }
    }
    throttled
}

#[test]
fn a_full_bucket_sends_its_burst_then_the_rate_with_a_margin() {
    let start = Instant::now();
    let mut bucket = Bucket::new(APIGW, start);
    let sent = saturate(&mut bucket, start, 10.0);
    // 40 - 1 token kept back for jitter, then 9.95 per second for 10 s.
    let at_once = sent.iter().filter(|t| **t == start).count();
    assert_eq!(at_once, 39);
    assert!((137..=139).contains(&sent.len()), "{}", sent.len());
    assert_eq!(aws_throttles(&sent, APIGW), 0);
    // Delayed by up to 100 ms each (the jitter allowance), AWS still throttles none.
    let jittered: Vec<Instant> = sent
        .iter()
        .enumerate()
        .map(|(i, t)| *t + secs(if i % 2 == 0 { 0.1 } else { 0.0 }))
        .collect();
    let mut ordered = jittered.clone();
    ordered.sort();
    assert_eq!(aws_throttles(&ordered, APIGW), 0);
}

#[test]
fn the_margin_never_leaves_a_bucket_without_a_token() {
    let one = RateLimit {
        per_second: 1.0,
        burst: 1,
    };
    assert_eq!(shape(one).1, 1.0);
    // GetResources: 5 per 2 seconds.
    let (rate, burst) = shape(RateLimit {
        per_second: 2.5,
        burst: 5,
    });
    assert_eq!(burst, 4.0);
    assert!((rate - 2.4875).abs() < 1e-9);
    // Lambda GetFunction, 100/s: 10 tokens cover 100 ms.
    assert_eq!(
        shape(RateLimit {
            per_second: 100.0,
            burst: 100
        })
        .1,
        90.0
    );
}

#[test]
fn a_throttle_settles_under_what_the_others_left_then_probes_upwards() {
    let start = Instant::now();
    let mut bucket = Bucket::new(APIGW, start);
    // Our burst at once, then one every 0.2 s; AWS throttles the one sent at 5 s.
    for _ in 0..39 {
        bucket.take(start);
    }
    let mut ticket = bucket.take(start);
    for i in 1..=25 {
        ticket = bucket.take(start + secs(0.2 * f64::from(i)));
    }
    let now = start + secs(5.0);
    bucket.throttled(ticket, now);
    // AWS had 40 + 5 s × 10 tokens; ours sent 65, of which it admitted 64: the others took 26,
    // 5.2 per second, and left 4.8 per second (less the margin).
    let left = (10.0 - (90.0 - 64.0) / 5.0) * (1.0 - RATE_MARGIN);
    assert!(
        (bucket.rate() - left * CUT).abs() < 1e-9,
        "{}",
        bucket.rate()
    );
    assert!(bucket.wait(now) > Duration::ZERO, "the bucket is empty");
    // A throttle of an attempt sent before the cut does not cut again.
    bucket.throttled(ticket, now + secs(0.1));
    assert!(bucket.rate() > left * CUT, "{}", bucket.rate());
    // Back at what is left after RECOVERY, then slowly above it.
    bucket.wait(now + RECOVERY);
    assert!((bucket.rate() - left).abs() < 1e-9, "{}", bucket.rate());
    bucket.wait(now + RECOVERY + secs(10.0));
    let probed = left + 10.0 * PROBE * 9.95;
    assert!((bucket.rate() - probed).abs() < 1e-9, "{}", bucket.rate());
    // A throttle soon after the last one only cuts.
    let ticket = bucket.take(now + RECOVERY + secs(10.0));
    bucket.throttled(ticket, now + RECOVERY + secs(10.5));
    assert!(
        (bucket.rate() - probed * CUT * CUT).abs() < 0.05,
        "{}",
        bucket.rate()
    );
}

#[test]
fn throttles_never_stop_a_bucket_and_a_new_run_starts_at_the_quota() {
    let start = Instant::now();
    let mut bucket = Bucket::new(APIGW, start);
    bucket.begin_run(1, start);
    let mut now = start;
    for _ in 0..100 {
        now += secs(0.05);
        let ticket = bucket.take(now);
        bucket.throttled(ticket, now);
    }
    assert!((bucket.rate() - 9.95 * FLOOR).abs() < 1e-9);
    bucket.begin_run(1, now);
    assert!(bucket.rate() < 1.0, "the same run stays slowed");
    bucket.begin_run(2, now);
    assert_eq!(bucket.rate(), 9.95);
}

#[test]
fn a_shared_quota_settles_at_what_the_other_caller_leaves() {
    // AWS's bucket at 10/s with burst 40; another caller sends 5/s throughout; the limiter
    // sends whenever it may. Requests reach AWS up to 50 ms late. Over two minutes the limiter
    // must get close to the 5/s left, with few throttles of its own and few of the other's.
    let mut rng = fastrand::Rng::with_seed(7);
    let start = Instant::now();
    let mut ours = Bucket::new(APIGW, start);
    let mut arrivals: Vec<(Instant, bool, Ticket)> = Vec::new();
    let mut now = start;
    let end = start + secs(120.0);
    // Our sends, each arriving with a delay; the other's every 0.2 s with its own.
    let (mut aws, mut last) = (40.0_f64, start);
    let (mut admitted, mut throttled, mut other_throttled, mut other_sent) = (0u32, 0, 0, 0);
    let mut next_other = start;
    while now < end {
        now += ours.wait(now);
        let ticket = ours.take(now);
        arrivals.push((now + secs(rng.f64() * 0.05), true, ticket));
        while next_other <= now {
            arrivals.push((next_other + secs(rng.f64() * 0.05), false, ticket));
            next_other += secs(0.2);
        }
        // AWS answers what arrived until now (answers take no time here).
        arrivals.sort_by_key(|a| a.0);
        let due: Vec<_> = arrivals.iter().copied().filter(|a| a.0 <= now).collect();
        arrivals.retain(|a| a.0 > now);
        for (at, mine, ticket) in due {
            aws = (aws + (at - last).as_secs_f64() * 10.0).min(40.0);
            last = at;
            let ok = aws >= 1.0;
            if ok {
                aws -= 1.0;
            }
            match (mine, ok) {
                (true, true) => admitted += 1,
                (true, false) => {
                    throttled += 1;
                    ours.throttled(ticket, now);
                }
                (false, ok) => {
                    other_sent += 1;
                    other_throttled += u32::from(!ok);
                }
            }
        }
    }
    // The bound for the quota left: (admitted - burst) / 5 per second.
    let bound = (f64::from(admitted) - 40.0) / 5.0;
    let summary = format!(
        "{:.2}/s admitted, {throttled} throttled; the other: {other_throttled} of \
         {other_sent} throttled; wall/bound {:.3}",
        f64::from(admitted) / 120.0,
        120.0 / bound
    );
    println!("{summary}");
    assert!(120.0 / bound <= 1.15, "{summary}");
    assert!(throttled * 10 < admitted, "{summary}");
    assert!(other_throttled * 10 < other_sent, "{summary}");
}

#[tokio::test]
async fn the_queue_serves_attempts_in_order_across_two_quotas() {
    let own = Limiter::new(RateLimit {
        per_second: 2.5,
        burst: 5,
    });
    let shared = Limiter::new(RateLimit {
        per_second: 10.0,
        burst: 2,
    });
    let start = Instant::now();
    let both = acquire(&[&own, &shared]).await;
    assert_eq!(both.len(), 2);
    // The shared bucket had one token (2, less one kept back): the next waits 0.1 s for it.
    let shared_only = acquire(&[&shared]).await;
    assert_eq!(shared_only.len(), 1);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(95) && waited < Duration::from_millis(600),
        "{waited:?}"
    );
}
