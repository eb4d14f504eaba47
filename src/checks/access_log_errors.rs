//! `access-log-errors`: the known failure lines an HTTP API stage's access log holds for the
//! evidence window. HTTP APIs write no execution logs; the access log shows why a Lambda
//! integration failed when its format carries `$context.integrationErrorMessage`
//! (docs/aws-facts.md §12.5).

use crate::checks::shared::stage_logs::{stage_log_findings, StageLog};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    id: CheckId::new("access-log-errors"),
    title: "HTTP API access logs show failed integrations",
    severity: Severity::High,
    resource: ResourceKind::Stage,
    client_status: Some(500),
    checks: "For every HTTP API stage whose access-log format carries \
             `$context.integrationErrorMessage`, `$context.integration.error` or \
             `$context.error.message`, searches the stage's access-log group (from \
             `accessLogSettings.destinationArn`) over the evidence window for the integration \
             error texts AWS documents, one quoted filter pattern each: `have permissions to \
             call the integration`. One finding per (API, stage) with a line found, listing each \
             signature with its count, up to three sample lines and what it means.",
    why: "HTTP APIs answer every Lambda failure with 500 {\"message\":\"Internal Server Error\"} \
          and write no execution log; the access log's integration error is the only place API \
          Gateway says why (docs/aws-facts.md §12.3, §12.5). \"The IAM role configured on the \
          integration or API Gateway doesn't have permissions to call the integration\" means \
          the function's resource policy does not allow the route's source ARN — often a \
          permission ending `/*/*/*`, which misses the `$default` route — or the integration's \
          role cannot invoke the function. `evidence.probable_causes` lists the findings of this \
          audit on the same stage (or its functions) from the checks that explain the lines.",
    fix: "Fix the findings in `evidence.probable_causes`; otherwise allow the route's source \
          ARN with `aws lambda add-permission` (`{api id}/*/$default` for the `$default` route, \
          `{api id}/*/*` or `{api id}/*` for every route).",
    limits: "Only the integration error texts AWS documents are searched; other failures of an \
             HTTP API (a function error, a malformed response, a timeout) leave texts that are \
             not documented, and `api-5xx-rate` counts them. A stage whose format lacks the \
             variables is reported by `access-log-hides-integration-errors`; a missing log group \
             gives nothing. Counts are of lines read (a lower bound when `capped`). A log group \
             several stages write to is searched once, and its lines cannot be told apart by \
             stage: each such stage's finding names the others (`evidence.shared_with`). A log \
             group that could not be read gives an `error` finding.",
    input: Input::Logs,
    role: Role::Symptom,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let log = StageLog {
        scans: |evidence| &evidence.access_logs,
        name: "access log",
        api_and_stage: |scan| Some((scan.api_id.clone()?, scan.stage.clone()?)),
    };
    stage_log_findings(&CHECK, ctx, &log)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Lookup;
    use crate::report::Status;
    use crate::inventory::Protocol;
    use crate::testkit::*;

    fn inventory(found: Vec<crate::inventory::evidence::SignatureHits>) -> crate::inventory::Inventory {
        scope()
            .http_api(http_api("h1", "orders").route("$default", "orders").stage("$default"))
            .evidence(|e| e.access_logs.push(access_log("h1", "$default", found)))
            .inventory()
    }

    #[test]
    fn permission_lines_are_counted_on_the_stage() {
        let findings = run_check(
            &CHECK,
            &inventory(vec![hits("have permissions to call the integration", 12)]),
        );
        let f = only(&findings);
        assert_eq!((f.severity, f.status), (Severity::High, Status::Fail));
        assert_eq!(f.client_status, Some(500));
        assert_eq!(f.stages, vec!["$default"]);
        assert_eq!(f.api.as_ref().map(|a| a.protocol), Some(Protocol::Http));
        assert!(
            f.message.starts_with(
                "The access log of stage $default of API orders (h1) holds 12 failed integration lines"
            ),
            "{}",
            f.message
        );
        assert_eq!(f.evidence["log_group"], "/aws/apigateway/default");
        assert_eq!(
            f.evidence["signatures"][0]["signature"],
            "have permissions to call the integration"
        );
    }

    /// Two stages writing to one group: the lines cannot be told apart by stage, so each
    /// stage's finding names the other instead of claiming them.
    #[test]
    fn a_shared_group_is_said_to_be_shared() {
        let lines = || vec![hits("have permissions to call the integration", 3)];
        let mut live = access_log("h1", "live", lines());
        live.log_group = "/aws/apigateway/default".into();
        let inv = scope()
            .http_api(
                http_api("h1", "orders")
                    .route("$default", "orders")
                    .stage("$default")
                    .stage("live"),
            )
            .evidence(|e| {
                e.access_logs.push(access_log("h1", "$default", lines()));
                e.access_logs.push(live);
            })
            .inventory();
        let findings = run_check(&CHECK, &inv);
        assert_eq!(findings.len(), 2);
        let on_live = findings.iter().find(|f| f.stages == ["live"]).unwrap();
        assert_eq!(
            on_live.evidence["shared_with"],
            serde_json::json!([{"api_id": "h1", "stage": "$default"}])
        );
        assert!(
            on_live.message.ends_with(
                "Its log group /aws/apigateway/default is shared with stage $default of API h1: \
                 the lines may be theirs."
            ),
            "{}",
            on_live.message
        );
        // A group of its own claims its lines.
        let alone = run_check(
            &CHECK,
            &inventory(vec![hits("have permissions to call the integration", 12)]),
        );
        assert!(alone[0].evidence.get("shared_with").is_none());
    }

    #[test]
    fn clean_missing_and_unreadable_logs() {
        assert!(run_check(&CHECK, &inventory(vec![])).is_empty());
        let mut inv = inventory(vec![]);
        if let Some(e) = &mut inv.scopes[0].evidence {
            e.access_logs[0].hits = Lookup::Missing;
        }
        assert!(run_check(&CHECK, &inv).is_empty());
        if let Some(e) = &mut inv.scopes[0].evidence {
            e.access_logs[0].hits =
                Lookup::Failed(access_denied("logs:FilterLogEvents", "/aws/apigateway/default"));
        }
        assert_eq!(only(&run_check(&CHECK, &inv)).status, Status::Error);
    }
}
