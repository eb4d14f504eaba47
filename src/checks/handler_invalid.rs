//! `handler-invalid`: the handler string cannot work for the function's runtime (docs/aws-facts.md §5),
//! so the runtime fails before the code runs and every call answers 502.

use serde_json::json;

use crate::checks::shared::{run_per_target, sh, update_configuration, ReachedTarget};
use crate::checks::shared::{base_finding};
use crate::checks::{Check, CheckId, Context, ResourceKind, Role};
use crate::inventory::FunctionConfig;
use crate::log_signatures;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("handler-invalid"),
    title: "Handler string is invalid for the runtime",
    severity: Severity::High,
    resource: ResourceKind::Function,
    client_status: Some(502),
    checks: "For every function an API route or Lambda authorizer invokes, checks the handler \
             string against the form its runtime's loader accepts: `module.function` for \
             Python (module may use `/` or `.`), `file.export` for Node.js with no `..`, \
             `file.method` or `file.Class.method` for Ruby, `package.Class` or \
             `package.Class::method` for Java, `Assembly::Namespace.Class::Method` or a bare \
             assembly name for .NET, and a non-empty handler for every managed runtime of a \
             Zip function. `provided*` runtimes accept any handler (the `bootstrap` decides). \
             A handler set on a container-image function is reported at low severity.",
    why: "The runtime parses the handler before loading any code (docs/aws-facts.md §5): the Python \
          and Node.js runtime clients raise `Runtime.MalformedHandlerName` for a handler \
          without `.` (Node also for `..`), Ruby raises `ArgumentError: Invalid handler`, Java \
          cannot find the class. The function never runs, Lambda returns a function error, \
          and API Gateway answers 502 Internal server error on every call. Image functions \
          take their entry point from the image; a Handler on them is rejected or ignored \
          (cfn-lint E3685: \"Container image functions cannot use Handler, Runtime, or \
          Layers\").",
    fix: "Set the handler to the runtime's form: `aws lambda update-function-configuration \
          --function-name F --handler app.handler`; for an alias, publish a version and move \
          the alias to it. For an image function, remove Handler from its template and set \
          the entry point with `--image-config` (Command) if it must differ from the image's \
          CMD.",
    limits: "Only the form of the string is checked: whether the module and function exist \
             in the package is `handler-not-in-package`. Runtimes of unknown families and \
             custom (`provided*`) runtimes are not judged.",
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::CUSTOMER_FUNCTION_ERROR, &log_signatures::MALFORMED_HANDLER_NAME],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_target(&CHECK, ctx, |t| &t.configuration, judge)
}

/// A rule the handler breaks and what the runtime says when it does.
#[derive(Debug, PartialEq)]
struct Broken {
    rule: &'static str,
    error: &'static str,
}

const fn broken(rule: &'static str, error: &'static str) -> Option<Broken> {
    Some(Broken { rule, error })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Why `handler` cannot work on `runtime`, or `None` when it can (or the runtime is unknown).
fn check_handler(runtime: &str, handler: &str) -> Option<Broken> {
    const MALFORMED: &str = "Runtime.MalformedHandlerName";
    if runtime.starts_with("python") {
        // awslambdaric: modname, fname = handler.rsplit(".", 1)
        let Some((module, function)) = handler.rsplit_once('.') else {
            return broken(
                "a Python handler is module.function and has no `.`",
                MALFORMED,
            );
        };
        if module.is_empty() {
            return broken(
                "the module part before the last `.` is empty",
                "Runtime.ImportModuleError",
            );
        }
        if !is_identifier(function) || function.contains('$') {
            return broken(
                "the function part after the last `.` is not a Python name",
                "Runtime.HandlerNotFound",
            );
        }
    } else if runtime.starts_with("nodejs") {
        if handler.contains("..") {
            return broken("a Node.js handler must not contain `..`", MALFORMED);
        }
        // The file is everything up to the first `.` after the last `/`.
        let base = handler.rsplit('/').next().unwrap_or(handler);
        let Some((module, export)) = base.split_once('.') else {
            return broken(
                "a Node.js handler is file.export and has no `.` after its folder",
                MALFORMED,
            );
        };
        if module.is_empty() {
            return broken(
                "the file part before the `.` is empty",
                "Runtime.ImportModuleError",
            );
        }
        if export.is_empty() {
            return broken(
                "the export part after the `.` is empty",
                "Runtime.HandlerNotFound",
            );
        }
    } else if runtime.starts_with("ruby") {
        // aws-lambda-ruby-runtime-interface-client: handler.split('.') must give 2 or 3 parts.
        let parts: Vec<&str> = handler.trim_end_matches('.').split('.').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            return broken(
                "a Ruby handler is file.method or file.Class.method",
                "ArgumentError: Invalid handler, must be of form FILENAME.METHOD or FILENAME.CLASS.METHOD",
            );
        }
    } else if runtime.starts_with("java") {
        let parts: Vec<&str> = handler.split("::").collect();
        let class_ok = parts
            .first()
            .is_some_and(|class| class.split('.').all(is_identifier));
        let method_ok = parts.get(1).is_none_or(|m| is_identifier(m));
        if parts.len() > 2 || !class_ok || !method_ok {
            return broken(
                "a Java handler is package.Class or package.Class::method with Java names only",
                "java.lang.ClassNotFoundException (Class not found)",
            );
        }
    } else if runtime.starts_with("dotnet") {
        let parts: Vec<&str> = handler.split("::").collect();
        let well_formed = (parts.len() == 1 || parts.len() == 3)
            && parts
                .iter()
                .all(|p| !p.is_empty() && !p.chars().any(char::is_whitespace));
        if !well_formed {
            return broken(
                "a .NET handler is Assembly::Namespace.Class::Method or a bare assembly name",
                "Unable to load type from assembly (the function cannot start)",
            );
        }
    }
    None
}

