//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}` and the escapes
//! `${*}`, `${?}`, `${$}`, replaced by values of the request context before a Resource pattern
//! or a String/ARN/Bool condition value is compared.
//!
//! Rules (IAM User Guide, "IAM policy elements: Variables and tags"):
//! - Variables exist only in documents whose `Version` is `2012-10-17`; elsewhere `${...}` is
//!   literal text ("variables like `${aws:username}` are treated as literal strings").
//! - They are allowed in the Resource element and in condition values of the string and ARN
//!   operators (and Bool, per "IAM JSON policy elements: Condition operators"); not in Numeric,
//!   Date, Binary, IP address or Null values (those pages: "You can not use a policy variable").
//! - Key names are case-insensitive; any single-valued key may be used, a multivalued one may not
//!   (what IAM does with one is not documented: undecided here).
//! - A key with no value in the request makes the whole value "effectively null": positive
//!   operators do not match it, negated ones do, and a Resource containing it matches nothing
//!   ("Policy variables with no value").
//! - `${key, 'default'}` uses `default` when the key has no value ("Specifying default values").
//! - `${*}`, `${?}` and `${$}` are a literal `*`, `?` and `$` ("Special characters").

use super::context::{KeyState, RequestContext};
use super::wildcard::{Pattern, Token};

/// A value after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    Pattern(Pattern),
    /// A variable's key has no value and no default: the value is null.
    NoValue {
        key: String,
    },
    /// A variable's key cannot be known.
    Unknown {
        key: String,
        why: String,
    },
}

/// Substitutes the variables of `text`. With `enabled` false (a document of another Version,
/// or an operator that takes no variables) the text is taken as written.
pub(crate) fn resolve(text: &str, context: &RequestContext, enabled: bool) -> Resolved {
    if !enabled || !text.contains("${") {
        return Resolved::Pattern(Pattern::wildcards(text));
    }
    let mut pattern = Pattern::default();
    let mut unknown: Option<(String, String)> = None;
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        pattern.0.extend(Pattern::wildcards(&rest[..start]).0);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // No closing brace: not a variable, the text stays as written.
            pattern.0.extend(Pattern::wildcards(&rest[start..]).0);
            return Resolved::Pattern(pattern);
        };
        let inner = &after[..end];
        rest = &after[end + 1..];
        match inner.trim() {
            "*" => pattern.0.push(Token::Literal('*')),
            "?" => pattern.0.push(Token::Literal('?')),
            "$" => pattern.0.push(Token::Literal('$')),
            _ => {
                let (key, default) = split_default(inner);
                match context.get(key) {
                    KeyState::Present([one]) => pattern.push_literal(one),
                    KeyState::Present(_) => {
                        unknown.get_or_insert((
                            key.to_string(),
                            "a multivalued key used as a policy variable".to_string(),
                        ));
                    }
                    KeyState::Absent => match default {
                        Some(default) => pattern.push_literal(default),
                        None => {
                            return Resolved::NoValue {
                                key: key.to_string(),
                            }
                        }
                    },
                    KeyState::Unknown(why) => {
                        unknown.get_or_insert((key.to_string(), why.to_string()));
                    }
                }
            }
        }
    }
    pattern.0.extend(Pattern::wildcards(rest).0);
    match unknown {
        Some((key, why)) => Resolved::Unknown { key, why },
        None => Resolved::Pattern(pattern),
    }
}

/// `resolve` for a Resource or NotResource pattern: variables count only in the resource part
/// after the fifth colon ("Variables and tags", Resource element: "You can't use a variable to
/// replace parts of the ARN before the fifth colon, such as the service or account"); before it
/// `${...}` is taken as written, so it matches nothing.
pub(crate) fn resolve_resource(text: &str, context: &RequestContext, enabled: bool) -> Resolved {
    let Some((cut, _)) = text.match_indices(':').nth(4) else {
        return resolve(text, context, enabled);
    };
    let (head, tail) = text.split_at(cut + 1);
    match resolve(tail, context, enabled) {
        Resolved::Pattern(rest) => {
            let mut pattern = Pattern::wildcards(head);
            pattern.0.extend(rest.0);
            Resolved::Pattern(pattern)
        }
        other => other,
    }
}

