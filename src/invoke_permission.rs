//! Whether API Gateway may invoke a Lambda target for one route: the request API Gateway makes
//! (principal `apigateway.amazonaws.com`, action `lambda:InvokeFunction`, the exact invoked ARN,
//! `aws:SourceArn` and `aws:SourceAccount`), judged with the policy evaluator against the policy
//! of exactly that qualifier (docs/aws-facts.md §2–§3), and, when denied, why.

use serde::{Deserialize, Serialize};

use crate::arn::FunctionArn;
use crate::inventory::{CollectionError, LambdaTarget, Lookup, ResourcePolicy, ScopeInventory};
use crate::policy::{self, Decision, Effect, Evaluation, Request, StatementOutcome, UnknownKey};

pub use crate::policy::APIGATEWAY_SERVICE as APIGATEWAY_PRINCIPAL;

/// Why API Gateway may not invoke the target: the
/// `evidence.reason` values of `invoke-permission-missing` (docs/checks.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DenyReason {
    NoPolicy,
    NoApigatewayStatement,
    SourceArnMismatch,
    SourceAccountMismatch,
    QualifierMismatch,
    ExplicitDeny,
}

impl DenyReason {
    pub fn explain(self) -> &'static str {
        match self {
            DenyReason::NoPolicy => "the function has no resource policy",
            DenyReason::NoApigatewayStatement => "no statement lets apigateway.amazonaws.com call lambda:InvokeFunction",
            DenyReason::SourceArnMismatch => "no statement's aws:SourceArn condition covers this route",
            DenyReason::SourceAccountMismatch => "the aws:SourceAccount condition names another account",
            DenyReason::QualifierMismatch => "the permission is on another qualifier of the function than the one the integration invokes",
            DenyReason::ExplicitDeny => "a Deny statement blocks the call",
        }
    }
}

/// A statement that decided or came close, for the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementNote {
    /// `Sid`, or `#index` when the statement has none.
    pub statement: String,
    pub effect: &'static str,
    /// The parts that did not match (`principal`, `action`, `resource`, `ArnLike aws:SourceArn`).
    pub mismatches: Vec<String>,
    /// For a statement that may apply: the keys it depends on, which the auditor cannot know.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// Another form of the function (unqualified, or another alias or version) whose policy would
/// let the route in, and the statements that would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedOn {
    pub arn: FunctionArn,
    pub statements: Vec<StatementNote>,
}

/// The outcome of judging one route against one target.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    Allowed,
    Denied {
        reason: DenyReason,
        statements: Vec<StatementNote>,
        /// For `qualifier-mismatch`: the other form of the function whose policy would have let
        /// the route in.
        allowed_on: Option<AllowedOn>,
    },
    /// The policy could not be read.
    Unknown(CollectionError),
    /// Allowed or not depending on keys the auditor cannot know: the statements that may apply
    /// and the keys they depend on.
    Undecided {
        statements: Vec<StatementNote>,
        keys: Vec<UnknownKey>,
    },
}

/// The request API Gateway makes to Lambda for a route.
pub fn request(function_arn: &str, source_arn: &str, api_account: &str) -> Request {
    Request::apigateway_invoke(function_arn, source_arn, api_account)
}

/// Judges the policy of exactly `function_arn` for `source_arn`, then, when denied, looks at
/// the policies of the function's other forms that were collected to spot a permission that
/// was added to the wrong qualifier.
pub fn judge(scope: &ScopeInventory, target: &LambdaTarget, source_arn: &str) -> Judgement {
    let own = match &target.policy {
        Lookup::Failed(error) => return Judgement::Unknown(error.clone()),
        Lookup::Missing => None,
        Lookup::Found(policy) => Some(policy),
    };
    let (reason, statements) = match own {
        None => (DenyReason::NoPolicy, Vec::new()),
        Some(policy) => {
            let evaluation = policy::evaluate_resource_policy(
                &policy.document,
                &request(&target.arn.to_string(), source_arn, &scope.account),
            );
            if evaluation.decision == Decision::Undecided {
                return Judgement::Undecided {
                    statements: evaluation.deciding_statements().map(note).collect(),
                    keys: evaluation.unknown_keys.clone(),
                };
            }
            match classify(&evaluation) {
                None => return Judgement::Allowed,
                Some(denied) => denied,
            }
        }
    };
    if reason != DenyReason::ExplicitDeny {
        if let Some((other, allowing)) = other_form_allowing(scope, target, source_arn) {
            return Judgement::Denied {
                reason: DenyReason::QualifierMismatch,
                statements,
                allowed_on: Some(AllowedOn {
                    arn: other,
                    statements: allowing,
                }),
            };
        }
    }
    Judgement::Denied {
        reason,
        statements,
        allowed_on: None,
    }
}

