//! The AWS side of the auditor, shared by collection, the probe and publishing: the operations it
//! calls (`operation.rs`, the source of the IAM policy), the quotas each one spends
//! (`quotas.rs`), the limiters that pace every attempt to those quotas (`limiter.rs`), the call
//! gate that sends, retries and counts (`gate.rs`, `retry.rs`), the clients with the auditor's
//! timeouts (`clients.rs`), and the translation of SDK errors (`errors.rs`).

pub mod clients;
pub mod errors;
pub mod gate;
pub mod limiter;
pub mod operation;
pub mod quotas;
mod retry;

pub use clients::{load_sdk_config, regional, RegionalClients};
pub use errors::{translate, CallFailure};
pub use gate::{CallGate, CallTally, RunId};
pub use operation::Operation;
