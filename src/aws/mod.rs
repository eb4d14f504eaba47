//! The AWS side of the auditor, shared by collection, the probe and publishing: the operations it
//! calls (`operation.rs`, the source of the IAM policy), the call gate that paces and counts them
//! (`gate.rs`), the clients with the auditor's retry policy (`clients.rs`), and the translation of
//! SDK errors (`errors.rs`).

pub mod clients;
pub mod errors;
pub mod gate;
pub mod operation;

pub use clients::{load_sdk_config, regional, RegionalClients};
pub use errors::{translate, CallFailure};
pub use gate::CallGate;
pub use operation::Operation;
