//! End-to-end scenarios of the route, function and permission checks, in one test binary so that
//! they share one emulator and one link of the AWS SDK. Real API Gateway REST APIs (methods,
//! stages, authorizers), Lambda functions (versions, aliases, function policies) and IAM roles are
//! built through the real SDK in a fresh account of the emulator (ministack) per test, the auditor
//! audits that account like it audits AWS, and each test asserts the EXACT findings of one check:
//! how many, on which route, stages and function, with the evidence and remediation that matter.
//! Every failing scenario sits next to a healthy control (a route, function or statement built the
//! right way) that must produce nothing.
//!
//! One module per theme:
//! - `invoke_permission`, `invoke_permission_qualifiers`: `invoke-permission-missing`;
//! - `authorizers`: `authorizer-invoke-permission-missing`;
//! - `policy_hygiene`: `invoke-permission-too-broad`, `invoke-permission-stale`,
//!   `function-policy-near-size-limit`;
//! - `route_targets`: `integration-target-missing`;
//! - `route_integrations`: `integration-http-method-not-post`, `stage-variable-unresolved`;
//! - `function_state`: `function-not-active`, `function-concurrency-zero`;
//! - `function_config`: `handler-invalid`, `runtime-deprecated`,
//!   `lambda-timeout-exceeds-integration`;
//! - `packages`: `handler-not-in-package`, `package-file-permissions` (real zips, layers, and
//!   range reads of a large package from the emulator's S3);
//! - `handler_loaders`: `handler-invalid` and `handler-not-in-package` where the runtimes' own
//!   loaders decide (.NET executables, Python built-ins and packages, Node.js folders and
//!   `node_modules`, Ruby constants);
//! - `pagination`: the pagination of `GetRestApis` / `GetResources`;
//! - `evidence_metrics`: `api-5xx-rate`, `lambda-error-rate` (series written with PutMetricData);
//! - `evidence_logs`: `execution-logging-disabled`, `execution-log-errors`, `function-log-errors`
//!   (lines written with PutLogEvents);
//! - `credential_roles`: `integration-role-invalid` (roles, managed policies, boundaries);
//! - `cross_account`: targets and credentials roles in another audited account, and in one with
//!   no configured role;
//! - `cross_region`: targets in another region (`invoke-permission-missing`);
//! - `stage_snapshot`: what each stage serves (GetExport), `stage-not-redeployed`.
//! - `probe`: `proxy-response-malformed` (the opt-in probe invoking real Python and Node.js
//!   handlers); `probe_streaming`: the probe on streaming routes (InvokeWithResponseStream, the
//!   streaming prelude) and on tenant-isolated functions;
//! - `streaming`: routes with `responseTransferMode: STREAM` (`invoke-permission-missing`,
//!   `integration-target-missing`, `integration-transfer-mode-mismatch`,
//!   `lambda-timeout-exceeds-integration` on a stream) and integration URIs the auditor does not
//!   know (error findings, `summary.unaudited`);
//! - `not_invocable`: `integration-target-not-invocable` (durable, Managed Instances and
//!   tenant-isolated functions).
//!
//! Helpers several modules share are in `common`; the harness (emulator, accounts, fleet, live
//! audit) is `tests/support`.
//!
//! The checks follow AWS (`docs/aws-facts.md`); where the emulator differs, the test says
//! which way it works around it. Emulator quirks met here (docs/testing.md, "The local AWS the tests use
//! tests") are named where they matter (search for "ministack"): GetPolicy on an unqualified
//! function without policy answers an empty statement list (AWS: ResourceNotFoundException);
//! GetPolicy without a qualifier also returns the aliases' statements (AWS keeps them apart);
//! policy texts are spaced JSON (`", "`, `": "`) where AWS answers compact JSON, so the same
//! statements measure a few percent bigger; API ids have 8 characters (AWS: 10), which no
//! assertion here depends on.

#[path = "../support/mod.rs"]
mod support;

mod common;

mod authorizers;
mod evidence_logs;
mod evidence_metrics;
mod function_config;
mod function_state;
mod handler_loaders;
mod invoke_permission;
mod invoke_permission_qualifiers;
mod not_invocable;
mod packages;
mod pagination;
mod policy_hygiene;
mod policy_semantics;
mod probe;
mod probe_streaming;
mod route_integrations;
mod route_targets;
mod streaming;

mod credential_roles;
mod cross_account;
mod cross_region;
mod stage_snapshot;
