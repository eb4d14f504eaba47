//! Reading deployment packages while collection goes on. As each target is read, the listing of
//! its deployment package (by `CodeSha256`: a function, its versions and aliases usually share
//! one) is read from its presigned `Code.Location`, once per package — again only when a later
//! target sharing the package needs another handler file looked at. Once every target is known,
//! the layers of the targets whose handler or `bootstrap` is not in their own package
//! (`GetLayerVersionByArn`) are listed, and the presigned URLs are dropped.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::arn;
use crate::aws::clients::RegionalClients;
use crate::aws::{translate, CallGate, Operation};
use crate::config::PackageSettings;
use crate::inventory::{CollectionError, LambdaTarget, Lookup, PackageListing, ScopeInventory};
use crate::package::handler_path::{self, Expectation};
use crate::package::{inspect, Inspection, Limits};

/// A presigned URL older than this is refreshed with one more `GetFunction` before use: they
/// are valid for 10 minutes (docs/aws-facts.md §5), and a read must have time to finish.
const LOCATION_MAX_AGE: Duration = Duration::from_secs(8 * 60);

/// One distinct function package to read.
pub struct PackageJob {
    sha: String,
    url: Option<String>,
    /// A target whose `GetFunction` can refresh an expired URL.
    target_arn: arn::FunctionArn,
    expectations: Vec<Expectation>,
}

/// A package read: what it gave and cost.
pub struct PackageRead {
    sha: String,
    inspection: Inspection,
    target_arn: arn::FunctionArn,
    /// How many of the package's expectations the read looked for.
    covered: usize,
}

/// What is known of one package while targets keep arriving.
struct Known {
    expectations: Vec<Expectation>,
    url: Option<String>,
    target_arn: arn::FunctionArn,
    /// A read was started (and maybe finished).
    started: bool,
    reading: bool,
    /// How many expectations the last finished read covered.
    covered: usize,
}

/// The packages of one scope: which to read as targets arrive, and their reading.
pub struct Packages<'a> {
    reader: PackageReader<'a>,
    enabled: bool,
    known: HashMap<String, Known>,
}

/// What reading a package needs; cheap to clone, so each read owns one.
#[derive(Clone)]
pub struct PackageReader<'a> {
    clients: &'a RegionalClients<'a>,
    gate: &'a CallGate,
    account: &'a str,
    limits: Limits,
    http: Result<reqwest::Client, String>,
}

impl<'a> Packages<'a> {
    pub fn new(
        clients: &'a RegionalClients<'a>,
        gate: &'a CallGate,
        account: &'a str,
        settings: &PackageSettings,
    ) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot start an HTTP client: {}", e.without_url()));
        Self {
            reader: PackageReader {
                clients,
                gate,
                account,
                limits: Limits {
                    max_bytes: settings.max_bytes_per_package,
                    timeout: Duration::from_secs(settings.seconds_per_package),
                    max_entries: 200_000,
                    read_sources: settings.inspect_handler_source,
                    max_source_bytes: settings.max_handler_file_bytes,
                },
                http,
            },
            enabled: settings.enabled,
            known: HashMap::new(),
        }
    }

    /// The reader, for a job to own.
    pub fn reader(&self) -> PackageReader<'a> {
        self.reader.clone()
    }

    /// A target was read: the read its package needs now, if any (none when the package is
    /// being read or was read for this handler already).
    pub fn on_target(&mut self, target: &LambdaTarget) -> Option<PackageJob> {
        if !self.enabled {
            return None;
        }
        let config = target.configuration.found()?;
        if config.package_type.as_deref() == Some("Image") {
            return None;
        }
        let sha = config.code_sha256.clone()?;
        let url = config
            .code_location
            .as_ref()
            .filter(|l| l.fetched_at.elapsed() < LOCATION_MAX_AGE)
            .map(|l| l.url.clone());
        let expectation = match (&config.runtime, &config.handler) {
            (Some(runtime), Some(handler)) => handler_path::expect(runtime, handler),
            _ => None,
        };
        let known = self.known.entry(sha.clone()).or_insert_with(|| Known {
            expectations: Vec::new(),
            url: None,
            target_arn: target.arn.clone(),
            started: false,
            reading: false,
            covered: 0,
        });
        if url.is_some() {
            known.url = url;
            known.target_arn = target.arn.clone();
        }
        let new = expectation.filter(|e| !known.expectations.contains(e));
        let grew = new.is_some();
        known.expectations.extend(new);
        if known.reading || (known.started && !grew) {
            return None;
        }
        Some(Self::job(&sha, known))
    }

    fn job(sha: &str, known: &mut Known) -> PackageJob {
        known.started = true;
        known.reading = true;
        PackageJob {
            sha: sha.to_string(),
            url: known.url.clone(),
            target_arn: known.target_arn.clone(),
            expectations: known.expectations.clone(),
        }
    }

    /// Records a read in `scope`; returns the next read of the same package when targets that
    /// arrived meanwhile need more of its handler files looked at.
    pub fn on_read(&mut self, read: PackageRead, scope: &mut ScopeInventory) -> Option<PackageJob> {
        let first = !scope.packages.contains_key(&read.sha);
        let lookup = record(scope, read.inspection, &read.target_arn.to_string(), first);
        scope.packages.insert(read.sha.clone(), lookup);
        let known = self.known.get_mut(&read.sha)?;
        known.reading = false;
        known.covered = read.covered;
        (known.expectations.len() > known.covered).then(|| Self::job(&read.sha, known))
    }

    /// Once every target is known: the layers of targets whose handler is not in their own
    /// package, then the presigned URLs are dropped.
    pub async fn finish(self, scope: &mut ScopeInventory, concurrency: usize) {
        let reader = &self.reader;
        if let (true, Ok(http)) = (self.enabled, &reader.http) {
            collect_layers(
                reader.clients,
                reader.gate,
                scope,
                http,
                &reader.limits,
                concurrency,
            )
            .await;
        }
        clear_locations(scope);
    }
}

