//! apigw-auditor: finds the misconfigurations that make API Gateway REST APIs with Lambda proxy
//! integrations answer 5XX, and reports each with the exact fix.
//!
//! The pipeline is `config → collect → Inventory → evaluate → Report → publish`;
//! `docs/architecture.md` shows where each part lives and where each kind of change goes.

pub mod app;
pub mod arn;
pub mod audit;
pub mod aws;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod config;
pub mod daemon;
pub mod evaluate;
pub mod inventory;
pub mod invoke_permission;
pub mod log_signatures;
pub mod package;
pub mod policy;
pub mod probe;
pub mod publish;
pub mod report;
pub mod routes;
#[cfg(test)]
pub mod testkit;

pub use audit::{run_audit, run_audit_with, AuditSource};
