//! IAM policy evaluation: does a policy let a principal perform an action on a resource in a
//! given request context — and which statements decided it. One engine, three kinds of
//! document: a resource policy (a Lambda function's), an identity policy (a role's inline,
//! managed and boundary policies) and a role's trust policy.
//!
//! Semantics follow docs/aws-facts.md §2 (the Lambda resource policy) and §3 (IAM evaluation rules).
//! Each call judges one document; `identity` combines a role's documents (every policy, the
//! boundary, explicit deny anywhere wins) and `trust` asks whether API Gateway may assume a
//! role. SCPs, resource control policies and session policies are out of scope.
//!
//! Layout: `document` reads the JSON, `principal` / `wildcard` / `arn_match` / `condition` match
//! one element each, and this file combines them into statement outcomes and a decision.

mod arn_match;
mod condition;
mod document;
pub mod identity;
mod principal;
pub mod trust;
mod wildcard;

#[cfg(test)]
mod decision_tests;
#[cfg(test)]
mod tool_shape_tests;

use std::collections::BTreeMap;

use document::{Element, PolicyKind, Statement};
use wildcard::{glob_match, Case};

/// The service principal API Gateway calls Lambda as.
pub const APIGATEWAY_SERVICE: &str = "apigateway.amazonaws.com";
/// The action API Gateway needs on the function (and on authorizer functions).
pub const INVOKE_ACTION: &str = "lambda:InvokeFunction";

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Principal {
    /// A service principal such as `apigateway.amazonaws.com`.
    Service(String),
    /// An account id (`123456789012`) or an IAM/STS ARN (role, user, assumed-role session).
    Aws(String),
}

/// One request to judge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    /// Condition keys present in the request, e.g. `aws:SourceArn` → `[..]`; key names are
    /// compared case-insensitively. A key mapped to an empty list counts as absent.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request {
    /// The request API Gateway makes when it invokes `function_arn` for a method or authorizer
    /// whose execute-api ARN is `source_arn`, on an API owned by `source_account` (docs/aws-facts.md §1).
    pub fn apigateway_invoke(function_arn: &str, source_arn: &str, source_account: &str) -> Self {
        let context = BTreeMap::from([
            ("aws:SourceArn".to_string(), vec![source_arn.to_string()]),
            (
                "aws:SourceAccount".to_string(),
                vec![source_account.to_string()],
            ),
        ]);
        Request {
            principal: Principal::Service(APIGATEWAY_SERVICE.to_string()),
            action: INVOKE_ACTION.to_string(),
            resource: function_arn.to_string(),
            context,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// How one (operator, key) pair of a Condition block fared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConditionOutcome {
    /// As written in the policy, e.g. `ArnLike` or `ForAnyValue:StringLike`.
    pub operator: String,
    /// As written in the policy, e.g. `AWS:SourceArn`. Empty for a malformed block.
    pub key: String,
    /// The policy's values in string form (empty when they were malformed).
    pub values: Vec<String>,
    pub matched: bool,
}

/// How one statement fared, element by element, so a caller can say which part failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatementOutcome {
    pub index: usize,
    pub sid: Option<String>,
    /// `Deny` also for a statement whose Effect is missing or invalid; such a statement never
    /// applies and `Evaluation::problems` says why.
    pub effect: Effect,
    pub principal_matched: bool,
    pub action_matched: bool,
    pub resource_matched: bool,
    pub conditions: Vec<ConditionOutcome>,
    /// principal && action && resource && every condition (and a valid Effect).
    pub applies: bool,
}

