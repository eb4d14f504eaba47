//! The one list of config keys, and the helpers that turn it into "unknown key" problems with
//! "did you mean" suggestions.

/// Every key the config file accepts, as a dotted path, apart from the settings of individual
/// checks (`[checks.<id>]`), which each check declares with its code. `[]` stands for any index of
/// an array of tables and `*` for any check id. The validator derives each table's allowed keys from this list,
/// and tests check that every entry is read by the validator and documented in
/// `config/auditor.example.toml`, so adding a key starts here.
pub const KNOWN_KEYS: &[&str] = &[
    "scope.regions",
    "scope.profile",
    "scope.endpoint-url",
    "scope.max-concurrent-scopes",
    "scope.accounts[].role-arn",
    "scope.accounts[].external-id",
    "scope.accounts[].name",
    "scope.organization.role-name",
    "scope.organization.external-id",
    "scope.organization.include",
    "scope.organization.exclude",
    "collect.page-size",
    "collect.concurrency",
    "collect.max-attempts",
    "collect.integrations",
    "collect.rate-limits.apigateway.per-second",
    "collect.rate-limits.apigateway.burst",
    "collect.rate-limits.apigateway-get-resources.per-second",
    "collect.rate-limits.apigateway-get-resources.burst",
    "collect.rate-limits.lambda-get-function.per-second",
    "collect.rate-limits.lambda-get-function.burst",
    "collect.rate-limits.lambda-get-policy.per-second",
    "collect.rate-limits.lambda-get-policy.burst",
    "collect.rate-limits.lambda-other.per-second",
    "collect.rate-limits.lambda-other.burst",
    "collect.rate-limits.sts.per-second",
    "collect.rate-limits.sts.burst",
    "collect.rate-limits.cloudwatch-get-metric-data.per-second",
    "collect.rate-limits.cloudwatch-get-metric-data.burst",
    "collect.rate-limits.logs-filter-log-events.per-second",
    "collect.rate-limits.logs-filter-log-events.burst",
    "evidence.enabled",
    "evidence.window-minutes",
    "evidence.period-seconds",
    "evidence.metrics",
    "evidence.logs",
    "evidence.log-pages-per-signature",
    "evidence.log-events-per-signature",
    "evidence.log-seconds-per-group",
    "packages.enabled",
    "packages.inspect-handler-source",
    "packages.max-bytes-per-package",
    "packages.seconds-per-package",
    "packages.max-handler-file-bytes",
    "checks.disable",
    "checks.severity.*",
    "suppressions[].check",
    "suppressions[].resource",
    "suppressions[].reason",
    "suppressions[].expires",
    "output.format",
    "output.fail-on",
    "output.file",
    "publish.json-file",
    "publish.finding-events",
    "publish.cloudwatch.metrics",
    "publish.cloudwatch.namespace",
    "publish.cloudwatch.dashboard",
    "publish.cloudwatch.log-group",
    "publish.cloudwatch.alarms",
    "publish.cloudwatch.alarm-topic-arn",
    "publish.security-hub.enabled",
    "publish.security-hub.destination",
    "daemon.schedule",
    "daemon.run-at-start",
    "daemon.shutdown-deadline-seconds",
    "daemon.status-file",
    "probe.enabled",
    "probe.methods",
    "probe.routes",
    "probe.max-targets",
    "probe.per-second",
    "probe.timeout-seconds",
    "probe.default-path-value",
    "probe.tenant-id",
    "probe.path-values.*",
];

/// The names allowed directly under the table at `pattern` (a [`KNOWN_KEYS`] prefix such as
/// `collect.rate-limits` or `suppressions[]`; `""` for the top level), in declaration order.
pub fn children(pattern: &str) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for key in KNOWN_KEYS {
        let rest = if pattern.is_empty() {
            Some(*key)
        } else {
            key.strip_prefix(pattern).and_then(|r| r.strip_prefix('.'))
        };
        let Some(rest) = rest else { continue };
        let name = rest.split('.').next().unwrap_or(rest);
        let name = name.strip_suffix("[]").unwrap_or(name);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The candidate closest to `given`, when it is close enough to be what the user meant.
pub fn suggest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Compare case- and separator-insensitively: `page_size`, `Page-Size` and `pageSize`-ish typos
    // are the common slips, and they should all land on `page-size`.
    let normalize = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let given_n = normalize(given);
    candidates
        .into_iter()
        .map(|c| {
            let c_n = normalize(c);
            let score = if c_n == given_n || c_n.replace('-', "") == given_n.replace('-', "") {
                2.0
            } else {
                strsim::jaro_winkler(&given_n, &c_n)
            };
            (score, strsim::levenshtein(&given_n, &c_n), c_n.len(), c)
        })
        // Jaro-Winkler catches transpositions and truncations; the edit distance catches typos in
        // long ids where one wrong letter barely moves Jaro-Winkler. Short names need the distance
        // to be small relative to their length, or `foo` would "mean" `sts`.
        .filter(|&(score, distance, len, _)| {
            score >= 0.85 || (distance <= 2 && distance * 3 <= len)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, _, _, c)| c)
}

/// `"; did you mean `x`?"` or nothing: appended to "unknown ..." messages.
pub fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(given, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// `parent.name`, quoting `name` the way TOML would when it is not a bare key, so the path can be
/// pasted back into the file.
pub fn join(parent: &str, name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let name = if bare {
        name.to_string()
    } else {
        format!("{name:?}")
    };
    if parent.is_empty() {
        name
    } else {
        format!("{parent}.{name}")
    }
}
