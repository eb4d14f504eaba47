//! Tests of the status file (round trip, outcomes, what counts as good) and of `health`'s
//! decisions and duration parsing.

use std::time::Duration;

use chrono::{TimeDelta, Utc};

use super::super::status::{read, Outcome, RunRecord, StatusFile, STATUS_SCHEMA};
use super::{check, human, parse_duration};
use crate::config::Config;
use crate::evaluate::{evaluate, RunFacts};
use crate::inventory::Inventory;
use crate::report::{Report, Severity, SinkOutcome, Source};

fn empty_report() -> Report {
    let now = Utc::now();
    let context = RunFacts {
        id: "run-1".to_string(),
        started_at: now,
        finished_at: now,
        source: Source::Snapshot,
        today: now.date_naive(),
    };
    evaluate(
        &Inventory::new(now, Vec::new()),
        &Config::default(),
        context,
    )
}

fn record(outcome: Outcome, ago: TimeDelta) -> RunRecord {
    let finished = Utc::now() - ago;
    let mut record = RunRecord::failed(finished - TimeDelta::seconds(3), finished, "x".into());
    record.outcome = outcome;
    record
}

#[test]
fn durations() {
    let cases = [
        ("900s", 900),
        ("30m", 1800),
        ("1h", 3600),
        ("2d", 172_800),
        ("1h30m", 5400),
        (" 0s ", 0),
    ];
    for (text, seconds) in cases {
        assert_eq!(
            parse_duration(text),
            Ok(Duration::from_secs(seconds)),
            "{text}"
        );
    }
    for (text, why) in [
        ("", "it is empty"),
        ("30", "`30` has no unit (s, m, h or d)"),
        ("1h30", "`30` has no unit (s, m, h or d)"),
        ("5 m", "unknown unit ` ` (use s, m, h or d)"),
        ("10ms", "`s` has no number before it"),
        ("1w", "unknown unit `w` (use s, m, h or d)"),
        ("-1s", "unknown unit `-` (use s, m, h or d)"),
        ("99999999999999999999s", "the number is too large"),
        ("999999999999999d", "it is too long"),
    ] {
        let error = parse_duration(text).unwrap_err();
        assert!(error.ends_with(why), "{text:?}: {error}");
    }
    assert_eq!(human(Duration::from_secs(45)), "45s");
    assert_eq!(human(Duration::from_secs(125)), "2m 5s");
    assert_eq!(human(Duration::from_secs(3725)), "1h 2m 5s");
}

#[test]
fn status_file_round_trip_and_good_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    let mut file = StatusFile::create(&path, "*/2 * * * * *").unwrap();
    let initial = read(&path).unwrap();
    assert_eq!(&initial, file.status());
    assert_eq!((initial.runs, initial.last_run.is_none()), (0, true));
    assert_eq!(initial.schema, STATUS_SCHEMA);

    let mut report = empty_report();
    let (started, finished) = (Utc::now() - TimeDelta::seconds(2), Utc::now());
    let ok = RunRecord::from_report(&report, Severity::High, started, finished);
    assert_eq!(
        (ok.outcome, ok.duration_ms, ok.detail.as_deref()),
        (Outcome::Ok, 2000, None)
    );
    file.record(ok.clone(), 0);
    report.publish.push(SinkOutcome {
        sink: "cloudwatch-dashboard".into(),
        ok: false,
        detail: "AccessDenied".into(),
    });
    let sink_failed = RunRecord::from_report(&report, Severity::High, finished, Utc::now());
    assert_eq!(sink_failed.outcome, Outcome::SinkFailed);
    assert_eq!(
        sink_failed.detail.as_deref(),
        Some("cloudwatch-dashboard: AccessDenied")
    );
    file.record(sink_failed.clone(), 3);

    let back = read(&path).unwrap();
    assert_eq!(&back, file.status());
    assert_eq!((back.runs, back.skipped_ticks), (2, 3));
    // The run that could not publish is the last run, but not the last good one.
    assert_eq!(back.last_run, Some(sink_failed));
    assert_eq!(back.last_good_run_at, Some(ok.finished_at));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["last_run"]["outcome"], "sink-failed");
    assert_eq!(json["last_run"]["findings"]["high"], 0);

    assert!(Outcome::Findings.is_good() && Outcome::Ok.is_good());
    assert!(!Outcome::Failed.is_good() && !Outcome::SinkFailed.is_good());
    assert!(StatusFile::create(&dir.path().join("no/such/dir/s.json"), "x").is_err());
}

