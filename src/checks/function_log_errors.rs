//! `function-log-errors`: the known start-up and run-time failure lines (docs/aws-facts.md §4, §5) in
//! an integrated function's own log group over the evidence window, counted per signature.

use serde_json::json;

use crate::checks::shared::evidence::{
    function_routes, gateway_answers, scope_function_arn, SignatureTable,
};
use crate::checks::shared::{base_finding, error_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::Lookup;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("function-log-errors"),
    title: "Function logs show start-up or run-time failures",
    severity: Severity::High,
    resource: ResourceKind::Function,
    client_status: Some(502),
    checks: "For every function an API route or authorizer invokes, searches \
             `/aws/lambda/{function}` (one group for all its versions and aliases) over the \
             evidence window for `Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, \
             `Runtime.InvalidEntrypoint`, `Permission denied` and `Task timed out`, one quoted \
             filter pattern each. One finding per function with a line found, naming the \
             unqualified function and the routes of every alias and version.",
    why: "Each of these means the invocation failed inside Lambda: the handler's module could \
          not be imported, the handler is not defined, the entry point is missing or not \
          executable, a package file is not readable (`[Errno 13] Permission denied`, \
          `EACCES`), or the function hit its own timeout. Lambda returns a function error \
          and API Gateway answers 502 Bad Gateway (docs/aws-facts.md §4, §8); an HTTP API \
          answers 500 (§12.3), the status reported when only HTTP APIs invoke the function.",
    fix: "By the most frequent signature: ImportModuleError and HandlerNotFound — make the \
          handler setting match a module and function in the package (see `handler-invalid`, \
          `handler-not-in-package`) and bundle the dependencies; InvalidEntrypoint — ship an \
          executable `bootstrap` (chmod 755) or fix the image's entry point; Permission denied \
          — `chmod 644` files and `755` folders and executables, then zip and `aws lambda \
          update-function-code` again; Task timed out — find what is slow (a VPC without a \
          NAT, a cold dependency) or raise the timeout, keeping it under the integration \
          timeout.",
    limits: "The log group is shared by every version and alias, and by callers other than API \
             Gateway: the lines may come from a version no route uses. Counts are of lines read \
             and a lower bound when `capped`. A missing log group (never invoked) gives nothing; \
             one that could not be read gives an `error` finding.",
    input: Input::Logs,
    role: Role::Evidence,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        let Some(evidence) = &scope.evidence else {
            continue;
        };
        for scan in &evidence.function_logs {
            let from_group = scan.log_group.strip_prefix("/aws/lambda/");
            let Some(name) = scan.function_name.as_deref().or(from_group) else {
                continue;
            };
            let mut finding = match &scan.hits {
                Lookup::Missing => continue,
                Lookup::Failed(error) => error_finding(&CHECK, scope, error, name),
                Lookup::Found(hits) => {
                    let answers = gateway_answers(scope_routes, name);
                    let Some(table) = SignatureTable::new(hits, answers) else {
                        continue;
                    };
                    let status = table.top_status().unwrap_or(answers.error);
                    let message = format!(
                        "The log of {name} holds {}; clients of the calls it failed get \
                         {status}.",
                        table.counted("failure line", &evidence.window)
                    );
                    let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
                    finding.client_status = Some(status);
                    finding.evidence = table.evidence(&scan.log_group, &evidence.window);
                    finding.remediation = Some(format!(
                        "{}  # {}",
                        table.search_command(&scan.log_group, &evidence.window, &scope.region),
                        advice(&table.top.signature)
                    ));
                    finding
                }
            };
            finding.function = Some(scope_function_arn(scope, name));
            if let Some(evidence) = finding.evidence.as_object_mut() {
                evidence.insert("routes".into(), json!(function_routes(scope_routes, name)));
            }
            finding.fingerprint = finding.compute_fingerprint();
            findings.push(finding);
        }
    }
    findings
}

