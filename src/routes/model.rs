//! The types of the route model: one route target, the targets of a scope, and the Lambda targets
//! those routes reach.

use std::collections::{BTreeMap, BTreeSet};

use crate::arn::{ArnError, FunctionArn, LambdaAction};
use crate::inventory::{
    ApiView, Authorizer, Integration, LambdaTarget, Protocol, ScopeInventory, Stage,
};

/// What invokes the function: a route (a REST method of a resource, or an HTTP API route), or an
/// authorizer.
#[derive(Debug, Clone, PartialEq)]
pub enum Invoker<'a> {
    Method {
        /// The template path (`/pets/{id}`); `$default` for an HTTP API's `$default` route.
        path: &'a str,
        /// The method as configured; `ANY` stays `ANY`, the `$default` route is `ANY`.
        method: &'a str,
        integration: &'a Integration,
    },
    Authorizer(&'a Authorizer),
}

/// One (API, stage, route-or-authorizer) whose backend is a Lambda function.
#[derive(Debug, Clone)]
pub struct RouteTarget<'a> {
    pub api: ApiView<'a>,
    pub stage: &'a Stage,
    pub invoker: Invoker<'a>,
    /// The integration (or authorizer) URI as configured, before substitution.
    pub uri: &'a str,
    /// The role API Gateway assumes to invoke, if any.
    pub credentials: Option<&'a str>,
    /// The function the URI resolves to with this stage's variables.
    pub resolved: Result<FunctionArn, ArnError>,
    /// The source ARN API Gateway presents to Lambda for this route on this stage (its region is
    /// the function's); `None` when the URI does not resolve.
    pub source_arn: Option<String>,
    /// The Lambda API the URI calls; `None` when the URI's form is not one the auditor knows.
    pub action: Option<LambdaAction>,
    /// The integration streams the response (`responseTransferMode: STREAM`).
    pub streams: bool,
}

impl RouteTarget<'_> {
    /// The route's target could not be judged at all: its URI is not a form the auditor knows,
    /// or names no valid function without any stage variable to blame
    /// (`stage-variable-unresolved` judges those). Counted in `summary.unaudited`.
    pub fn unjudgeable(&self) -> bool {
        match &self.resolved {
            Err(ArnError::NotLambdaUri(_)) => true,
            Err(ArnError::InvalidFunction(_)) => {
                crate::arn::stage_variable_names(self.uri).map_or(true, |names| names.is_empty())
            }
            _ => false,
        }
    }

    pub fn is_authorizer(&self) -> bool {
        matches!(self.invoker, Invoker::Authorizer(_))
    }

    /// `GET /pets/{id}`, `$default` or `authorizer auth (a1b2c3)`, for messages.
    pub fn describe(&self) -> String {
        match &self.invoker {
            Invoker::Method { path, .. } if self.is_default_route() => path.to_string(),
            Invoker::Method { path, method, .. } => format!("{method} {path}"),
            Invoker::Authorizer(a) => format!("authorizer {} ({})", a.name, a.id),
        }
    }

    /// True for an HTTP API's `$default` route, whose source ARN has no method segment.
    pub fn is_default_route(&self) -> bool {
        self.api.protocol() == Protocol::Http
            && matches!(self.invoker, Invoker::Method { path, .. } if path == crate::inventory::http_api::DEFAULT_ROUTE)
    }

    /// The integration, for a route (authorizers have none).
    pub fn integration(&self) -> Option<&Integration> {
        match &self.invoker {
            Invoker::Method { integration, .. } => Some(integration),
            Invoker::Authorizer(_) => None,
        }
    }

    /// `a1b2c3 (pets) prod GET /pets/{id}`: one route on one stage, for `evidence.routes`.
    pub fn label(&self) -> String {
        format!(
            "{} ({}) {} {}",
            self.api.id(),
            self.api.name(),
            self.stage.name,
            self.describe()
        )
    }
}

/// The version unqualified calls of a Lambda Managed Instances function run.
pub const PUBLISHED: &str = "$LATEST.PUBLISHED";

/// One Lambda target that some route of a scope invokes.
pub struct ReachedTarget<'s> {
    pub scope: &'s ScopeInventory,
    pub target: &'s LambdaTarget,
    /// The routes that invoke it, as `"a1b2c3 (pets) prod GET /pets/{id}"`, sorted.
    pub routes: Vec<String>,
    /// The APIs that invoke it, with `true` when (also) through an authorizer, `false` when
    /// (also) through a method.
    pub invokers: BTreeSet<(String, bool)>,
    /// The kinds of API that invoke it.
    pub protocols: BTreeSet<Protocol>,
}

