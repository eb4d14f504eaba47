//! Tests of the config loader: the shipped files, good configs, each kind of problem, the
//! CloudWatch evidence settings, the publishing settings, and the suppression helpers.

mod evidence;
mod evidence_keys;
mod files;
mod good;
mod helpers;
mod overrides;
mod probe;
mod problems;
mod publish;
mod publish_formats;
mod publish_keys;
mod scope;

use super::*;

/// Every check id in CHECKS.md: what the registry will pass as `known_checks`.
pub(super) const CHECKS: &[&str] = &[
    "invoke-permission-missing",
    "authorizer-invoke-permission-missing",
    "integration-target-missing",
    "integration-http-method-not-post",
    "stage-variable-unresolved",
    "integration-role-invalid",
    "invoke-permission-too-broad",
    "invoke-permission-stale",
    "stage-not-redeployed",
    "function-policy-near-size-limit",
    "function-not-active",
    "function-concurrency-zero",
    "handler-invalid",
    "handler-not-in-package",
    "package-file-permissions",
    "runtime-deprecated",
    "lambda-timeout-exceeds-integration",
    "api-5xx-rate",
    "lambda-error-rate",
    "execution-log-errors",
    "function-log-errors",
    "execution-logging-disabled",
    "proxy-response-malformed",
];

pub(super) fn ok(text: &str) -> Config {
    match parse(text, CHECKS) {
        Ok(config) => config,
        Err(e) => panic!("expected a valid config, got:\n{e}\n--- config ---\n{text}"),
    }
}

pub(super) fn problems(text: &str) -> Vec<ConfigProblem> {
    match parse(text, CHECKS) {
        Ok(config) => panic!("expected problems, got {config:?}\n--- config ---\n{text}"),
        Err(ConfigErrors(problems)) => {
            assert!(!problems.is_empty(), "an error with no problems");
            problems
        }
    }
}

pub(super) fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
