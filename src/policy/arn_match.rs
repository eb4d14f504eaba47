//! ARN matching for the `ArnEquals`/`ArnLike` condition operators: the six colon-delimited
//! components are compared one by one, so a `*` never crosses a `:` between components.
//!
//! docs/aws-facts.md §3: ArnEquals and ArnLike behave the same (case-sensitive, wildcards allowed in
//! each component). How an ARN whose resource part contains colons is split is NOT FOUND in the
//! docs; we keep the remainder after the fifth colon as the sixth component, which is how ARNs
//! are defined (`arn:partition:service:region:account:resource`) and makes
//! `...:function:f:live` compare its `function:f:live` resource as one piece.

use super::wildcard::{pattern_match, Case, Pattern};

/// The number of components an ARN has; the last one keeps any further colons.
pub(crate) const ARN_COMPONENTS: usize = 6;

/// Splits at the first five colons. `None` when there are fewer than six components, i.e. the
/// string is not an ARN (or not an ARN pattern).
pub(crate) fn split_arn(s: &str) -> Option<[&str; ARN_COMPONENTS]> {
    let mut parts = s.splitn(ARN_COMPONENTS, ':');
    Some([
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ])
}

/// `ArnLike` (= `ArnEquals`): every component of `value` matches the same component of
/// `pattern` as a case-sensitive glob. A value or pattern that is not an ARN never matches.
pub(crate) fn arn_like(pattern: &str, value: &str) -> bool {
    arn_like_pattern(&Pattern::wildcards(pattern), value)
}

/// `arn_like` for a pattern whose variables are already substituted: literal `*`/`?` from
/// `${*}`/`${?}` stay literal, and only literal colons separate components.
pub(crate) fn arn_like_pattern(pattern: &Pattern, value: &str) -> bool {
    let parts = pattern.splitn_colon(ARN_COMPONENTS);
    match split_arn(value) {
        Some(value) if parts.len() == ARN_COMPONENTS => parts
            .iter()
            .zip(value.iter())
            .all(|(p, v)| pattern_match(p, v, Case::Sensitive)),
        _ => false,
    }
}

/// The account component of an ARN (empty for ARNs such as S3's that have none).
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    split_arn(arn).map(|parts| parts[4])
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5";
    const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    #[test]
    fn arn_like_table() {
        #[rustfmt::skip]
        let cases: Vec<(String, String, bool)> = vec![
            // the brief's examples
            (format!("{API}/*/GET/"), format!("{API}/prod/GET/"), true),
            ("arn:aws:execute-api:*:a1b2c3d4e5/*".into(), format!("{API}/prod/GET/x"), false),
            (format!("{API}/*/GET/*"), format!("{API}/prod/GET/"), true),
            // wildcards inside one component
            ("arn:aws:execute-api:*:*:a1b2c3d4e5/*".into(), format!("{API}/prod/GET/x"), true),
            ("arn:aws:execute-api:us-east-?:123456789012:*".into(), format!("{API}/prod/GET/x"), true),
            // `*` in the resource component crosses `/`, `{` and `}` but is case-sensitive
            (format!("{API}/*"), format!("{API}/prod/ANY/{{proxy+}}"), true),
            (format!("{API}/*/get/"), format!("{API}/prod/GET/"), false),
            // a whole-string `*` is only one component: it cannot match a six-part ARN
            ("*".into(), format!("{API}/prod/GET/"), false),
            ("*:*:*:*:*:*".into(), format!("{API}/prod/GET/"), true),
            // values that are not ARNs never match, even against a catch-all pattern
            ("*:*:*:*:*:*".into(), "a1b2c3d4e5/prod/GET/".into(), false),
            ("*:*:*:*:*:*".into(), "arn:aws:execute-api:us-east-1".into(), false),
            // the resource part keeps its colons
            (format!("{FN}:*"), format!("{FN}:live"), true),
            (FN.into(), format!("{FN}:live"), false),
            (format!("{FN}*"), format!("{FN}:live"), true), // `*` stays inside the 6th component
            // ArnEquals is not an exact-string compare: wildcards still apply
            (format!("{API}/*/*"), format!("{API}/test-invoke-stage/POST/"), true),
            // region and account mismatches
            (format!("{API}/*").replace("us-east-1", "eu-west-1"), format!("{API}/prod/GET/"), false),
            (format!("{API}/*").replace("123456789012", "210987654321"), format!("{API}/prod/GET/"), false),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(
                arn_like(&pattern, &value),
                expected,
                "arn_like({pattern:?}, {value:?})"
            );
        }
    }

    #[test]
    fn split_and_account() {
        assert_eq!(split_arn("a:b:c"), None);
        assert_eq!(
            split_arn("a:b:c:d:e:f:g"),
            Some(["a", "b", "c", "d", "e", "f:g"])
        );
        assert_eq!(split_arn("a:::::"), Some(["a", "", "", "", "", ""]));
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:root"),
            Some("123456789012")
        );
        assert_eq!(arn_account("123456789012"), None);
    }
}
