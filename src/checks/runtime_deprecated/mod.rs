//! `runtime-deprecated`: the function runs on a runtime past its deprecation date (medium), or
//! one that will be deprecated within the configured warning window (low).

pub mod dates;

use serde_json::json;

use dates::{deprecation_date, successor};
use crate::checks::shared::{run_per_target, sh, update_configuration, ReachedTarget};
use crate::checks::shared::{base_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::config::{SettingKind, SettingSpec};
use crate::inventory::FunctionConfig;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("runtime-deprecated"),
    title: "Function runtime is deprecated",
    severity: Severity::Medium,
    resource: ResourceKind::Function,
    client_status: None,
    checks: "For every function an API route or Lambda authorizer invokes, looks its runtime up \
             in a dated table of Lambda runtime deprecations (from cfn-lint's \
             LmbdRuntimeLifecycle.json, docs/aws-facts.md §5). Medium when the deprecation date has \
             passed; low when it falls within `runtime-warning-days` (default 90) of the audit \
             date.",
    why: "A deprecated runtime gets no more security patches or support. Invocations keep \
          working, so clients see nothing today, but Lambda first blocks creating functions on \
          it and then blocks updating them: the next code fix for this API cannot be deployed \
          until the runtime is upgraded, usually in the middle of an incident (docs/aws-facts.md §5; \
          Security Hub Lambda.2, cfn-lint E2531/W2531).",
    fix: "Move the function to the newest runtime of its family, after testing the code on it: \
          `aws lambda update-function-configuration --function-name F --runtime python3.14`; \
          for an alias, publish a version and move the alias to it. `go1.x` and `provided` \
          move to `provided.al2023` with the binary renamed `bootstrap`.",
    limits: "Runtimes missing from the table (new ones, or misspelt) are not judged; image \
             functions have no managed runtime and are skipped. Dates change when AWS extends \
             a runtime: the table is updated with each release.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[WARNING_DAYS],
    explains: &[],
    run,
};

// Ten years is already far longer than any runtime's support window.
const WARNING_DAYS: SettingSpec = SettingSpec {
    key: "warning-days",
    doc: "Report a runtime as `low` this many days before its deprecation date (it is `medium` \
          once past it)",
    kind: SettingKind::Integer {
        default: 90,
        min: 0,
        max: 3650,
    },
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let today = ctx.today;
    let warning_days = ctx.integer(&WARNING_DAYS);
    run_per_target(
        &CHECK,
        ctx,
        |t| &t.configuration,
        |reached, config| judge(reached, config, today, warning_days),
    )
}

fn judge(
    reached: &ReachedTarget<'_>,
    config: &FunctionConfig,
    today: chrono::NaiveDate,
    warning_days: i64,
) -> Option<Finding> {
    let runtime = config.runtime.as_deref()?;
    let date = deprecation_date(runtime)?;
    let days_left = (date - today).num_days();
    let (severity, when) = if days_left <= 0 {
        let ago = -days_left;
        (
            Severity::Medium,
            format!("was deprecated on {date} ({ago} days ago)"),
        )
    } else if days_left <= warning_days {
        (
            Severity::Low,
            format!("will be deprecated on {date} (in {days_left} days)"),
        )
    } else {
        return None;
    };
    let newest = successor(runtime);
    let message = format!(
        "{} runs on {runtime}, which {when}: calls keep working, but it gets no security \
         patches and Lambda blocks updating functions on it after a grace period; upgrade{}.",
        reached.short(),
        newest.map(|n| format!(" to {n}")).unwrap_or_default()
    );
    let mut finding = base_finding(&CHECK, reached.scope, Status::Fail, message);
    finding.severity = severity;
    finding.evidence = json!({
        "runtime": runtime,
        "deprecation_date": date.to_string(),
        "days_until_deprecation": days_left,
        "warning_days": warning_days,
        "successor": newest,
    });
    finding.remediation = Some(reached.arn()).zip(newest).map(|(arn, newest)| {
        update_configuration(reached.scope, arn, &format!("--runtime {}", sh(newest)))
    });
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingValue;
    use crate::testkit::*;

    fn inventory(runtime: Option<&str>) -> crate::inventory::Inventory {
        let runtime = runtime.map(str::to_string);
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list")
                    .stage("prod"),
            )
            .target(target_with("pets-list", "a1b2c3", |c| c.runtime = runtime))
            .inventory()
    }

    #[test]
    fn past_deprecation_is_medium() {
        // python3.9: deprecated 2025-12-15, 341 days before 2026-11-21.
        let findings = run_check(&CHECK, &inventory(Some("python3.9")));
        let f = only(&findings);
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.client_status, None);
        assert_eq!(f.evidence["deprecation_date"], "2025-12-15");
        assert_eq!(f.evidence["days_until_deprecation"], -341);
        assert!(
            f.message
                .contains("deprecated on 2025-12-15 (341 days ago)"),
            "{}",
            f.message
        );
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                "aws lambda update-function-configuration --function-name pets-list \
                 --region us-east-1 --runtime python3.14"
            )
        );
    }

    #[test]
    fn recently_deprecated_runtime_is_medium() {
        let findings = run_check(&CHECK, &inventory(Some("dotnet8")));
        assert_eq!(only(&findings).severity, Severity::Medium);
        assert!(only(&findings)
            .remediation
            .as_deref()
            .unwrap_or_default()
            .contains("dotnet10"));
    }

    #[test]
    fn upcoming_deprecation_within_the_window_is_low() {
        // nodejs22.x: 2027-04-30 is 160 days away.
        let settings = settings_of(&CHECK, &[("warning-days", SettingValue::Integer(160))]);
        let findings = run_check_with(
            &CHECK,
            &inventory(Some("nodejs22.x")),
            &settings,
        );
        let f = only(&findings);
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.evidence["days_until_deprecation"], 160);
        // One day less of warning and it is not reported yet.
        let settings = settings_of(&CHECK, &[("warning-days", SettingValue::Integer(159))]);
        assert!(run_check_with(
            &CHECK,
            &inventory(Some("nodejs22.x")),
            &settings
        )
        .is_empty());
    }

    #[test]
    fn current_unknown_and_missing_runtimes_are_quiet() {
        assert!(run_check(&CHECK, &inventory(Some("python3.12"))).is_empty());
        assert!(run_check(&CHECK, &inventory(Some("cobol1.0"))).is_empty());
        assert!(run_check(&CHECK, &inventory(None)).is_empty());
    }

    #[test]
    fn unreadable_function_is_an_error() {
        let inv = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets")
                    .stage("prod"),
            )
            .target(failed_target("pets"))
            .inventory();
        assert_eq!(only(&run_check(&CHECK, &inv)).status, Status::Error);
    }
}
