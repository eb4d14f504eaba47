//! Condition operators: parsing an operator name (`ForAnyValue:StringLikeIfExists`, ...) and
//! judging one (operator, key, values) entry against the request context — true, false, or
//! unknown when it depends on a key the auditor cannot know.
//!
//! Rules, IAM User Guide:
//! - "IAM JSON policy elements: Condition operators": a key missing from the request makes a
//!   positive operator false and a negated one true, except `...IfExists` (true when missing)
//!   and `Null` (`true` = the key is absent); `IfExists` goes with every operator but Null.
//! - "Creating a condition with multiple keys or values": several policy values of one key are
//!   ORed; for a negated operator the condition holds only when none matches (a logical AND of
//!   the negations).
//! - "Single-valued vs. multivalued context keys": `ForAllValues` holds when every request value
//!   matches (and when the key is missing or empty); `ForAnyValue` when at least one does (never
//!   when missing). A key is multivalued when the request has several values for it, and such a
//!   key "requires a condition set operator": what IAM does without one is not documented, so it
//!   is undecided here.
//! - Key names are case-insensitive; values follow the operator (see `compare`).

mod compare;

use super::context::{KeyState, RequestContext};
use super::document::ConditionEntry;
use super::truth::Truth;
use super::variables::{self, Resolved};
use compare::{Compiled, Family, Order};

/// How the request's values of a multivalued key combine (IAM set operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    family: Family,
    negated: bool,
    if_exists: bool,
    set: Option<SetQualifier>,
}

