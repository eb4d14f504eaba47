//! The `daemon` subcommand: the audit pipeline on a cron schedule (tokio-cron-scheduler), never
//! two runs at once, a status file after every run for `health`, and a graceful stop.
//!
//! The scheduler only *ticks*: its job claims the [`RunSlot`] and hands the claim to the daemon's
//! loop, which runs the audit in its own task. A tick that finds the slot taken is skipped,
//! logged and counted. Keeping the run in the loop's task (not in a task the scheduler spawns)
//! is what makes a stop clean: on SIGTERM/SIGINT the loop stops taking ticks, lets the current
//! run finish until the deadline, and otherwise drops its future, which cancels every AWS call
//! in it; the files it writes are written atomically, so an abandoned run leaves none half done.

pub mod health;
mod run;
pub mod status;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::aws::load_sdk_config;
use crate::config::Config;
use status::{RunRecord, StatusFile};

/// What a daemon did before it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSummary {
    /// Runs finished (whatever their outcome).
    pub runs: u64,
    /// Ticks skipped because a run was still going.
    pub skipped_ticks: u64,
    /// A run was still going at the shutdown deadline and was dropped.
    pub abandoned: bool,
}

/// The one place a run can happen: at most one claim on it exists at a time.
#[derive(Debug, Default)]
pub struct RunSlot {
    busy: AtomicBool,
    stopping: AtomicBool,
    skipped: AtomicU64,
}

/// The right to run, held for the run's whole life; dropping it (run done or abandoned) frees
/// the slot.
#[derive(Debug)]
pub struct RunClaim(Arc<RunSlot>);

impl Drop for RunClaim {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

impl RunSlot {
    /// Claims the slot, or counts and logs a skipped tick when a run holds it. After
    /// [`RunSlot::stop`] nothing is claimed and nothing counted: the daemon is leaving.
    pub fn try_claim(self: &Arc<Self>) -> Option<RunClaim> {
        if self.stopping.load(Ordering::Acquire) {
            return None;
        }
        if self
            .busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return Some(RunClaim(Arc::clone(self)));
        }
        let skipped = self.skipped.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(
            skipped_ticks = skipped,
            "tick skipped: the previous run is still going"
        );
        None
    }

    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
    }
}

/// What the scheduler's job does on every tick: claim the slot and hand the claim to the loop.
/// A claim the loop no longer takes (it is stopping) is dropped here, freeing the slot.
pub fn tick(slot: &Arc<RunSlot>, runs: &UnboundedSender<RunClaim>) {
    if let Some(claim) = slot.try_claim() {
        let _ = runs.send(claim);
    }
}

