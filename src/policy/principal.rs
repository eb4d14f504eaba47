//! The `Principal` / `NotPrincipal` element: parsing its JSON forms and deciding whether the
//! request's principal is among those listed.
//!
//! Forms (docs/aws-facts.md §3 "Principal", IAM `reference_policies_elements_principal`): the bare string
//! `"*"`, or an object whose keys are principal types (`AWS`, `Service`, `Federated`,
//! `CanonicalUser`) and whose values are a string or an array of strings.

use serde_json::Value;

use super::arn_match::{arn_account, split_arn};
use super::json_forms::string_or_array;
use super::truth::Truth;
use super::Principal;

/// What a `Principal` (or `NotPrincipal`) element lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalSpec {
    /// `"*"`: everyone, service principals included.
    Anyone,
    /// `(type, value)` pairs as written, e.g. `("Service", "apigateway.amazonaws.com")`.
    Listed(Vec<(PrincipalType, String)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalType {
    Aws,
    Service,
    /// `Federated` and `CanonicalUser`: valid, but never the caller of a Lambda invoke we model.
    Other,
}

/// Parses the element's value; `Err` holds the problem when it is malformed (the element then
/// matches nothing rather than everything, so a broken policy is never read as permissive).
pub(crate) fn parse(value: &Value, notes: &mut Vec<String>) -> Result<PrincipalSpec, String> {
    match value {
        Value::String(s) if s == "*" => Ok(PrincipalSpec::Anyone),
        Value::String(s) => Err(format!(
            "a bare principal string must be \"*\", found {s:?} (use {{\"AWS\": ...}} or {{\"Service\": ...}})"
        )),
        Value::Object(map) if map.is_empty() => Err("the principal object is empty".to_string()),
        Value::Object(map) => {
            let mut listed = Vec::new();
            for (kind, values) in map {
                let kind_parsed = match kind.as_str() {
                    "AWS" => PrincipalType::Aws,
                    "Service" => PrincipalType::Service,
                    "Federated" | "CanonicalUser" => PrincipalType::Other,
                    other => return Err(format!("unknown principal type {other:?}")),
                };
                for value in string_or_array(values)
                    .ok_or_else(|| format!("the {kind} principal is not a string or array of strings"))?
                {
                    note_suspicious(kind_parsed, &value, notes);
                    listed.push((kind_parsed, value));
                }
            }
            Ok(PrincipalSpec::Listed(listed))
        }
        other => Err(format!("the principal is neither \"*\" nor an object: {other}")),
    }
}

/// How a statement's principal element covers the request's principal. What the grant of an
/// Allow means depends on it (IAM User Guide, "Policy evaluation logic": "the principal ARN that
/// is specified in the policy determines whether implicit denies in other policy types are
/// applicable"; "Principal": an account principal "delegates authority to the account").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalMatch {
    NoMatch,
    /// The account (id or `:root`): delegation, the account's own policies must allow too.
    Account,
    /// The role the session belongs to: a grant limited by the role's permissions boundary.
    Role,
    /// `*`, `{"AWS": "*"}`, or a `NotPrincipal` that does not list the caller.
    Everyone,
    /// The service principal making the call.
    Service,
    /// The caller itself (a user, or the exact session): a grant no boundary limits.
    Exact,
}

/// Whether (and how) the request's principal is among those the element lists: the strongest
/// definite match, else `Unknown` when an entry names a role session whose name the auditor
/// cannot know.
pub(crate) fn listed(spec: &PrincipalSpec, request: &Principal) -> (PrincipalMatch, Truth) {
    match spec {
        PrincipalSpec::Anyone => (PrincipalMatch::Everyone, Truth::True),
        PrincipalSpec::Listed(entries) => {
            let matches: Vec<(PrincipalMatch, Truth)> = entries
                .iter()
                .map(|(kind, value)| entry_match(*kind, value, request))
                .collect();
            let best = |truth| {
                matches
                    .iter()
                    .filter(|(_, t)| *t == truth)
                    .map(|(m, _)| *m)
                    .max()
                    .map(|m| (m, truth))
            };
            best(Truth::True)
                .or_else(|| best(Truth::Unknown))
                .unwrap_or((PrincipalMatch::NoMatch, Truth::False))
        }
    }
}

/// True when the request's principal is definitely one of those the element lists.
#[cfg(test)]
pub(crate) fn is_listed(spec: &PrincipalSpec, request: &Principal) -> bool {
    listed(spec, request).1.is_true()
}

fn entry_match(kind: PrincipalType, value: &str, request: &Principal) -> (PrincipalMatch, Truth) {
    let yes = |m| (m, Truth::True);
    let no = (PrincipalMatch::NoMatch, Truth::False);
    match (kind, request) {
        // `{"AWS": "*"}` is "everyone" too, services included (docs/aws-facts.md §3 "Principal").
        (PrincipalType::Aws, _) if value == "*" => yes(PrincipalMatch::Everyone),
        (PrincipalType::Aws, Principal::Aws(caller)) => aws_entry_matches(value, caller),
        (PrincipalType::Aws, Principal::RoleSession { role }) => role_session_match(value, role),
        // Service principal names are DNS names: compare without case.
        (PrincipalType::Service, Principal::Service(caller))
            if value.eq_ignore_ascii_case(caller) =>
        {
            yes(PrincipalMatch::Service)
        }
        _ => no,
    }
}

