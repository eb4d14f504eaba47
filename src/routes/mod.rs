//! The route model: the unit of audit. For every stage of every API, each route whose integration
//! sends calls to Lambda, and each Lambda authorizer a route uses, is one [`RouteTarget`]: the API,
//! the stage, the invoker (route or authorizer), the integration's settings, and the exact Lambda
//! ARN API Gateway invokes with the source ARN it presents — or why that could not be resolved.
//! [`ScopeRoutes`] holds them for one scope, computed once and read by everything after
//! collection: the checks, root-cause linking, probe selection and the summary.
//!
//! `build.rs` builds them from a REST API's resources and stages, `build_http.rs` from an HTTP
//! API's routes, integrations and stages; a new kind of API is a new way to build route targets,
//! not a second copy of the checks.

mod build;
mod build_http;
mod model;

pub use build::{
    integration_counts, integration_kind, is_lambda_authorizer, is_lambda_proxy, resolve_uri,
};
pub use build_http::{is_http_lambda_authorizer, is_http_lambda_proxy, resolve_http_uri};
pub use model::{Invoker, ReachedTarget, RouteTarget, ScopeRoutes, PUBLISHED};

#[cfg(test)]
mod tests;