impl PackageReader<'_> {
    /// Reads one package (refreshing its URL first when it is too old).
    pub async fn read(&self, job: PackageJob) -> PackageRead {
        let covered = job.expectations.len();
        let inspection = match &self.http {
            Err(message) => failed_inspection("HttpClient", message.clone()),
            Ok(http) => {
                let url = match job.url {
                    Some(url) => Some(url),
                    None => {
                        fresh_location(self.clients, self.gate, self.account, &job.target_arn).await
                    }
                };
                match url {
                    Some(url) => inspect(http, &url, &job.expectations, &self.limits).await,
                    None => failed_inspection(
                        "NoCodeLocation",
                        "GetFunction returned no code location for the package".to_string(),
                    ),
                }
            }
        };
        PackageRead {
            sha: job.sha,
            inspection,
            target_arn: job.target_arn,
            covered,
        }
    }
}

fn failed_inspection(code: &'static str, message: String) -> Inspection {
    Inspection {
        listing: Err(crate::package::fetch::FetchError { code, message }),
        bytes: 0,
        requests: 0,
    }
}

async fn collect_layers(
    clients: &RegionalClients<'_>,
    gate: &CallGate,
    scope: &mut ScopeInventory,
    http: &reqwest::Client,
    limits: &Limits,
    concurrency: usize,
) {
    let layers = layers_needed(scope);
    let layer_results: Vec<(String, Lookup<()>, Inspection)> = stream::iter(layers)
        .map(|layer_arn| {
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
            Lookup::Found(()) => record(scope, inspection, &layer_arn, true),
            Lookup::Missing => Lookup::Missing,
            Lookup::Failed(error) => Lookup::Failed(error),
        };
        scope.layers.insert(layer_arn, lookup);
    }
}

/// Adds an inspection's cost to the scope and turns its outcome into a lookup.
/// `first`: the package's first read (a second read, for more handler files, is not another
/// package).
fn record(
    scope: &mut ScopeInventory,
    inspection: Inspection,
    resource: &str,
    first: bool,
) -> Lookup<PackageListing> {
    scope.package_reads.bytes += inspection.bytes;
    scope.package_reads.requests += inspection.requests;
    match inspection.listing {
        Ok(listing) => {
            if first {
                scope.package_reads.packages += 1;
            }
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
    let region = arn::region_of(layer_arn).unwrap_or(&scope.region);
    let client = clients.lambda(region);
    let result = gate
        .send(Operation::LambdaGetLayerVersionByArn, || {
            client.get_layer_version_by_arn().arn(layer_arn).send()
        })
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
    account: &str,
    parsed: &arn::FunctionArn,
) -> Option<String> {
    if parsed.account != account {
        return None;
    }
    let client = clients.lambda(&parsed.region);
    let output = gate
        .send(Operation::LambdaGetFunction, || {
            client
                .get_function()
                .function_name(parsed.unqualified().to_string())
                .set_qualifier(parsed.qualifier.clone())
                .send()
        })
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