/// The families whose Zip functions need a handler; `provided*` runs `bootstrap` instead.
fn needs_handler(runtime: &str) -> bool {
    ["python", "nodejs", "ruby", "java", "dotnet", "go"]
        .iter()
        .any(|family| runtime.starts_with(family))
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
    let handler = config.handler.as_deref().unwrap_or("").trim();
    let runtime = config.runtime.as_deref().unwrap_or("");
    let name = reached.short();
    if config.package_type.as_deref() == Some("Image") {
        if handler.is_empty() {
            return None;
        }
        let message = format!(
            "{name} is a container-image function with handler `{handler}` set, which Lambda \
             does not use for images (cfn-lint E3685): the image's CMD decides what runs."
        );
        let mut finding = base_finding(&CHECK, reached.scope, Status::Fail, message);
        // Not a broken API by itself: the entry point comes from the image.
        finding.severity = Severity::Low;
        finding.client_status = None;
        finding.evidence = json!({
            "runtime": config.runtime, "handler": handler, "package_type": "Image",
            "rule": "container image functions cannot use Handler, Runtime or Layers",
            "runtime_error": null,
        });
        finding.remediation = Some(reached.arn()).map(|arn| {
            let command = json!({ "Command": [handler] }).to_string();
            update_configuration(
                reached.scope,
                arn,
                &format!("--image-config {}", sh(&command)),
            )
        });
        return Some(finding);
    }
    let problem = if handler.is_empty() {
        needs_handler(runtime).then_some(Broken {
            rule: "a Zip function with a managed runtime needs a handler",
            error: "Runtime.MalformedHandlerName (no handler to load)",
        })
    } else {
        check_handler(runtime, handler)
    }?;
    let message = format!(
        "{name} has handler `{handler}` for {runtime}, which cannot work ({}): every call fails \
         with {} and clients get 502 Internal server error.",
        problem.rule, problem.error
    );
    let mut finding = base_finding(&CHECK, reached.scope, Status::Fail, message);
    finding.evidence = json!({
        "runtime": runtime, "handler": handler, "rule": problem.rule,
        "runtime_error": problem.error,
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

    #[test]
    fn judges_handler_forms_per_runtime() {
        let cases: &[(&str, &str, bool)] = &[
            ("python3.12", "app.handler", true),
            ("python3.12", "src/app.handler", true),
            ("python3.12", "src.app.handler", true),
            ("python3.12", "app", false),
            ("python3.12", ".handler", false),
            ("python3.12", "app.", false),
            ("python3.12", "app.my-handler", false),
            ("nodejs22.x", "index.handler", true),
            ("nodejs22.x", "src/v1.2/index.handler", true),
            ("nodejs22.x", "index.obj.fn", true),
            ("nodejs22.x", "index", false),
            ("nodejs22.x", "src.v2/index", false),
            ("nodejs22.x", "../index.handler", false),
            ("nodejs22.x", "index..handler", false),
            ("ruby3.3", "lambda_function.lambda_handler", true),
            ("ruby3.3", "source.LambdaFunctions::Handler.process", true),
            ("ruby3.3", "handler", false),
            ("ruby3.3", "a.b.c.d", false),
            ("java21", "example.Handler", true),
            ("java21", "example.Handler::handleRequest", true),
            ("java21", "Handler", true),
            ("java21", "example/Handler::handleRequest", false),
            ("java21", "example.Handler::handle Request", false),
            ("java21", "example.Handler::", false),
            ("java21", "a::b::c", false),
            ("dotnet8", "MyApp::MyApp.Function::Handler", true),
            ("dotnet8", "MyApp", true),
            ("dotnet8", "MyApp::Function", false),
            ("dotnet8", "MyApp::::Handler", false),
            ("provided.al2023", "anything at all", true),
            ("go1.x", "main", true),
            ("cobol1.0", "???", true),
        ];
        for (runtime, handler, valid) in cases {
            assert_eq!(
                check_handler(runtime, handler).is_none(),
                *valid,
                "{runtime} {handler}"
            );
        }
    }

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

    #[test]
    fn missing_handler_on_zip_fails() {
        let findings = run_check(&CHECK, &inventory(|c| c.handler = None));
        assert!(only(&findings).evidence["rule"]
            .as_str()
            .unwrap_or_default()
            .contains("needs a handler"));
    }

    #[test]
    fn handler_on_image_function_is_low() {
        let findings = run_check(&CHECK,
            &inventory(|c| {
                c.package_type = Some("Image".into());
                c.runtime = None;
            }),
        );
        let f = only(&findings);
        assert_eq!((f.severity, f.client_status), (Severity::Low, None));
        assert!(f
            .remediation
            .as_deref()
            .unwrap_or_default()
            .contains(r#"--image-config '{"Command":["app.handler"]}'"#));
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
