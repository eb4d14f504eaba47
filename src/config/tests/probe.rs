//! The `[probe]` section: defaults (off, GET only), good values, and every kind of problem.

use super::*;

#[test]
fn the_probe_is_off_and_get_only_by_default() {
    let probe = ok("").probe;
    assert!(!probe.enabled);
    assert_eq!(probe.methods, ["GET"]);
    assert_eq!(probe.routes, ["*"]);
    assert_eq!((probe.max_targets, probe.timeout_seconds), (20, 10));
    assert_eq!(probe.per_second, 1.0);
    assert_eq!(probe.default_path_value, "1");
    assert!(probe.path_values.is_empty());
    assert_eq!(probe.tenant_id, "apigw-auditor-probe");
}

#[test]
fn every_probe_key_is_read() {
    let probe = ok(r#"
[probe]
enabled = true
methods = ["OPTIONS", "GET", "GET"]
routes = ["pets /pets/*", "a1b2c3 /health"]
max-targets = 5
per-second = 0.5
timeout-seconds = 3
default-path-value = "x"
tenant-id = "tenant-a/eu:1"

[probe.path-values]
id = "42"
proxy = "docs/index.html"
"#)
    .probe;
    assert!(probe.enabled);
    assert_eq!(
        probe.methods,
        ["OPTIONS", "GET"],
        "duplicates dropped, order kept"
    );
    assert_eq!(probe.routes, ["pets /pets/*", "a1b2c3 /health"]);
    assert_eq!((probe.max_targets, probe.timeout_seconds), (5, 3));
    assert_eq!(probe.per_second, 0.5);
    assert_eq!(probe.default_path_value, "x");
    assert_eq!(probe.path_values["proxy"], "docs/index.html");
    assert_eq!(probe.tenant_id, "tenant-a/eu:1");
}

#[test]
fn every_probe_problem_is_reported_with_its_key() {
    let found = problems(
        r#"
[probe]
enabled = "yes"
methods = ["GET", "ANY", "get"]
routes = ["", 3]
max-targets = 0
per-second = 50
timeout-seconds = 901
default-path-value = "a b"
tenant-id = "no;semicolons"
retries = 2

[probe.path-values]
id = "1?x"
"#,
    );
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "probe.enabled",
        "probe.methods[1]",
        "probe.methods[2]",
        "probe.routes[0]",
        "probe.routes[1]",
        "probe.max-targets",
        "probe.per-second",
        "probe.timeout-seconds",
        "probe.default-path-value",
        "probe.tenant-id",
        "probe.retries",
        "probe.path-values.id",
    ] {
        assert!(keys.contains(&key), "no problem under {key}: {found:?}");
    }
    let any = found.iter().find(|p| p.key == "probe.methods[1]").unwrap();
    assert!(
        any.message.starts_with("unknown HTTP verb `ANY`"),
        "{any:?}"
    );
    assert_eq!(
        problems("[probe]\nmethods = []\n")[0].message,
        "must list at least one verb (turn the probe off with `enabled`)"
    );
}

#[test]
fn a_tenant_id_is_what_lambda_accepts() {
    // 1 to 256 characters of the Lambda API model's pattern.
    let long = "t".repeat(257);
    for bad in ["", long.as_str(), "café", "a\tb"] {
        let found = problems(&format!("[probe]\ntenant-id = {bad:?}\n"));
        assert_eq!(found.len(), 1, "{bad:?}: {found:?}");
        assert_eq!(found[0].key, "probe.tenant-id");
    }
    let longest = "t".repeat(256);
    assert_eq!(
        ok(&format!("[probe]\ntenant-id = {longest:?}\n"))
            .probe
            .tenant_id,
        longest
    );
}
