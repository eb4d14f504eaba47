//! Parsing of a policy document's JSON into a small model that accepts IAM's string-or-array
//! and object-or-array forms, reporting — never panicking on — anything malformed.
//!
//! Rule for malformed input: an element that cannot be read matches nothing (and its problem is
//! recorded), so a broken statement never applies. For an Allow that is the safe reading; for a
//! Deny it could hide a deny, but IAM refuses such documents on write, so only hand-made test
//! input reaches that case — the problem text says so either way.

use serde_json::Value;

use super::json_forms::string_or_array;
use super::principal::{self, PrincipalSpec};
use super::Effect;

/// An element that comes in a positive and a negated form (`Action` / `NotAction`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Element<T> {
    Match(T),
    Not(T),
    Malformed,
}

/// Which kind of document is read: the elements each kind requires or forbids differ (IAM
/// `reference_policies_elements_principal`: identity policies have no Principal, a role's trust
/// policy has no Resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    /// A resource-based policy, such as a Lambda function's.
    Resource,
    /// A policy attached to a role (inline, managed, or its permissions boundary).
    Identity,
    /// A role's trust policy (`AssumeRolePolicyDocument`).
    Trust,
}

/// The principal element of an identity-policy statement: whoever the policy is attached to.
fn anyone() -> Element<PrincipalSpec> {
    Element::Match(PrincipalSpec::Anyone)
}

/// One statement, with each element already reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub sid: Option<String>,
    /// `None` when `Effect` is missing or not exactly `Allow`/`Deny`.
    pub effect: Option<Effect>,
    pub principal: Element<PrincipalSpec>,
    pub action: Element<Vec<String>>,
    pub resource: Element<Vec<String>>,
    /// One entry per (operator, key) pair, in document order as serde_json keeps it.
    pub conditions: Vec<ConditionEntry>,
    /// Whether `${...}` are policy variables: only in documents of Version `2012-10-17` (IAM
    /// User Guide, "Variables and tags": without it "variables ... are treated as literal
    /// strings").
    pub variables: bool,
}

/// The policy language version that introduced policy variables.
const VARIABLES_VERSION: &str = "2012-10-17";

/// One `{operator: {key: values}}` pair. `values` is `None` when they are malformed; a block
/// that is malformed as a whole yields one entry with an empty `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConditionEntry {
    pub operator: String,
    pub key: String,
    pub values: Option<Vec<String>>,
}

/// IAM element names are case-sensitive; anything else in a statement is a typo worth reporting.
const KNOWN_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// The statements of `doc`, one per entry of `Statement` (a lone object counts as one).
/// `doc` may also be the policy as a JSON string, exactly as GetPolicy's `Policy` field holds it.
pub(crate) fn parse_statements(
    doc: &Value,
    kind: PolicyKind,
    problems: &mut Vec<String>,
) -> Vec<Statement> {
    if let Value::String(text) = doc {
        return match serde_json::from_str::<Value>(text) {
            // A string inside the string is not a policy; stop after one level.
            Ok(inner) if !inner.is_string() => parse_statements(&inner, kind, problems),
            Ok(_) => {
                problems.push("the policy document is a JSON string, not an object".into());
                Vec::new()
            }
            Err(e) => {
                problems.push(format!("the policy document is not valid JSON: {e}"));
                Vec::new()
            }
        };
    }
    let Some(statement) = doc.as_object().and_then(|o| o.get("Statement")) else {
        problems.push("the policy document has no Statement (or is not a JSON object)".into());
        return Vec::new();
    };
    let variables = doc.get("Version").and_then(Value::as_str) == Some(VARIABLES_VERSION);
    let parse = |index, item, problems: &mut Vec<String>| Statement {
        variables,
        ..parse_statement(index, item, kind, problems)
    };
    match statement {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| parse(index, item, problems))
            .collect(),
        Value::Object(_) => vec![parse(0, statement, problems)],
        other => {
            problems.push(format!(
                "Statement is neither an object nor an array: {other}"
            ));
            Vec::new()
        }
    }
}

