//! `handler-invalid`: the handler string cannot work for the function's runtime (docs/aws-facts.md §5),
//! so the runtime fails before the code runs and every call answers 502.

use serde_json::json;

use crate::checks::shared::{run_per_target, sh, update_configuration, ReachedTarget};
use crate::checks::shared::{base_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::FunctionConfig;
use crate::log_signatures;
use crate::package::handler_path;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("handler-invalid"),
    title: "Handler string is invalid for the runtime",
    severity: Severity::High,
    resource: ResourceKind::Function,
    client_status: Some(502),
    checks: "For every function an API route or Lambda authorizer invokes, parses the handler \
             string the way its runtime's own loader does and reports what fails before any \
             file is looked at. Python (awslambdaric `_get_handler`): no `.` \
             (`Runtime.MalformedHandlerName`), a module named like an interpreter built-in \
             such as `sys`, `time` or `builtins` (`Runtime.BuiltInModuleConflict`), an empty, \
             relative or gapped module path (`ValueError`, `TypeError`, \
             `Runtime.ImportModuleError`), a function part that is no Python name \
             (`Runtime.HandlerNotFound`). Node.js (runtime interface client v3 and v4): `..` \
             or no `.` after the last folder (`Runtime.MalformedHandlerName`), an empty \
             export name (`Runtime.HandlerNotFound`). Ruby: not FILE.METHOD or \
             FILE.CLASS.METHOD (`Init<ArgumentError>`), an empty file part \
             (`Init<LoadError>`), a class part that is not a constant \
             (`Function<NameError>`). Java: an empty class or method part (\"Invalid \
             handler\"), a class or method name the JVM forbids. .NET: a handler with `:` \
             that is not ASSEMBLY::TYPE::METHOD with three non-empty parts \
             (`LambdaValidationException`); a handler without `:` names an executable \
             assembly on `dotnet6` and later. `provided*` and `go1.x` accept any handler.",
    why: "The runtime parses the handler before it runs any code, and a handler its loader \
          refuses stops the function at initialisation (or, for a Ruby class that is not a \
          constant, at every invocation): Lambda returns a function error with the error \
          type named in the finding, and API Gateway answers 502 Internal server error on \
          every call.",
    fix: "Set the handler to the runtime's form: `aws lambda update-function-configuration \
          --function-name F --handler app.handler`; for an alias, publish a version and move \
          the alias to it. For a built-in module conflict, rename the file (`sys.py` to \
          `sys_handler.py`) and the handler with it.",
    limits: "Only what the string alone decides is checked: which files the handler loads and \
             whether they are in the package is `handler-not-in-package`. Lambda's API already \
             refuses a handler with whitespace, a handler on a container-image function and a \
             Zip function without one, so those are not rules here. The built-in modules are \
             those of every CPython 3 build (a Lambda build may add more, judged as normal \
             modules). A Python function part that is no Python name is reported even though a \
             module could set such an attribute through `globals()`. Runtimes of unknown \
             families are not judged.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::CUSTOMER_FUNCTION_ERROR, &log_signatures::MALFORMED_HANDLER_NAME],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_target(&CHECK, ctx, |t| &t.configuration, judge)
}

/// What to put in `--handler`, shaped for the runtime. Placeholders, not guesses: without the
/// package the auditor cannot know the module or export names.
fn handler_shape(runtime: &str) -> &'static str {
    match runtime {
        r if r.starts_with("python") => "MODULE.FUNCTION",
        r if r.starts_with("nodejs") => "FILE.EXPORT",
        r if r.starts_with("ruby") => "FILE.METHOD",
        r if r.starts_with("java") => "PACKAGE.CLASS::handleRequest",
        r if r.starts_with("dotnet") => "ASSEMBLY::NAMESPACE.CLASS::METHOD",
        _ => "EXECUTABLE_NAME",
    }
}