impl StatementOutcome {
    /// The conditions that did not hold.
    pub fn failed_conditions(&self) -> impl Iterator<Item = &ConditionOutcome> {
        self.conditions.iter().filter(|c| !c.matched)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// One per statement of the document, in document order.
    pub statements: Vec<StatementOutcome>,
    /// Human-readable notes on anything malformed, unsupported or suspicious in the document.
    pub problems: Vec<String>,
}

impl Evaluation {
    /// The statements that produced the decision: the applicable Denies for `ExplicitDeny`, the
    /// applicable Allows for `Allow`, none for `ImplicitDeny`.
    pub fn deciding_statements(&self) -> impl Iterator<Item = &StatementOutcome> {
        let effect = match self.decision {
            Decision::Allow => Some(Effect::Allow),
            Decision::ExplicitDeny => Some(Effect::Deny),
            Decision::ImplicitDeny => None,
        };
        self.statements
            .iter()
            .filter(move |s| s.applies && Some(s.effect) == effect)
    }
}

/// Evaluates `request` against the resource policy `doc` (the decoded document, or the JSON
/// string GetPolicy returns). Never panics; anything it cannot read is reported in `problems`
/// and matches nothing.
pub fn evaluate_resource_policy(doc: &serde_json::Value, request: &Request) -> Evaluation {
    evaluate(doc, PolicyKind::Resource, request)
}

/// Evaluates `request` against one identity policy (an inline or managed policy of a role, or
/// its permissions boundary). Statements carry no Principal: they apply to whoever holds the
/// policy, so `request.principal` is not compared.
pub fn evaluate_identity_policy(doc: &serde_json::Value, request: &Request) -> Evaluation {
    evaluate(doc, PolicyKind::Identity, request)
}

/// Evaluates `request` (typically `sts:AssumeRole` by a service principal) against a role's
/// trust policy, whose statements have no Resource.
pub fn evaluate_trust_policy(doc: &serde_json::Value, request: &Request) -> Evaluation {
    evaluate(doc, PolicyKind::Trust, request)
}

fn evaluate(doc: &serde_json::Value, kind: PolicyKind, request: &Request) -> Evaluation {
    let mut problems = Vec::new();
    let statements: Vec<StatementOutcome> = document::parse_statements(doc, kind, &mut problems)
        .iter()
        .enumerate()
        .map(|(index, statement)| evaluate_statement(index, statement, request, &mut problems))
        .collect();

    // docs/aws-facts.md §3 "Decision order": an applicable Deny beats every Allow; nothing applicable
    // means the default, implicit deny.
    let applicable = |effect| statements.iter().any(|s| s.applies && s.effect == effect);
    let decision = if applicable(Effect::Deny) {
        Decision::ExplicitDeny
    } else if applicable(Effect::Allow) {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    };
    Evaluation {
        decision,
        statements,
        problems,
    }
}

/// Resource-element matching: a case-sensitive glob over the whole ARN where `*` also crosses
/// `:` and `/`. This is what gives Lambda's qualifier rules (docs/aws-facts.md §2 "Qualifiers"):
/// `...function:f` does not match `...function:f:live`, `...function:f:*` matches only qualified
/// ARNs, and `...function:f*` matches both.
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    glob_match(pattern, resource, Case::Sensitive)
}

/// `ArnLike`/`ArnEquals` matching of one value against one pattern: each of the six ARN
/// components separately, so `*` never crosses a `:` (docs/aws-facts.md §3). Non-ARNs never match.
pub fn arn_like(pattern: &str, value: &str) -> bool {
    arn_match::arn_like(pattern, value)
}

fn evaluate_statement(
    index: usize,
    statement: &Statement,
    request: &Request,
    problems: &mut Vec<String>,
) -> StatementOutcome {
    let principal_matched = element_matches(&statement.principal, |spec| {
        principal::is_listed(spec, &request.principal)
    });
    // docs/aws-facts.md §3 "Action matching": service prefix and action name are case-insensitive.
    let action_matched = element_matches(&statement.action, |patterns| {
        patterns
            .iter()
            .any(|p| glob_match(p, &request.action, Case::Insensitive))
    });
    let resource_matched = element_matches(&statement.resource, |patterns| {
        patterns
            .iter()
            .any(|p| resource_matches(p, &request.resource))
    });

    let conditions: Vec<ConditionOutcome> = statement
        .conditions
        .iter()
        .map(|entry| {
            let mut notes = Vec::new();
            let matched = condition::holds(entry, &request.context, &mut notes);
            problems.extend(
                notes
                    .into_iter()
                    .map(|n| format!("{}: {n}", statement.label(index))),
            );
            ConditionOutcome {
                operator: entry.operator.clone(),
                key: entry.key.clone(),
                values: entry.values.clone().unwrap_or_default(),
                matched,
            }
        })
        .collect();

    let applies = statement.effect.is_some()
        && principal_matched
        && action_matched
        && resource_matched
        && conditions.iter().all(|c| c.matched);
    StatementOutcome {
        index,
        sid: statement.sid.clone(),
        effect: statement.effect.unwrap_or(Effect::Deny),
        principal_matched,
        action_matched,
        resource_matched,
        conditions,
        applies,
    }
}

/// `Principal`/`Action`/`Resource` match when the request is listed; their `Not...` forms when
/// it is not. A malformed element matches nothing (see `document`).
fn element_matches<T>(element: &Element<T>, listed: impl Fn(&T) -> bool) -> bool {
    match element {
        Element::Match(value) => listed(value),
        Element::Not(value) => !listed(value),
        Element::Malformed => false,
    }
}