/// Base names, lower-cased (names are matched without case; IAM rejects other spellings on
/// write, so accepting them here changes nothing for real policies).
const OPERATORS: &[(&str, Family, bool)] = &[
    ("stringequals", Family::StringEquals, false),
    ("stringnotequals", Family::StringEquals, true),
    (
        "stringequalsignorecase",
        Family::StringEqualsIgnoreCase,
        false,
    ),
    (
        "stringnotequalsignorecase",
        Family::StringEqualsIgnoreCase,
        true,
    ),
    ("stringlike", Family::StringLike, false),
    ("stringnotlike", Family::StringLike, true),
    ("numericequals", Family::Numeric(Order::Equals), false),
    ("numericnotequals", Family::Numeric(Order::Equals), true),
    ("numericlessthan", Family::Numeric(Order::LessThan), false),
    (
        "numericlessthanequals",
        Family::Numeric(Order::LessThanEquals),
        false,
    ),
    (
        "numericgreaterthan",
        Family::Numeric(Order::GreaterThan),
        false,
    ),
    (
        "numericgreaterthanequals",
        Family::Numeric(Order::GreaterThanEquals),
        false,
    ),
    ("dateequals", Family::Date(Order::Equals), false),
    ("datenotequals", Family::Date(Order::Equals), true),
    ("datelessthan", Family::Date(Order::LessThan), false),
    (
        "datelessthanequals",
        Family::Date(Order::LessThanEquals),
        false,
    ),
    ("dategreaterthan", Family::Date(Order::GreaterThan), false),
    (
        "dategreaterthanequals",
        Family::Date(Order::GreaterThanEquals),
        false,
    ),
    ("bool", Family::Bool, false),
    ("binaryequals", Family::Binary, false),
    ("ipaddress", Family::Ip, false),
    ("notipaddress", Family::Ip, true),
    ("arnequals", Family::Arn, false),
    ("arnlike", Family::Arn, false),
    ("arnnotequals", Family::Arn, true),
    ("arnnotlike", Family::Arn, true),
    ("null", Family::Null, false),
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
    let Some(&(_, family, negated)) = OPERATORS.iter().find(|(n, _, _)| *n == base) else {
        return Err(format!(
            "unknown condition operator {name:?}; the condition is treated as not matching"
        ));
    };
    if family == Family::Null && (if_exists || set.is_some()) {
        return Err(format!(
            "condition operator {name:?}: Null takes neither IfExists nor a set qualifier"
        ));
    }
    Ok(Operator {
        family,
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

/// How one entry fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Judged {
    pub truth: Truth,
    /// For `Unknown`: the key that could not be known (the entry's own key, or one used as a
    /// variable in its values) and why.
    pub unknown: Option<(String, String)>,
}

impl Judged {
    fn known(truth: Truth) -> Self {
        Judged {
            truth,
            unknown: None,
        }
    }

    fn unknown(key: &str, why: &str) -> Self {
        Judged {
            truth: Truth::Unknown,
            unknown: Some((key.to_string(), why.to_string())),
        }
    }
}

/// One policy value after variables and parsing.
enum Value {
    Compiled(Compiled),
    /// A variable without value: nothing equals or is like it.
    Null,
    Unknown(String, String),
    /// Malformed for its operator (already reported): matches nothing.
    Invalid,
}

/// Judges one entry. Problems (unknown operator, malformed values, an ARN pattern that can
/// never match) are pushed to `problems`; a malformed entry never holds. `variables` says
/// whether the document's Version enables policy variables.
pub(crate) fn judge(
    entry: &ConditionEntry,
    context: &RequestContext,
    variables: bool,
    problems: &mut Vec<String>,
) -> Judged {
    let Some(policy_values) = entry.values.as_deref() else {
        return Judged::known(Truth::False); // already reported by the parser
    };
    let operator = match parse_operator(&entry.operator) {
        Ok(op) => op,
        Err(problem) => {
            problems.push(problem);
            return Judged::known(Truth::False);
        }
    };
    let state = context.get(&entry.key);
    if operator.family == Family::Null {
        return judge_null(entry, policy_values, state, problems);
    }
    let values = compile_values(entry, operator, policy_values, context, variables, problems);
    // A value that cannot be read (IAM refuses such a policy on write) makes the whole entry
    // fail, negated or not, so a broken policy is never read as matching.
    if values.iter().any(|v| matches!(v, Value::Invalid)) {
        return Judged::known(Truth::False);
    }

    let request = match state {
        KeyState::Unknown(why) => return Judged::unknown(&entry.key, why),
        KeyState::Absent => {
            let truth = match (operator.if_exists, operator.set) {
                (true, _) => true,
                // ForAllValues over no values is vacuously true; ForAnyValue has nothing.
                (false, Some(SetQualifier::ForAllValues)) => true,
                (false, Some(SetQualifier::ForAnyValue)) => false,
                (false, None) => operator.negated,
            };
            return Judged::known(Truth::from_bool(truth));
        }
        KeyState::Present(request) => request,
    };
    if operator.set.is_none() && request.len() > 1 {
        return Judged::unknown(
            &entry.key,
            "the request has several values for this key and the operator has no ForAllValues/ForAnyValue: IAM documents no outcome",
        );
    }

    let mut unknown = None;
    // A request value "passes" when it matches some policy value, or — negated — none.
    let mut passes = |value: &str| {
        let matched = Truth::any(values.iter().map(|p| match p {
            Value::Compiled(c) => Truth::from_bool(compare::matches(operator.family, c, value)),
            Value::Null | Value::Invalid => Truth::False,
            Value::Unknown(key, why) => {
                unknown.get_or_insert((key.clone(), why.clone()));
                Truth::Unknown
            }
        }));
        if operator.negated {
            matched.not()
        } else {
            matched
        }
    };
    let truth = match operator.set {
        Some(SetQualifier::ForAnyValue) => Truth::any(request.iter().map(|v| passes(v))),
        // ForAllValues, and the single value of a single-valued use.
        _ => Truth::all(request.iter().map(|v| passes(v))),
    };
    Judged {
        truth,
        unknown: (truth == Truth::Unknown).then_some(unknown).flatten(),
    }
}

/// `Null`: `"true"` holds when the key is absent, `"false"` when present; several values ORed.
fn judge_null(
    entry: &ConditionEntry,
    policy_values: &[String],
    state: KeyState<'_>,
    problems: &mut Vec<String>,
) -> Judged {
    let present = match state {
        KeyState::Unknown(why) => return Judged::unknown(&entry.key, why),
        KeyState::Absent => false,
        KeyState::Present(_) => true,
    };
    let truth = policy_values
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
    Judged::known(Truth::from_bool(truth))
}

/// Substitutes variables (where the family takes them) and reads each policy value once.
fn compile_values(
    entry: &ConditionEntry,
    operator: Operator,
    policy_values: &[String],
    context: &RequestContext,
    variables: bool,
    problems: &mut Vec<String>,
) -> Vec<Value> {
    let with_variables = variables && operator.family.takes_variables();
    policy_values
        .iter()
        .map(
            |text| match variables::resolve(text, context, with_variables) {
                Resolved::NoValue { .. } => Value::Null,
                Resolved::Unknown { key, why } => Value::Unknown(key, why),
                Resolved::Pattern(pattern) => {
                    if operator.family == Family::Arn
                        && pattern.splitn_colon(super::arn_match::ARN_COMPONENTS).len()
                            < super::arn_match::ARN_COMPONENTS
                    {
                        problems.push(format!(
                            "{} {}: {text:?} is not an ARN (6 colon-separated components), so it matches nothing",
                            entry.operator, entry.key
                        ));
                        return Value::Invalid;
                    }
                    match compare::compile(operator.family, pattern) {
                        Ok(compiled) => Value::Compiled(compiled),
                        Err(why) => {
                            problems.push(format!(
                                "{} {}: {why}, so it matches nothing",
                                entry.operator, entry.key
                            ));
                            Value::Invalid
                        }
                    }
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod family_tests;
#[cfg(test)]
mod tests;
