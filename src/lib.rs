//! apigw-auditor: finds the misconfigurations that make API Gateway REST APIs with Lambda proxy
//! integrations answer 5XX, and reports each with the exact fix.
//!
//! The pipeline is `config → collect → Inventory → evaluate → Report → publish`; see
//! `DESIGN.md` in the repository for the shape of the code.

pub mod app;
pub mod arn;
pub mod audit;
pub mod causes;
pub mod checks;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod evaluate;
pub mod inventory;
pub mod invoke;
pub mod package;
pub mod policy;
pub mod probe;
pub mod publish;
pub mod report;
pub mod routes;
pub mod signatures;

pub use audit::{run_audit, run_audit_with, AuditSource};
