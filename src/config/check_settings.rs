//! The settings of individual checks (`[checks.<id>]`), as data: each check declares its settings
//! ([`SettingSpec`]: key, kind with default and range, documentation) next to its code, the caller
//! hands those declarations to the config loader ([`CheckSpec`]), and the loader validates the
//! file against them and keeps the values it read ([`CheckSettings`]). Nothing here names a check,
//! so adding a check or a setting never touches the config module.

use std::collections::BTreeMap;
use std::fmt::Write;

/// What the config loader needs to know about one check: its id and the settings it declares.
#[derive(Debug, Clone, Copy)]
pub struct CheckSpec<'a> {
    pub id: &'a str,
    pub settings: &'a [SettingSpec],
}

/// One setting of a check, declared once beside the code that reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SettingSpec {
    /// The key under `[checks.<id>]`, kebab-case.
    pub key: &'static str,
    /// What it does, for the example config and the catalogue; the range is appended.
    pub doc: &'static str,
    pub kind: SettingKind,
}

/// The type of a setting, its default and the values it accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SettingKind {
    /// A whole number in `min..=max`.
    Integer { default: i64, min: i64, max: i64 },
    /// A percentage: a number above 0 and at most 100 (a rate of 0 would fire on everything).
    Percent { default: f64 },
}

impl SettingSpec {
    /// `0 to 3650`, `above 0, at most 100`: the accepted values, for documentation.
    pub fn range(&self) -> String {
        match self.kind {
            SettingKind::Integer { min, max, .. } if max == i64::MAX => format!("{min} or more"),
            SettingKind::Integer { min, max, .. } => format!("{min} to {max}"),
            SettingKind::Percent { .. } => "above 0, at most 100".to_string(),
        }
    }

    /// The default as TOML writes it.
    pub fn default_toml(&self) -> String {
        match self.kind {
            SettingKind::Integer { default, .. } => default.to_string(),
            SettingKind::Percent { default } => format!("{default:?}"),
        }
    }
}

/// A value read from the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SettingValue {
    Integer(i64),
    Float(f64),
}

/// The check settings the file set, keyed by check id and setting key. A setting the file does
/// not set has its declared default: ask through [`CheckSettings::integer`] or
/// [`CheckSettings::percent`], which fall back to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckSettings {
    values: BTreeMap<(String, String), SettingValue>,
}

impl CheckSettings {
    pub fn set(&mut self, check: &str, key: &str, value: SettingValue) {
        self.values
            .insert((check.to_string(), key.to_string()), value);
    }

    /// The value the file set for `key` of `check`, if it set one.
    pub fn value(&self, check: &str, key: &str) -> Option<SettingValue> {
        self.values
            .get(&(check.to_string(), key.to_string()))
            .copied()
    }

    fn get(&self, check: &str, spec: &SettingSpec) -> Option<SettingValue> {
        self.value(check, spec.key)
    }

    /// The value of an integer setting of `check`, or its default.
    pub fn integer(&self, check: &str, spec: &SettingSpec) -> i64 {
        match (self.get(check, spec), spec.kind) {
            (Some(SettingValue::Integer(value)), _) => value,
            (_, SettingKind::Integer { default, .. }) => default,
            (_, SettingKind::Percent { default }) => default as i64,
        }
    }

    /// The value of a percentage setting of `check`, or its default.
    pub fn percent(&self, check: &str, spec: &SettingSpec) -> f64 {
        match (self.get(check, spec), spec.kind) {
            (Some(SettingValue::Float(value)), _) => value,
            (Some(SettingValue::Integer(value)), _) => value as f64,
            (None, SettingKind::Percent { default }) => default,
            (None, SettingKind::Integer { default, .. }) => default as f64,
        }
    }
}

/// Every key the file accepts: [`super::KNOWN_KEYS`] and the settings the checks declare, as
/// `checks.<id>.<key>`.
pub fn all_keys(checks: &[CheckSpec<'_>]) -> Vec<String> {
    let mut keys: Vec<String> = super::KNOWN_KEYS.iter().map(|k| k.to_string()).collect();
    for check in checks {
        for setting in check.settings {
            keys.push(format!("checks.{}.{}", check.id, setting.key));
        }
    }
    keys
}

/// The `[checks.<id>]` tables of the example config, one per check with settings, each setting
/// with its documentation and default: `config/auditor.example.toml` holds exactly this text
/// (a test keeps it so).
pub fn example_toml(checks: &[CheckSpec<'_>]) -> String {
    let mut out = String::new();
    for check in checks.iter().filter(|c| !c.settings.is_empty()) {
        let _ = writeln!(out, "[checks.{}]", check.id);
        for setting in check.settings {
            let doc = format!(
                "{}: {}.",
                setting.doc.trim_end_matches('.'),
                setting.range()
            );
            for line in wrap_comment(&doc, 98) {
                let _ = writeln!(out, "# {line}");
            }
            let _ = writeln!(out, "{} = {}", setting.key, setting.default_toml());
        }
        out.push('\n');
    }
    out
}

/// Splits prose into lines of at most `width` characters at word boundaries.
fn wrap_comment(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAYS: SettingSpec = SettingSpec {
        key: "warning-days",
        doc: "Warn this many days ahead",
        kind: SettingKind::Integer {
            default: 90,
            min: 0,
            max: 3650,
        },
    };
    const RATE: SettingSpec = SettingSpec {
        key: "threshold-percent",
        doc: "Report above this rate",
        kind: SettingKind::Percent { default: 5.0 },
    };

    #[test]
    fn unset_settings_have_their_declared_default() {
        let mut settings = CheckSettings::default();
        assert_eq!(settings.integer("a", &DAYS), 90);
        assert_eq!(settings.percent("a", &RATE), 5.0);
        settings.set("a", "warning-days", SettingValue::Integer(7));
        settings.set("a", "threshold-percent", SettingValue::Float(2.5));
        assert_eq!(settings.integer("a", &DAYS), 7);
        assert_eq!(settings.percent("a", &RATE), 2.5);
        // Another check's setting of the same name is its own.
        assert_eq!(settings.integer("b", &DAYS), 90);
    }

    #[test]
    fn example_sections_document_each_setting_with_its_range_and_default() {
        let text = example_toml(&[
            CheckSpec {
                id: "quiet",
                settings: &[],
            },
            CheckSpec {
                id: "loud",
                settings: &[DAYS, RATE],
            },
        ]);
        assert_eq!(
            text,
            "[checks.loud]\n# Warn this many days ahead: 0 to 3650.\nwarning-days = 90\n\
             # Report above this rate: above 0, at most 100.\nthreshold-percent = 5.0\n\n"
        );
    }
}
