//! One comparison per operator family, between a policy value (read once, "compiled") and one
//! request value. Semantics from IAM User Guide, "IAM JSON policy elements: Condition
//! operators" (`reference_policies_elements_condition_operators`), one section per family:
//! - String: `StringEquals` exact and case-sensitive, `...IgnoreCase` without case, `StringLike`
//!   case-sensitive with `*` and `?` anywhere.
//! - Numeric: "comparing a key to an integer or decimal value".
//! - Date: "comparing a key to a date/time value" (ISO 8601, or epoch seconds for
//!   `aws:EpochTime`); "Wildcards are not permitted".
//! - Boolean: "comparing a key to `true` or `false`".
//! - Binary: `BinaryEquals` compares the key's bytes with the base-64 value of the policy.
//! - IP address: `IpAddress` "the specified IP address or range" in CIDR form, IPv4 or IPv6; an
//!   address without a prefix is `/32` (and, for IPv6, inferred `/128`).
//! - ARN: each of the six colon-delimited components compared separately, `*`/`?` allowed.

use std::cmp::Ordering;
use std::net::IpAddr;

use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ipnet::IpNet;

use super::super::arn_match::arn_like_pattern;
use super::super::wildcard::{pattern_match, Case, Pattern};

/// The comparison an operator makes, without its negation, set qualifier or IfExists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Order),
    Date(Order),
    Bool,
    Binary,
    Ip,
    /// `ArnEquals` and `ArnLike` behave identically.
    Arn,
    Null,
}

/// The relation `request OP policy` of the Numeric and Date operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Order {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Order::Equals => ordering == Ordering::Equal,
            Order::LessThan => ordering == Ordering::Less,
            Order::LessThanEquals => ordering != Ordering::Greater,
            Order::GreaterThan => ordering == Ordering::Greater,
            Order::GreaterThanEquals => ordering != Ordering::Less,
        }
    }
}

impl Family {
    /// Whether values of this family may hold policy variables (see `variables`).
    pub(crate) fn takes_variables(self) -> bool {
        matches!(
            self,
            Family::StringEquals
                | Family::StringEqualsIgnoreCase
                | Family::StringLike
                | Family::Arn
                | Family::Bool
        )
    }
}

/// A policy value read for its family.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Compiled {
    Text(Pattern),
    Number(f64),
    Date(DateTime<Utc>),
    Bool(bool),
    Bytes(Vec<u8>),
    Net(IpNet),
}

/// Reads `pattern` (already substituted) as a value of `family`; `Err` says why it is not one.
pub(crate) fn compile(family: Family, pattern: Pattern) -> Result<Compiled, String> {
    let text = pattern.to_text();
    match family {
        Family::Numeric(_) => parse_number(&text)
            .map(Compiled::Number)
            .ok_or_else(|| format!("{text:?} is not a number")),
        Family::Date(_) => parse_date(&text)
            .map(Compiled::Date)
            .ok_or_else(|| format!("{text:?} is not a date (ISO 8601 or epoch seconds)")),
        Family::Bool => parse_bool(&text)
            .map(Compiled::Bool)
            .ok_or_else(|| format!("{text:?} is neither \"true\" nor \"false\"")),
        Family::Binary => base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Compiled::Bytes)
            .map_err(|e| format!("{text:?} is not base-64: {e}")),
        Family::Ip => parse_net(&text)
            .map(Compiled::Net)
            .ok_or_else(|| format!("{text:?} is not an IP address or CIDR range")),
        _ => Ok(Compiled::Text(pattern)),
    }
}

