//! Lambda runtime deprecation dates, for `runtime-deprecated` (aws-facts §5).
//!
//! Source: cfn-lint `src/cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json` at commit
//! 217397c (2026-08-19), which mirrors the "Runtime deprecation" table of the Lambda guide
//! (`lambda-runtimes.html`). Runtimes retired before that table's window (`nodejs` up to
//! `nodejs14.x`, `python2.7`–`python3.7`, `ruby2.5`/`ruby2.7`, `dotnetcore*`, `dotnet7`) carry
//! the dates of the same file's earlier revisions. Only the *deprecation* date is kept: it is
//! the day Lambda stops patching the runtime; creation and update are blocked later, and
//! invocations are never blocked. Update this table when AWS announces new dates.

use chrono::NaiveDate;

/// (runtime, deprecation date as (year, month, day)), oldest family member first.
const DEPRECATIONS: &[(&str, (i32, u32, u32))] = &[
    // Node.js
    ("nodejs", (2016, 10, 31)),
    ("nodejs4.3", (2020, 3, 5)),
    ("nodejs4.3-edge", (2020, 3, 5)),
    ("nodejs6.10", (2019, 8, 12)),
    ("nodejs8.10", (2020, 3, 6)),
    ("nodejs10.x", (2021, 7, 30)),
    ("nodejs12.x", (2023, 3, 31)),
    ("nodejs14.x", (2023, 12, 4)),
    ("nodejs16.x", (2024, 6, 12)),
    ("nodejs18.x", (2025, 9, 1)),
    ("nodejs20.x", (2026, 4, 30)),
    ("nodejs22.x", (2027, 4, 30)),
    ("nodejs24.x", (2028, 4, 30)),
    // Python
    ("python2.7", (2021, 7, 15)),
    ("python3.6", (2022, 7, 18)),
    ("python3.7", (2023, 12, 4)),
    ("python3.8", (2024, 10, 14)),
    ("python3.9", (2025, 12, 15)),
    ("python3.10", (2026, 10, 31)),
    ("python3.11", (2027, 6, 30)),
    ("python3.12", (2028, 10, 31)),
    ("python3.13", (2029, 6, 30)),
    ("python3.14", (2029, 6, 30)),
    // Java
    ("java8", (2024, 1, 8)),
    ("java8.al2", (2027, 6, 30)),
    ("java11", (2027, 6, 30)),
    ("java17", (2027, 6, 30)),
    ("java21", (2029, 6, 30)),
    ("java25", (2029, 6, 30)),
    // .NET
    ("dotnetcore1.0", (2019, 6, 27)),
    ("dotnetcore2.0", (2019, 5, 30)),
    ("dotnetcore2.1", (2022, 1, 5)),
    ("dotnetcore3.1", (2023, 4, 3)),
    ("dotnet6", (2024, 12, 20)),
    ("dotnet7", (2024, 5, 14)),
    ("dotnet8", (2026, 11, 10)),
    ("dotnet10", (2028, 11, 14)),
    // Ruby
    ("ruby2.5", (2021, 7, 30)),
    ("ruby2.7", (2023, 12, 7)),
    ("ruby3.2", (2026, 3, 31)),
    ("ruby3.3", (2027, 3, 31)),
    ("ruby3.4", (2028, 3, 31)),
    ("ruby4.0", (2029, 3, 31)),
    // OS-only runtimes and Go (go1.x's successor is an OS-only runtime with a `bootstrap`).
    ("go1.x", (2024, 1, 8)),
    ("provided", (2024, 1, 8)),
    ("provided.al2", (2026, 7, 31)),
    ("provided.al2023", (2029, 6, 30)),
];

/// The newest runtime of each family, the one to move to. A family is the runtime name up to
/// its version digits (`dotnetcore` belongs to `dotnet`, `go` moves to `provided`).
const NEWEST: &[(&str, &str)] = &[
    ("nodejs", "nodejs24.x"),
    ("python", "python3.14"),
    ("java", "java25"),
    ("dotnet", "dotnet10"),
    ("ruby", "ruby4.0"),
    ("go", "provided.al2023"),
    ("provided", "provided.al2023"),
];

/// The day Lambda deprecates `runtime`, or `None` for a runtime this table does not know.
pub fn deprecation_date(runtime: &str) -> Option<NaiveDate> {
    DEPRECATIONS
        .iter()
        .find(|(name, _)| *name == runtime)
        .and_then(|(_, (y, m, d))| NaiveDate::from_ymd_opt(*y, *m, *d))
}

/// The newest runtime of `runtime`'s family (`python3.9` → `python3.14`).
pub fn successor(runtime: &str) -> Option<&'static str> {
    NEWEST
        .iter()
        .find(|(family, _)| runtime.starts_with(family))
        .map(|(_, newest)| *newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_date_is_valid_and_every_runtime_has_a_successor() {
        for (runtime, _) in DEPRECATIONS {
            assert!(deprecation_date(runtime).is_some(), "{runtime}");
            let next = successor(runtime).unwrap_or_else(|| panic!("no successor: {runtime}"));
            // The successor itself must be in the table and outlive the runtime it replaces.
            assert!(
                deprecation_date(next) >= deprecation_date(runtime),
                "{runtime}"
            );
        }
    }

    #[test]
    fn knows_the_dates_of_aws_facts() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(deprecation_date("nodejs18.x"), date(2025, 9, 1));
        assert_eq!(deprecation_date("python3.9"), date(2025, 12, 15));
        assert_eq!(deprecation_date("dotnet8"), date(2026, 11, 10));
        assert_eq!(deprecation_date("provided.al2"), date(2026, 7, 31));
        assert_eq!(deprecation_date("cobol1.0"), None);
        assert_eq!(successor("dotnetcore3.1"), Some("dotnet10"));
        assert_eq!(successor("go1.x"), Some("provided.al2023"));
        assert_eq!(successor("java8.al2"), Some("java25"));
    }
}
