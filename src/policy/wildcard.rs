//! Glob matching with IAM's two wildcards: `*` (any run of characters, possibly empty) and `?`
//! (exactly one character), used by Action, Resource, StringLike and each ARN component.
//!
//! IAM has no escape character in these patterns: every `*` and `?` written in a policy is a
//! wildcard and everything else, braces included, is literal (the console's literal `{id}` in a
//! source ARN only matches the literal `{id}` API Gateway sends, docs/aws-facts.md §1). The one way to
//! write a literal `*` or `?` is the policy variable `${*}` / `${?}` (IAM User Guide, "IAM policy
//! elements: Variables and tags", *Special characters*); `variables` resolves those into a
//! [`Pattern`] whose characters are already marked literal or wildcard.

/// Whether letters must match in case. Actions are case-insensitive; resources, ARNs and
/// `StringLike` values are case-sensitive (docs/aws-facts.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Sensitive,
    Insensitive,
}

/// One position of a pattern: a character that must be there, or a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    Literal(char),
    /// `*`: any run of characters, possibly empty.
    Any,
    /// `?`: exactly one character.
    One,
}

/// A pattern with its wildcards already told apart from literal `*` and `?`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Pattern(pub Vec<Token>);

impl Pattern {
    /// Every `*` and `?` of `text` is a wildcard (a policy value with no variables).
    pub(crate) fn wildcards(text: &str) -> Self {
        Pattern(
            text.chars()
                .map(|c| match c {
                    '*' => Token::Any,
                    '?' => Token::One,
                    c => Token::Literal(c),
                })
                .collect(),
        )
    }

    /// Every character of `text` is literal.
    #[cfg(test)]
    pub(crate) fn literal(text: &str) -> Self {
        Pattern(text.chars().map(Token::Literal).collect())
    }

    pub(crate) fn push_literal(&mut self, text: &str) {
        self.0.extend(text.chars().map(Token::Literal));
    }

    /// The pattern as text with wildcards written `*`/`?` (for exact-match operators, where
    /// IAM compares the substituted string).
    pub(crate) fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|t| match t {
                Token::Literal(c) => *c,
                Token::Any => '*',
                Token::One => '?',
            })
            .collect()
    }

    /// Splits at literal `:` into at most `n` parts, the last keeping the rest (ARN components).
    pub(crate) fn splitn_colon(&self, n: usize) -> Vec<Pattern> {
        let mut parts = vec![Pattern::default()];
        for token in &self.0 {
            if *token == Token::Literal(':') && parts.len() < n {
                parts.push(Pattern::default());
            } else if let Some(last) = parts.last_mut() {
                last.0.push(*token);
            }
        }
        parts
    }
}

/// True when `text` matches `pattern` as a whole.
pub(crate) fn glob_match(pattern: &str, text: &str, case: Case) -> bool {
    pattern_match(&Pattern::wildcards(pattern), text, case)
}

/// True when `text` matches the tokens of `pattern` as a whole.
///
/// Iterative greedy matching with a single backtrack point: when a later `*` is reached the
/// earlier ones never need revisiting, so the cost is O(pattern × text) in the worst case and
/// there is no recursion to blow the stack on hostile input.
pub(crate) fn pattern_match(pattern: &Pattern, text: &str, case: Case) -> bool {
    let pattern = &pattern.0;
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    // (pattern index just after the last `*`, text index that `*` currently extends to)
    let mut backtrack: Option<(usize, usize)> = None;

    while t < text.len() {
        match pattern.get(p) {
            Some(Token::Any) => {
                backtrack = Some((p + 1, t));
                p += 1;
            }
            Some(Token::One) => {
                p += 1;
                t += 1;
            }
            Some(&Token::Literal(c)) if chars_equal(c, text[t], case) => {
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
        .is_some_and(|rest| rest.iter().all(|&c| c == Token::Any))
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
    fn literal_wildcard_characters() {
        // `${*}` and `${?}` (IAM User Guide, "Variables and tags", Special characters) give a
        // literal `*` / `?` that only matches itself.
        let mut pattern = Pattern::literal("a*");
        pattern.0.push(Token::Any);
        assert!(pattern_match(&pattern, "a*bc", Case::Sensitive));
        assert!(!pattern_match(&pattern, "abc", Case::Sensitive));
        assert!(pattern_match(&Pattern::literal("?"), "?", Case::Sensitive));
        assert!(!pattern_match(&Pattern::literal("?"), "x", Case::Sensitive));
        let parts = Pattern::wildcards("a:b*:c:d:e:f:g").splitn_colon(6);
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[5].to_text(), "f:g");
        assert_eq!(parts[1].to_text(), "b*");
    }

    #[test]
    fn hostile_input_is_fast() {
        // Exponential in a naive recursive matcher; quadratic at worst here.
        let pattern = "*a".repeat(200) + "b";
        let text = "a".repeat(2000);
        assert!(!glob_match(&pattern, &text, Case::Sensitive));
    }
}