/// Whether request value `value` matches policy value `policy` (never negated here).
pub(crate) fn matches(family: Family, policy: &Compiled, value: &str) -> bool {
    match (family, policy) {
        (Family::StringEquals, Compiled::Text(p)) => p.to_text() == value,
        (Family::StringEqualsIgnoreCase, Compiled::Text(p)) => {
            p.to_text().to_lowercase() == value.to_lowercase()
        }
        // `*` crosses `:` here, unlike ArnLike: the difference the Condition operators page
        // illustrates with `arn:aws:someservice:*:111122223333:finance/*`.
        (Family::StringLike, Compiled::Text(p)) => pattern_match(p, value, Case::Sensitive),
        (Family::Arn, Compiled::Text(p)) => arn_like_pattern(p, value),
        (Family::Numeric(order), Compiled::Number(n)) => parse_number(value)
            .and_then(|v| v.partial_cmp(n))
            .is_some_and(|o| order.holds(o)),
        (Family::Date(order), Compiled::Date(d)) => {
            parse_date(value).is_some_and(|v| order.holds(v.cmp(d)))
        }
        (Family::Bool, Compiled::Bool(b)) => parse_bool(value) == Some(*b),
        (Family::Binary, Compiled::Bytes(bytes)) => {
            // Request values of binary keys are held base-64 encoded, as policies write them.
            base64::engine::general_purpose::STANDARD
                .decode(value.as_bytes())
                .map(|v| &v == bytes)
                .unwrap_or(false)
        }
        (Family::Ip, Compiled::Net(net)) => value
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|ip| net.contains(&ip)),
        _ => false,
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// ISO 8601 date-times (with offset, or UTC when none is given), plain dates (midnight UTC) and
/// integer epoch seconds (the form of `aws:EpochTime`).
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return DateTime::from_timestamp(text.parse().ok()?, 0);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S%.fZ",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(text, format) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// A CIDR range, or a bare address taken as a single-address range.
fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(family: Family, policy: &str, value: &str) -> bool {
        let compiled = compile(family, Pattern::wildcards(policy)).expect("valid policy value");
        matches(family, &compiled, value)
    }

    /// Every row cites IAM User Guide "IAM JSON policy elements: Condition operators", the
    /// section of its family.
    #[test]
    fn families() {
        use Order::*;
        #[rustfmt::skip]
        let cases: &[(Family, &str, &str, bool)] = &[
            // Numeric condition operators: integer or decimal values
            (Family::Numeric(Equals), "10", "10", true),
            (Family::Numeric(Equals), "10", "10.0", true),
            (Family::Numeric(LessThanEquals), "10", "10", true),
            (Family::Numeric(LessThan), "10", "10", false),
            (Family::Numeric(LessThan), "10", "9.5", true),
            (Family::Numeric(GreaterThan), "10", "11", true),
            (Family::Numeric(GreaterThanEquals), "-1.5", "-1.5", true),
            (Family::Numeric(Equals), "10", "ten", false),
            // Date condition operators: request compared with the policy's date
            (Family::Date(GreaterThan), "2020-01-01T00:00:01Z", "2026-03-02T09:00:00Z", true),
            (Family::Date(LessThan), "2020-01-01T00:00:01Z", "2026-03-02T09:00:00Z", false),
            (Family::Date(Equals), "2020-01-01", "2020-01-01T00:00:00Z", true),
            (Family::Date(LessThanEquals), "2020-01-01T00:00:00+01:00", "2019-12-31T23:00:00Z", true),
            (Family::Date(GreaterThan), "1577836800", "2020-01-01T00:00:01Z", true), // epoch seconds
            (Family::Date(GreaterThanEquals), "2020-01-01T00:00:00Z", "1577836800", true),
            // Boolean condition operators
            (Family::Bool, "true", "true", true),
            (Family::Bool, "false", "true", false),
            (Family::Bool, "TRUE", "true", true),
            (Family::Bool, "true", "yes", false),
            // Binary condition operators: base-64 in the policy, bytes in the request
            (Family::Binary, "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", true),
            (Family::Binary, "QmluYXJ5VmFsdWVJbkJhc2U2NA==", "QmluYXJ5", false),
            // IP address condition operators: CIDR, IPv4 and IPv6, bare address = /32
            (Family::Ip, "203.0.113.0/24", "203.0.113.7", true),
            (Family::Ip, "203.0.113.0/24", "203.0.114.7", false),
            (Family::Ip, "203.0.113.7", "203.0.113.7", true),
            (Family::Ip, "203.0.113.7", "203.0.113.8", false),
            (Family::Ip, "2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", true),
            (Family::Ip, "2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", false),
            (Family::Ip, "203.0.113.0/24", "2001:db8::1", false),
            (Family::Ip, "0.0.0.0/0", "not-an-ip", false),
            // ARN condition operators: `*` stays inside one component
            (Family::Arn, "arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false),
            (Family::StringLike, "arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", true),
        ];
        for &(family, policy, value, expected) in cases {
            assert_eq!(
                check(family, policy, value),
                expected,
                "{family:?} {policy} {value}"
            );
        }
    }

    #[test]
    fn malformed_policy_values_are_errors() {
        for (family, value) in [
            (Family::Numeric(Order::Equals), "1x"),
            (Family::Date(Order::Equals), "yesterday"),
            (Family::Date(Order::Equals), "2020-*"),
            (Family::Bool, "yes"),
            (Family::Binary, "not base64!"),
            (Family::Ip, "10.0.0.0/33"),
        ] {
            assert!(
                compile(family, Pattern::wildcards(value)).is_err(),
                "{value}"
            );
        }
    }
}
