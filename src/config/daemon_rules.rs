//! The `[daemon]` section: the cron schedule of the `daemon` subcommand, whether it audits at
//! start, how long a stop may wait for the current run, and where the status file goes.
//!
//! The schedule is checked with the parser tokio-cron-scheduler itself uses (croner, seconds
//! required, day-of-month and day-of-week both honoured), so an expression that loads here is
//! one the scheduler accepts, and one it would silently drop (it never fires) is refused.

use chrono::Utc;
use croner::parser::{CronParser, Seconds};
use toml::Table;

use super::keys::join;
use super::validate::{set, Walker};
use super::DaemonSettings;

impl Walker<'_> {
    pub(super) fn daemon(&mut self, table: &Table, out: &mut DaemonSettings) {
        for (name, value) in table {
            let key = join("daemon", name);
            match name.as_str() {
                "schedule" => {
                    let Some(s) = self.problems.non_empty_string(&key, value) else {
                        continue;
                    };
                    match schedule_problem(s) {
                        Some(message) => self.problems.add(&key, message),
                        None => out.schedule = s.trim().to_string(),
                    }
                }
                "run-at-start" => set(&mut out.run_at_start, self.problems.boolean(&key, value)),
                // At least a second to finish a run; an hour is far past any orchestrator's stop
                // timeout (ECS: 30 s by default, 120 s at most).
                "shutdown-deadline-seconds" => set(
                    &mut out.shutdown_deadline_seconds,
                    self.problems.integer(&key, value, 1..=3600),
                ),
                "status-file" => set(&mut out.status_file, self.file_path(&key, value)),
                _ => self.problems.unknown_key(&key, name, "daemon"),
            }
        }
    }
}

/// Why `schedule` cannot be the daemon's schedule, if it cannot: it must parse as
/// tokio-cron-scheduler parses it (six fields, seconds first, or seven with a year) and fire at
/// least once more, since the scheduler drops a job without a next tick and the daemon would then
/// wait for nothing.
pub fn schedule_problem(schedule: &str) -> Option<String> {
    let parser = CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build();
    let cron = match parser.parse(schedule) {
        Ok(cron) => cron,
        Err(error) => {
            // The crontab habit: five fields, no seconds.
            let hint = if schedule.split_whitespace().count() == 5 {
                format!(
                    "; it has 5 fields: put the seconds first, like `0 {}`",
                    schedule.trim()
                )
            } else {
                String::new()
            };
            return Some(format!(
                "`{schedule}` is not a cron expression with seconds (`sec min hour day-of-month \
                 month day-of-week`, like `0 */15 * * * *`): {error}{hint}"
            ));
        }
    };
    match cron.find_next_occurrence(&Utc::now(), false) {
        Ok(_) => None,
        Err(_) => Some(format!("`{schedule}` never fires again")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ok, problems};
    use super::*;

    #[test]
    fn defaults_and_good_values() {
        let config = ok("");
        assert_eq!(config.daemon, DaemonSettings::default());
        assert!(schedule_problem(&config.daemon.schedule).is_none());
        let config = ok(r#"
            [daemon]
            schedule = " */2 * * * * * "
            run-at-start = false
            shutdown-deadline-seconds = 5
            status-file = "state/status.json"
        "#);
        let daemon = config.daemon;
        assert_eq!(daemon.schedule, "*/2 * * * * *");
        assert!(!daemon.run_at_start);
        assert_eq!(daemon.shutdown_deadline_seconds, 5);
        assert_eq!(
            daemon.status_file,
            std::path::PathBuf::from("state/status.json")
        );
        // A year field and names are what the scheduler accepts too.
        for good in ["0 0 6 * * MON-FRI", "0 30 2 1 * * 2099", "0 0 0 L * *"] {
            assert_eq!(schedule_problem(good), None, "{good}");
        }
    }

    #[test]
    fn every_problem_under_its_key() {
        let found = problems(
            r#"
            [daemon]
            schedule = "*/15 * * * *"
            run-at-start = "yes"
            shutdown-deadline-seconds = 0
            status-file = "state/"
            shedule = "0 * * * * *"
        "#,
        );
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 5, "{text:#?}");
        assert!(text[0].starts_with("`daemon.run-at-start`: expected a boolean"));
        assert!(text[1].starts_with("`daemon.schedule`: `*/15 * * * *` is not a cron expression"));
        assert!(
            text[1].ends_with("put the seconds first, like `0 */15 * * * *`"),
            "{}",
            text[1]
        );
        assert_eq!(
            text[2],
            "`daemon.shedule`: unknown key `shedule`; did you mean `schedule`?"
        );
        assert_eq!(
            text[3],
            "`daemon.shutdown-deadline-seconds`: must be between 1 and 3600, found 0"
        );
        assert!(text[4].starts_with("`daemon.status-file`: `state/` names a directory"));
    }

    #[test]
    fn schedules_the_scheduler_would_refuse_or_drop() {
        for bad in [
            "",
            "every 15 minutes",
            "0 */15 * * *",
            "61 * * * * *",
            "0 0 0 30 2 *",
        ] {
            assert!(schedule_problem(bad).is_some(), "{bad:?} accepted");
        }
        // 30 February parses but never comes: the scheduler would drop the job.
        assert_eq!(
            schedule_problem("0 0 0 30 2 *").unwrap(),
            "`0 0 0 30 2 *` never fires again"
        );
        assert_eq!(
            schedule_problem("0 0 0 1 1 * 2001").unwrap(),
            "`0 0 0 1 1 * 2001` never fires again"
        );
    }
}