impl ReachedTarget<'_> {
    /// True when only HTTP APIs invoke the target.
    pub fn only_http(&self) -> bool {
        !self.protocols.is_empty() && self.protocols.iter().all(|p| *p == Protocol::Http)
    }

    /// The exact ARN invoked.
    pub fn arn(&self) -> &FunctionArn {
        &self.target.arn
    }

    /// `pets-get:live`, the form people recognise in messages.
    pub fn short(&self) -> String {
        self.target.arn.short()
    }
}

/// The route targets of one scope, and the Lambda targets they reach, computed once.
pub struct ScopeRoutes<'s> {
    pub scope: &'s ScopeInventory,
    /// Every route target of every API of the scope, API by API, stage by stage.
    pub targets: Vec<RouteTarget<'s>>,
    /// Every collected Lambda target that at least one route resolves to, ordered by ARN.
    /// Targets no route reaches cannot break an API, so they are not judged.
    pub reached: Vec<ReachedTarget<'s>>,
}

impl<'s> ScopeRoutes<'s> {
    pub fn new(scope: &'s ScopeInventory) -> Self {
        let targets: Vec<RouteTarget<'s>> = scope
            .apis
            .iter()
            .flat_map(|api| super::build::api_route_targets(scope, api))
            .chain(
                scope
                    .http_apis
                    .iter()
                    .flat_map(|api| super::build_http::http_api_route_targets(scope, api)),
            )
            .collect();
        let reached = reached_targets(scope, &targets);
        Self {
            scope,
            targets,
            reached,
        }
    }

    /// The route targets of every scope of an inventory.
    pub fn of_all(scopes: &'s [ScopeInventory]) -> Vec<Self> {
        scopes.iter().map(Self::new).collect()
    }

    /// For an unqualified function, the `$LATEST.PUBLISHED` version collection read because the
    /// function runs on Lambda Managed Instances: unqualified calls run that version
    /// (docs/aws-facts.md §11.4).
    pub fn published_of(&self, function: &FunctionArn) -> Option<&'s LambdaTarget> {
        if function.qualifier.is_some() {
            return None;
        }
        let mut published = function.clone();
        published.qualifier = Some(PUBLISHED.to_string());
        self.scope.targets.get(&published.to_string())
    }

    /// The target whose code and configuration run when the route is called: the
    /// `$LATEST.PUBLISHED` version for an unqualified Managed Instances function, else the
    /// target itself.
    pub fn runs(&self, route: &RouteTarget<'_>) -> Option<&'s LambdaTarget> {
        let function = route.resolved.as_ref().ok()?;
        self.published_of(function)
            .or_else(|| self.scope.targets.get(&function.to_string()))
    }

    /// The collected Lambda target a route resolves to, if collection recorded it.
    pub fn target_of(&self, route: &RouteTarget<'_>) -> Option<&'s LambdaTarget> {
        let arn = route.resolved.as_ref().ok()?;
        self.scope.targets.get(&arn.to_string())
    }
}

fn reached_targets<'s>(
    scope: &'s ScopeInventory,
    routes: &[RouteTarget<'s>],
) -> Vec<ReachedTarget<'s>> {
    let mut by_arn: BTreeMap<String, ReachedTarget<'s>> = BTreeMap::new();
    for route in routes {
        let Some(arn) = route.resolved.as_ref().ok() else {
            continue;
        };
        // What runs: `$LATEST.PUBLISHED` for an unqualified Managed Instances function.
        let mut published = arn.clone();
        published.qualifier = Some(PUBLISHED.to_string());
        let runs = arn
            .qualifier
            .is_none()
            .then(|| scope.targets.get(&published.to_string()))
            .flatten();
        let Some(target) = runs.or_else(|| scope.targets.get(&arn.to_string())) else {
            continue;
        };
        let key = target.arn.to_string();
        let reached = by_arn.entry(key).or_insert_with(|| ReachedTarget {
            scope,
            target,
            routes: Vec::new(),
            invokers: BTreeSet::new(),
            protocols: BTreeSet::new(),
        });
        reached.protocols.insert(route.api.protocol());
        reached.routes.push(route.label());
        reached
            .invokers
            .insert((route.api.id().to_string(), route.is_authorizer()));
    }
    let mut reached: Vec<ReachedTarget<'s>> = by_arn.into_values().collect();
    for target in &mut reached {
        target.routes.sort();
        target.routes.dedup();
    }
    reached
}
