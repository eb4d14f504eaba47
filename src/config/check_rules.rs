//! The parts of the config that name checks: the `[checks]` table (disabled checks, severity
//! overrides, per-check settings) and the `[[suppressions]]`, whose check ids must all be known.

use toml::{Table, Value};

use super::check_settings::{CheckSpec, SettingKind, SettingValue};
use super::keys::{did_you_mean, join};
use super::validate::{Walker, SEVERITIES};
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
                _ if self.spec(name).is_some() => self.settings(&key, name, value, out),
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

    /// The declaration of the check `id`, if the registry has it.
    fn spec(&self, id: &str) -> Option<&CheckSpec<'_>> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Reads the settings table `[checks.<id>]` at `key` against the settings the check declares.
    fn settings(&mut self, key: &str, id: &str, value: &Value, out: &mut ChecksConfig) {
        let checks = self.checks;
        let declared = checks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.settings)
            .unwrap_or(&[]);
        if declared.is_empty() {
            let with: Vec<&str> = self
                .checks
                .iter()
                .filter(|c| !c.settings.is_empty())
                .map(|c| c.id)
                .collect();
            self.problems.add(
                key,
                format!(
                    "check `{id}` has no settings (checks with settings: {})",
                    with.join(", ")
                ),
            );
            return;
        }
        let Some(t) = self.problems.table(key, value) else {
            return;
        };
        for (field, value) in t {
            let field_key = join(key, field);
            let Some(setting) = declared.iter().find(|s| s.key == field) else {
                let candidates = declared.iter().map(|s| s.key);
                self.problems
                    .unknown_key_among(&field_key, field, candidates);
                continue;
            };
            let read = match setting.kind {
                SettingKind::Integer { min, max, .. } => self
                    .problems
                    .integer(&field_key, value, min..=max)
                    .map(SettingValue::Integer),
                SettingKind::Percent { .. } => self
                    .problems
                    .positive_float(&field_key, value, 100.0)
                    .map(SettingValue::Float),
            };
            // A value equal to the declared default changes nothing: keep the config equal to
            // the defaults, as the example file (which spells every default out) must be.
            let default = match setting.kind {
                SettingKind::Integer { default, .. } => SettingValue::Integer(default),
                SettingKind::Percent { default } => SettingValue::Float(default),
            };
            if let Some(read) = read.filter(|r| *r != default) {
                out.settings.set(id, setting.key, read);
            }
        }
    }

    /// Whether `id` names a check; if not, records the problem with the closest known id.
    fn check_id(&mut self, key: &str, id: &str) -> bool {
        if self.spec(id).is_some() {
            return true;
        }
        let hint = did_you_mean(id, self.checks.iter().map(|c| c.id));
        self.problems
            .add(key, format!("unknown check `{id}`{hint}"));
        false
    }
}
