//! The collection of one scope as a pipeline rather than phases. Every read starts as soon as
//! what it needs is known, so that calls spending different quotas overlap and the wall time
//! approaches the time of the binding quota (usually API Gateway's account bucket):
//!
//! - a REST API's resources, stages and authorizers, an HTTP API's routes, integrations, stages
//!   and authorizers, as soon as it is listed;
//! - its exports (`GetExport`, or `ExportApi` for HTTP stages without auto-deploy: what each
//!   stage serves) as soon as its stages are;
//! - the execution-log groups of its stages (the access-log groups of an HTTP API's, each group
//!   once however many stages write to it) as soon as its stages are;
//! - once an API is read whole, the Lambda targets and credentials roles its routes name that
//!   no earlier API named (`plan.rs` on that API alone);
//! - a target's deployment package and function log group as soon as the target is read.
//!
//! One task drives everything: jobs borrow only what never changes (clients, gates, settings)
//! and hand their results back, and the driver files them into the scope and starts what they
//! make possible. Each kind of job runs at most `collect.concurrency` at a time; the limiters of
//! `crate::aws` order the calls within each quota.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;

use futures::stream::{FuturesUnordered, StreamExt};

use crate::arn::FunctionArn;
use crate::aws::clients::RegionalClients;
use crate::aws::CallGate;
use crate::collect::apigateway::{ApiGatewayCollector, ApiSummary};
use crate::collect::apigatewayv2::HttpApiCollector;
use crate::collect::cloudwatch::{
    access_log_jobs, execution_log_jobs, function_log_job, scan, LogJob, LogKind,
};
use crate::collect::deployed::{export, exports_to_read};
use crate::collect::export_http::{export_http, http_exports_to_read};
use crate::collect::logs::ScanBounds;
use crate::collect::packages::{PackageJob, PackageRead, Packages};
use crate::collect::plan::Plan;
use crate::collect::readers::{LambdaClients, RoleReader};
use crate::config::{Config, IntegrationsSource};
use crate::inventory::evidence::{LogScan, Window};
use crate::inventory::{
    self, ApiResource, HttpApi, HttpDeployment, IamRole, LambdaTarget, Lookup, RestApi,
    ScopeInventory,
};

/// What the pipeline's jobs share.
pub(crate) struct Pipeline<'a> {
    pub config: &'a Config,
    pub gate: &'a CallGate,
    pub apis: &'a ApiGatewayCollector<'a>,
    pub http_apis: &'a HttpApiCollector<'a>,
    pub lambdas: &'a LambdaClients<'a>,
    pub clients: &'a RegionalClients<'a>,
    pub roles: &'a RoleReader<'a>,
    pub window: Window,
}

/// The kinds of job, each with its own concurrency. REST and HTTP APIs share `Api` and `Export`:
/// they spend the same API Gateway account bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Api,
    Export,
    Target,
    Package,
    Role,
    Logs,
}

/// A finished job.
enum Done {
    Api(usize, Box<RestApi>),
    Export(usize, String, Lookup<Vec<ApiResource>>),
    HttpApi(usize, Box<HttpApi>),
    HttpExport(usize, String, Lookup<HttpDeployment>),
    Target(Box<LambdaTarget>),
    Package(PackageRead),
    Role(String, Lookup<IamRole>),
    /// A scan, and the region of its log group.
    Logs(LogKind, LogScan, String),
}

type Job<'a> = Pin<Box<dyn Future<Output = (Kind, Done)> + Send + 'a>>;

/// Jobs waiting for a slot of their kind, and the running ones.
struct Queue<'a> {
    waiting: HashMap<Kind, VecDeque<Job<'a>>>,
    running: HashMap<Kind, usize>,
    jobs: FuturesUnordered<Job<'a>>,
    limit: usize,
}

impl<'a> Queue<'a> {
    fn push(&mut self, kind: Kind, job: impl Future<Output = Done> + Send + 'a) {
        let job: Job<'a> = Box::pin(async move { (kind, job.await) });
        self.waiting.entry(kind).or_default().push_back(job);
    }

    /// Starts waiting jobs while their kind has room; false when nothing runs or waits.
    fn start(&mut self) -> bool {
        for (kind, waiting) in &mut self.waiting {
            let running = self.running.entry(*kind).or_default();
            while *running < self.limit {
                let Some(job) = waiting.pop_front() else {
                    break;
                };
                *running += 1;
                self.jobs.push(job);
            }
        }
        !self.jobs.is_empty()
    }

