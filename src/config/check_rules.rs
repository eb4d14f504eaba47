//! The parts of the config that name checks: the `[checks]` table (disabled checks, severity
//! overrides, per-check settings) and the `[[suppressions]]`, whose check ids must all be known.

use toml::{Table, Value};

use super::keys::{did_you_mean, join, CHECKS_WITH_SETTINGS};
use super::validate::{set, Walker, SEVERITIES};
use super::values::Problems;
use super::{ChecksConfig, Suppression};

impl Walker<'_> {
    pub(super) fn checks(&mut self, table: &Table, out: &mut ChecksConfig) {
        for (name, value) in table {
            let key = join("checks", name);
            match name.as_str() {
                "disable" => {
                    let Some(items) = self.problems.array(&key, value, "an array of check ids")
                    else {
                        continue;
                    };
                    for (i, item) in items.iter().enumerate() {
                        let item_key = format!("{key}[{i}]");
                        if let Some(id) = self.problems.string(&item_key, item) {
                            if self.check_id(&item_key, id) {
                                out.disabled.insert(id.to_string());
                            }
                        }
                    }
                }
                "severity" => {
                    let Some(t) = self.problems.table(&key, value) else {
                        continue;
                    };
                    for (id, value) in t {
                        let id_key = join(&key, id);
                        let known = self.check_id(&id_key, id);
                        let severity =
                            self.problems
                                .one_of(&id_key, value, "severity", &SEVERITIES);
                        if let (true, Some(severity)) = (known, severity) {
                            out.severity.insert(id.to_string(), severity);
                        }
                    }
                }
                "runtime-deprecated" => self.settings(&key, value, |p, field, k, v| {
                    match field {
                        // Ten years is already far longer than any runtime's support window.
                        "warning-days" => set(
                            &mut out.settings.runtime_warning_days,
                            p.integer(k, v, 0..=3650),
                        ),
                        _ => return false,
                    }
                    true
                }),
                "function-policy-near-size-limit" => {
                    self.settings(&key, value, |p, field, k, v| {
                        match field {
                            "threshold-percent" => set(
                                &mut out.settings.policy_size_threshold_percent,
                                p.integer(k, v, 1..=100),
                            ),
                            _ => return false,
                        }
                        true
                    })
                }
                // A rate is a share of requests: at 0% every stage would fire, errors or not,
                // and over 100% none ever could. A minimum of 0 judges even a single request.
                "api-5xx-rate" => self.settings(&key, value, |p, field, k, v| {
                    match field {
                        "threshold-percent" => set(
                            &mut out.settings.api_5xx_threshold_percent,
                            p.positive_float(k, v, 100.0),
                        ),
                        "min-requests" => set(
                            &mut out.settings.api_5xx_min_requests,
                            p.integer(k, v, 0..=i64::MAX),
                        ),
                        _ => return false,
                    }
                    true
                }),
                "lambda-error-rate" => self.settings(&key, value, |p, field, k, v| {
                    match field {
                        "threshold-percent" => set(
                            &mut out.settings.lambda_error_threshold_percent,
                            p.positive_float(k, v, 100.0),
                        ),
                        "min-invocations" => set(
                            &mut out.settings.lambda_min_invocations,
                            p.integer(k, v, 0..=i64::MAX),
                        ),
                        _ => return false,
                    }
                    true
                }),
                _ if self.known_checks.contains(&name.as_str()) => self.problems.add(
                    &key,
                    format!(
                        "check `{name}` has no settings (checks with settings: {})",
                        CHECKS_WITH_SETTINGS.join(", ")
                    ),
                ),
                // A table here is meant as a check's settings, anything else as a plain key.
                _ if value.is_table() => {
                    self.check_id(&key, name);
                }
                _ => self.problems.unknown_key(&key, name, "checks"),
            }
        }
    }

    pub(super) fn suppressions(&mut self, value: &Value) -> Vec<Suppression> {
        const PATTERN: &str = "suppressions[]";
        let Some(items) = self.problems.array(
            "suppressions",
            value,
            "an array of tables (write each one under `[[suppressions]]`)",
        ) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let key = format!("suppressions[{i}]");
            let Some(t) = self.problems.table(&key, item) else {
                continue;
            };
            let (mut check, mut resource, mut reason, mut expires) = (None, None, None, None);
            for (field, value) in t {
                let field_key = join(&key, field);
                match field.as_str() {
                    "check" => {
                        check = self
                            .problems
                            .non_empty_string(&field_key, value)
                            .filter(|id| *id == "*" || self.check_id(&field_key, id));
                    }
                    "resource" => resource = self.problems.non_empty_string(&field_key, value),
                    "reason" => reason = self.problems.non_empty_string(&field_key, value),
                    "expires" => expires = self.problems.date(&field_key, value),
                    _ => self.problems.unknown_key(&field_key, field, PATTERN),
                }
            }
            // A suppression without all three would silence more (or less) than intended, and one
            // without a reason cannot be reviewed, so each is required.
            for field in ["check", "resource", "reason"] {
                if !t.contains_key(field) {
                    let hint = match field {
                        "check" => " (a check id, or \"*\" for every check)",
                        "resource" => " (a glob matched against the finding's resources)",
                        _ => " (why this finding is accepted, for the next reviewer)",
                    };
                    self.problems
                        .add(&join(&key, field), format!("required key is missing{hint}"));
                }
            }
            if let (Some(check), Some(resource), Some(reason)) = (check, resource, reason) {
                out.push(Suppression {
                    check: check.to_string(),
                    resource: resource.to_string(),
                    reason: reason.to_string(),
                    expires,
                });
            }
        }
        out
    }

    /// Walks the settings table `[checks.<id>]` at `key`. `read(problems, field, field_key, value)`
    /// stores one field and returns false when the check has no such setting.
    fn settings(
        &mut self,
        key: &str,
        value: &Value,
        mut read: impl FnMut(&mut Problems, &str, &str, &Value) -> bool,
    ) {
        let Some(t) = self.problems.table(key, value) else {
            return;
        };
        for (field, value) in t {
            let field_key = join(key, field);
            if !read(&mut self.problems, field, &field_key, value) {
                self.problems.unknown_key(&field_key, field, key);
            }
        }
    }

    /// Whether `id` names a check; if not, records the problem with the closest known id.
    fn check_id(&mut self, key: &str, id: &str) -> bool {
        if self.known_checks.contains(&id) {
            return true;
        }
        let hint = did_you_mean(id, self.known_checks.iter().copied());
        self.problems
            .add(key, format!("unknown check `{id}`{hint}"));
        false
    }
}
