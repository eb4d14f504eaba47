//! The `[evidence]` section: whether and how far back to read CloudWatch metrics and logs, and the
//! bounds that keep one audit's CloudWatch reads (their calls, time and cost) small.

use toml::{Table, Value};

use super::keys::join;
use super::validate::{set, Walker};
use super::EvidenceSettings;

/// GetMetricData returns at most this many data points per call (its `MaxDatapoints` default and
/// ceiling, docs/aws-facts.md §6): a window of more periods than that would not fit even one metric.
pub(super) const MAX_PERIODS: u64 = 100_800;

/// Where the rule between the window and the period is reported: the period is the key people
/// tune to fit a window, and both halves of the rule name it.
pub(super) const PERIOD_KEY: &str = "evidence.period-seconds";

impl Walker<'_> {
    pub(super) fn evidence(&mut self, table: &Table, out: &mut EvidenceSettings) {
        // Whether window and period each hold a good value (the file's or the default): the rule
        // between them is judged only then, so one bad value is not reported twice.
        let (mut window_ok, mut period_ok) = (true, true);
        for (name, value) in table {
            let key = join("evidence", name);
            match name.as_str() {
                "enabled" => set(&mut out.enabled, self.problems.boolean(&key, value)),
                "metrics" => set(&mut out.metrics, self.problems.boolean(&key, value)),
                "logs" => set(&mut out.logs, self.problems.boolean(&key, value)),
                // Under 5 minutes a rate rests on a handful of requests, and metrics arrive a few
                // minutes late anyway. Over 7 days the log scans (FilterLogEvents is a hard 5/s)
                // take too long; 60-second data is kept 15 days, so every 7-day window has it.
                "window-minutes" => {
                    let minutes = self.problems.integer(&key, value, 5..=10_080);
                    window_ok = minutes.is_some();
                    set(&mut out.window_minutes, minutes);
                }
                "period-seconds" => {
                    let seconds = self.period(&key, value);
                    period_ok = seconds.is_some();
                    set(&mut out.period_seconds, seconds);
                }
                // Each page is one FilterLogEvents call out of the account's 5 per second.
                "log-pages-per-signature" => set(
                    &mut out.log_pages_per_signature,
                    self.problems.integer(&key, value, 1..=100),
                ),
                // Counting stops here: past a few thousand, more events say nothing new.
                "log-events-per-signature" => set(
                    &mut out.log_events_per_signature,
                    self.problems.integer(&key, value, 1..=10_000),
                ),
                // Ten minutes per log group already makes a many-API audit take hours.
                "log-seconds-per-group" => set(
                    &mut out.log_seconds_per_group,
                    self.problems.integer(&key, value, 1..=600),
                ),
                _ => self.problems.unknown_key(&key, name, "evidence"),
            }
        }
        if window_ok && period_ok {
            if let Some(message) = window_problem(out.window_minutes, out.period_seconds) {
                self.problems.add(PERIOD_KEY, message);
            }
        }
    }

    /// A GetMetricData period for `AWS/ApiGateway` and `AWS/Lambda`: whole minutes, because these
    /// are standard-resolution metrics (periods under 60 s exist only for high-resolution custom
    /// ones), up to an hour, the coarsest that still shows when in a day the errors happened.
    fn period(&mut self, key: &str, value: &Value) -> Option<i32> {
        let seconds: i32 = self.problems.integer(key, value, 60..=3600)?;
        if seconds % 60 != 0 {
            self.problems.add(
                key,
                format!("must be a multiple of 60 (whole minutes), found {seconds}"),
            );
            return None;
        }
        Some(seconds)
    }
}

/// Why a period of `period_seconds` does not fit a window of `window_minutes`, if it does not:
/// it must not be longer than the window, and the window must not hold more periods than one
/// GetMetricData call returns. The latter cannot happen within today's ranges (7 days of 60 s
/// periods is 10,080), but it is the limit the ranges must respect if they are ever widened.
pub(super) fn window_problem(window_minutes: u32, period_seconds: i32) -> Option<String> {
    let window_seconds = u64::from(window_minutes) * 60;
    // A period that is not positive has already been reported by its own range check.
    let period = u64::try_from(period_seconds).unwrap_or(0).max(1);
    if period > window_seconds {
        return Some(format!(
            "must not exceed the window of {window_minutes} minutes ({window_seconds} seconds), \
             found {period}"
        ));
    }
    let periods = window_seconds.div_ceil(period);
    if periods > MAX_PERIODS {
        return Some(format!(
            "a window of {window_minutes} minutes holds {periods} periods of {period} seconds, \
             more than the {MAX_PERIODS} data points GetMetricData returns per call; use a \
             longer period or a shorter window"
        ));
    }
    None
}