/// `None` when allowed, else the reason and the statements that decided or came closest.
fn classify(evaluation: &Evaluation) -> Option<(DenyReason, Vec<StatementNote>)> {
    match evaluation.decision {
        // Undecided is handled by `judge` before it classifies.
        Decision::Allow | Decision::Undecided => None,
        Decision::ExplicitDeny => Some((
            DenyReason::ExplicitDeny,
            evaluation
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Deny && s.applies)
                .map(note)
                .collect(),
        )),
        Decision::ImplicitDeny => {
            let candidates: Vec<&StatementOutcome> = evaluation
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow && s.principal_matched && s.action_matched)
                .collect();
            if candidates.is_empty() {
                return Some((DenyReason::NoApigatewayStatement, Vec::new()));
            }
            let on_resource: Vec<&StatementOutcome> = candidates
                .iter()
                .copied()
                .filter(|s| s.resource_matched)
                .collect();
            if on_resource.is_empty() {
                return Some((
                    DenyReason::QualifierMismatch,
                    candidates.into_iter().map(note).collect(),
                ));
            }
            let fewest = on_resource
                .iter()
                .map(|s| s.failed_conditions().count())
                .min()
                .unwrap_or(0);
            let closest: Vec<&StatementOutcome> = on_resource
                .into_iter()
                .filter(|s| s.failed_conditions().count() == fewest)
                .collect();
            let failed_key = |key: &str| {
                closest.iter().any(|s| {
                    s.failed_conditions()
                        .any(|c| c.key.eq_ignore_ascii_case(key))
                })
            };
            let reason = if failed_key("aws:SourceArn") {
                DenyReason::SourceArnMismatch
            } else if failed_key("aws:SourceAccount") {
                DenyReason::SourceAccountMismatch
            } else {
                // Conditions on keys API Gateway never sends (aws:PrincipalOrgID, ...) make the
                // statement useless for it.
                DenyReason::NoApigatewayStatement
            };
            Some((reason, closest.into_iter().map(note).collect()))
        }
    }
}

fn note(statement: &StatementOutcome) -> StatementNote {
    let mut mismatches = Vec::new();
    if !statement.principal_matched {
        mismatches.push("principal".to_string());
    }
    if !statement.action_matched {
        mismatches.push("action".to_string());
    }
    if !statement.resource_matched {
        mismatches.push("resource".to_string());
    }
    mismatches.extend(
        statement
            .failed_conditions()
            .map(|c| format!("{} {}", c.operator, c.key)),
    );
    StatementNote {
        statement: statement
            .sid
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("#{}", statement.index)),
        effect: match statement.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        },
        mismatches,
        depends_on: statement.undecided.iter().map(|k| k.key.clone()).collect(),
    }
}

/// The ARN of another form of the same function whose collected policy would let this source
/// ARN in, had the integration named that form instead, with the statements that allow it.
fn other_form_allowing(
    scope: &ScopeInventory,
    target: &LambdaTarget,
    source_arn: &str,
) -> Option<(FunctionArn, Vec<StatementNote>)> {
    let this = &target.arn;
    let mut others: Vec<(FunctionArn, &ResourcePolicy)> = Vec::new();
    if let Some(Lookup::Found(policy)) = &target.unqualified_policy {
        others.push((this.unqualified(), policy));
    }
    for other in scope.targets.values() {
        if other.arn == target.arn {
            continue;
        }
        if other.arn.unqualified() == this.unqualified() {
            if let Lookup::Found(policy) = &other.policy {
                others.push((other.arn.clone(), policy));
            }
        }
    }
    others.into_iter().find_map(|(other_arn, policy)| {
        let evaluation = policy::evaluate_resource_policy(
            &policy.document,
            &request(&other_arn.to_string(), source_arn, &scope.account),
        );
        (evaluation.decision == Decision::Allow).then(|| {
            let allowing = evaluation.deciding_statements().map(note).collect();
            (other_arn, allowing)
        })
    })
}

/// One route that API Gateway invokes through the target's resource policy (no credentials
/// role): the policy of exactly `function` must let `source_arn` in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyInvocation {
    pub function: FunctionArn,
    pub source_arn: String,
}

/// Qualified targets that deny some invocation and whose unqualified function is not itself a
/// target: collection reads the unqualified policy for them so `judge` can tell a permission on
/// the wrong qualifier from a missing one.
pub fn targets_needing_unqualified_policy<'p>(
    scope: &ScopeInventory,
    invocations: impl IntoIterator<Item = &'p PolicyInvocation>,
) -> Vec<FunctionArn> {
    let mut needed: Vec<FunctionArn> = Vec::new();
    for invocation in invocations {
        let function = &invocation.function;
        if function.qualifier.is_none()
            || needed.contains(function)
            || scope
                .targets
                .contains_key(&function.unqualified().to_string())
        {
            continue;
        }
        let Some(target) = scope.targets.get(&function.to_string()) else {
            continue;
        };
        if target.configuration.found().is_none() {
            continue;
        }
        if matches!(
            judge(scope, target, &invocation.source_arn),
            Judgement::Denied { .. }
        ) {
            needed.push(function.clone());
        }
    }
    needed
}
