//! IAM policy evaluation: does a policy let a principal perform an action on a resource in a
//! given request context — and which statements decided it, or, when the request depends on
//! something the auditor cannot know, that it is undecided and which keys it depends on. One
//! engine, three kinds of document: a resource policy (a Lambda function's), an identity policy
//! (a role's inline, managed and boundary policies) and a role's trust policy.
//!
//! Semantics follow docs/aws-facts.md §2 (the Lambda resource policy) and §3 (IAM evaluation rules), and
//! the IAM User Guide pages each module cites. Each call judges one document; `access` combines
//! a role's documents with a function's policy the way AWS does within and across accounts, and
//! `trust` asks whether API Gateway may assume a role. SCPs, resource control policies and
//! session policies are out of scope.
//!
//! Layout: `document` reads the JSON; `principal`, `wildcard`, `arn_match`, `condition` and
//! `variables` match one element each against a `context`; `statement` combines them into a
//! statement's outcome (`truth`: true, false or unknown) and this file into a decision.

pub mod access;
mod arn_match;
mod condition;
pub mod context;
mod document;
pub mod identity;
mod json_forms;
mod principal;
mod statement;
pub mod trust;
mod truth;
mod variables;
mod wildcard;

#[cfg(test)]
mod decision_tests;
#[cfg(test)]
mod tool_shape_tests;

use chrono::{DateTime, Utc};

pub use context::RequestContext;
use document::PolicyKind;
pub use principal::PrincipalMatch;
pub use truth::Truth;
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
    /// A session of the role `role` whose session name is not known: the session API Gateway
    /// opens with an integration's credentials role.
    RoleSession { role: String },
}

/// One request to judge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    /// The condition keys of the request and what the auditor knows about the others.
    pub context: RequestContext,
}

impl Request {
    /// The request API Gateway makes when it invokes `function_arn` for a method or authorizer
    /// whose execute-api ARN is `source_arn`, on an API owned by `source_account` (docs/aws-facts.md §1),
    /// now.
    pub fn apigateway_invoke(function_arn: &str, source_arn: &str, source_account: &str) -> Self {
        Self::apigateway_invoke_at(function_arn, source_arn, source_account, Utc::now())
    }

    /// `apigateway_invoke` at the time `now` (`aws:CurrentTime`).
    pub fn apigateway_invoke_at(
        function_arn: &str,
        source_arn: &str,
        source_account: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let parts: Vec<&str> = function_arn.splitn(6, ':').collect();
        let (region, account) = match parts.as_slice() {
            [_, _, _, region, account, _] => (*region, *account),
            _ => ("", ""),
        };
        Request {
            principal: Principal::Service(APIGATEWAY_SERVICE.to_string()),
            action: INVOKE_ACTION.to_string(),
            resource: function_arn.to_string(),
            context: RequestContext::apigateway_invoke(
                source_arn,
                source_account,
                account,
                region,
                now,
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
    /// Allowed or denied depending on keys the auditor cannot know (`Evaluation::unknown_keys`).
    Undecided,
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
    /// The condition definitely holds.
    pub matched: bool,
    /// Set when whether it holds depends on a key the auditor cannot know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<UnknownKey>,
}

/// A condition key (or `principal`) the decision depends on and the auditor cannot know.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnknownKey {
    pub key: String,
    pub why: String,
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
    /// How the principal element covers the caller (`no-match` when it does not).
    pub principal: PrincipalMatch,
    pub action_matched: bool,
    pub resource_matched: bool,
    pub conditions: Vec<ConditionOutcome>,
    /// principal && action && resource && every condition (and a valid Effect), definitely.
    pub applies: bool,
    /// The same, three-valued: `unknown` when it may apply, depending on `undecided`.
    pub truth: Truth,
    /// For a statement that may apply: the keys it depends on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undecided: Vec<UnknownKey>,
}

impl StatementOutcome {
    /// The conditions that definitely did not hold.
    pub fn failed_conditions(&self) -> impl Iterator<Item = &ConditionOutcome> {
        self.conditions
            .iter()
            .filter(|c| !c.matched && c.unknown.is_none())
    }

    /// `Sid`, or `#index` when the statement has none.
    pub fn name(&self) -> String {
        self.sid
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("#{}", self.index))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// One per statement of the document, in document order.
    pub statements: Vec<StatementOutcome>,
    /// Human-readable notes on anything malformed, unsupported or suspicious in the document.
    pub problems: Vec<String>,
    /// For `Undecided`: the keys the decision depends on, each once.
    pub unknown_keys: Vec<UnknownKey>,
}

impl Evaluation {
    /// The statements that produced the decision: the applicable Denies for `ExplicitDeny`, the
    /// applicable Allows for `Allow`, none for `ImplicitDeny`, and for `Undecided` the ones that
    /// may apply.
    pub fn deciding_statements(&self) -> impl Iterator<Item = &StatementOutcome> {
        let decision = self.decision;
        self.statements.iter().filter(move |s| match decision {
            Decision::Allow => s.applies && s.effect == Effect::Allow,
            Decision::ExplicitDeny => s.applies && s.effect == Effect::Deny,
            Decision::ImplicitDeny => false,
            Decision::Undecided => s.truth == Truth::Unknown,
        })
    }

    /// Whether a statement of `effect` definitely, possibly or never applies.
    pub fn applies(&self, effect: Effect) -> Truth {
        Truth::any(
            self.statements
                .iter()
                .filter(|s| s.effect == effect)
                .map(|s| s.truth),
        )
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
        .map(|(index, s)| statement::evaluate_statement(index, s, request, &mut problems))
        .collect();
    let mut evaluation = Evaluation {
        decision: Decision::ImplicitDeny,
        statements,
        problems,
        unknown_keys: Vec::new(),
    };
    evaluation.decision = decide(
        evaluation.applies(Effect::Deny),
        evaluation.applies(Effect::Allow),
    );
    if evaluation.decision == Decision::Undecided {
        evaluation.unknown_keys = unknown_keys(evaluation.deciding_statements());
    }
    evaluation
}

/// docs/aws-facts.md §3 "Decision order" (IAM User Guide, "Policy evaluation logic": "An explicit deny in
/// any policy overrides any allows"; nothing applicable means the default, implicit deny), over
/// three-valued facts: a Deny that may apply leaves an Allow undecided; a request no Allow can
/// cover is denied whatever the unknown Denies are.
pub(crate) fn decide(deny: Truth, allow: Truth) -> Decision {
    match (deny, allow) {
        (Truth::True, _) => Decision::ExplicitDeny,
        (_, Truth::False) => Decision::ImplicitDeny,
        (Truth::False, Truth::True) => Decision::Allow,
        _ => Decision::Undecided,
    }
}

/// The keys the given statements depend on, each once.
pub(crate) fn unknown_keys<'a>(
    statements: impl Iterator<Item = &'a StatementOutcome>,
) -> Vec<UnknownKey> {
    let mut keys: Vec<UnknownKey> = Vec::new();
    for key in statements.flat_map(|s| s.undecided.iter()) {
        if !keys.iter().any(|k| k.key.eq_ignore_ascii_case(&key.key)) {
            keys.push(key.clone());
        }
    }
    keys
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
