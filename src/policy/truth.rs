//! Three-valued logic for judging requests the auditor does not see: a condition, a statement or
//! a decision is true, false, or unknown because it depends on a key the auditor cannot know.
//! `and`/`or`/`not` follow Kleene's rules: a false conjunct decides an AND whatever the unknown
//! ones are, a true disjunct decides an OR.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Truth {
    False,
    Unknown,
    True,
}

impl Truth {
    pub(crate) fn from_bool(b: bool) -> Self {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    pub(crate) fn not(self) -> Self {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    pub(crate) fn and(self, other: Truth) -> Self {
        self.min(other)
    }

    pub(crate) fn or(self, other: Truth) -> Self {
        self.max(other)
    }

    /// AND over all; true for none.
    pub(crate) fn all(items: impl IntoIterator<Item = Truth>) -> Self {
        items.into_iter().fold(Truth::True, Truth::and)
    }

    /// OR over all; false for none.
    pub(crate) fn any(items: impl IntoIterator<Item = Truth>) -> Self {
        items.into_iter().fold(Truth::False, Truth::or)
    }

    pub(crate) fn is_true(self) -> bool {
        self == Truth::True
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::{self, *};

    #[test]
    fn kleene() {
        assert_eq!(False.and(Unknown), False);
        assert_eq!(True.and(Unknown), Unknown);
        assert_eq!(True.or(Unknown), True);
        assert_eq!(False.or(Unknown), Unknown);
        assert_eq!(Unknown.not(), Unknown);
        assert_eq!(Truth::all([]), True);
        assert_eq!(Truth::any([]), False);
    }
}
