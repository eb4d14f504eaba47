//! The `[probe]` section: whether the opt-in probe invokes functions at all, which routes and
//! verbs it may call (GET only unless more are listed: the probe executes real code), and the
//! bounds on how many invocations a run makes and how fast.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::keys::join;
use super::validate::{set, Walker};

/// The verbs the probe can send; `ANY` is a method setting, not a verb a request carries.
pub const PROBE_VERBS: [&str; 7] = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];

/// `[probe]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSettings {
    /// Invoke functions at all (`--probe` turns it on for one run).
    pub enabled: bool,
    /// The verbs that may be probed, in order of preference for an `ANY` method.
    pub methods: Vec<String>,
    /// Glob patterns over `API-NAME PATH` and `API-ID PATH` (path as the template, `/pets/{id}`):
    /// a route is probed when one matches either.
    pub routes: Vec<String>,
    /// At most this many invocations per account and region in one run.
    pub max_targets: usize,
    /// Invocations per second.
    pub per_second: f64,
    /// How long one invocation may take before it is given up (the function keeps running).
    pub timeout_seconds: u64,
    /// The value of a path parameter with no entry in `path_values`.
    pub default_path_value: String,
    /// Sample values of path parameters by name (`id`, `proxy`).
    pub path_values: BTreeMap<String, String>,
    /// The tenant id sent to functions with tenant isolation, which refuse any invocation
    /// without one (docs/aws-facts.md §11.3).
    pub tenant_id: String,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            methods: vec!["GET".to_string()],
            routes: vec!["*".to_string()],
            max_targets: 20,
            per_second: 1.0,
            timeout_seconds: 10,
            default_path_value: "1".to_string(),
            path_values: BTreeMap::new(),
            tenant_id: "apigw-auditor-probe".to_string(),
        }
    }
}

impl Walker<'_> {
    pub(super) fn probe(&mut self, table: &Table, out: &mut ProbeSettings) {
        for (name, value) in table {
            let key = join("probe", name);
            match name.as_str() {
                "enabled" => set(&mut out.enabled, self.problems.boolean(&key, value)),
                "methods" => set(&mut out.methods, self.probe_methods(&key, value)),
                "routes" => set(&mut out.routes, self.probe_routes(&key, value)),
                // Each invocation runs customer code and costs money: a run stays small.
                "max-targets" => set(
                    &mut out.max_targets,
                    self.problems.integer(&key, value, 1..=1000),
                ),
                // Far under any account's concurrency; the probe is not a load test.
                "per-second" => set(
                    &mut out.per_second,
                    self.problems.positive_float(&key, value, 10.0),
                ),
                // API Gateway gives up after 29 s by default; Lambda's own limit is 900 s.
                "timeout-seconds" => set(
                    &mut out.timeout_seconds,
                    self.problems.integer(&key, value, 1..=900),
                ),
                "default-path-value" => {
                    if let Some(s) = self.path_value(&key, value) {
                        out.default_path_value = s;
                    }
                }
                "tenant-id" => {
                    if let Some(s) = self.tenant_id(&key, value) {
                        out.tenant_id = s;
                    }
                }
                "path-values" => {
                    let Some(t) = self.problems.table(&key, value) else {
                        continue;
                    };
                    for (param, value) in t {
                        let param_key = join(&key, param);
                        if let Some(s) = self.path_value(&param_key, value) {
                            out.path_values.insert(param.clone(), s);
                        }
                    }
                }
                _ => self.problems.unknown_key(&key, name, "probe"),
            }
        }
    }

    /// A tenant id as Lambda's `X-Amz-Tenant-Id` takes it: 1–256 characters from
    /// `[a-zA-Z0-9._:/=+-@ ]` (the Lambda API model's pattern, docs/aws-facts.md §11.3).
    fn tenant_id(&mut self, key: &str, value: &Value) -> Option<String> {
        let s = self.problems.non_empty_string(key, value)?;
        let allowed = |c: char| c.is_ascii_alphanumeric() || "._:/=+-@ ".contains(c);
        if s.chars().count() > 256 || !s.chars().all(allowed) {
            self.problems.add(
                key,
                format!(
                    "`{s}` is not a tenant id: 1 to 256 of letters, digits and ._:/=+-@ and space"
                ),
            );
            return None;
        }
        Some(s.to_string())
    }

    fn probe_methods(&mut self, key: &str, value: &Value) -> Option<Vec<String>> {
        let items = self.problems.array(key, value, "an array of HTTP verbs")?;
        let choices = PROBE_VERBS.map(|v| (v, v));
        let mut methods: Vec<String> = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let item_key = format!("{key}[{i}]");
            match self.problems.one_of(&item_key, item, "HTTP verb", &choices) {
                Some(verb) if !methods.iter().any(|m| m == verb) => methods.push(verb.to_string()),
                Some(_) => {}
                None => ok = false,
            }
        }
        if ok && methods.is_empty() {
            self.problems.add(
                key,
                "must list at least one verb (turn the probe off with `enabled`)",
            );
            return None;
        }
        ok.then_some(methods)
    }

    fn probe_routes(&mut self, key: &str, value: &Value) -> Option<Vec<String>> {
        let items = self
            .problems
            .array(key, value, "an array of route patterns")?;
        let routes: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                self.problems
                    .non_empty_string(&format!("{key}[{i}]"), item)
                    .map(str::to_string)
            })
            .collect();
        // Every bad item is reported before giving up on the list.
        routes.into_iter().collect()
    }

    /// A path parameter value: no spaces, `?` or `#`, which would end or break the path (`/` is
    /// allowed: a `{proxy+}` parameter takes several segments).
    fn path_value(&mut self, key: &str, value: &Value) -> Option<String> {
        let s = self.problems.non_empty_string(key, value)?;
        if s.contains(char::is_whitespace) || s.contains(['?', '#']) {
            self.problems.add(
                key,
                format!("`{s}` is not a path segment (no spaces, `?` or `#`)"),
            );
            return None;
        }
        Some(s.to_string())
    }
}
