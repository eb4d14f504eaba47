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

/// The checks of the registry, as the application hands them to the loader: the ids and
/// settings the file may name come from the checks' own declarations.
pub(super) fn checks() -> Vec<CheckSpec<'static>> {
    crate::checks::specs()
}

/// The ids of every check in the registry.
pub(super) fn check_ids() -> Vec<&'static str> {
    crate::checks::ids()
}

pub(super) fn ok(text: &str) -> Config {
    match parse(text, &checks()) {
        Ok(config) => config,
        Err(e) => panic!("expected a valid config, got:\n{e}\n--- config ---\n{text}"),
    }
}

pub(super) fn problems(text: &str) -> Vec<ConfigProblem> {
    match parse(text, &checks()) {
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
