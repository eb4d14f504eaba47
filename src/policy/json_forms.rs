//! IAM's "a string or an array of strings" JSON form, shared by every element that lists values
//! (Action, Resource, each principal type). Its own module so that `document` and `principal`
//! both use it without importing each other.

use serde_json::Value;

/// A string or an array of strings; `None` for anything else, including arrays that hold
/// non-strings.
pub(crate) fn string_or_array(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}
