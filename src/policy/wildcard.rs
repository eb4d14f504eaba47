//! Glob matching with IAM's two wildcards: `*` (any run of characters, possibly empty) and `?`
//! (exactly one character), used by Action, Resource, StringLike and each ARN component.
//!
//! IAM has no escape character in these patterns (policy variables such as `${*}` exist only in
//! version 2012-10-17 documents and never in what Lambda's AddPermission writes), so every `*`
//! and `?` is a wildcard and everything else, braces included, is literal: the console's literal
//! `{id}` in a source ARN only matches the literal `{id}` API Gateway sends (docs/aws-facts.md §1).

/// Whether letters must match in case. Actions are case-insensitive; resources, ARNs and
/// `StringLike` values are case-sensitive (docs/aws-facts.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Sensitive,
    Insensitive,
}

/// True when `text` matches `pattern` as a whole.
///
/// Iterative greedy matching with a single backtrack point: when a later `*` is reached the
/// earlier ones never need revisiting, so the cost is O(pattern × text) in the worst case and
/// there is no recursion to blow the stack on hostile input.
pub(crate) fn glob_match(pattern: &str, text: &str, case: Case) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    // (pattern index just after the last `*`, text index that `*` currently extends to)
    let mut backtrack: Option<(usize, usize)> = None;

    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == '?' || chars_equal(c, text[t], case) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                // Let the last `*` swallow one more character and retry from there.
                Some((after_star, star_end)) => {
                    p = after_star;
                    t = star_end + 1;
                    backtrack = Some((after_star, star_end + 1));
                }
                None => return false,
            },
        }
    }
    // The text is used up: only `*`s (matching the empty string) may remain in the pattern.
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

fn chars_equal(a: char, b: char, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        // Full Unicode lowercasing rather than ASCII-only: action names are ASCII, but the
        // comparison must not silently differ from a whole-string `to_lowercase` elsewhere.
        Case::Insensitive => a == b || a.to_lowercase().eq(b.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use Case::*;
        let cases: &[(&str, &str, Case, bool)] = &[
            // literal
            ("abc", "abc", Sensitive, true),
            ("abc", "abcd", Sensitive, false),
            ("abcd", "abc", Sensitive, false),
            ("", "", Sensitive, true),
            ("", "a", Sensitive, false),
            // case
            ("ABC", "abc", Sensitive, false),
            ("ABC", "abc", Insensitive, true),
            (
                "lambda:invokefunction",
                "lambda:InvokeFunction",
                Insensitive,
                true,
            ),
            // `*`
            ("*", "", Sensitive, true),
            ("*", "anything:at/all", Sensitive, true),
            ("a*", "a", Sensitive, true),
            ("a*c", "abbbc", Sensitive, true),
            ("a*c", "abbbd", Sensitive, false),
            ("*c", "c", Sensitive, true),
            ("a**b", "ab", Sensitive, true),
            ("a*b*c", "a-b-b-c", Sensitive, true),
            ("a*b*c", "a-c-b", Sensitive, false),
            ("lambda:Invoke*", "lambda:InvokeFunction", Insensitive, true),
            ("lambda:Invoke*", "lambda:GetFunction", Insensitive, false),
            // `*` crosses `:` and `/` (the Resource-element and StringLike semantics)
            ("function:f*", "function:f:live", Sensitive, true),
            ("abc/*", "abc/prod/GET/x", Sensitive, true),
            // `?`
            ("a?c", "abc", Sensitive, true),
            ("a?c", "ac", Sensitive, false),
            ("a?c", "abbc", Sensitive, false),
            ("??", "é!", Sensitive, true),
            ("?*", "", Sensitive, false),
            // braces are literal
            ("pets/{id}", "pets/{id}", Sensitive, true),
            ("pets/{id}", "pets/123", Sensitive, false),
            // backtracking needed
            ("*ab", "aab", Sensitive, true),
            ("*aab", "aaab", Sensitive, true),
            ("a*?b", "ab", Sensitive, false),
            ("a*?b", "axb", Sensitive, true),
        ];
        for &(pattern, text, case, expected) in cases {
            assert_eq!(
                glob_match(pattern, text, case),
                expected,
                "glob_match({pattern:?}, {text:?}, {case:?})"
            );
        }
    }

    #[test]
    fn hostile_input_is_fast() {
        // Exponential in a naive recursive matcher; quadratic at worst here.
        let pattern = "*a".repeat(200) + "b";
        let text = "a".repeat(2000);
        assert!(!glob_match(&pattern, &text, Case::Sensitive));
    }
}
