//! `execution-log-errors`: the known failure lines (docs/aws-facts.md §4) that a stage's execution log
//! holds for the evidence window, counted per signature. They say which kind of 5XX clients got.

use crate::checks::shared::stage_logs::{stage_log_findings, StageLog};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::evidence::LogScan;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    id: CheckId::new("execution-log-errors"),
    title: "Execution logs show failed integrations",
    severity: Severity::High,
    resource: ResourceKind::Stage,
    client_status: Some(500),
    checks: "For every stage with execution logging, searches \
             `API-Gateway-Execution-Logs_{apiId}/{stage}` over the evidence window for the \
             lines API Gateway writes when a Lambda integration fails, one quoted filter \
             pattern each: `Malformed Lambda proxy response`, `Invalid permissions on Lambda \
             function`, `customer function error`, `Execution failed due to a timeout error`, \
             `Rate Exceeded`, `does not have permission to assume the provided role`. One \
             finding per (API, stage) with a line found, listing each signature with its \
             count, up to three sample lines and what it means.",
    why: "Each signature is one way the API → Lambda link fails, and fixes the status clients \
          got (docs/aws-facts.md §4): a malformed proxy response or a function error is 502, a \
          missing invoke permission, a Lambda throttle (429) or a role API Gateway cannot \
          assume is 500, an integration timeout is 504. The finding's `client_status` is that \
          of the most frequent signature. `evidence.probable_causes` lists the findings of \
          this audit on the same stage (or its functions) from the checks that explain the \
          signatures found: a permission finding for `Invalid permissions`, zero concurrency \
          for `Rate Exceeded`, and so on.",
    fix: "Fix the findings in `evidence.probable_causes`. Otherwise, by signature: a malformed \
          response means the function must return `{statusCode, headers, body}` with a string \
          body and nothing else; invalid permissions need `aws lambda add-permission` for the \
          route's source ARN; a customer function error is in the function's own log; a \
          timeout needs a faster function or a shorter Lambda timeout; Rate Exceeded needs \
          concurrency; the role needs a trust policy for `apigateway.amazonaws.com`.",
    limits: "Only stages with execution logging (ERROR or INFO) have these logs; a stage \
             without is reported by `execution-logging-disabled`, and a missing log group \
             gives nothing. Counts are of lines read: when a scan hit its page or time bound \
             the count is a lower bound (`capped`). A log group that could not be read gives an \
             `error` finding.",
    input: Input::Logs,
    role: Role::Symptom,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let log = StageLog {
        scans: |evidence| &evidence.execution_logs,
        name: "execution log",
        api_and_stage,
    };
    stage_log_findings(&CHECK, ctx, &log)
}

/// The API and stage of a scan, from its fields or else from the log group's name.
fn api_and_stage(scan: &LogScan) -> Option<(String, String)> {
    if let (Some(api), Some(stage)) = (&scan.api_id, &scan.stage) {
        return Some((api.clone(), stage.clone()));
    }
    let rest = scan.log_group.strip_prefix("API-Gateway-Execution-Logs_")?;
    let (api, stage) = rest.split_once('/')?;
    Some((api.to_string(), stage.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Lookup;
    use crate::report::Status;
    use crate::inventory::evidence::SignatureHits;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn inventory(found: Vec<SignatureHits>) -> Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-list")
                    .stage("prod"),
            )
            .evidence(|e| {
                e.execution_logs
                    .push(execution_log("a1b2c3", "prod", found))
            })
            .inventory()
    }

    #[test]
    fn signatures_are_counted_most_frequent_first() {
        let mut capped = hits("Invalid permissions on Lambda function", 3);
        capped.capped = true;
        let findings = run_check(&CHECK,
            &inventory(vec![capped, hits("Malformed Lambda proxy response", 31)]),
        );
        let f = only(&findings);
        assert_eq!((f.severity, f.status), (Severity::High, Status::Fail));
        assert_eq!(f.client_status, Some(502));
        assert_eq!(f.stages, vec!["prod".to_string()]);
        assert_eq!(
            f.message,
            "The execution log of stage prod of API pets (a1b2c3) holds at least 34 failed \
             integration lines in the last 60 minutes, most often \"Malformed Lambda proxy \
             response\" (31): the function returned a response API Gateway cannot use (body \
             not a string, unknown key, bad statusCode)."
        );
        assert_eq!(
            f.evidence["log_group"],
            "API-Gateway-Execution-Logs_a1b2c3/prod"
        );
        let rows = &f.evidence["signatures"];
        assert_eq!(rows[0]["signature"], "Malformed Lambda proxy response");
        assert_eq!(rows[0]["count"], 31);
        assert_eq!(rows[0]["client_status"], 502);
        assert_eq!(rows[1]["client_status"], 500);
        assert_eq!(rows[1]["capped"], true);
        assert_eq!(rows[1]["samples"].as_array().map(Vec::len), Some(1));
        assert!(rows[1]["meaning"]
            .as_str()
            .is_some_and(|m| m.contains("resource policy")));
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.contains("--filter-pattern '\"Malformed Lambda proxy response\"'"),
            "{fix}"
        );
    }

    #[test]
    fn client_status_follows_the_top_signature() {
        let findings = run_check(&CHECK,
            &inventory(vec![
                hits("Execution failed due to a timeout error", 9),
                hits("Rate Exceeded", 2),
            ]),
        );
        assert_eq!(only(&findings).client_status, Some(504));
    }

    #[test]
    fn clean_or_missing_logs_are_quiet() {
        assert!(run_check(&CHECK, &inventory(vec![])).is_empty());
        assert!(run_check(&CHECK,
            &inventory(vec![hits("Rate Exceeded", 0)])
        )
        .is_empty());
        let mut missing = inventory(vec![hits("Rate Exceeded", 5)]);
        if let Some(e) = &mut missing.scopes[0].evidence {
            e.execution_logs[0].hits = Lookup::Missing;
        }
        assert!(run_check(&CHECK, &missing).is_empty());
    }

    #[test]
    fn unreadable_log_group_is_an_error_on_the_stage() {
        let mut inv = inventory(vec![]);
        if let Some(e) = &mut inv.scopes[0].evidence {
            e.execution_logs[0].hits = Lookup::Failed(access_denied(
                "logs:FilterLogEvents",
                "API-Gateway-Execution-Logs_a1b2c3/prod",
            ));
        }
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert_eq!(f.api.as_ref().map(|a| a.id.as_str()), Some("a1b2c3"));
        assert_eq!(f.stages, vec!["prod".to_string()]);
    }

    #[test]
    fn stage_comes_from_the_log_group_when_not_recorded() {
        let mut scan = execution_log("a1b2c3", "dev", vec![hits("Rate Exceeded", 4)]);
        scan.api_id = None;
        scan.stage = None;
        let inv = scope()
            .api(api("a1b2c3", "pets").stage("dev").stage("prod"))
            .evidence(|e| {
                e.execution_logs.push(scan);
                e.execution_logs.push(execution_log(
                    "a1b2c3",
                    "prod",
                    vec![hits("Rate Exceeded", 1)],
                ));
            })
            .inventory();
        let findings = run_check(&CHECK, &inv);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].stages, vec!["dev".to_string()]);
        assert_eq!(findings[0].client_status, Some(500));
        assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
    }
}
