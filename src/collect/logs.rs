//! Searching log groups for failure signatures with `FilterLogEvents`: one quoted-phrase pattern
//! per signature over the evidence window, counting matches and keeping three sample lines,
//! bounded per signature (pages, events) and per log group (time). A log group that does not
//! exist means nothing was logged: not an error.

use std::time::{Duration, Instant};

use crate::aws::{translate, CallFailure, CallGate, Operation};
use crate::config::EvidenceSettings;
use crate::inventory::evidence::{SignatureHits, Window};
use crate::inventory::Lookup;
use crate::log_signatures::{self, Signature};

/// Sample lines kept per signature, and their length.
const SAMPLES: usize = 3;
const SAMPLE_CHARS: usize = 300;

/// The bounds of one log group's scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanBounds {
    pub pages_per_signature: u32,
    pub events_per_signature: u32,
    pub time_per_group: Duration,
}

impl From<&EvidenceSettings> for ScanBounds {
    fn from(settings: &EvidenceSettings) -> Self {
        Self {
            pages_per_signature: settings.log_pages_per_signature.max(1),
            events_per_signature: settings.log_events_per_signature.max(1),
            time_per_group: Duration::from_secs(settings.log_seconds_per_group.max(1)),
        }
    }
}

/// Counts every signature in one log group. `Missing` when the group does not exist; `Failed`
/// when a call failed (the scan stops there: the other signatures would fail the same way).
pub async fn scan_log_group(
    client: &aws_sdk_cloudwatchlogs::Client,
    gate: &CallGate,
    log_group: &str,
    wanted: &[&Signature],
    window: &Window,
    bounds: ScanBounds,
) -> Result<Lookup<Vec<SignatureHits>>, CallFailure> {
    let started = Instant::now();
    let mut found = Vec::new();
    for signature in wanted {
        let hits = match scan_signature(client, gate, log_group, signature, window, bounds, started)
            .await
        {
            Ok(hits) => hits,
            Err(failure) if failure.not_found => return Ok(Lookup::Missing),
            Err(failure) => return Err(failure),
        };
        if hits.count > 0 {
            found.push(hits);
        }
        if started.elapsed() >= bounds.time_per_group {
            // The remaining signatures were not searched; say so on what was found.
            for hits in &mut found {
                hits.capped = true;
            }
            break;
        }
    }
    Ok(Lookup::Found(found))
}

async fn scan_signature(
    client: &aws_sdk_cloudwatchlogs::Client,
    gate: &CallGate,
    log_group: &str,
    signature: &Signature,
    window: &Window,
    bounds: ScanBounds,
    started: Instant,
) -> Result<SignatureHits, CallFailure> {
    let mut hits = SignatureHits {
        signature: signature.phrase.to_string(),
        count: 0,
        samples: Vec::new(),
        capped: false,
    };
    let mut next_token: Option<String> = None;
    for page in 1..=bounds.pages_per_signature {
        let output = gate
            .send(Operation::LogsFilterLogEvents, || {
                client
                    .filter_log_events()
                    .log_group_name(log_group)
                    .filter_pattern(signature.filter_pattern())
                    .start_time(window.start.timestamp_millis())
                    .end_time(window.end.timestamp_millis())
                    .limit(bounds.events_per_signature.min(10_000) as i32)
                    .set_next_token(next_token.clone())
                    .send()
            })
            .await
            .map_err(|e| translate(&e))?;
        for event in output.events() {
            if hits.count >= u64::from(bounds.events_per_signature) {
                hits.capped = true;
                break;
            }
            hits.count += 1;
            if hits.samples.len() < SAMPLES {
                hits.samples.push(log_signatures::cut(
                    event.message().unwrap_or_default(),
                    SAMPLE_CHARS,
                ));
            }
        }
        next_token = output
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let more = next_token.is_some();
        if hits.capped || !more {
            return Ok(hits);
        }
        if page == bounds.pages_per_signature || started.elapsed() >= bounds.time_per_group {
            hits.capped = true;
            return Ok(hits);
        }
    }
    Ok(hits)
}

/// The execution-log group of a stage.
pub fn execution_log_group(api_id: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{stage}")
}

/// The log group of a function (all its versions and aliases log there).
pub fn function_log_group(function_name: &str) -> String {
    format!("/aws/lambda/{function_name}")
}