    async fn next(&mut self) -> Option<Done> {
        let (kind, done) = self.jobs.next().await?;
        if let Some(running) = self.running.get_mut(&kind) {
            *running -= 1;
        }
        Some(done)
    }
}

/// A log group several stages write to: the stages waiting for its scan, or the scan.
enum SharedScan {
    Pending(Vec<(String, String)>),
    Done(Box<LogScan>),
}

impl SharedScan {
    /// The scan, filed for the stage `api` `stage` as well.
    fn for_stage(scan: &LogScan, (api, stage): (String, String)) -> LogScan {
        LogScan {
            api_id: Some(api),
            stage: Some(stage),
            ..scan.clone()
        }
    }
}

/// What the driver keeps track of besides the scope.
#[derive(Default)]
struct Progress {
    apis: Vec<Option<RestApi>>,
    /// Exports still to come, per API.
    exports_left: Vec<usize>,
    http_apis: Vec<Option<HttpApi>>,
    http_exports_left: Vec<usize>,
    functions: BTreeSet<FunctionArn>,
    roles: BTreeSet<String>,
    /// Function names whose log group is scanned (all versions and aliases log to one group).
    function_logs: HashSet<String>,
    /// Access-log groups (region, name) scanned or being scanned, each once: several HTTP API
    /// stages may write to one group, and its lines are then every such stage's (the check
    /// says the group is shared).
    access_groups: HashMap<(String, String), SharedScan>,
    scans: Vec<(LogKind, LogScan)>,
}

impl<'a> Pipeline<'a> {
    /// Reads the REST APIs `listed` and the HTTP APIs `http_listed` and everything they lead to
    /// into `scope`; returns the log scans for the evidence. The layers, the explanations and the
    /// metrics, which need every target, come after (`region.rs`).
    pub async fn run(
        &'a self,
        scope: &mut ScopeInventory,
        listed: Vec<ApiSummary>,
        http_listed: Vec<inventory::ApiSummary>,
        packages: &mut Packages<'a>,
    ) -> Vec<(LogKind, LogScan)> {
        let mut queue = Queue {
            waiting: HashMap::new(),
            running: HashMap::new(),
            jobs: FuturesUnordered::new(),
            limit: self.config.collect.concurrency.max(1),
        };
        let mut progress = Progress {
            apis: vec![None; listed.len()],
            exports_left: vec![0; listed.len()],
            http_apis: vec![None; http_listed.len()],
            http_exports_left: vec![0; http_listed.len()],
            ..Progress::default()
        };
        for (index, summary) in listed.into_iter().enumerate() {
            queue.push(Kind::Api, async move {
                Done::Api(index, Box::new(self.apis.collect_api(summary).await))
            });
        }
        for (index, summary) in http_listed.into_iter().enumerate() {
            queue.push(Kind::Api, async move {
                Done::HttpApi(index, Box::new(self.http_apis.collect_api(summary).await))
            });
        }
        while queue.start() {
            let Some(done) = queue.next().await else {
                break;
            };
            match done {
                Done::Api(index, api) => {
                    self.api_read(index, *api, scope, &mut progress, &mut queue)
                }
                Done::Export(index, deployment, served) => {
                    let api = progress.apis[index]
                        .as_mut()
                        .expect("read before its exports");
                    api.deployments.insert(deployment, served);
                    progress.exports_left[index] -= 1;
                    if progress.exports_left[index] == 0 {
                        self.api_complete(index, scope, &mut progress, &mut queue);
                    }
                }
                Done::HttpApi(index, api) => {
                    self.http_api_read(index, *api, scope, &mut progress, &mut queue)
                }
                Done::HttpExport(index, deployment, served) => {
                    let api = progress.http_apis[index]
                        .as_mut()
                        .expect("read before its exports");
                    api.deployments.insert(deployment, served);
                    progress.http_exports_left[index] -= 1;
                    if progress.http_exports_left[index] == 0 {
                        self.http_api_complete(index, scope, &mut progress, &mut queue);
                    }
                }
                Done::Target(target) => {
                    self.target_read(&target, scope, &mut progress, &mut queue, packages);
                    scope.targets.insert(target.arn.to_string(), *target);
                }
                Done::Package(read) => {
                    if let Some(again) = packages.on_read(read, scope) {
                        self.read_package(again, packages, &mut queue);
                    }
                }
                Done::Role(arn, role) => {
                    scope.roles.insert(arn, role);
                }
                Done::Logs(kind, scan, region) => {
                    if kind == LogKind::Access {
                        let key = (region, scan.log_group.clone());
                        let waiting = progress
                            .access_groups
                            .insert(key, SharedScan::Done(Box::new(scan.clone())));
                        if let Some(SharedScan::Pending(stages)) = waiting {
                            for stage in stages {
                                progress
                                    .scans
                                    .push((kind, SharedScan::for_stage(&scan, stage)));
                            }
                        }
                    }
                    progress.scans.push((kind, scan));
                }
            }
        }
        scope.apis = progress.apis.into_iter().flatten().collect();
        scope.http_apis = progress.http_apis.into_iter().flatten().collect();
        progress.scans
    }

