//! The walk over the parsed TOML table: each section is read into the [`Config`] defaults, and
//! every unknown key, wrong type, out-of-range value and bad region becomes a problem under its
//! full key. Nothing stops at the first problem. The bigger sections have their own files:
//! `collect_rules.rs`, `evidence_rules.rs`, `publish_rules.rs`, `daemon_rules.rs`,
//! `probe_rules.rs` and `check_rules.rs` (the sections that name checks).

use std::path::PathBuf;

use toml::Table;

use super::check_settings::CheckSpec;
use super::keys::join;
use super::values::Problems;
use super::{Config, ConfigErrors, ConfigProblem, OutputFormat, OutputSettings, ScopeSettings};
use crate::report::Severity;

pub fn parse(text: &str, checks: &[CheckSpec<'_>]) -> Result<Config, ConfigErrors> {
    let root: Table = text
        .parse()
        .map_err(|e| ConfigErrors(vec![syntax_problem(text, &e)]))?;
    let mut walker = Walker {
        problems: Problems::default(),
        checks,
    };
    let mut config = Config::default();
    walker.root(&root, &mut config);
    if walker.problems.0.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(walker.problems.0))
    }
}

/// A TOML syntax error is one problem for the whole file, with the position people need to find it.
fn syntax_problem(text: &str, error: &toml::de::Error) -> ConfigProblem {
    // toml's message can span lines ("invalid date-time\nvalue is out of range"); keep one
    // problem per line in the output.
    let message = error
        .message()
        .trim()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    let message = match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("TOML syntax error at line {line}, column {column}: {message}")
        }
        None => format!("TOML syntax error: {message}"),
    };
    ConfigProblem {
        key: String::new(),
        message,
    }
}

/// The walk's state: the problems so far and the checks (ids and settings) the file may name.
pub(super) struct Walker<'k> {
    pub(super) problems: Problems,
    pub(super) checks: &'k [CheckSpec<'k>],
}

impl Walker<'_> {
    fn root(&mut self, root: &Table, config: &mut Config) {
        for (name, value) in root {
            let key = join("", name);
            match name.as_str() {
                "scope" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.scope(t, &mut config.scope);
                    }
                }
                "collect" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.collect(t, &mut config.collect);
                    }
                }
                "evidence" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.evidence(t, &mut config.evidence);
                    }
                }
                "packages" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.packages(t, &mut config.packages);
                    }
                }
                "checks" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.checks(t, &mut config.checks);
                    }
                }
                "suppressions" => {
                    config.suppressions = self.suppressions(value);
                }
                "output" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.output(t, &mut config.output);
                    }
                }
                "publish" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.publish(t, &mut config.publish);
                    }
                }
                "daemon" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.daemon(t, &mut config.daemon);
                    }
                }
                "probe" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        self.probe(t, &mut config.probe);
                    }
                }
                _ => self.problems.unknown_key(&key, name, ""),
            }
        }
    }

    fn scope(&mut self, table: &Table, out: &mut ScopeSettings) {
        for (name, value) in table {
            let key = join("scope", name);
            match name.as_str() {
                "regions" => {
                    let Some(items) = self.problems.array(&key, value, "an array of regions")
                    else {
                        continue;
                    };
                    for (i, item) in items.iter().enumerate() {
                        let item_key = format!("{key}[{i}]");
                        let Some(region) = self.problems.string(&item_key, item) else {
                            continue;
                        };
                        if !is_region(region) {
                            self.problems.add(
                                &item_key,
                                format!("`{region}` is not a region name like `us-east-1`"),
                            );
                        } else if out.regions.iter().any(|r| r == region) {
                            self.problems
                                .add(&item_key, format!("region `{region}` is listed twice"));
                        } else {
                            out.regions.push(region.to_string());
                        }
                    }
                }
                "profile" => {
                    if let Some(s) = self.problems.non_empty_string(&key, value) {
                        out.profile = Some(s.to_string());
                    }
                }
                "endpoint-url" => {
                    let Some(url) = self.problems.non_empty_string(&key, value) else {
                        continue;
                    };
                    match endpoint_problem(url) {
                        Some(message) => self.problems.add(&key, message),
                        None => out.endpoint_url = Some(url.to_string()),
                    }
                }
                "accounts" => out.accounts = self.scope_accounts(value),
                "organization" => {
                    if let Some(t) = self.problems.table(&key, value) {
                        out.organization = self.scope_organization(t);
                    }
                }
                "max-concurrent-scopes" => set(
                    &mut out.max_concurrent_scopes,
                    self.problems.integer(&key, value, 1..=64),
                ),
                _ => self.problems.unknown_key(&key, name, "scope"),
            }
        }
    }

    fn output(&mut self, table: &Table, out: &mut OutputSettings) {
        for (name, value) in table {
            let key = join("output", name);
            match name.as_str() {
                "format" => {
                    let formats = OutputFormat::ALL.map(|f| (f.as_str(), f));
                    set(
                        &mut out.format,
                        self.problems.one_of(&key, value, "output format", &formats),
                    );
                }
                "fail-on" => set(
                    &mut out.fail_on,
                    self.problems.one_of(&key, value, "severity", &SEVERITIES),
                ),
                "file" => set(
                    &mut out.file,
                    self.problems
                        .non_empty_string(&key, value)
                        .map(|s| Some(PathBuf::from(s))),
                ),
                _ => self.problems.unknown_key(&key, name, "output"),
            }
        }
    }
}

pub(super) const SEVERITIES: [(&str, Severity); 4] = [
    ("high", Severity::High),
    ("medium", Severity::Medium),
    ("low", Severity::Low),
    ("info", Severity::Info),
];

/// Stores a value that passed validation; a failed one leaves the default (its problem is recorded).
pub(super) fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Why `url` cannot be an endpoint URL, if it cannot: the SDK needs the scheme, and a bare
/// `host:port` would otherwise be taken for one.
pub(super) fn endpoint_problem(url: &str) -> Option<String> {
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match host {
        Some(h) if !h.is_empty() && !url.contains(char::is_whitespace) => None,
        _ => Some(format!(
            "`{url}` is not a URL starting with http:// or https://"
        )),
    }
}

/// An AWS region name: a two-letter area, one or more lowercase words, and a number
/// (`us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`).
pub(super) fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [area, words @ .., number] = parts.as_slice() else {
        return false;
    };
    let lower = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    area.len() == 2
        && lower(area)
        && !words.is_empty()
        && words.iter().all(|w| lower(w))
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}
