//! The probe of one scope: select the routes, build each event, invoke a few at a time within
//! the gate's rate, and keep one result per route. Logs counts only, never a payload.

use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::aws::clients::RegionalClients;
use crate::aws::CallGate;
use crate::config::ProbeSettings;
use crate::inventory::ScopeInventory;
use crate::probe::event::proxy_event;
use crate::probe::invoke::{invoke, Call};
use crate::probe::select::{select, Planned};
use crate::probe::{ProbeOutcome, ProbeResult};

/// Invocations in flight at once: the rate limit paces them, this only keeps a slow function
/// from holding up the others.
const IN_FLIGHT: usize = 4;

/// Probes the `candidates` (planned from the scope's route targets) whose targets exist; results
/// in selection order.
pub async fn probe_scope(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    scope: &ScopeInventory,
    candidates: Vec<Planned>,
    settings: &ProbeSettings,
) -> Vec<ProbeResult> {
    let selection = select(candidates, scope, settings);
    if selection.over_cap > 0 {
        tracing::warn!(
            account = %scope.account,
            region = %scope.region,
            probed = selection.planned.len(),
            left_out = selection.over_cap,
            "more routes match [probe] than max-targets allows; the rest are not probed"
        );
    }
    let timeout = Duration::from_secs(settings.timeout_seconds);
    let results: Vec<ProbeResult> = stream::iter(selection.planned)
        .map(|planned| async move {
            let request_id = uuid::Uuid::new_v4().to_string();
            let (event, probed_path) =
                proxy_event(scope, &planned, settings, &request_id, chrono::Utc::now());
            let client = clients.lambda(&planned.target.region);
            // A tenant-isolated function refuses any invocation without a tenant id.
            let isolated = scope
                .targets
                .get(&planned.target.to_string())
                .and_then(|t| t.configuration.found())
                .is_some_and(|c| c.tenant_isolation.is_some());
            let call = Call {
                target: &planned.target,
                event: &event,
                streams: planned.streams,
                payload_format: planned.payload_format.as_deref(),
                tenant_id: isolated.then_some(settings.tenant_id.as_str()),
                timeout,
            };
            let outcome = invoke(&client, gate, (&scope.account, &scope.region), call).await;
            ProbeResult {
                api_id: planned.api_id.clone(),
                stages: planned.stages,
                method: planned.method,
                resource: planned.path,
                probed_method: planned.verb,
                probed_path,
                target: planned.target,
                payload_format: planned.payload_format,
                outcome,
            }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let count = |f: fn(&ProbeOutcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    tracing::info!(
        account = %scope.account,
        region = %scope.region,
        probed = results.len(),
        rejected = count(|o| matches!(o, ProbeOutcome::Rejected { .. })),
        function_errors = count(|o| matches!(o, ProbeOutcome::FunctionError { .. })),
        failed = count(|o| matches!(o, ProbeOutcome::Failed { .. })),
        "probed route targets"
    );
    results
}
