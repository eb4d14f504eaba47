//! What AWS decides for a role's session calling a resource: the role's identity policies, its
//! permissions boundary and the resource's policy, combined as IAM does within one account and
//! across accounts. Each rule below cites its page of the IAM User Guide:
//!
//! 1. An explicit Deny in any of them — identity policy, boundary, resource policy — denies
//!    ("Policy evaluation logic", *Deny evaluation*: "If the enforcement code finds even one
//!    explicit deny that applies, the code returns a final decision of Deny"). A resource
//!    policy's Deny naming the account covers every principal of it ("Principal": the account
//!    ARN "does not limit permissions to only the root user").
//! 2. Same account: the request is allowed by an Allow of an identity policy (within the
//!    boundary) *or* a grant of the resource policy ("Evaluating identity-based policies with
//!    resource-based policies": "If an action is allowed by an identity-based policy, a
//!    resource-based policy, or both, then AWS allows the action"). What a resource grant is worth
//!    depends on the principal it names ("Resource-based policies and implicit denies in other
//!    policy types (same account)"):
//!    - the role's session (or a user) itself: allowed whatever the identity policies and
//!      boundary say ("not limited by an implicit deny in an identity-based policy, a
//!      permissions boundary, or session policy");
//!    - the role's ARN: "limited by an implicit deny in a permissions boundary";
//!    - the account (id or `:root`): delegation, not a grant ("This delegates authority to the
//!      account ... an administrator in that account must then grant access to an identity",
//!      "Principal"): the identity policies must allow, as without it;
//!    - `*`: a grant like the session's when the role has no boundary; whether a boundary limits
//!      it is not documented, so with a boundary that does not allow it is undecided.
//! 3. Another account ("Cross-account policy evaluation logic"): "The request is allowed only if
//!    both evaluations return a decision of Allow" — the identity policies within the boundary,
//!    and the resource policy naming the role, its session, its account or `*`.
//!
//! SCPs, resource control policies and session policies are out of scope (see `mod.rs`). So is
//! the rule that a resource policy's `NotPrincipal` Deny denies every principal with a
//! permissions boundary ("Permissions boundaries for IAM entities"): a Lambda function's policy
//! is written by AddPermission, which cannot write NotPrincipal (docs/aws-facts.md §2).

use serde::Serialize;
use serde_json::Value;

use super::truth::Truth;
use super::{
    evaluate_identity_policy, evaluate_resource_policy, unknown_keys, Effect, Evaluation,
    Principal, PrincipalMatch, Request, StatementOutcome, UnknownKey,
};

/// One policy of a role, as read: its name (inline) or ARN (managed), and its document.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy<'a> {
    pub name: &'a str,
    pub document: &'a Value,
}

/// What IAM decides for the role's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleDecision {
    Allow,
    /// A Deny statement of an identity policy, of the boundary or of the function's policy
    /// applies.
    ExplicitDeny,
    /// No identity policy allows the request (and no statement of the function's policy grants
    /// it to the role or its session).
    NoAllow,
    /// An identity policy allows it, but the permissions boundary does not.
    BoundaryDenies,
    /// A function in another account whose policy does not let the role (or its account) in.
    ResourcePolicyDenies,
    /// Allowed or not depending on keys the auditor cannot know (`unknown_keys`).
    Undecided,
}

/// A statement that decided, named by its policy and its Sid (or `#index`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyStatement {
    pub policy: String,
    pub statement: String,
    pub effect: &'static str,
    /// For an undecided request: the keys this statement depends on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleEvaluation {
    pub decision: RoleDecision,
    /// The statements behind the decision: the Denies for `explicit-deny`, the Allows
    /// otherwise (none for `no-allow`), the ones that may apply for `undecided`.
    pub statements: Vec<PolicyStatement>,
    /// For `undecided`: every key the decision depends on, and why it cannot be known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_keys: Vec<UnknownKey>,
    /// Anything malformed or suspicious in the documents, prefixed with the policy's name.
    pub problems: Vec<String>,
}

/// One judged document and the role it plays.
struct Judged<'a> {
    name: &'a str,
    part: Part,
    evaluation: Evaluation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Identity,
    Boundary,
    Resource,
}

