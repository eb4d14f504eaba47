//! Which route targets the probe invokes: Lambda proxy methods (never authorizers, which take
//! another event) whose verb `[probe] methods` allows (GET only by default: the probe runs real
//! code), whose `API PATH` matches a `[probe] routes` pattern, and whose target was collected and
//! exists. A route that resolves to the same target on several stages is invoked once, with the
//! first stage's event; the cap applies after that, in a stable order. Collection plans the
//! candidates from the route targets it computes once (`candidates`), and keeps those whose
//! target exists once the targets are read (`select`).

use std::collections::BTreeMap;

use crate::arn::{FunctionArn, LambdaAction};
use crate::config::{glob_matches, ProbeSettings};
use crate::inventory::{Lookup, Protocol, ScopeInventory};
use crate::routes::{Invoker, ScopeRoutes};

/// One invocation to make: what its event needs of the route, owned, so that collection can plan
/// the probes from the route targets before the targets themselves are read.
#[derive(Debug, Clone)]
pub struct Planned {
    pub api_id: String,
    pub api_name: String,
    /// The first of `stages` (alphabetically), whose event is sent.
    pub stage: String,
    /// That stage's variables, as the event carries them.
    pub stage_variables: BTreeMap<String, String>,
    /// The id of the route's resource, for the event's request context.
    pub resource_id: Option<String>,
    /// The template path of the route's resource.
    pub path: String,
    /// The method as configured (`ANY` stays `ANY`).
    pub method: String,
    /// Every stage on which this route resolves to `target`, sorted.
    pub stages: Vec<String>,
    /// The verb the event carries.
    pub verb: String,
    pub target: FunctionArn,
    /// The route streams: it is invoked as API Gateway does, with `InvokeWithResponseStream`,
    /// and the answer judged by the streaming format.
    pub streams: bool,
    /// For an HTTP API route, its integration's payload format version (`1.0` or `2.0`): which
    /// event is sent and which output rules judge the answer (docs/aws-facts.md §12.3). `None`
    /// for a REST route (its own 1.0 event and §4's rules).
    pub payload_format: Option<String>,
}

/// The selected probes, and how many more the cap left out.
#[derive(Debug)]
pub struct Selection {
    pub planned: Vec<Planned>,
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

/// The routes the settings select, before their targets are known to exist: Lambda proxy methods
/// of the scope's own account, one per (API, path, method, target) with every stage it is
/// served on, in a stable order.
pub fn candidates(routes: &ScopeRoutes<'_>, settings: &ProbeSettings) -> Vec<Planned> {
    let scope = routes.scope;
    // (api id, path, method, target) → the planned probe; a BTreeMap for a stable order.
    let mut by_key: BTreeMap<(String, String, String, String), Planned> = BTreeMap::new();
    for route in &routes.targets {
        let Invoker::Method {
            path,
            method,
            integration,
        } = route.invoker
        else {
            continue;
        };
        // An HTTP API route sends the event of its payload format; one whose format was not
        // read (CloudFormation and the CLI require it, §12.1) has no known event: not probed.
        let payload_format = match route.api.protocol() {
            Protocol::Rest => None,
            Protocol::Http => match integration.payload_format_version.as_deref() {
                Some(version @ ("1.0" | "2.0")) => Some(version.to_string()),
                _ => continue,
            },
        };
        let Ok(target) = &route.resolved else {
            continue;
        };
        if target.account != scope.account {
            continue;
        }
        // How API Gateway calls the function; a mode that does not match its URI has no
        // documented outcome (integration-transfer-mode-mismatch reports it): not probed.
        let streams = match (route.streams, route.action) {
            (true, Some(LambdaAction::ResponseStreamingInvocations)) => true,
            (false, Some(LambdaAction::Invocations)) => false,
            _ => continue,
        };
        let Some(verb) = verb_for(method, &settings.methods) else {
            continue;
        };
        if !route_selected(&settings.routes, route.api.id(), route.api.name(), path) {
            continue;
        }
        let key = (
            route.api.id().to_string(),
            path.to_string(),
            method.to_string(),
            target.to_string(),
        );
        let stage = route.stage.name.clone();
        let planned = by_key.entry(key).or_insert_with(|| Planned {
            api_id: route.api.id().to_string(),
            api_name: route.api.name().to_string(),
            stage: stage.clone(),
            stage_variables: route.stage.variables.clone(),
            resource_id: route
                .api
                .rest()
                .and_then(|api| api.resources.found())
                .and_then(|resources| resources.iter().find(|r| r.path == path))
                .map(|r| r.id.clone()),
            path: path.to_string(),
            method: method.to_string(),
            stages: Vec::new(),
            verb,
            target: target.clone(),
            streams,
            payload_format: payload_format.clone(),
        });
        planned.stages.push(stage);
        planned.stages.sort();
        // The event is the first stage's, whatever order the stages were listed in.
        if planned.stages[0] == route.stage.name {
            planned.stage = route.stage.name.clone();
            planned.stage_variables = route.stage.variables.clone();
        }
    }
    by_key.into_values().collect()
}

/// The candidates whose target was collected and exists, up to the cap. A target that does not
/// exist, or could not be read, is another check's finding; invoking it would only repeat that.
pub fn select(
    candidates: Vec<Planned>,
    scope: &ScopeInventory,
    settings: &ProbeSettings,
) -> Selection {
    let mut planned: Vec<Planned> = candidates
        .into_iter()
        .filter(|p| {
            scope
                .targets
                .get(&p.target.to_string())
                .is_some_and(|t| matches!(t.configuration, Lookup::Found(_)))
        })
        .collect();
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

    fn plan(scope: &ScopeInventory, settings: &ProbeSettings) -> Selection {
        select(
            candidates(&ScopeRoutes::new(scope), settings),
            scope,
            settings,
        )
    }

    fn selected(scope: &ScopeInventory, settings: &ProbeSettings) -> Vec<String> {
        plan(scope, settings)
            .planned
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} as {} on {} -> {}",
                    p.api_name,
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
        let planned = plan(&scope, &settings()).planned;
        // The event is the first stage's.
        assert_eq!(planned[0].stage, "dev");
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
        let selection = plan(&scope, &capped);
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