/// `aws:username, 'x'` → (`aws:username`, Some(`x`)). A default must be in single quotes; a
/// part after the comma that is not is kept with the key (and so names no real key).
fn split_default(inner: &str) -> (&str, Option<&str>) {
    if let Some((key, default)) = inner.split_once(',') {
        let default = default.trim();
        if default.len() >= 2 && default.starts_with('\'') && default.ends_with('\'') {
            return (key.trim(), Some(&default[1..default.len() - 1]));
        }
    }
    (inner.trim(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        let mut c: RequestContext = [
            ("aws:PrincipalAccount", vec!["111111111111".to_string()]),
            ("aws:PrincipalTag/team", vec!["pets".to_string()]),
            (
                "aws:PrincipalServiceNamesList",
                vec!["a".into(), "b".into()],
            ),
        ]
        .into_iter()
        .collect();
        c.insert("x:flag", vec!["on".into()]);
        c
    }

    fn text(resolved: Resolved) -> String {
        match resolved {
            Resolved::Pattern(p) => p.to_text(),
            other => format!("{other:?}"),
        }
    }

    /// Each row cites IAM User Guide "IAM policy elements: Variables and tags".
    #[test]
    fn table() {
        let c = ctx();
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            // "Using variables in policies": replaced by the request's value; names without case
            ("arn:aws:lambda:*:${aws:PrincipalAccount}:function:*", "arn:aws:lambda:*:111111111111:function:*"),
            ("${AWS:principalaccount}", "111111111111"),
            ("team-${aws:PrincipalTag/team}-*", "team-pets-*"),
            // "Specifying default values"
            ("${aws:PrincipalTag/owner, 'nobody'}", "nobody"),
            ("${aws:PrincipalTag/team, 'nobody'}", "pets"),
            ("${ aws:PrincipalTag/owner , 'a b' }", "a b"),
            // "Special characters": literal, shown here as the character
            ("a${*}b${?}c${$}", "a*b?c$"),
            // no closing brace: literal text
            ("${aws:PrincipalAccount", "${aws:PrincipalAccount"),
        ];
        for (input, expected) in cases {
            assert_eq!(text(resolve(input, &c, true)), *expected, "{input}");
        }
        // "Policy variables with no value"
        assert_eq!(
            resolve("home/${aws:username}/*", &c, true),
            Resolved::NoValue {
                key: "aws:username".into()
            }
        );
        // a multivalued key cannot be a variable: undecided
        assert!(matches!(
            resolve("${aws:PrincipalServiceNamesList}", &c, true),
            Resolved::Unknown { .. }
        ));
        // "treated as literal strings" without Version 2012-10-17
        assert_eq!(
            text(resolve("${aws:PrincipalAccount}", &c, false)),
            "${aws:PrincipalAccount}"
        );
    }

    /// "Variables and tags", Resource element: only after the fifth colon.
    #[test]
    fn resource_variables_only_in_the_resource_part() {
        let c = ctx();
        let resolved = |t| text(resolve_resource(t, &c, true));
        assert_eq!(
            resolved("arn:aws:lambda:*:*:function:${aws:PrincipalTag/team}-*"),
            "arn:aws:lambda:*:*:function:pets-*"
        );
        assert_eq!(
            resolved("arn:aws:lambda:*:${aws:PrincipalAccount}:function:*"),
            "arn:aws:lambda:*:${aws:PrincipalAccount}:function:*"
        );
        assert_eq!(resolved("*"), "*");
    }

    #[test]
    fn escapes_are_literal_and_wildcards_stay_wildcards() {
        let Resolved::Pattern(p) = resolve("a${*}*", &ctx(), true) else {
            panic!("a pattern")
        };
        assert_eq!(
            p.0,
            vec![Token::Literal('a'), Token::Literal('*'), Token::Any]
        );
        // a substituted value's characters are literal
        let mut c = ctx();
        c.insert("x:star", vec!["*".into()]);
        let Resolved::Pattern(p) = resolve("${x:star}", &c, true) else {
            panic!("a pattern")
        };
        assert_eq!(p.0, vec![Token::Literal('*')]);
    }

    #[test]
    fn unknown_keys_stay_unknown_even_with_a_default() {
        let gw = RequestContext::apigateway_invoke(
            "arn:aws:execute-api:us-east-1:1:a/p/GET/",
            "1",
            "1",
            "us-east-1",
            chrono::Utc::now(),
        );
        assert!(matches!(
            resolve("${aws:SourceIp, '10.0.0.1'}", &gw, true),
            Resolved::Unknown { key, .. } if key == "aws:SourceIp"
        ));
    }
}