/// Evaluates the role session's `request` against the role's `policies`, its `boundary` and,
/// when the function has one, `function_policy`.
pub fn evaluate_role_access<'a>(
    policies: &[NamedPolicy<'a>],
    boundary: Option<&NamedPolicy<'a>>,
    function_policy: Option<&NamedPolicy<'a>>,
    request: &Request,
) -> RoleEvaluation {
    fn judge<'a>(
        p: &NamedPolicy<'a>,
        part: Part,
        eval: fn(&Value, &Request) -> Evaluation,
        request: &Request,
    ) -> Judged<'a> {
        Judged {
            name: p.name,
            part,
            evaluation: eval(p.document, request),
        }
    }
    let judge = |p: &NamedPolicy<'a>, part, eval| judge(p, part, eval, request);
    let mut judged: Vec<Judged<'_>> = policies
        .iter()
        .map(|p| judge(p, Part::Identity, evaluate_identity_policy))
        .collect();
    judged.extend(boundary.map(|b| judge(b, Part::Boundary, evaluate_identity_policy)));
    judged.extend(function_policy.map(|r| judge(r, Part::Resource, evaluate_resource_policy)));

    let problems = judged
        .iter()
        .flat_map(|j| {
            j.evaluation
                .problems
                .iter()
                .map(|p| format!("{}: {p}", j.name))
        })
        .collect();
    let truth_of = |part: Part, effect: Effect| {
        Truth::any(
            judged
                .iter()
                .filter(|j| j.part == part)
                .map(|j| j.evaluation.applies(effect)),
        )
    };
    let deny = Truth::any(judged.iter().map(|j| j.evaluation.applies(Effect::Deny)));
    let identity = truth_of(Part::Identity, Effect::Allow);
    let within_boundary = match boundary {
        None => Truth::True,
        Some(_) => truth_of(Part::Boundary, Effect::Allow),
    };
    let grant = |kinds: &[PrincipalMatch]| {
        Truth::any(
            judged
                .iter()
                .filter(|j| j.part == Part::Resource)
                .flat_map(|j| j.evaluation.statements.iter())
                .filter(|s| s.effect == Effect::Allow && kinds.contains(&s.principal))
                .map(|s| s.truth),
        )
    };

    let role_account = match &request.principal {
        Principal::RoleSession { role } | Principal::Aws(role) => {
            role.split(':').nth(4).unwrap_or_default()
        }
        Principal::Service(_) => "",
    };
    let resource_account = request.resource.split(':').nth(4).unwrap_or_default();
    let same_account = role_account == resource_account;

    let mut extra_unknown: Vec<UnknownKey> = Vec::new();
    let by_identity = identity.and(within_boundary);
    let allow = if same_account {
        let everyone = grant(&[PrincipalMatch::Everyone]);
        let everyone = match boundary {
            None => everyone,
            Some(_) if within_boundary == Truth::True => everyone,
            Some(_) => {
                let limited = everyone.and(within_boundary.or(Truth::Unknown));
                if limited == Truth::Unknown && everyone == Truth::True {
                    extra_unknown.push(UnknownKey {
                        key: "permissions-boundary".into(),
                        why: "only a grant to any principal (`*`) in the function's policy allows the call, and whether the role's permissions boundary limits such a grant is not documented".into(),
                    });
                }
                limited
            }
        };
        Truth::any([
            grant(&[PrincipalMatch::Exact]),
            everyone,
            grant(&[PrincipalMatch::Role]).and(within_boundary),
            by_identity,
        ])
    } else {
        by_identity.and(grant(&[
            PrincipalMatch::Exact,
            PrincipalMatch::Everyone,
            PrincipalMatch::Role,
            PrincipalMatch::Account,
        ]))
    };

    let decision = match super::decide(deny, allow) {
        super::Decision::ExplicitDeny => RoleDecision::ExplicitDeny,
        super::Decision::Allow => RoleDecision::Allow,
        super::Decision::Undecided => RoleDecision::Undecided,
        super::Decision::ImplicitDeny => {
            if identity != Truth::False && within_boundary == Truth::False {
                RoleDecision::BoundaryDenies
            } else if !same_account && by_identity != Truth::False {
                RoleDecision::ResourcePolicyDenies
            } else {
                RoleDecision::NoAllow
            }
        }
    };

    let name = |j: &Judged<'_>, s: &StatementOutcome| PolicyStatement {
        policy: j.name.to_string(),
        statement: s.name(),
        effect: match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        },
        depends_on: s.undecided.iter().map(|k| k.key.clone()).collect(),
    };
    let pick = |keep: &dyn Fn(&Judged<'_>, &StatementOutcome) -> bool| -> Vec<PolicyStatement> {
        judged
            .iter()
            .flat_map(|j| j.evaluation.statements.iter().map(move |s| (j, s)))
            .filter(|(j, s)| keep(j, s))
            .map(|(j, s)| name(j, s))
            .collect()
    };
    let (statements, unknown) = match decision {
        RoleDecision::ExplicitDeny => (
            pick(&|_, s| s.applies && s.effect == Effect::Deny),
            Vec::new(),
        ),
        RoleDecision::NoAllow | RoleDecision::ResourcePolicyDenies => (Vec::new(), Vec::new()),
        RoleDecision::Allow | RoleDecision::BoundaryDenies => (
            // Allows of the boundary only permit; they are not grants.
            pick(&|j, s| s.applies && s.effect == Effect::Allow && j.part != Part::Boundary),
            Vec::new(),
        ),
        RoleDecision::Undecided => {
            let mut keys = unknown_keys(
                judged
                    .iter()
                    .flat_map(|j| j.evaluation.statements.iter())
                    .filter(|s| s.truth == Truth::Unknown),
            );
            keys.extend(extra_unknown);
            (pick(&|_, s| s.truth == Truth::Unknown), keys)
        }
    };
    RoleEvaluation {
        decision,
        statements,
        unknown_keys: unknown,
        problems,
    }
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
