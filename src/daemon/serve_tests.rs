//! Tests of the daemon's loop with fake runs and hand-made ticks: no overlap (a tick during a run
//! is skipped and counted), every run recorded, and a stop that lets a short run finish and
//! abandons a long one at the deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc;

use super::status::{read, Outcome, RunRecord, StatusFile};
use super::{serve, tick, RunSlot};

/// A fake run that takes `length` and records the most runs it ever saw at once.
fn slow_run(
    length: Duration,
    active: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
) -> impl FnMut() -> std::pin::Pin<Box<dyn std::future::Future<Output = RunRecord> + Send>> {
    move || {
        let (active, most) = (Arc::clone(&active), Arc::clone(&most));
        Box::pin(async move {
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            let started = Utc::now();
            tokio::time::sleep(length).await;
            active.fetch_sub(1, Ordering::SeqCst);
            let mut record = RunRecord::failed(started, Utc::now(), String::new());
            record.outcome = Outcome::Ok;
            record.detail = None;
            record
        })
    }
}

/// Ticks every `every` until the slot stops taking them.
fn ticker(slot: Arc<RunSlot>, every: Duration) -> mpsc::UnboundedReceiver<super::RunClaim> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.tick().await;
        while !sender.is_closed() {
            interval.tick().await;
            tick(&slot, &sender);
        }
    });
    receiver
}

#[tokio::test]
async fn ticks_during_a_run_are_skipped_and_runs_never_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    let mut status = StatusFile::create(&path, "test").unwrap();
    let slot = Arc::new(RunSlot::default());
    let (active, most) = (Arc::default(), Arc::new(AtomicUsize::new(0)));
    // Runs of 250 ms, a tick every 100 ms: about two of every three ticks find a run going.
    let claims = ticker(Arc::clone(&slot), Duration::from_millis(100));
    let first = slot.try_claim();
    assert!(first.is_some());
    let run = slow_run(
        Duration::from_millis(250),
        Arc::clone(&active),
        Arc::clone(&most),
    );
    let stop = tokio::time::sleep(Duration::from_millis(1300));
    let summary = serve(
        &slot,
        claims,
        first,
        Duration::from_secs(2),
        run,
        &mut status,
        stop,
    )
    .await;

    assert_eq!(most.load(Ordering::SeqCst), 1, "two runs at once");
    assert!(summary.runs >= 3, "{summary:?}");
    assert!(summary.skipped_ticks >= 3, "{summary:?}");
    assert!(!summary.abandoned);
    let written = read(&path).unwrap();
    assert_eq!(
        (written.runs, written.skipped_ticks),
        (summary.runs, summary.skipped_ticks)
    );
    assert!(written.last_good_run_at.is_some());
    // Stopped: nothing is claimed, nothing counted.
    assert!(slot.try_claim().is_none());
    assert_eq!(slot.skipped(), summary.skipped_ticks);
}

#[tokio::test]
async fn a_stop_lets_a_short_run_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut status = StatusFile::create(&dir.path().join("s.json"), "test").unwrap();
    let slot = Arc::new(RunSlot::default());
    let (_sender, claims) = mpsc::unbounded_channel();
    let run = slow_run(Duration::from_millis(300), Arc::default(), Arc::default());
    let started = Instant::now();
    let stop = tokio::time::sleep(Duration::from_millis(100));
    let summary = serve(
        &slot,
        claims,
        slot.try_claim(),
        Duration::from_secs(5),
        run,
        &mut status,
        stop,
    )
    .await;
    assert_eq!((summary.runs, summary.abandoned), (1, false));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(read(&dir.path().join("s.json")).unwrap().runs, 1);
}

#[tokio::test]
async fn a_stop_abandons_a_run_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let mut status = StatusFile::create(&dir.path().join("s.json"), "test").unwrap();
    let slot = Arc::new(RunSlot::default());
    let (_sender, claims) = mpsc::unbounded_channel();
    let active = Arc::new(AtomicUsize::new(0));
    let run = slow_run(Duration::from_secs(30), Arc::clone(&active), Arc::default());
    let started = Instant::now();
    let stop = tokio::time::sleep(Duration::from_millis(100));
    let deadline = Duration::from_millis(200);
    let summary = serve(
        &slot,
        claims,
        slot.try_claim(),
        deadline,
        run,
        &mut status,
        stop,
    )
    .await;
    let took = started.elapsed();
    assert_eq!((summary.runs, summary.abandoned), (0, true));
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    // The run's future was dropped mid-sleep, never to finish; its claim went with it.
    assert_eq!(active.load(Ordering::SeqCst), 1);
    assert_eq!(read(&dir.path().join("s.json")).unwrap().runs, 0);
}
