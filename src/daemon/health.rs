//! `apigw-auditor health`: the container's health check. It reads the daemon's status file and
//! says whether the last good run is recent enough; it calls no AWS API, so it is cheap to run
//! every few seconds.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::status::{self, Outcome};

/// Parses a duration like `900s`, `30m`, `1h`, `2d` or `1h30m` (a sequence of whole numbers each
/// followed by `s`, `m`, `h` or `d`). A unit is required: a bare `30` could be seconds or minutes,
/// and a health check that guesses wrong restarts the daemon for nothing.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = |why: &str| format!("`{text}` is not a duration like `30m`, `1h` or `900s`: {why}");
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad(&format!("unknown unit `{c}` (use s, m, h or d)"))),
        };
        if digits.is_empty() {
            return Err(bad(&format!("`{c}` has no number before it")));
        }
        let n: u64 = digits.parse().map_err(|_| bad("the number is too large"))?;
        total = n
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(|| bad("it is too long"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(bad(&format!("`{digits}` has no unit (s, m, h or d)")));
    }
    Ok(Duration::from_secs(total))
}

/// `1h 2m 3s`, `45s`: how long ago, for the one-line verdict.
pub fn human(duration: Duration) -> String {
    let s = duration.as_secs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    }
}

/// The verdict on the status file at `path` at time `now`: `Ok` (healthy) or `Err` (unhealthy),
/// each with a one-line reason. Healthy means that less than `max_age` has passed since the last
/// good run finished or, before the daemon's first good run, since the daemon started: a fresh
/// daemon gets `max_age` to get its first run through, like a start period.
pub fn check(path: &Path, max_age: Duration, now: DateTime<Utc>) -> Result<String, String> {
    let status = status::read(path).map_err(|error| format!("{error:#}"))?;
    let age_since = |t: DateTime<Utc>| (now - t).to_std().unwrap_or(Duration::ZERO);
    let last = match &status.last_run {
        // Why the daemon is not healthy, when the last run says it.
        Some(run) if !run.outcome.is_good() => {
            let detail = run.detail.as_deref().unwrap_or("no detail");
            format!(
                "; the last run ({} ago) {}: {detail}",
                human(age_since(run.finished_at)),
                outcome_text(run.outcome)
            )
        }
        _ => String::new(),
    };
    let (age, what) = match status.last_good_run_at {
        Some(at) => (
            age_since(at),
            format!("the last good run finished {}", at.to_rfc3339()),
        ),
        None => (
            age_since(status.daemon_started_at),
            format!(
                "no good run yet; the daemon started {}",
                status.daemon_started_at.to_rfc3339()
            ),
        ),
    };
    let verdict = format!(
        "{what}, {} ago (max age {}; {} runs, {} skipped ticks){last}",
        human(age),
        human(max_age),
        status.runs,
        status.skipped_ticks
    );
    if age < max_age {
        Ok(verdict)
    } else {
        Err(verdict)
    }
}

fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok | Outcome::Findings => "succeeded",
        Outcome::SinkFailed => "could not publish",
        Outcome::Failed => "failed",
    }
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
