//! The active probe (opt-in, `audit --probe` or `[probe] enabled`): for the routes the config
//! selects, invoke the route's Lambda target with a realistic API Gateway REST proxy event and
//! judge the response as API Gateway would (aws-facts §4). It runs during collection, because it
//! calls AWS; what it keeps in the inventory is only the verdict, never the payload: at most
//! 300 characters of the offending part, and of a function error's message.
//!
//! - `select.rs`: which route targets are probed (methods, route patterns, cap).
//! - `event.rs`: the proxy event (version 1.0) for one route.
//! - `invoke.rs`: one `lambda:Invoke` through the call gate, turned into an outcome.
//! - `validate.rs`: the §4 acceptance rules.
//! - `run.rs`: the probe of one scope.

pub mod event;
pub mod invoke;
pub mod run;
pub mod select;
pub mod validate;

use serde::{Deserialize, Serialize};

use crate::inventory::CollectionError;
pub use validate::{Rule, Violation};

/// The check whose input the probe collects: disabling it also turns the probe off.
pub const CHECK_ID: &str = "proxy-response-malformed";

/// One probe: one route (API, method, resource path) of one or more stages that resolve to the
/// same target, invoked once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub api_id: String,
    /// Every stage whose route resolves to this target; the event used the first.
    pub stages: Vec<String>,
    /// The method as configured; `ANY` stays `ANY`.
    pub method: String,
    /// The template path of the resource: `/pets/{id}`.
    pub resource: String,
    /// The verb the event carried (a concrete one for `ANY`).
    pub probed_method: String,
    /// The request path the event carried, path parameters filled in: `/pets/1`.
    pub probed_path: String,
    /// The exact ARN invoked, qualified or not.
    pub target: String,
    pub outcome: ProbeOutcome,
}

/// What came back; `kind` names the variant in the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProbeOutcome {
    /// API Gateway would accept the response and answer this status code.
    Accepted { status_code: i64 },
    /// API Gateway would reject the response (`Malformed Lambda proxy response`, 502); every
    /// broken rule with its offending part.
    Rejected { violations: Vec<Violation> },
    /// The function failed (`FunctionError` set): API Gateway answers 502. Type and message as
    /// the runtime reported them, the message cut to 300 characters; never the stack trace.
    FunctionError {
        error_type: String,
        error_message: String,
    },
    /// The invocation itself failed (AccessDenied, throttled, timed out): nothing was judged.
    Failed { error: CollectionError },
}
