//! Deployment-package inspection: the listing of a function's or layer's zip, read from its
//! presigned `Code.Location` with HTTP range requests (kilobytes, not the whole package), where
//! each runtime looks for the handler, and the optional deeper look into the handler file.

pub mod fetch;
pub mod handler_path;
pub mod inspect;
pub mod listing;
pub mod source_scan;
pub mod sparse;

#[cfg(test)]
mod proptests;

pub use inspect::{inspect, Inspection, Limits};