fn parse_statement(
    index: usize,
    value: &Value,
    kind: PolicyKind,
    problems: &mut Vec<String>,
) -> Statement {
    let Value::Object(map) = value else {
        problems.push(format!("statement {index} is not a JSON object: {value}"));
        return Statement {
            sid: None,
            effect: None,
            principal: Element::Malformed,
            action: Element::Malformed,
            resource: Element::Malformed,
            conditions: Vec::new(),
            variables: false,
        };
    };
    let sid = match map.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            problems.push(format!("statement {index}: Sid is not a string: {other}"));
            None
        }
    };
    let at = label(index, sid.as_deref());
    let mut report = |message: String| problems.push(format!("{at}: {message}"));

    for name in map.keys().filter(|k| !KNOWN_ELEMENTS.contains(&k.as_str())) {
        report(format!(
            "unknown element {name:?} (element names are case-sensitive); ignored"
        ));
    }

    let effect = match map.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Some(Effect::Allow),
        Some("Deny") => Some(Effect::Deny),
        _ => {
            report(
                "Effect is missing or not \"Allow\"/\"Deny\"; the statement never applies".into(),
            );
            None
        }
    };

    let mut notes = Vec::new();
    let principal = match pair(map, "Principal", "NotPrincipal", |v| {
        principal::parse(v, &mut notes)
    }) {
        // An identity policy names no principal: it is attached to the one it applies to. IAM
        // refuses an identity policy with a Principal, so one here matches nothing.
        Ok(Some(_)) if kind == PolicyKind::Identity => {
            report("an identity policy cannot have Principal or NotPrincipal; the statement never applies".into());
            Element::Malformed
        }
        Ok(None) if kind == PolicyKind::Identity => anyone(),
        Ok(Some(element)) => element,
        Ok(None) => {
            report("no Principal or NotPrincipal; a resource policy statement needs one, so it never applies".into());
            Element::Malformed
        }
        Err(e) => report_malformed(&mut report, e),
    };
    notes.into_iter().for_each(&mut report);

    let action = match pair(map, "Action", "NotAction", string_list) {
        Ok(Some(element)) => element,
        Ok(None) => {
            report("no Action or NotAction; the statement never applies".into());
            Element::Malformed
        }
        Err(e) => report_malformed(&mut report, e),
    };

    let resource = match pair(map, "Resource", "NotResource", string_list) {
        Ok(Some(element)) => element,
        // Lambda always writes Resource (docs/aws-facts.md §2), so a statement without one is
        // hand-made; read it as "the resource this policy is attached to" — every request the
        // policy is asked about — rather than as matching nothing.
        // A role's trust policy has no Resource: the role it is attached to is the resource.
        Ok(None) if kind == PolicyKind::Trust => Element::Match(vec!["*".to_string()]),
        Ok(None) => {
            report("no Resource or NotResource; treated as matching any resource".into());
            Element::Match(vec!["*".to_string()])
        }
        Err(e) => report_malformed(&mut report, e),
    };

    let conditions = match map.get("Condition") {
        None => Vec::new(),
        Some(block) => parse_condition(block, &mut report),
    };

    Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
        variables: false,
    }
}

impl Statement {
    /// How problems name this statement: its position, and its Sid when it has one.
    pub(crate) fn label(&self, index: usize) -> String {
        label(index, self.sid.as_deref())
    }
}

fn label(index: usize, sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("statement {index} (Sid {sid:?})"),
        None => format!("statement {index}"),
    }
}

fn report_malformed<T>(report: &mut impl FnMut(String), problem: String) -> Element<T> {
    report(format!("{problem}; the statement never applies"));
    Element::Malformed
}

/// Reads whichever of `name` / `not_name` is present. `Ok(None)` when neither is.
fn pair<T>(
    map: &serde_json::Map<String, Value>,
    name: &str,
    not_name: &str,
    mut parse: impl FnMut(&Value) -> Result<T, String>,
) -> Result<Option<Element<T>>, String> {
    let with_name = |e: String, n: &str| format!("{n}: {e}");
    match (map.get(name), map.get(not_name)) {
        (Some(_), Some(_)) => Err(format!("both {name} and {not_name} are present")),
        (Some(v), None) => parse(v)
            .map(|t| Some(Element::Match(t)))
            .map_err(|e| with_name(e, name)),
        (None, Some(v)) => parse(v)
            .map(|t| Some(Element::Not(t)))
            .map_err(|e| with_name(e, not_name)),
        (None, None) => Ok(None),
    }
}

fn string_list(value: &Value) -> Result<Vec<String>, String> {
    string_or_array(value).ok_or_else(|| format!("not a string or an array of strings: {value}"))
}

/// `{operator: {key: value-or-array}}`. A malformed part becomes an entry whose values are
/// `None`, so it is still visible in the statement's outcome and still fails the statement.
fn parse_condition(block: &Value, report: &mut impl FnMut(String)) -> Vec<ConditionEntry> {
    let malformed = |operator: &str, key: &str| ConditionEntry {
        operator: operator.to_string(),
        key: key.to_string(),
        values: None,
    };
    let Value::Object(operators) = block else {
        report(format!("Condition is not an object: {block}"));
        return vec![malformed("Condition", "")];
    };
    let mut entries = Vec::new();
    for (operator, keys) in operators {
        match keys {
            Value::Object(keys) if !keys.is_empty() => {
                for (key, values) in keys {
                    let values = condition_values(values);
                    if values.is_none() {
                        report(format!(
                            "Condition {operator} {key}: values must be one or more strings, numbers or booleans"
                        ));
                    }
                    entries.push(ConditionEntry {
                        operator: operator.clone(),
                        key: key.clone(),
                        values,
                    });
                }
            }
            _ => {
                report(format!(
                    "Condition {operator}: expected a non-empty {{key: values}} object"
                ));
                entries.push(malformed(operator, ""));
            }
        }
    }
    entries
}

/// Condition values may be written as JSON strings, numbers or booleans (`"Bool": {"k": true}`);
/// IAM compares their string forms. An empty array has nothing to compare and is malformed.
fn condition_values(value: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}