/// An account id and the account's root ARN both stand for the whole account: any principal of
/// that account matches. Any other ARN matches only itself, or (for a role) its sessions.
fn aws_entry_matches(entry: &str, caller: &str) -> (PrincipalMatch, Truth) {
    if let Some(account) = account_of_entry(entry) {
        let matched = account_of_caller(caller) == Some(account);
        return (PrincipalMatch::Account, Truth::from_bool(matched));
    }
    if entry == caller {
        return (PrincipalMatch::Exact, Truth::True);
    }
    let role = assumed_role_of(caller).is_some_and(|session| role_matches(entry, session));
    (PrincipalMatch::Role, Truth::from_bool(role))
}

/// The session API Gateway opens with an integration's role: its account and role are known,
/// its session name is not (not documented), so an entry naming one session is unknown.
fn role_session_match(entry: &str, role_arn: &str) -> (PrincipalMatch, Truth) {
    let Some([_, _, "iam", _, account, resource]) = split_arn(role_arn) else {
        return (PrincipalMatch::NoMatch, Truth::False);
    };
    let name = resource.rsplit('/').next().unwrap_or_default();
    if let Some(entry_account) = account_of_entry(entry) {
        return (
            PrincipalMatch::Account,
            Truth::from_bool(entry_account == account),
        );
    }
    if role_matches(entry, (account, name)) {
        return (PrincipalMatch::Role, Truth::True);
    }
    match assumed_role_of(entry) {
        Some((a, n)) if a == account && n == name => (PrincipalMatch::Exact, Truth::Unknown),
        _ => (PrincipalMatch::NoMatch, Truth::False),
    }
}

/// The account an entry names as a whole: a 12-digit id or `arn:...:iam::ACCOUNT:root`.
fn account_of_entry(entry: &str) -> Option<&str> {
    if is_account_id(entry) {
        return Some(entry);
    }
    match split_arn(entry) {
        Some([_, _, "iam", _, account, "root"]) => Some(account),
        _ => None,
    }
}