/// Runs the daemon until `shutdown` completes: audits on `config.daemon.schedule` (and at start
/// if `run-at-start`), writes the status file after every run, then stops within
/// `shutdown-deadline-seconds`. Errors only when it cannot start (status file, scheduler).
pub async fn run_daemon(
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<DaemonSummary> {
    let settings = config.daemon.clone();
    let mut status = StatusFile::create(&settings.status_file, &settings.schedule)?;
    // One SdkConfig for the daemon's whole life: its credential providers (ECS task role,
    // instance profile, SSO, assumed roles) cache their credentials and refresh them before they
    // expire, so a long-running daemon never holds stale ones and never re-resolves the chain.
    let sdk = load_sdk_config(&config).await;

    let slot = Arc::new(RunSlot::default());
    let (sender, receiver) = mpsc::unbounded_channel();
    let mut scheduler = JobScheduler::new()
        .await
        .context("cannot create the scheduler")?;
    let job = {
        let slot = Arc::clone(&slot);
        Job::new_async(settings.schedule.as_str(), move |_, _| {
            tick(&slot, &sender);
            Box::pin(async {})
        })
        .with_context(|| format!("cannot schedule `{}`", settings.schedule))?
    };
    scheduler.add(job).await.context("cannot add the job")?;
    scheduler
        .start()
        .await
        .context("cannot start the scheduler")?;
    tracing::info!(
        schedule = %settings.schedule,
        run_at_start = settings.run_at_start,
        status_file = %settings.status_file.display(),
        "daemon started"
    );

    let deadline = Duration::from_secs(settings.shutdown_deadline_seconds);
    let first = settings.run_at_start.then(|| slot.try_claim()).flatten();
    let summary = serve(
        &slot,
        receiver,
        first,
        deadline,
        || run::run_once(&config, &sdk),
        &mut status,
        shutdown,
    )
    .await;
    // Ticks were already refused (`RunSlot::stop`); this ends the scheduler's own tasks.
    if let Err(error) = scheduler.shutdown().await {
        tracing::warn!(error = ?error, "the scheduler did not shut down cleanly");
    }
    tracing::info!(
        runs = summary.runs,
        skipped_ticks = summary.skipped_ticks,
        abandoned = summary.abandoned,
        "daemon stopped"
    );
    Ok(summary)
}

/// The daemon's loop, apart from where ticks and runs come from (the unit tests drive it with
/// their own ticks and fake runs): starts a run for every claim received, records each finished
/// run, and on `shutdown` waits up to `deadline` for the current run before dropping it.
pub async fn serve<R, F>(
    slot: &Arc<RunSlot>,
    mut claims: UnboundedReceiver<RunClaim>,
    first: Option<RunClaim>,
    deadline: Duration,
    mut run: R,
    status: &mut StatusFile,
    shutdown: impl Future<Output = ()>,
) -> DaemonSummary
where
    R: FnMut() -> F,
    F: Future<Output = RunRecord>,
{
    let mut shutdown = pin!(shutdown);
    let mut current: Option<(RunClaim, Pin<Box<F>>)> = first.map(|claim| (claim, Box::pin(run())));
    loop {
        tokio::select! {
            // A stop wins over a tick that came at the same time.
            biased;
            () = &mut shutdown => break,
            record = async { current.as_mut().expect("guarded").1.as_mut().await },
                if current.is_some() =>
            {
                // The claim is released after the status is written, so the next run starts
                // with the file up to date.
                let (claim, _) = current.take().expect("guarded");
                status.record(record, slot.skipped());
                drop(claim);
            }
            // Only one claim exists at a time, so none comes during a run; the guard says so.
            Some(claim) = claims.recv(), if current.is_none() => {
                current = Some((claim, Box::pin(run())));
            }
        }
    }
    slot.stop();
    claims.close();
    let mut abandoned = false;
    if let Some((claim, mut future)) = current.take() {
        tracing::info!(
            deadline_s = deadline.as_secs_f64(),
            "stopping: waiting for the current run"
        );
        match tokio::time::timeout(deadline, future.as_mut()).await {
            Ok(record) => status.record(record, slot.skipped()),
            Err(_) => {
                tracing::warn!(
                    deadline_s = deadline.as_secs_f64(),
                    "stopping: the current run did not finish within the deadline; abandoned"
                );
                abandoned = true;
            }
        }
        // Dropping the future cancels the run's AWS calls; then the slot is free.
        drop(future);
        drop(claim);
    } else {
        tracing::info!("stopping: no run in progress");
    }
    status.close(slot.skipped());
    DaemonSummary {
        runs: status.status().runs,
        skipped_ticks: slot.skipped(),
        abandoned,
    }
}

/// Completes on the first SIGTERM (what ECS, Docker and Kubernetes send to stop a container) or
/// SIGINT (Ctrl-C). The handlers are installed now, so a signal that arrives while the daemon is
/// still starting is not lost.
pub fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!(signal = "SIGTERM", "stop requested"),
            _ = interrupt.recv() => tracing::info!(signal = "SIGINT", "stop requested"),
        }
    })
}

#[cfg(test)]
mod serve_tests;
