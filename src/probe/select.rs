//! Which route targets the probe invokes: Lambda proxy methods (never authorizers, which take
//! another event) whose verb `[probe] methods` allows (GET only by default: the probe runs real
//! code), whose `API PATH` matches a `[probe] routes` pattern, and whose target was collected and
//! exists. A route that resolves to the same target on several stages is invoked once, with the
//! first stage's event; the cap applies after that, in a stable order.

use std::collections::BTreeMap;

use crate::arn::FunctionArn;
use crate::config::{glob_matches, ProbeSettings};
use crate::inventory::{Lookup, ScopeInventory};
use crate::routes::{self, Invoker, RouteTarget};

/// One invocation to make.
#[derive(Debug, Clone)]
pub struct Planned<'s> {
    /// The route on the first of `stages` (alphabetically), whose event is sent.
    pub route: RouteTarget<'s>,
    /// The template path of the route's resource.
    pub path: &'s str,
    /// The method as configured (`ANY` stays `ANY`).
    pub method: &'s str,
    /// Every stage on which this route resolves to `target`, sorted.
    pub stages: Vec<String>,
    /// The verb the event carries.
    pub verb: String,
    pub target: FunctionArn,
}

/// The selected probes, and how many more the cap left out.
#[derive(Debug)]
pub struct Selection<'s> {
    pub planned: Vec<Planned<'s>>,
    pub over_cap: usize,
}

/// The verb to send for a method configured as `method`, if the settings allow one: `ANY` takes
/// the first allowed verb, any other method is probed only when listed.
pub fn verb_for(method: &str, allowed: &[String]) -> Option<String> {
    if method.eq_ignore_ascii_case("ANY") {
        return allowed.first().cloned();
    }
    allowed
        .iter()
        .find(|verb| verb.eq_ignore_ascii_case(method))
        .cloned()
}

/// Whether a `[probe] routes` pattern selects `path` of the API `api_id`/`api_name`.
pub fn route_selected(patterns: &[String], api_id: &str, api_name: &str, path: &str) -> bool {
    let by_name = format!("{api_name} {path}");
    let by_id = format!("{api_id} {path}");
    patterns
        .iter()
        .any(|p| glob_matches(p, &by_name) || glob_matches(p, &by_id))
}

pub fn select<'s>(scope: &'s ScopeInventory, settings: &ProbeSettings) -> Selection<'s> {
    // (api id, path, method, target) → the planned probe; a BTreeMap for a stable order.
    let mut by_key: BTreeMap<(String, String, String, String), Planned<'s>> = BTreeMap::new();
    for route in routes::scope_route_targets(scope) {
        let Invoker::Method { path, method, .. } = route.invoker else {
            continue;
        };
        let Ok(target) = route.resolved.clone() else {
            continue;
        };
        // A target that does not exist, or could not be read, is another check's finding;
        // invoking it would only repeat that.
        let exists = scope
            .targets
            .get(&target.to_string())
            .is_some_and(|t| matches!(t.configuration, Lookup::Found(_)));
        if !exists || target.account != scope.account {
            continue;
        }
        let Some(verb) = verb_for(&method.http_method, &settings.methods) else {
            continue;
        };
        if !route_selected(&settings.routes, &route.api.id, &route.api.name, path) {
            continue;
        }
        let key = (
            route.api.id.clone(),
            path.to_string(),
            method.http_method.clone(),
            target.to_string(),
        );
        let stage = route.stage.name.clone();
        match by_key.get_mut(&key) {
            Some(planned) => {
                planned.stages.push(stage);
                planned.stages.sort();
                // The event is the first stage's, whatever order the stages were listed in.
                if planned.stages[0] == route.stage.name {
                    planned.route = route;
                }
            }
            None => {
                by_key.insert(
                    key,
                    Planned {
                        route: route.clone(),
                        path,
                        method: &method.http_method,
                        stages: vec![stage],
                        verb,
                        target,
                    },
                );
            }
        }
    }
    let mut planned: Vec<Planned<'s>> = by_key.into_values().collect();
    let over_cap = planned.len().saturating_sub(settings.max_targets);
    planned.truncate(settings.max_targets);
    Selection { planned, over_cap }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn settings() -> ProbeSettings {
        ProbeSettings {
            enabled: true,
            ..ProbeSettings::default()
        }
    }

    fn selected(scope: &ScopeInventory, settings: &ProbeSettings) -> Vec<String> {
        select(scope, settings)
            .planned
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} as {} on {} -> {}",
                    p.route.api.name,
                    p.method,
                    p.path,
                    p.verb,
                    p.stages.join(","),
                    p.target.short()
                )
            })
            .collect()
    }

    fn scope() -> ScopeInventory {
        crate::testkit::scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .route("POST", "/pets", "pets-create")
                    .route("ANY", "/{proxy+}", "pets-any")
                    .route("GET", "/gone", "pets-gone")
                    .stage("prod")
                    .stage("dev"),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .target(target("pets-create", "a1b2c3"))
            .target(target("pets-any", "a1b2c3"))
            .target(missing_target("pets-gone"))
            .build()
    }

    #[test]
    fn get_only_by_default_any_as_get_missing_targets_skipped_stages_grouped() {
        assert_eq!(
            selected(&scope(), &settings()),
            [
                "pets GET /pets/{id} as GET on dev,prod -> pets-get:live",
                "pets ANY /{proxy+} as GET on dev,prod -> pets-any",
            ]
        );
        let scope = scope();
        let planned = select(&scope, &settings()).planned;
        // The event is the first stage's.
        assert_eq!(planned[0].route.stage.name, "dev");
    }

    #[test]
    fn other_verbs_only_when_listed_and_any_takes_the_first() {
        let mut settings = settings();
        settings.methods = vec!["OPTIONS".into(), "POST".into()];
        assert_eq!(
            selected(&scope(), &settings),
            [
                "pets POST /pets as POST on dev,prod -> pets-create",
                "pets ANY /{proxy+} as OPTIONS on dev,prod -> pets-any",
            ]
        );
    }

    #[test]
    fn route_patterns_match_name_or_id_and_the_cap_counts_what_is_left_out() {
        let mut settings = settings();
        settings.routes = vec!["pets /pets/*".into()];
        assert_eq!(selected(&scope(), &settings).len(), 1);
        settings.routes = vec!["a1b2c3 /{proxy+}".into()];
        assert_eq!(
            selected(&scope(), &settings),
            ["pets ANY /{proxy+} as GET on dev,prod -> pets-any"]
        );
        settings.routes = vec!["other *".into()];
        assert!(selected(&scope(), &settings).is_empty());

        let mut capped = self::settings();
        capped.max_targets = 1;
        let scope = scope();
        let selection = select(&scope, &capped);
        assert_eq!((selection.planned.len(), selection.over_cap), (1, 1));
    }

    #[test]
    fn verbs() {
        let allowed = vec!["GET".to_string(), "HEAD".to_string()];
        assert_eq!(verb_for("ANY", &allowed).as_deref(), Some("GET"));
        assert_eq!(verb_for("head", &allowed).as_deref(), Some("HEAD"));
        assert_eq!(verb_for("DELETE", &allowed), None);
    }
}
