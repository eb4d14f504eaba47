//! What collection must read once the APIs are known, derived from the scope's route targets in
//! one pass (`routes::ScopeRoutes`): the distinct Lambda targets, the credentials roles, the
//! (target, source ARN) pairs that may need the unqualified policy to explain a denial, and the
//! probe's candidates. Owned, so that reading the targets can then fill the scope in.

use std::collections::BTreeSet;

use crate::arn::FunctionArn;
use crate::config::Config;
use crate::inventory::ScopeInventory;
use crate::invoke_permission::PolicyInvocation;
use crate::probe::select::{candidates, Planned};
use crate::routes::ScopeRoutes;

/// The reads one scope needs beyond its APIs.
#[derive(Debug, Default)]
pub struct Plan {
    /// Every distinct function ARN some route resolves to, across routes and stages.
    pub functions: BTreeSet<FunctionArn>,
    /// Every distinct role a Lambda integration or authorizer names in `credentials`
    /// (pass-through credentials are not roles).
    pub roles: BTreeSet<String>,
    /// The invocations judged against resource policies.
    pub invocations: BTreeSet<PolicyInvocation>,
    /// The routes the opt-in probe may invoke, if it is on.
    pub probes: Vec<Planned>,
}

impl Plan {
    /// The plan of a scope whose APIs (and what their stages serve) have been read.
    pub fn of(scope: &ScopeInventory, config: &Config, probe: bool) -> Self {
        let routes = ScopeRoutes::new(scope);
        let mut plan = Plan::default();
        for route in &routes.targets {
            let Ok(function) = &route.resolved else {
                continue;
            };
            plan.functions.insert(function.clone());
            match route.credentials {
                Some(role) if !crate::arn::is_pass_through(role) => {
                    plan.roles.insert(role.to_string());
                }
                Some(_) => {}
                None => {
                    if let Some(source_arn) = &route.source_arn {
                        plan.invocations.insert(PolicyInvocation {
                            function: function.clone(),
                            source_arn: source_arn.clone(),
                        });
                    }
                }
            }
        }
        if probe {
            plan.probes = candidates(&routes, &config.probe);
        }
        plan
    }
}
