//! Typed reads of TOML values that record a problem under the value's key instead of failing, so
//! one pass over the file collects every problem.

use std::ops::RangeInclusive;

use chrono::NaiveDate;
use toml::Value;

use super::{keys, ConfigProblem};

/// The problems found so far.
#[derive(Default)]
pub struct Problems(pub Vec<ConfigProblem>);

impl Problems {
    pub fn add(&mut self, key: &str, message: impl Into<String>) {
        self.0.push(ConfigProblem {
            key: key.to_string(),
            message: message.into(),
        });
    }

    pub fn wrong_type(&mut self, key: &str, expected: &str, found: &Value) {
        self.add(
            key,
            format!("expected {expected}, found {}", describe(found)),
        );
    }

    /// `name` (at `key`) is not a child of the [`keys::KNOWN_KEYS`] prefix `pattern`.
    pub fn unknown_key(&mut self, key: &str, name: &str, pattern: &str) {
        self.unknown_key_among(key, name, keys::children(pattern));
    }

    /// `name` (at `key`) is none of `candidates`.
    pub fn unknown_key_among<'a>(
        &mut self,
        key: &str,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) {
        let hint = keys::did_you_mean(name, candidates);
        self.add(key, format!("unknown key `{name}`{hint}"));
    }

    pub fn table<'v>(&mut self, key: &str, value: &'v Value) -> Option<&'v toml::Table> {
        match value {
            Value::Table(t) => Some(t),
            other => {
                self.wrong_type(key, "a table", other);
                None
            }
        }
    }

    pub fn array<'v>(
        &mut self,
        key: &str,
        value: &'v Value,
        expected: &str,
    ) -> Option<&'v [Value]> {
        match value {
            Value::Array(items) => Some(items),
            other => {
                self.wrong_type(key, expected, other);
                None
            }
        }
    }

    pub fn string<'v>(&mut self, key: &str, value: &'v Value) -> Option<&'v str> {
        match value {
            Value::String(s) => Some(s),
            other => {
                self.wrong_type(key, "a string", other);
                None
            }
        }
    }

    /// A string with something in it besides whitespace: an empty reason or glob is a mistake, not
    /// a choice.
    pub fn non_empty_string<'v>(&mut self, key: &str, value: &'v Value) -> Option<&'v str> {
        let s = self.string(key, value)?;
        if s.trim().is_empty() {
            self.add(key, "must not be empty");
            return None;
        }
        Some(s)
    }

    pub fn boolean(&mut self, key: &str, value: &Value) -> Option<bool> {
        match value {
            Value::Boolean(b) => Some(*b),
            other => {
                self.wrong_type(key, "a boolean", other);
                None
            }
        }
    }

    /// An integer within `range`; a range ending at `i64::MAX` reads as "at least" in messages,
    /// since nobody should be told to stay under nine quintillion.
    pub fn integer<T: TryFrom<i64>>(
        &mut self,
        key: &str,
        value: &Value,
        range: RangeInclusive<i64>,
    ) -> Option<T> {
        let n = match value {
            Value::Integer(n) => *n,
            other => {
                self.wrong_type(key, "an integer", other);
                return None;
            }
        };
        if !range.contains(&n) {
            let (lo, hi) = (range.start(), range.end());
            let message = if *hi == i64::MAX {
                format!("must be at least {lo}, found {n}")
            } else {
                format!("must be between {lo} and {hi}, found {n}")
            };
            self.add(key, message);
            return None;
        }
        // Every caller's range fits its target type, so this cannot fail; stay quiet rather
        // than panic if a range is ever widened past it.
        T::try_from(n).ok()
    }

    /// A number greater than 0 and at most `max`; integers are accepted (`burst`-style `10` for
    /// `10.0` is what people write).
    pub fn positive_float(&mut self, key: &str, value: &Value, max: f64) -> Option<f64> {
        let x = match value {
            Value::Float(x) => *x,
            Value::Integer(n) => *n as f64,
            other => {
                self.wrong_type(key, "a number", other);
                return None;
            }
        };
        // Written so that NaN fails too.
        if !(x > 0.0 && x <= max) {
            self.add(
                key,
                format!("must be greater than 0 and at most {max}, found {x}"),
            );
            return None;
        }
        Some(x)
    }

    /// A TOML local date (`2027-01-31`) or a `"YYYY-MM-DD"` string.
    pub fn date(&mut self, key: &str, value: &Value) -> Option<NaiveDate> {
        const EXPECTED: &str = "a date like 2027-01-31";
        match value {
            Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    let date = NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into());
                    if date.is_none() {
                        self.add(key, format!("`{dt}` is not a valid date"));
                    }
                    date
                }
                _ => {
                    self.add(
                        key,
                        format!("expected {EXPECTED} without a time, found `{dt}`"),
                    );
                    None
                }
            },
            Value::String(s) => {
                // chrono's `%Y` also takes 5-digit and signed years; insist on the plain form.
                let shaped = s.len() == 10
                    && s.char_indices().all(|(i, c)| match i {
                        4 | 7 => c == '-',
                        _ => c.is_ascii_digit(),
                    });
                let date = shaped
                    .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .flatten();
                if date.is_none() {
                    self.add(key, format!("expected {EXPECTED}, found `{s}`"));
                }
                date
            }
            other => {
                self.wrong_type(key, EXPECTED, other);
                None
            }
        }
    }

    /// One of a fixed set of names, e.g. a severity or an output format.
    pub fn one_of<T: Copy>(
        &mut self,
        key: &str,
        value: &Value,
        what: &str,
        choices: &[(&'static str, T)],
    ) -> Option<T> {
        let s = self.string(key, value)?;
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let hint = keys::did_you_mean(s, names.iter().copied());
        let list = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        };
        self.add(key, format!("unknown {what} `{s}` (expected {list}){hint}"));
        None
    }
}

/// How a value's type is named in messages: "expected an integer, found a string".
pub fn describe(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(dt) if dt.time.is_none() => "a date",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}
