//! Condition operators: parsing an operator name (`ForAnyValue:StringLikeIfExists`, ...) and
//! evaluating one (operator, key, values) entry against the request context.
//!
//! Rules (aws-facts §3 "Condition operators"): key names are case-insensitive; several policy
//! values for one key are ORed, and for a negated operator the condition holds only if none
//! matches; a missing key makes a positive operator false and a negated one true; `...IfExists`
//! makes a missing key true; `Null: "true"` holds when the key is absent.

use std::collections::BTreeMap;

use super::arn_match::{arn_like, split_arn};
use super::document::ConditionEntry;
use super::wildcard::{glob_match, Case};

/// The comparison an operator makes for one (policy value, request value) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    /// `ArnEquals` and `ArnLike` are the same operator (aws-facts §3).
    ArnLike,
    Null,
}

/// How the request's values of a multivalued key combine (IAM set operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    compare: Compare,
    negated: bool,
    if_exists: bool,
    set: Option<SetQualifier>,
}

/// Base names, lower-cased (names are matched without case; IAM rejects other spellings on
/// write, so accepting them here changes nothing for real policies).
const OPERATORS: &[(&str, Compare, bool)] = &[
    ("stringequals", Compare::StringEquals, false),
    ("stringnotequals", Compare::StringEquals, true),
    (
        "stringequalsignorecase",
        Compare::StringEqualsIgnoreCase,
        false,
    ),
    (
        "stringnotequalsignorecase",
        Compare::StringEqualsIgnoreCase,
        true,
    ),
    ("stringlike", Compare::StringLike, false),
    ("stringnotlike", Compare::StringLike, true),
    ("arnequals", Compare::ArnLike, false),
    ("arnlike", Compare::ArnLike, false),
    ("arnnotequals", Compare::ArnLike, true),
    ("arnnotlike", Compare::ArnLike, true),
    ("null", Compare::Null, false),
];

/// Valid IAM operator families this evaluator does not implement: reported as unsupported
/// rather than unknown, because the policy itself is fine.
const UNSUPPORTED_PREFIXES: &[&str] = &[
    "numeric",
    "date",
    "bool",
    "binary",
    "ipaddress",
    "notipaddress",
];

fn parse_operator(name: &str) -> Result<Operator, String> {
    let (set, rest) = if let Some(rest) = strip_prefix_ci(name, "ForAllValues:") {
        (Some(SetQualifier::ForAllValues), rest)
    } else if let Some(rest) = strip_prefix_ci(name, "ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), rest)
    } else {
        (None, name)
    };
    let lower = rest.to_ascii_lowercase();
    let (base, if_exists) = match lower.strip_suffix("ifexists") {
        Some(base) if !base.is_empty() => (base, true),
        _ => (lower.as_str(), false),
    };
    let Some(&(_, compare, negated)) = OPERATORS.iter().find(|(n, _, _)| *n == base) else {
        return Err(
            if UNSUPPORTED_PREFIXES.iter().any(|p| base.starts_with(p)) {
                format!("condition operator {name:?} is valid IAM but not supported by this evaluator; the condition is treated as not matching")
            } else {
                format!(
                    "unknown condition operator {name:?}; the condition is treated as not matching"
                )
            },
        );
    };
    if compare == Compare::Null && (if_exists || set.is_some()) {
        return Err(format!(
            "condition operator {name:?}: Null takes neither IfExists nor a set qualifier"
        ));
    }
    Ok(Operator {
        compare,
        negated,
        if_exists,
        set,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The request's values for `key`, found without regard to case. Entries that differ only in
/// case are merged, since IAM would see them as one key.
fn request_values<'a>(context: &'a BTreeMap<String, Vec<String>>, key: &str) -> Vec<&'a str> {
    context
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(key))
        .flat_map(|(_, values)| values.iter().map(String::as_str))
        .collect()
}

/// Whether one entry holds. Problems (unknown operator, malformed values, an ARN pattern that
/// can never match) are pushed to `problems`; a malformed entry never holds.
pub(crate) fn holds(
    entry: &ConditionEntry,
    context: &BTreeMap<String, Vec<String>>,
    problems: &mut Vec<String>,
) -> bool {
    let Some(policy_values) = entry.values.as_deref() else {
        return false; // already reported by the parser
    };
    let operator = match parse_operator(&entry.operator) {
        Ok(op) => op,
        Err(problem) => {
            problems.push(problem);
            return false;
        }
    };
    let request = request_values(context, &entry.key);
    // An empty value list carries no value to compare: IAM treats it like an absent key.
    let present = !request.is_empty();

    if operator.compare == Compare::Null {
        return policy_values
            .iter()
            .any(|v| match v.to_ascii_lowercase().as_str() {
                "true" => !present,
                "false" => present,
                _ => {
                    problems.push(format!(
                        "Null {}: value {v:?} is neither \"true\" nor \"false\"",
                        entry.key
                    ));
                    false
                }
            });
    }
    if operator.compare == Compare::ArnLike {
        for pattern in policy_values.iter().filter(|p| split_arn(p).is_none()) {
            problems.push(format!(
                "{} {}: {pattern:?} is not an ARN (6 colon-separated components), so it matches nothing",
                entry.operator, entry.key
            ));
        }
    }

    if !present {
        return match (operator.if_exists, operator.set) {
            (true, _) => true,
            // ForAllValues over no values is vacuously true; ForAnyValue has nothing to match.
            (false, Some(SetQualifier::ForAllValues)) => true,
            (false, Some(SetQualifier::ForAnyValue)) => false,
            (false, None) => operator.negated,
        };
    }

    // A request value "passes" when it matches some policy value, or — negated — none.
    let passes = |value: &str| {
        let matched = policy_values
            .iter()
            .any(|p| compare(operator.compare, p, value));
        matched != operator.negated
    };
    match operator.set {
        Some(SetQualifier::ForAllValues) => request.iter().all(|v| passes(v)),
        Some(SetQualifier::ForAnyValue) => request.iter().any(|v| passes(v)),
        // Single-valued use: positive = some value matches; negated = no value matches.
        None if operator.negated => request.iter().all(|v| passes(v)),
        None => request.iter().any(|v| passes(v)),
    }
}

fn compare(how: Compare, pattern: &str, value: &str) -> bool {
    match how {
        Compare::StringEquals => pattern == value,
        Compare::StringEqualsIgnoreCase => pattern.to_lowercase() == value.to_lowercase(),
        // `*` crosses `:` here, unlike ArnLike: the difference the IAM docs illustrate.
        Compare::StringLike => glob_match(pattern, value, Case::Sensitive),
        Compare::ArnLike => arn_like(pattern, value),
        Compare::Null => false, // handled before any per-value comparison
    }
}

#[cfg(test)]
#[path = "condition_tests.rs"]
mod tests;