    /// An API's resources, stages and authorizers are in: read what its stages serve, scan its
    /// stages' execution logs.
    fn api_read(
        &'a self,
        index: usize,
        api: RestApi,
        scope: &ScopeInventory,
        progress: &mut Progress,
        queue: &mut Queue<'a>,
    ) {
        let evidence = &self.config.evidence;
        if evidence.enabled && evidence.logs {
            for job in execution_log_jobs(&scope.region, &api) {
                self.scan_logs(job, scope, queue);
            }
        }
        let exports = if self.config.collect.integrations == IntegrationsSource::Deployed {
            exports_to_read(&api)
        } else {
            Vec::new()
        };
        progress.exports_left[index] = exports.len();
        let shared = std::sync::Arc::new(api.clone());
        progress.apis[index] = Some(api);
        if exports.is_empty() {
            self.api_complete(index, scope, progress, queue);
            return;
        }
        let identity = (self.apis.account, self.apis.region);
        for (deployment, stage) in exports {
            let api = shared.clone();
            queue.push(Kind::Export, async move {
                let served = export(self.apis.client, self.gate, identity, &api, &stage).await;
                Done::Export(index, deployment, served)
            });
        }
    }

    /// An HTTP API's routes, integrations, stages and authorizers are in: read what its stages
    /// without auto-deploy serve, scan its stages' access logs.
    fn http_api_read(
        &'a self,
        index: usize,
        api: HttpApi,
        scope: &ScopeInventory,
        progress: &mut Progress,
        queue: &mut Queue<'a>,
    ) {
        let evidence = &self.config.evidence;
        if evidence.enabled && evidence.logs {
            for job in access_log_jobs(&scope.region, &api) {
                // One scan per group: a stage writing to a group already scanned (or being
                // scanned) gets a copy of that scan.
                match (progress.access_groups.get_mut(&job.group()), job.stage()) {
                    (Some(SharedScan::Pending(stages)), Some(stage)) => stages.push(stage),
                    (Some(SharedScan::Done(scan)), Some(stage)) => {
                        let copy = SharedScan::for_stage(scan, stage);
                        progress.scans.push((LogKind::Access, copy));
                    }
                    _ => {
                        progress
                            .access_groups
                            .insert(job.group(), SharedScan::Pending(Vec::new()));
                        self.scan_logs(job, scope, queue);
                    }
                }
            }
        }
        let exports = if self.config.collect.integrations == IntegrationsSource::Deployed {
            http_exports_to_read(&api)
        } else {
            Vec::new()
        };
        progress.http_exports_left[index] = exports.len();
        let shared = std::sync::Arc::new(api.clone());
        progress.http_apis[index] = Some(api);
        if exports.is_empty() {
            self.http_api_complete(index, scope, progress, queue);
            return;
        }
        let identity = (self.apis.account, self.apis.region);
        for (deployment, stage) in exports {
            let api = shared.clone();
            queue.push(Kind::Export, async move {
                let client = self.http_apis.client;
                let served = export_http(client, self.gate, identity, &api, &stage).await;
                Done::HttpExport(index, deployment, served)
            });
        }
    }

