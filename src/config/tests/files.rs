//! The shipped config files, and the link between [`KNOWN_KEYS`], the validator and the example.

use super::*;

const EXAMPLE: &str = include_str!("../../../config/auditor.example.toml");
const DEMO: &str = include_str!("../../../config/demo.toml");

#[test]
fn example_file_is_the_defaults() {
    assert_eq!(ok(EXAMPLE), Config::default());
}

/// The example with its commented-out example lines (`# key = value`, `# [table]`) switched on:
/// the lines that parse as TOML on their own, which prose does not.
fn example_uncommented() -> String {
    EXAMPLE
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if (rest.starts_with('[') || rest.contains('='))
                    && rest.parse::<toml::Table>().is_ok() =>
            {
                rest
            }
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every key path in `table`, with array indexes as `[]` and severity check ids and probe path
/// parameter names as `*`, the way [`KNOWN_KEYS`] writes them.
fn key_patterns(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
    for (name, value) in table {
        let path = match prefix {
            "" => name.clone(),
            "checks.severity" | "probe.path-values" => format!("{prefix}.*"),
            _ => format!("{prefix}.{name}"),
        };
        match value {
            toml::Value::Table(t) => key_patterns(&path, t, out),
            toml::Value::Array(items) if items.iter().all(toml::Value::is_table) => {
                for item in items {
                    key_patterns(&format!("{path}[]"), item.as_table().unwrap(), out);
                }
            }
            _ => out.push(path),
        }
    }
}

#[test]
fn example_file_documents_every_key() {
    let text = example_uncommented();
    // The commented-out examples must be valid too, and must not be the defaults (or they would
    // show nothing).
    let config = ok(&text);
    assert_ne!(config.scope, ScopeSettings::default());
    assert_eq!(config.suppressions.len(), 1);
    assert_eq!(config.output.file, Some("report.json".into()));
    let publish = &config.publish;
    assert!(publish.json_file.is_some());
    assert!(publish.cloudwatch.dashboard.is_some() && publish.cloudwatch.log_group.is_some());
    assert!(publish.cloudwatch.alarm_topic_arn.is_some());

    let mut found = Vec::new();
    key_patterns("", &text.parse().unwrap(), &mut found);
    let known = all_keys(&checks());
    let missing: Vec<&String> = known
        .iter()
        .filter(|k| !found.iter().any(|f| f == *k))
        .collect();
    assert!(
        missing.is_empty(),
        "keys missing from the example: {missing:?}"
    );
    let extra: Vec<&String> = found.iter().filter(|f| !known.contains(f)).collect();
    assert!(
        extra.is_empty(),
        "example keys not in KNOWN_KEYS: {extra:?}"
    );
}

/// A one-key document setting the [`KNOWN_KEYS`] entry `pattern` to an offset date-time, the one
/// TOML type no key accepts, and that key's path.
fn document_setting(pattern: &str) -> (String, String) {
    let path = pattern
        .replace("[]", "[0]")
        .replace(".*", ".runtime-deprecated");
    let (table, leaf) = pattern.rsplit_once('.').unwrap();
    let table = table.replace(".*", ".runtime-deprecated");
    let leaf = leaf.replace('*', "runtime-deprecated");
    let header = match table.strip_suffix("[]") {
        Some(array) => format!("[[{array}]]"),
        None => format!("[{table}]"),
    };
    (format!("{header}\n{leaf} = 2027-01-31T10:00:00Z\n"), path)
}

/// Every declared key is read by the validator: a date-time is the wrong type for all of them, so
/// each must give an "expected ..." problem under exactly its own path (not "unknown key").
#[test]
fn validator_reads_every_known_key() {
    for pattern in &all_keys(&checks()) {
        let (text, path) = document_setting(pattern);
        let found = problems(&text);
        assert!(
            found
                .iter()
                .any(|p| p.key == path && p.message.starts_with("expected ")),
            "{pattern}: {found:?}"
        );
    }
}

#[test]
fn children_follow_known_keys() {
    assert_eq!(
        keys::children(""),
        [
            "scope",
            "collect",
            "evidence",
            "packages",
            "checks",
            "suppressions",
            "output",
            "publish",
            "daemon",
            "probe"
        ]
    );
    assert_eq!(
        keys::children("publish"),
        ["json-file", "finding-events", "cloudwatch", "security-hub"]
    );
    assert_eq!(keys::children("publish.cloudwatch").len(), 6);
    assert_eq!(
        keys::children("publish.security-hub"),
        ["enabled", "destination"]
    );
    assert_eq!(
        keys::children("checks"),
        ["disable", "severity"],
        "the settings tables of the checks come from their declarations, not KNOWN_KEYS"
    );
    assert_eq!(
        keys::children("suppressions[]"),
        ["check", "resource", "reason", "expires"]
    );
    assert_eq!(keys::children("collect.rate-limits").len(), 8);
}

#[test]
fn demo_file_has_one_active_and_one_expired_suppression() {
    let config = ok(DEMO);
    assert_eq!(
        config.suppressions,
        [
            Suppression {
                check: "invoke-permission-too-broad".into(),
                resource: "arn:aws:lambda:*:*:function:legacy-*".into(),
                reason: config.suppressions[0].reason.clone(),
                expires: Some(date("2027-06-30")),
            },
            Suppression {
                check: "runtime-deprecated".into(),
                resource: "arn:aws:lambda:*:*:function:reports-*".into(),
                reason: config.suppressions[1].reason.clone(),
                expires: Some(date("2026-01-31")),
            },
        ]
    );
    assert!(config.suppressions.iter().all(|s| !s.reason.is_empty()));
    // Everything else is the defaults.
    assert_eq!(
        Config {
            suppressions: Vec::new(),
            ..config.clone()
        },
        Config::default()
    );
    // The demo runs in late 2026: one still applies, one has expired.
    let today = date("2026-11-21");
    assert!(!config.suppressions[0].is_expired(today));
    assert!(config.suppressions[1].is_expired(today));
}

#[test]
fn load_file_reads_a_file_and_names_an_unreadable_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.toml");
    std::fs::write(&path, "[collect]\nconcurrency = 4\n").unwrap();
    assert_eq!(load_file(&path, &checks()).unwrap().collect.concurrency, 4);

    let missing = dir.path().join("missing.toml");
    let ConfigErrors(found) = load_file(&missing, &checks()).unwrap_err();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "");
    assert!(
        found[0].message.contains(&missing.display().to_string()),
        "{}",
        found[0].message
    );
}