/// What to do about the most frequent signature, after reading its lines.
fn advice(signature: &str) -> &'static str {
    match signature {
        "Runtime.ImportModuleError" | "Runtime.HandlerNotFound" => {
            "make the handler setting name a module and function that are in the package, with \
             its dependencies bundled"
        }
        "Runtime.InvalidEntrypoint" => {
            "ship an executable bootstrap (chmod 755) at the root of the package, or fix the \
             image entry point"
        }
        "Permission denied" => {
            "chmod 644 the files and 755 the folders and executables, zip again and run aws \
             lambda update-function-code"
        }
        "Task timed out" => {
            "find what is slow, or raise the function timeout while keeping it under the \
             integration timeout"
        }
        _ => "fix what the lines report, then deploy the function again",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::evidence::SignatureHits;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn inventory(found: Vec<SignatureHits>) -> Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .route("POST", "/pets", "pets-get")
                    .route("GET", "/pets", "pets-list")
                    .stage("prod"),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .target(target("pets-get", "a1b2c3"))
            .target(target("pets-list", "a1b2c3"))
            .evidence(|e| e.function_logs.push(function_log("pets-get", found)))
            .inventory()
    }

    #[test]
    fn failures_name_the_unqualified_function_and_all_its_routes() {
        let findings = run_check(&CHECK,
            &inventory(vec![
                hits("Task timed out", 2),
                hits("Runtime.ImportModuleError", 40),
            ]),
        );
        let f = only(&findings);
        assert_eq!((f.severity, f.client_status), (Severity::High, Some(502)));
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get").as_str())
        );
        assert!(f.api.is_none() && f.stages.is_empty());
        assert_eq!(
            f.evidence["routes"],
            json!([
                "a1b2c3 (pets) prod GET /pets/{id}",
                "a1b2c3 (pets) prod POST /pets"
            ])
        );
        assert_eq!(f.evidence["log_group"], "/aws/lambda/pets-get");
        assert_eq!(
            f.evidence["signatures"][0]["signature"],
            "Runtime.ImportModuleError"
        );
        assert_eq!(f.evidence["signatures"][1]["count"], 2);
        assert_eq!(
            f.message,
            "The log of pets-get holds 42 failure lines in the last 60 minutes, most often \
             \"Runtime.ImportModuleError\" (40): the handler's module cannot be imported \
             (missing from the package, or a dependency missing); clients of the calls it \
             failed get 502."
        );
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.contains("--log-group-name /aws/lambda/pets-get"),
            "{fix}"
        );
        assert!(fix.contains("# make the handler setting"), "{fix}");
        assert_eq!(f.fingerprint, f.compute_fingerprint());
    }

    #[test]
    fn timeouts_of_a_function_that_outlives_its_integration_reach_clients_as_504() {
        // Healthy default: 10 s function timeout under the 29 s integration timeout: 502.
        let findings = run_check(&CHECK,
            &inventory(vec![hits("Task timed out", 3)]),
        );
        assert_eq!(only(&findings).client_status, Some(502));
        // 60 s on pets-get:live behind the default 29 s: API Gateway answered 504 first.
        let mut slow = inventory(vec![hits("Task timed out", 3)]);
        if let Some(crate::inventory::Lookup::Found(config)) = slow.scopes[0]
            .targets
            .get_mut(&function_arn("pets-get:live"))
            .map(|t| &mut t.configuration)
        {
            config.timeout_seconds = Some(60);
        }
        let findings = run_check(&CHECK, &slow);
        let f = only(&findings);
        assert_eq!(f.client_status, Some(504));
        assert_eq!(f.evidence["signatures"][0]["client_status"], 504);
        assert!(f.message.ends_with("get 504."), "{}", f.message);
    }

    #[test]
    fn a_function_only_http_apis_invoke_fails_their_clients_with_500_and_503() {
        let inventory = |function_s: i32, also_rest: bool| {
            let mut scope = scope().http_api(
                http_api("h1", "orders")
                    .route("GET /orders", "orders")
                    .stage("$default"),
            );
            if also_rest {
                scope = scope.api(api("a1b2c3", "pets").route("GET", "/o", "orders").stage("prod"));
            }
            scope
                .target(target_with("orders", "h1", |c| {
                    c.timeout_seconds = Some(function_s)
                }))
                .evidence(|e| {
                    e.function_logs.push(function_log(
                        "orders",
                        vec![hits("Runtime.ImportModuleError", 4), hits("Task timed out", 1)],
                    ))
                })
                .inventory()
        };
        let findings = run_check(&CHECK, &inventory(10, false));
        let f = only(&findings);
        assert_eq!(f.client_status, Some(500));
        assert!(f.message.ends_with("get 500."), "{}", f.message);
        assert_eq!(f.evidence["signatures"][1]["client_status"], 500);
        // 31 s outlives the HTTP API's 30 s: its timeouts were answered 503 first.
        let findings = run_check(&CHECK, &inventory(31, false));
        assert_eq!(only(&findings).evidence["signatures"][1]["client_status"], 503);
        // A REST method also invokes it: its clients get the REST statuses.
        let findings = run_check(&CHECK, &inventory(31, true));
        let f = only(&findings);
        assert_eq!(f.client_status, Some(502));
        assert_eq!(f.evidence["signatures"][1]["client_status"], 504);
    }

    #[test]
    fn clean_or_missing_logs_are_quiet() {
        assert!(run_check(&CHECK, &inventory(vec![])).is_empty());
        let mut missing = inventory(vec![hits("Task timed out", 3)]);
        if let Some(e) = &mut missing.scopes[0].evidence {
            e.function_logs[0].hits = Lookup::Missing;
        }
        assert!(run_check(&CHECK, &missing).is_empty());
    }

    #[test]
    fn one_line_is_enough_and_capped_counts_are_lower_bounds() {
        let mut one = hits("Permission denied", 1);
        one.capped = true;
        let findings = run_check(&CHECK, &inventory(vec![one]));
        let f = only(&findings);
        assert!(
            f.message.contains("at least 1 failure line in"),
            "{}",
            f.message
        );
        assert!(f
            .remediation
            .as_deref()
            .is_some_and(|r| r.contains("chmod 644")));
    }

    #[test]
    fn unreadable_log_group_is_an_error_on_the_function() {
        let mut inv = inventory(vec![]);
        if let Some(e) = &mut inv.scopes[0].evidence {
            e.function_logs[0].hits = Lookup::Failed(access_denied(
                "logs:FilterLogEvents",
                "/aws/lambda/pets-get",
            ));
        }
        let findings = run_check(&CHECK, &inv);
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get").as_str())
        );
        assert_eq!(f.evidence["routes"].as_array().map(Vec::len), Some(2));
    }
}
