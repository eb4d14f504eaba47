//! One statement against one request: each element matched on its own (so a caller can say which
//! part failed), then combined — true, false, or unknown when a key, a policy variable or the
//! session name the auditor cannot know decides it.

use super::condition;
use super::document::{Element, Statement};
use super::principal::{self, PrincipalMatch};
use super::truth::Truth;
use super::variables::{self, Resolved};
use super::wildcard::{glob_match, pattern_match, Case};
use super::{ConditionOutcome, Effect, Request, StatementOutcome, UnknownKey};

pub(crate) fn evaluate_statement(
    index: usize,
    statement: &Statement,
    request: &Request,
    problems: &mut Vec<String>,
) -> StatementOutcome {
    let mut unknown: Vec<UnknownKey> = Vec::new();

    let (principal, principal_truth) = match &statement.principal {
        Element::Match(spec) => principal::listed(spec, &request.principal),
        // NotPrincipal grants to (or denies) everyone it does not list.
        Element::Not(spec) => {
            let (_, listed) = principal::listed(spec, &request.principal);
            (PrincipalMatch::Everyone, listed.not())
        }
        Element::Malformed => (PrincipalMatch::NoMatch, Truth::False),
    };
    if principal_truth == Truth::Unknown {
        unknown.push(UnknownKey {
            key: "principal".into(),
            why: "the statement names one session of the role, and the session name API Gateway uses is not documented".into(),
        });
    }

    // docs/aws-facts.md §3 "Action matching": service prefix and action name are case-insensitive.
    let action_matched = element_truth(&statement.action, |patterns| {
        Truth::from_bool(
            patterns
                .iter()
                .any(|p| glob_match(p, &request.action, Case::Insensitive)),
        )
    })
    .is_true();

    // Resource patterns may hold policy variables, only in the resource part after the fifth
    // colon ("Variables and tags", Resource element); a variable without value matches nothing.
    let resource_truth = element_truth(&statement.resource, |patterns| {
        Truth::any(patterns.iter().map(|p| {
            match variables::resolve_resource(p, &request.context, statement.variables) {
                Resolved::Pattern(pattern) => {
                    Truth::from_bool(pattern_match(&pattern, &request.resource, Case::Sensitive))
                }
                Resolved::NoValue { .. } => Truth::False,
                Resolved::Unknown { key, why } => {
                    unknown.push(UnknownKey { key, why });
                    Truth::Unknown
                }
            }
        }))
    });

    let conditions: Vec<ConditionOutcome> = statement
        .conditions
        .iter()
        .map(|entry| {
            let mut notes = Vec::new();
            let judged = condition::judge(entry, &request.context, statement.variables, &mut notes);
            problems.extend(
                notes
                    .into_iter()
                    .map(|n| format!("{}: {n}", statement.label(index))),
            );
            ConditionOutcome {
                operator: entry.operator.clone(),
                key: entry.key.clone(),
                values: entry.values.clone().unwrap_or_default(),
                matched: judged.truth.is_true(),
                unknown: judged.unknown.map(|(key, why)| UnknownKey { key, why }),
            }
        })
        .collect();
    let conditions_truth = Truth::all(conditions.iter().map(|c| match (c.matched, &c.unknown) {
        (true, _) => Truth::True,
        (false, Some(_)) => Truth::Unknown,
        (false, None) => Truth::False,
    }));

    let truth = Truth::all([
        Truth::from_bool(statement.effect.is_some()),
        principal_truth,
        Truth::from_bool(action_matched),
        resource_truth,
        conditions_truth,
    ]);
    let undecided = if truth == Truth::Unknown {
        unknown.extend(conditions.iter().filter_map(|c| c.unknown.clone()));
        dedup(unknown)
    } else {
        Vec::new()
    };
    StatementOutcome {
        index,
        sid: statement.sid.clone(),
        effect: statement.effect.unwrap_or(Effect::Deny),
        principal_matched: principal_truth.is_true(),
        principal,
        action_matched,
        resource_matched: resource_truth.is_true(),
        conditions,
        applies: truth.is_true(),
        truth,
        undecided,
    }
}

/// `Principal`/`Action`/`Resource` match when the request is listed; their `Not...` forms when
/// it is not. A malformed element matches nothing (see `document`).
fn element_truth<T>(element: &Element<T>, mut listed: impl FnMut(&T) -> Truth) -> Truth {
    match element {
        Element::Match(value) => listed(value),
        Element::Not(value) => listed(value).not(),
        Element::Malformed => Truth::False,
    }
}

fn dedup(keys: Vec<UnknownKey>) -> Vec<UnknownKey> {
    let mut out: Vec<UnknownKey> = Vec::new();
    for key in keys {
        if !out.iter().any(|k| k.key.eq_ignore_ascii_case(&key.key)) {
            out.push(key);
        }
    }
    out
}