fn account_of_caller(caller: &str) -> Option<&str> {
    if is_account_id(caller) {
        Some(caller)
    } else {
        arn_account(caller).filter(|account| is_account_id(account))
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` → (account, role name).
fn assumed_role_of(caller: &str) -> Option<(&str, &str)> {
    match split_arn(caller)? {
        [_, _, "sts", _, account, resource] => {
            let name = resource.strip_prefix("assumed-role/")?.split('/').next()?;
            Some((account, name))
        }
        _ => None,
    }
}

/// A role ARN `arn:aws:iam::ACCOUNT:role/PATH/NAME` matches that role's sessions. The session ARN
/// drops the role's path, so the comparison is account + role name.
fn role_matches(entry: &str, (account, name): (&str, &str)) -> bool {
    match split_arn(entry) {
        Some([_, _, "iam", _, entry_account, resource]) => {
            entry_account == account
                && resource.starts_with("role/")
                && resource.rsplit('/').next() == Some(name)
        }
        _ => false,
    }
}

/// Entries that parse but can never match the way their author meant.
fn note_suspicious(kind: PrincipalType, value: &str, notes: &mut Vec<String>) {
    if kind == PrincipalType::Service && value.contains(['*', '?']) {
        notes.push(format!(
            "Service principal {value:?} contains a wildcard; IAM allows none in principals, so it matches nothing"
        ));
    }
    // IAM rewrites the ARN of a deleted role or user into its unique id (AROA…/AIDA…).
    if kind == PrincipalType::Aws && (value.starts_with("AROA") || value.starts_with("AIDA")) {
        notes.push(format!(
            "AWS principal {value:?} is a unique id: the role or user it named was deleted"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const APIGW: &str = "apigateway.amazonaws.com";
    const ROLE: &str = "arn:aws:iam::123456789012:role/service/deployer";
    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/deployer/ci-1234";

    fn service(name: &str) -> Principal {
        Principal::Service(name.to_string())
    }
    fn aws(id: &str) -> Principal {
        Principal::Aws(id.to_string())
    }

    #[test]
    fn table() {
        #[rustfmt::skip]
        let cases: Vec<(Value, Principal, bool)> = vec![
            (json!("*"), service(APIGW), true),
            (json!("*"), aws("123456789012"), true),
            (json!({"AWS": "*"}), service(APIGW), true),
            (json!({"AWS": ["*"]}), aws(ROLE), true),
            (json!({"Service": APIGW}), service(APIGW), true),
            (json!({"Service": "APIGateway.AmazonAWS.com"}), service(APIGW), true),
            (json!({"Service": ["events.amazonaws.com", APIGW]}), service(APIGW), true),
            (json!({"Service": "events.amazonaws.com"}), service(APIGW), false),
            (json!({"Service": APIGW}), aws("123456789012"), false),
            (json!({"Service": "*"}), service(APIGW), false),
            // account id and root ARN: the whole account
            (json!({"AWS": "123456789012"}), aws("123456789012"), true),
            (json!({"AWS": "123456789012"}), aws(ROLE), true),
            (json!({"AWS": "123456789012"}), aws(SESSION), true),
            (json!({"AWS": "123456789012"}), aws("210987654321"), false),
            (json!({"AWS": "123456789012"}), service(APIGW), false),
            (json!({"AWS": "arn:aws:iam::123456789012:root"}), aws(ROLE), true),
            (json!({"AWS": "arn:aws:iam::123456789012:root"}), aws("123456789012"), true),
            (json!({"AWS": "arn:aws:iam::123456789012:root"}), aws("arn:aws:iam::210987654321:role/x"), false),
            // a specific role: itself and its sessions, nothing else in the account
            (json!({"AWS": ROLE}), aws(ROLE), true),
            (json!({"AWS": ROLE}), aws(SESSION), true),
            (json!({"AWS": ROLE}), aws("arn:aws:sts::123456789012:assumed-role/other/ci"), false),
            (json!({"AWS": ROLE}), aws("arn:aws:sts::210987654321:assumed-role/deployer/ci"), false),
            (json!({"AWS": ROLE}), aws("123456789012"), false),
            (json!({"AWS": ROLE}), aws("arn:aws:iam::123456789012:root"), false),
            (json!({"AWS": "arn:aws:iam::123456789012:user/alice"}), aws("arn:aws:iam::123456789012:user/alice"), true),
            (json!({"AWS": "arn:aws:iam::123456789012:user/alice"}), aws("arn:aws:iam::123456789012:user/bob"), false),
            // valid types that never match the callers we model
            (json!({"Federated": "cognito-identity.amazonaws.com"}), service(APIGW), false),
            (json!({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}), aws("123456789012"), false),
            // mixed types: any entry matching is enough
            (json!({"AWS": "210987654321", "Service": APIGW}), service(APIGW), true),
        ];
        for (value, request, expected) in cases {
            let spec = parse(&value, &mut Vec::new())
                .unwrap_or_else(|e| panic!("{value} should parse: {e}"));
            assert_eq!(
                is_listed(&spec, &request),
                expected,
                "{value} vs {request:?}"
            );
        }
    }

    /// The session API Gateway opens with a credentials role: its role and account are known,
    /// its name is not ("Policy evaluation logic": a grant to the role ARN, the session ARN or the
    /// account differ in what they are worth, so the kind of match is kept).
    #[test]
    fn role_sessions_of_unknown_name() {
        let session = Principal::RoleSession {
            role: ROLE.to_string(),
        };
        #[rustfmt::skip]
        let cases: Vec<(Value, PrincipalMatch, Truth)> = vec![
            (json!({"AWS": ROLE}), PrincipalMatch::Role, Truth::True),
            (json!({"AWS": "arn:aws:iam::123456789012:role/deployer"}), PrincipalMatch::Role, Truth::True),
            (json!({"AWS": "123456789012"}), PrincipalMatch::Account, Truth::True),
            (json!({"AWS": "arn:aws:iam::123456789012:root"}), PrincipalMatch::Account, Truth::True),
            (json!({"AWS": "210987654321"}), PrincipalMatch::NoMatch, Truth::False),
            (json!({"AWS": SESSION}), PrincipalMatch::Exact, Truth::Unknown),
            (json!({"AWS": "arn:aws:sts::123456789012:assumed-role/other/ci-1234"}), PrincipalMatch::NoMatch, Truth::False),
            (json!("*"), PrincipalMatch::Everyone, Truth::True),
            (json!({"Service": APIGW}), PrincipalMatch::NoMatch, Truth::False),
            // the strongest definite match wins over an unknown one
            (json!({"AWS": [SESSION, "123456789012"]}), PrincipalMatch::Account, Truth::True),
            (json!({"AWS": [SESSION, ROLE]}), PrincipalMatch::Role, Truth::True),
        ];
        for (value, kind, truth) in cases {
            let spec = parse(&value, &mut Vec::new()).expect("parses");
            assert_eq!(listed(&spec, &session), (kind, truth), "{value}");
        }
    }

    #[test]
    fn malformed_forms_are_errors() {
        for value in [
            json!("123456789012"),
            json!({}),
            json!({"Aws": "123456789012"}),
            json!({"Service": 42}),
            json!({"Service": [APIGW, null]}),
            json!({"AWS": [["123456789012"]]}),
            json!(null),
            json!(7),
            json!(["*"]),
        ] {
            assert!(
                parse(&value, &mut Vec::new()).is_err(),
                "{value} should not parse"
            );
        }
    }

    #[test]
    fn suspicious_entries_are_noted() {
        let mut notes = Vec::new();
        let spec = parse(&json!({"AWS": "AROAEXAMPLEID", "Service": "*"}), &mut notes);
        assert!(spec.is_ok());
        assert_eq!(notes.len(), 2, "{notes:?}");
    }
}
