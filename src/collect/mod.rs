//! Collection: reading AWS into the inventory. `scopes.rs` runs every scope (account × region) of
//! the config, reached as `accounts.rs` plans; `region.rs` collects one scope, through a pipeline
//! (`pipeline.rs`) that starts each read as soon as what it needs is known — the REST APIs
//! (`apigateway.rs`, and what each stage serves: `deployed.rs`, `export.rs`), the HTTP APIs
//! (`apigatewayv2.rs`, and what stages without auto-deploy serve: `export_http.rs`), the Lambda
//! targets
//! the routes resolve to (`lambda.rs`), their packages (`packages.rs`), credentials roles
//! (`iam.rs`) and CloudWatch evidence (`cloudwatch.rs`, `metrics.rs`, `logs.rs`). Every call
//! goes through the gate of `crate::aws`; a failed call is recorded on the resource it was for
//! (`lookup_errors.rs` lists them) and collection goes on.

pub mod accounts;
pub mod apigateway;
pub mod apigatewayv2;
pub mod cloudwatch;
pub mod deployed;
pub mod export;
pub mod export_http;
pub mod iam;
pub mod lambda;
pub mod logs;
mod lookup_errors;
pub mod metrics;
pub mod packages;
mod pipeline;
pub mod plan;
mod readers;
pub mod region;
pub mod scopes;

pub use region::{CollectError, RunShared};
pub use scopes::collect;
