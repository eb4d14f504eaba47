//! Running a route-level check with typed findings. The check judges every route target of every
//! stage into a typed problem ([`Verdict`]); the verdicts about one route (API, invoker, function)
//! are grouped with the stages they affect ([`Group`]); the check renders each group once into the
//! finding's message, evidence and remediation ([`Rendered`]). Nothing is written to evidence JSON
//! and read back: the renderer sees the problems as the judge typed them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::arn::FunctionArn;
use crate::checks::shared::{api_ref, base_finding, blocked_api_findings, stages_phrase};
use crate::checks::{Check, Context};
use crate::inventory::{CollectionError, LambdaTarget};
use crate::report::{AuthorizerRef, Finding, RouteRef, Severity, Status};
use crate::routes::{Invoker, RouteTarget, ScopeRoutes};

/// What a route-level check found on one route target of one stage.
pub struct Verdict<P> {
    pub status: Status,
    /// The function the finding names: the resolved target, when there is one to name.
    pub function: Option<FunctionArn>,
    pub problem: P,
}

impl<P> Verdict<P> {
    pub fn fail(function: Option<FunctionArn>, problem: P) -> Self {
        Self {
            status: Status::Fail,
            function,
            problem,
        }
    }

    pub fn error(function: Option<FunctionArn>, problem: P) -> Self {
        Self {
            status: Status::Error,
            function,
            problem,
        }
    }
}

/// The verdicts about one route (API, method and path or authorizer, function) over the stages
/// they were found on: one finding.
pub struct Group<'a, P> {
    pub routes: &'a ScopeRoutes<'a>,
    /// The route target as judged on the first stage it was found on.
    pub route: &'a RouteTarget<'a>,
    /// The status of the first verdict.
    pub status: Status,
    pub function: Option<FunctionArn>,
    /// The stages affected, sorted.
    pub stages: Vec<String>,
    /// Each stage's problem, in the order the stages were judged.
    pub problems: Vec<(&'a str, P)>,
}

impl<P> Group<'_, P> {
    /// The problem found on the first stage judged.
    pub fn first(&self) -> &P {
        &self.problems[0].1
    }

    /// `GET /pets/{id} of API pets (a1b2c3)` or `authorizer auth (x1) of API pets (a1b2c3)`.
    pub fn subject(&self) -> String {
        format!(
            "{} of API {} ({})",
            self.route.describe(),
            self.route.api.name(),
            self.route.api.id()
        )
    }

    /// `stage prod` or `stages dev, prod`.
    pub fn on(&self) -> String {
        stages_phrase(&self.stages)
    }
}

/// A rendered group: what the finding says. Severity and client status default to the check's.
pub struct Rendered {
    pub message: String,
    pub evidence: Value,
    pub remediation: Option<String>,
    pub severity: Option<Severity>,
    /// `Some(None)` for a finding that breaks no call (a note).
    pub client_status: Option<Option<u16>>,
}

impl Rendered {
    pub fn new(message: String, evidence: Value, remediation: Option<String>) -> Self {
        Self {
            message,
            evidence,
            remediation,
            severity: None,
            client_status: None,
        }
    }
}

/// A route whose target could not be read: the `error` finding names the call that failed, so the
/// routes a failed call left unjudged are named.
pub struct LookupFailed {
    pub message: String,
    pub evidence: Value,
}

impl LookupFailed {
    pub fn new(check: &Check, target: &LambdaTarget, error: &CollectionError) -> Self {
        Self {
            message: format!(
                "could not evaluate {} for {}: {} failed on {} with {}: {}",
                check.id, target.arn, error.operation, error.resource, error.code, error.message
            ),
            evidence: serde_json::json!({
                "operation": error.operation,
                "resource": error.resource,
                "code": error.code,
            }),
        }
    }

    pub fn rendered(&self) -> Rendered {
        Rendered::new(self.message.clone(), self.evidence.clone(), None)
    }
}

/// Runs a route-level check: `error` findings for APIs whose routes could not be read, then
/// `judge` on every route target of every stage, the verdicts grouped into one finding per
/// route with its stages, each group rendered once.
pub fn run_per_route<P>(
    check: &'static Check,
    ctx: &Context<'_>,
    judge: impl Fn(&ScopeRoutes<'_>, &RouteTarget<'_>) -> Option<Verdict<P>>,
    render: impl Fn(&Group<'_, P>) -> Rendered,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for routes in ctx.routes {
        findings.extend(blocked_api_findings(check, routes.scope));
        // (API id, invoker, function) → the group, in a stable order.
        let mut groups: BTreeMap<(String, String, String), Group<'_, P>> = BTreeMap::new();
        for route in &routes.targets {
            let Some(verdict) = judge(routes, route) else {
                continue;
            };
            let function = verdict.function.as_ref().map(ToString::to_string);
            let key = (
                route.api.id().to_string(),
                invoker_key(route),
                function.unwrap_or_default(),
            );
            let group = groups.entry(key).or_insert_with(|| Group {
                routes,
                route,
                status: verdict.status,
                function: verdict.function,
                stages: Vec::new(),
                problems: Vec::new(),
            });
            if !group.stages.contains(&route.stage.name) {
                group.stages.push(route.stage.name.clone());
            }
            group.problems.push((&route.stage.name, verdict.problem));
        }
        for group in groups.values_mut() {
            group.stages.sort();
        }
        findings.extend(
            groups
                .values()
                .map(|group| finding(check, group, render(group))),
        );
    }
    findings
}

/// What tells two invokers of one API apart: the method and path, or the authorizer.
fn invoker_key(route: &RouteTarget<'_>) -> String {
    match &route.invoker {
        Invoker::Method { path, method, .. } => format!("{method} {path}"),
        Invoker::Authorizer(a) => format!("authorizer {}", a.id),
    }
}

fn finding<P>(check: &Check, group: &Group<'_, P>, rendered: Rendered) -> Finding {
    let route = group.route;
    let (route_ref, authorizer) = match &route.invoker {
        Invoker::Method { path, method, .. } => (
            Some(RouteRef {
                method: method.to_string(),
                path: path.to_string(),
            }),
            None,
        ),
        Invoker::Authorizer(a) => (
            None,
            Some(AuthorizerRef {
                id: a.id.clone(),
                name: a.name.clone(),
            }),
        ),
    };
    let base = base_finding(check, group.routes.scope, group.status, rendered.message);
    let mut finding = Finding {
        api: Some(api_ref(route.api)),
        stages: group.stages.clone(),
        route: route_ref,
        authorizer,
        function: group.function.as_ref().map(ToString::to_string),
        evidence: rendered.evidence,
        remediation: rendered.remediation,
        severity: rendered.severity.unwrap_or(base.severity),
        client_status: rendered.client_status.unwrap_or(base.client_status),
        ..base
    };
    finding.fingerprint = finding.compute_fingerprint();
    finding
}