#[test]
fn health_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    let minutes = |m: u64| Duration::from_secs(m * 60);

    let missing = check(&path, minutes(30), Utc::now()).unwrap_err();
    assert!(missing.contains("cannot read the status file"), "{missing}");
    std::fs::write(&path, "{}").unwrap();
    let garbage = check(&path, minutes(30), Utc::now()).unwrap_err();
    assert!(
        garbage.contains("is not an apigw-auditor status file"),
        "{garbage}"
    );

    // A fresh daemon with no run yet has max-age to get its first good run through.
    let mut file = StatusFile::create(&path, "0 */15 * * * *").unwrap();
    let fresh = check(&path, minutes(30), Utc::now()).unwrap();
    assert!(fresh.starts_with("no good run yet"), "{fresh}");
    let later = Utc::now() + TimeDelta::minutes(31);
    assert!(check(&path, minutes(30), later).is_err());

    file.record(record(Outcome::Findings, TimeDelta::minutes(10)), 0);
    assert!(check(&path, minutes(30), Utc::now()).is_ok());
    assert!(
        check(&path, minutes(10), Utc::now()).is_err(),
        "as old as max-age is too old"
    );
    assert!(check(&path, Duration::ZERO, Utc::now()).is_err());

    // A failed run does not reset the clock, and the verdict says why it failed.
    let mut failed = record(Outcome::Failed, TimeDelta::minutes(1));
    failed.detail = Some("no region to audit".into());
    file.record(failed, 2);
    let verdict = check(&path, minutes(5), Utc::now()).unwrap_err();
    assert!(
        verdict.starts_with("the last good run finished"),
        "{verdict}"
    );
    assert!(
        verdict.contains("(max age 5m 0s; 2 runs, 2 skipped ticks)"),
        "{verdict}"
    );
    assert!(verdict.ends_with("failed: no region to audit"), "{verdict}");
    assert!(!verdict.contains('\n'));
}

#[test]
fn daemon_and_health_flags() {
    use crate::cli::{Cli, Command};
    use clap::Parser;
    let cli = Cli::try_parse_from(["apigw-auditor", "health", "--max-age", "1h30m"]).unwrap();
    let Command::Health(args) = cli.command else {
        panic!("not health")
    };
    assert_eq!(args.max_age, Duration::from_secs(5400));
    assert_eq!((args.status_file, args.config), (None, None));
    let error = Cli::try_parse_from(["apigw-auditor", "health", "--max-age", "30"]).unwrap_err();
    assert!(error.to_string().contains("has no unit"), "{error}");
    assert!(
        Cli::try_parse_from(["apigw-auditor", "health"]).is_err(),
        "--max-age is required"
    );

    let cli = Cli::try_parse_from([
        "apigw-auditor",
        "daemon",
        "--schedule",
        "*/2 * * * * *",
        "--status-file",
        "/run/status.json",
        "--region",
        "eu-west-1",
    ])
    .unwrap();
    let Command::Daemon(args) = cli.command else {
        panic!("not daemon")
    };
    assert_eq!(args.schedule.as_deref(), Some("*/2 * * * * *"));
    assert_eq!(args.status_file, Some("/run/status.json".into()));
    assert_eq!(args.scope.regions, ["eu-west-1"]);
}
