//! The active probe (opt-in, `audit --probe` or `[probe] enabled`): for the routes the config
//! selects, invoke the route's Lambda target with a realistic API Gateway REST proxy event and
//! judge the response as API Gateway would (docs/aws-facts.md §4). It runs during collection, because it
//! calls AWS; what it keeps in the inventory is only the verdict, never the payload: at most
//! 300 characters of the offending part, and of a function error's message.
//!
//! - `select.rs`: which route targets are probed (methods, route patterns, cap).
//! - `event.rs`: the proxy event (version 1.0) for one route; `event_http.rs` the HTTP API
//!   events (payload 1.0 and 2.0).
//! - `invoke.rs`: one `lambda:Invoke` through the call gate, turned into an outcome.
//! - `validate.rs`: the §4 acceptance rules; `validate_http.rs` those of each HTTP API payload
//!   format (§12.3); `payload_mismatch.rs` the answers that show a function written for the
//!   other payload format.
//! - `run.rs`: the probe of one scope.

pub mod event;
pub mod event_http;
pub mod invoke;
pub mod payload_mismatch;
pub mod run;
pub mod select;
pub mod validate;
pub mod validate_http;
pub mod validate_stream;

pub use crate::inventory::{
    ProbeOutcome, ProbeResult, ProbeRule as Rule, ProbeViolation as Violation,
};
