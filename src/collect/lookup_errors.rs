//! The report's flat `errors` list of one scope: every lookup that failed during collection
//! (APIs, deployments, roles, targets, packages, evidence, probes), each listed once.

use crate::collect::packages::package_errors;
use crate::inventory::{CollectionError, Lookup, ScopeInventory};
use crate::probe;

/// Every failed lookup in the scope, for the report's flat `errors` list.
pub fn lookup_errors(scope: &ScopeInventory) -> Vec<CollectionError> {
    let mut errors = Vec::new();
    for api in &scope.apis {
        errors.extend(api.resources.failed().cloned());
        errors.extend(api.stages.failed().cloned());
        errors.extend(api.authorizers.failed().cloned());
    }
    for api in &scope.http_apis {
        errors.extend(api.routes.failed().cloned());
        errors.extend(api.integrations.failed().cloned());
        errors.extend(api.stages.failed().cloned());
        errors.extend(api.authorizers.failed().cloned());
    }
    for api in &scope.apis {
        errors.extend(api.deployments.values().filter_map(Lookup::failed).cloned());
    }
    for api in &scope.http_apis {
        errors.extend(api.deployments.values().filter_map(Lookup::failed).cloned());
    }
    errors.extend(scope.roles.values().filter_map(Lookup::failed).cloned());
    for target in scope.targets.values() {
        errors.extend(target.configuration.failed().cloned());
        errors.extend(target.policy.failed().cloned());
        errors.extend(
            target
                .unqualified_policy
                .as_ref()
                .and_then(Lookup::failed)
                .cloned(),
        );
    }
    errors.extend(package_errors(scope).cloned());
    if let Some(evidence) = &scope.evidence {
        let metrics = evidence.stage_metrics.iter().map(|m| &m.sums);
        let function_metrics = evidence.function_metrics.iter().map(|m| &m.sums);
        errors.extend(
            metrics
                .chain(function_metrics)
                .filter_map(Lookup::failed)
                .cloned(),
        );
        let scans = evidence
            .execution_logs
            .iter()
            .chain(&evidence.function_logs);
        errors.extend(scans.filter_map(|scan| scan.hits.failed()).cloned());
    }
    for result in scope.probes.iter().flatten() {
        if let probe::ProbeOutcome::Failed { error } = &result.outcome {
            errors.push(error.clone());
        }
    }
    // A failed GetMetricData batch blocks every series in it: list it once.
    let mut seen = std::collections::HashSet::new();
    errors.retain(|e| seen.insert((e.operation.clone(), e.resource.clone(), e.code.clone())));
    errors
}