fn judge(reached: &ReachedTarget<'_>, config: &FunctionConfig) -> Option<Finding> {
    // Lambda's API refuses a handler on an image function and a Zip function without one
    // ("Please don't provide Handler or Runtime or Layer when the intended function
    // PackageType is Image"; "Runtime and Handler are mandatory parameters"), and any handler
    // with whitespace (botocore's `Handler` shape: `[^\s]+`, at most 128 characters): such
    // functions cannot exist, so there is nothing to judge without both.
    if config.package_type.as_deref() == Some("Image") {
        return None;
    }
    let (runtime, handler) = (config.runtime.as_deref()?, config.handler.as_deref()?);
    let problem = handler_path::broken_handler(runtime, handler)?;
    let name = reached.short();
    let message = format!(
        "{name} has handler `{handler}` for {runtime}, which cannot work: {}. Every call fails \
         with {} in the function's log and clients get 502 Internal server error.",
        problem.rule, problem.error
    );
    let mut finding = base_finding(&CHECK, reached.scope, Status::Fail, message);
    finding.evidence = json!({
        "runtime": runtime, "handler": handler, "rule": problem.rule,
        "runtime_error": problem.error, "source": problem.source,
    });
    finding.remediation = Some(reached.arn()).map(|arn| {
        update_configuration(
            reached.scope,
            arn,
            &format!("--handler {}", sh(handler_shape(runtime))),
        )
    });
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn inventory(edit: impl FnOnce(&mut FunctionConfig)) -> crate::inventory::Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:live")
                    .stage("prod"),
            )
            .target(target_with("pets-get:live", "a1b2c3", edit))
            .inventory()
    }

    #[test]
    fn python_handler_without_dot_fails() {
        let findings = run_check(&CHECK,
            &inventory(|c| c.handler = Some("app".into())),
        );
        let f = only(&findings);
        assert_eq!((f.severity, f.client_status), (Severity::High, Some(502)));
        assert_eq!(f.evidence["runtime_error"], "Runtime.MalformedHandlerName");
        assert_eq!(f.evidence["handler"], "app");
        assert!(f
            .message
            .starts_with("pets-get:live has handler `app` for python3.12"));
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with(
                "aws lambda update-function-configuration --function-name pets-get \
                 --region us-east-1 --handler MODULE.FUNCTION &&"
            ),
            "{fix}"
        );
        assert!(fix.contains("update-alias"), "{fix}");
    }

    #[test]
    fn healthy_handlers_and_custom_runtimes_are_quiet() {
        assert!(run_check(&CHECK, &inventory(|_| {})).is_empty());
        let custom = inventory(|c| {
            c.runtime = Some("provided.al2023".into());
            c.handler = None;
        });
        assert!(run_check(&CHECK, &custom).is_empty());
        let image = inventory(|c| {
            c.package_type = Some("Image".into());
            c.runtime = None;
            c.handler = None;
        });
        assert!(run_check(&CHECK, &image).is_empty());
    }

    /// awslambdaric bootstrap.py `_get_handler`: `sys.builtin_module_names` is checked
    /// before the import (its test `test_get_event_handler_build_in_conflict`).
    #[test]
    fn a_python_module_named_like_a_built_in_fails() {
        let findings = run_check(
            &CHECK,
            &inventory(|c| c.handler = Some("time.handler".into())),
        );
        let f = only(&findings);
        assert_eq!(f.evidence["runtime_error"], "Runtime.BuiltInModuleConflict");
        assert!(
            f.evidence["source"]
                .as_str()
                .unwrap_or_default()
                .contains("awslambdaric/bootstrap.py"),
            "{:?}",
            f.evidence
        );
        assert!(f.message.contains("built-in"), "{}", f.message);
    }

    /// The rules Lambda's API makes unreachable are gone: a handler on an image function
    /// ("Please don't provide Handler ... when the intended function PackageType is Image")
    /// and a Zip function without one ("Runtime and Handler are mandatory parameters").
    #[test]
    fn functions_the_api_refuses_are_not_judged() {
        let image = inventory(|c| {
            c.package_type = Some("Image".into());
            c.runtime = None;
        });
        assert!(run_check(&CHECK, &image).is_empty());
        assert!(run_check(&CHECK, &inventory(|c| c.handler = None)).is_empty());
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
