//! The package phase of collection. After the targets are read, the listing of each distinct
//! deployment package (by `CodeSha256`: a function, its versions and aliases usually share one)
//! is read once from its presigned `Code.Location`; then, only for targets whose handler or
//! `bootstrap` is not in their own package, the listings of their layers
//! (`GetLayerVersionByArn`). The presigned URLs are dropped when the phase ends.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::arn;
use crate::aws::clients::RegionalClients;
use crate::aws::{translate, CallGate, Operation};
use crate::config::PackageSettings;
use crate::inventory::{CollectionError, Lookup, PackageListing, ScopeInventory};
use crate::package::handler_path::{self, Expectation};
use crate::package::{inspect, Inspection, Limits};

/// A presigned URL older than this is refreshed with one more `GetFunction` before use: they
/// are valid for 10 minutes (aws-facts §5), and a read must have time to finish.
const LOCATION_MAX_AGE: Duration = Duration::from_secs(8 * 60);

/// One distinct function package to read.
struct PackageJob {
    sha: String,
    url: Option<String>,
    /// A target whose `GetFunction` can refresh an expired URL.
    target_arn: String,
    expectations: Vec<Expectation>,
}

/// Reads the listings the scope's targets need, recording them and what they cost in `scope`.
pub async fn collect_packages(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    scope: &mut ScopeInventory,
    settings: &PackageSettings,
    concurrency: usize,
) {
    if !settings.enabled {
        clear_locations(scope);
        return;
    }
    let limits = Limits {
        max_bytes: settings.max_bytes_per_package,
        timeout: Duration::from_secs(settings.seconds_per_package),
        max_entries: 200_000,
        read_sources: settings.inspect_handler_source,
        max_source_bytes: settings.max_handler_file_bytes,
    };
    let http = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            let message = format!("cannot start an HTTP client: {}", e.without_url());
            for job in package_jobs(scope) {
                let error = package_error(scope, &job.target_arn, "HttpClient", &message);
                scope.packages.insert(job.sha, Lookup::Failed(error));
            }
            clear_locations(scope);
            return;
        }
    };

    let jobs = package_jobs(scope);
    let results: Vec<(String, Inspection, String)> = stream::iter(jobs)
        .map(|job| {
            let (http, limits) = (&http, &limits);
            let scope = &*scope;
            async move {
                let url = match job.url {
                    Some(url) => Some(url),
                    None => fresh_location(clients, gate, scope, &job.target_arn).await,
                };
                let inspection = match url {
                    Some(url) => inspect(http, &url, &job.expectations, limits).await,
                    None => Inspection {
                        listing: Err(crate::package::fetch::FetchError {
                            code: "NoCodeLocation",
                            message: "GetFunction returned no code location for the package"
                                .to_string(),
                        }),
                        bytes: 0,
                        requests: 0,
                    },
                };
                (job.sha, inspection, job.target_arn)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (sha, inspection, target_arn) in results {
        let lookup = record(scope, inspection, &target_arn);
        scope.packages.insert(sha, lookup);
    }

    let layers = layers_needed(scope);
    let layer_results: Vec<(String, Lookup<()>, Inspection)> = stream::iter(layers)
        .map(|layer_arn| {
            let (http, limits) = (&http, &limits);
            let scope = &*scope;
            async move {
                let (lookup, inspection) =
                    read_layer(clients, gate, scope, http, limits, &layer_arn).await;
                (layer_arn, lookup, inspection)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (layer_arn, lookup, inspection) in layer_results {
        let lookup = match lookup {
            Lookup::Found(()) => record(scope, inspection, &layer_arn),
            Lookup::Missing => Lookup::Missing,
            Lookup::Failed(error) => Lookup::Failed(error),
        };
        scope.layers.insert(layer_arn, lookup);
    }
    clear_locations(scope);
}

/// Adds an inspection's cost to the scope and turns its outcome into a lookup.
fn record(
    scope: &mut ScopeInventory,
    inspection: Inspection,
    resource: &str,
) -> Lookup<PackageListing> {
    scope.package_reads.bytes += inspection.bytes;
    scope.package_reads.requests += inspection.requests;
    match inspection.listing {
        Ok(listing) => {
            scope.package_reads.packages += 1;
            Lookup::Found(listing)
        }
        Err(error) => {
            tracing::warn!(
                resource,
                code = error.code,
                "could not read a deployment package"
            );
            Lookup::Failed(package_error(scope, resource, error.code, &error.message))
        }
    }
}

fn package_error(
    scope: &ScopeInventory,
    resource: &str,
    code: &str,
    message: &str,
) -> CollectionError {
    CollectionError {
        account: scope.account.clone(),
        region: scope.region.clone(),
        // The package comes from GetFunction's (or GetLayerVersionByArn's) presigned URL.
        operation: if resource.contains(":layer:") {
            Operation::LambdaGetLayerVersionByArn.name()
        } else {
            Operation::LambdaGetFunction.name()
        }
        .to_string(),
        resource: resource.to_string(),
        code: code.to_string(),
        message: message.to_string(),
    }
}

/// The distinct Zip packages of the scope's targets, each with the handlers that use it.
fn package_jobs(scope: &ScopeInventory) -> Vec<PackageJob> {
    let mut jobs: BTreeMap<String, PackageJob> = BTreeMap::new();
    for target in scope.targets.values() {
        let Some(config) = target.configuration.found() else {
            continue;
        };
        if config.package_type.as_deref() == Some("Image") {
            continue;
        }
        let Some(sha) = &config.code_sha256 else {
            continue;
        };
        let url = config
            .code_location
            .as_ref()
            .filter(|l| l.fetched_at.elapsed() < LOCATION_MAX_AGE)
            .map(|l| l.url.clone());
        let job = jobs.entry(sha.clone()).or_insert_with(|| PackageJob {
            sha: sha.clone(),
            url: None,
            target_arn: target.arn.to_string(),
            expectations: Vec::new(),
        });
        if job.url.is_none() && url.is_some() {
            job.url = url;
            job.target_arn = target.arn.to_string();
        }
        if let (Some(runtime), Some(handler)) = (&config.runtime, &config.handler) {
            if let Some(expectation) = handler_path::expect(runtime, handler) {
                if !job.expectations.contains(&expectation) {
                    job.expectations.push(expectation);
                }
            }
        }
    }
    jobs.into_values().collect()
}

/// The layers of targets whose handler (or `bootstrap`) is not in their own package.
fn layers_needed(scope: &ScopeInventory) -> BTreeSet<String> {
    let mut layers = BTreeSet::new();
    for target in scope.targets.values() {
        let Some(config) = target.configuration.found() else {
            continue;
        };
        if config.layers.is_empty() {
            continue;
        }
        let (Some(runtime), Some(handler), Some(sha)) =
            (&config.runtime, &config.handler, &config.code_sha256)
        else {
            continue;
        };
        let Some(expectation) = handler_path::expect(runtime, handler) else {
            continue;
        };
        let Some(Lookup::Found(listing)) = scope.packages.get(sha) else {
            continue;
        };
        if handler_path::find(listing, &expectation).is_none() {
            layers.extend(config.layers.iter().cloned());
        }
    }
    layers
}

/// `GetLayerVersionByArn`, then the listing at its content location. `Found(())` means the
/// inspection holds the outcome.
async fn read_layer(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    scope: &ScopeInventory,
    http: &reqwest::Client,
    limits: &Limits,
    layer_arn: &str,
) -> (Lookup<()>, Inspection) {
    let empty = || Inspection {
        listing: Ok(PackageListing::default()),
        bytes: 0,
        requests: 0,
    };
    // arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
    let region = layer_arn.split(':').nth(3).unwrap_or(&scope.region);
    gate.admit(Operation::LambdaGetLayerVersionByArn).await;
    let result = clients
        .lambda(region)
        .get_layer_version_by_arn()
        .arn(layer_arn)
        .send()
        .await;
    match result {
        Ok(output) => {
            let Some(url) = output.content().and_then(|c| c.location()) else {
                let error = package_error(
                    scope,
                    layer_arn,
                    "NoCodeLocation",
                    "GetLayerVersionByArn returned no content location",
                );
                return (Lookup::Failed(error), empty());
            };
            // A layer's handler search needs no deeper look: only listings.
            let limits = Limits {
                read_sources: false,
                ..limits.clone()
            };
            (Lookup::Found(()), inspect(http, url, &[], &limits).await)
        }
        Err(e) => {
            let failure = translate(&e);
            if failure.not_found {
                (Lookup::Missing, empty())
            } else {
                let error = failure.into_error(
                    (&scope.account, &scope.region),
                    Operation::LambdaGetLayerVersionByArn,
                    layer_arn,
                );
                (Lookup::Failed(error), empty())
            }
        }
    }
}

/// A new presigned URL for a target whose URL is too old (a slow, rate-limited run).
async fn fresh_location(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    scope: &ScopeInventory,
    target_arn: &str,
) -> Option<String> {
    let parsed = arn::parse_function_arn(target_arn).ok()?;
    if parsed.account != scope.account {
        return None;
    }
    gate.admit(Operation::LambdaGetFunction).await;
    let output = clients
        .lambda(&parsed.region)
        .get_function()
        .function_name(parsed.unqualified().to_string())
        .set_qualifier(parsed.qualifier.clone())
        .send()
        .await
        .ok()?;
    output.code().and_then(|c| c.location()).map(str::to_string)
}

/// Drops every presigned URL: they must not outlive the phase.
fn clear_locations(scope: &mut ScopeInventory) {
    for target in scope.targets.values_mut() {
        if let Lookup::Found(config) = &mut target.configuration {
            config.code_location = None;
        }
    }
}

/// The failed package and layer reads, for the report's flat `errors` list.
pub fn package_errors(scope: &ScopeInventory) -> impl Iterator<Item = &CollectionError> {
    scope
        .packages
        .values()
        .chain(scope.layers.values())
        .filter_map(Lookup::failed)
}