    /// A REST API is read whole: read the targets and roles its routes name that are new.
    fn api_complete(
        &'a self,
        index: usize,
        scope: &ScopeInventory,
        progress: &mut Progress,
        queue: &mut Queue<'a>,
    ) {
        let Some(api) = &progress.apis[index] else {
            return;
        };
        let alone = ScopeInventory {
            apis: vec![api.clone()],
            ..Self::empty(scope)
        };
        self.plan_reads(&alone, progress, queue);
    }

    /// An HTTP API is read whole: the same as a REST API's.
    fn http_api_complete(
        &'a self,
        index: usize,
        scope: &ScopeInventory,
        progress: &mut Progress,
        queue: &mut Queue<'a>,
    ) {
        let Some(api) = &progress.http_apis[index] else {
            return;
        };
        let alone = ScopeInventory {
            http_apis: vec![api.clone()],
            ..Self::empty(scope)
        };
        self.plan_reads(&alone, progress, queue);
    }

    /// A scope with `scope`'s identity and nothing else.
    fn empty(scope: &ScopeInventory) -> ScopeInventory {
        ScopeInventory {
            account: scope.account.clone(),
            region: scope.region.clone(),
            partition: scope.partition.clone(),
            ..ScopeInventory::default()
        }
    }

    /// Reads the targets and roles the routes of the one API in `alone` name that no earlier API
    /// named (`plan.rs` on that API alone).
    fn plan_reads(
        &'a self,
        alone: &ScopeInventory,
        progress: &mut Progress,
        queue: &mut Queue<'a>,
    ) {
        let plan = Plan::of(alone, self.config, false);
        for function in plan.functions {
            if progress.functions.insert(function.clone()) {
                queue.push(Kind::Target, async move {
                    Done::Target(Box::new(self.lambdas.read_target(&function).await))
                });
            }
        }
        for role in plan.roles {
            if progress.roles.insert(role.clone()) {
                queue.push(Kind::Role, async move {
                    let read = self.roles.read(&role).await;
                    Done::Role(role, read)
                });
            }
        }
    }

    /// A target is read: read its package, scan its function's log group; for an unqualified
    /// Lambda Managed Instances function, read the version its unqualified calls run.
    fn target_read(
        &'a self,
        target: &LambdaTarget,
        scope: &ScopeInventory,
        progress: &mut Progress,
        queue: &mut Queue<'a>,
        packages: &mut Packages<'a>,
    ) {
        if let Some(job) = packages.on_target(target) {
            self.read_package(job, packages, queue);
        }
        // Unqualified calls of a Lambda Managed Instances function run `$LATEST.PUBLISHED`
        // (docs/aws-facts.md §11.4): read that version too, so the checks judge what runs. Only
        // for such functions: the others cost no extra call.
        let managed = target
            .configuration
            .found()
            .is_some_and(|c| c.capacity_provider.is_some());
        if target.arn.qualifier.is_none() && managed {
            let mut version = target.arn.clone();
            version.qualifier = Some(crate::routes::PUBLISHED.to_string());
            if progress.functions.insert(version.clone()) {
                queue.push(Kind::Target, async move {
                    Done::Target(Box::new(self.lambdas.read_target(&version).await))
                });
            }
        }
        let evidence = &self.config.evidence;
        let readable =
            target.configuration.found().is_some() && target.arn.account == scope.account;
        if evidence.enabled
            && evidence.logs
            && readable
            && progress.function_logs.insert(target.arn.name.clone())
        {
            self.scan_logs(function_log_job(&target.arn), scope, queue);
        }
    }

    fn read_package(&'a self, job: PackageJob, packages: &Packages<'a>, queue: &mut Queue<'a>) {
        // The reader only borrows what never changes; the job owns its inputs.
        let reader = packages.reader();
        queue.push(Kind::Package, async move {
            Done::Package(reader.read(job).await)
        });
    }

    fn scan_logs(&'a self, job: LogJob, scope: &ScopeInventory, queue: &mut Queue<'a>) {
        let identity = (self.apis.account, self.apis.region);
        let gate = if job.region() == scope.region {
            self.gate.clone()
        } else {
            self.lambdas.gate_at(&scope.account, job.region())
        };
        let bounds = ScanBounds::from(&self.config.evidence);
        let window = self.window;
        queue.push(Kind::Logs, async move {
            let region = job.region().to_string();
            let (kind, scan) = scan(self.clients, &gate, identity, job, &window, bounds).await;
            Done::Logs(kind, scan, region)
        });
    }
}
