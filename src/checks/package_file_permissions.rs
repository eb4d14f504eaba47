//! `package-file-permissions`: files in the deployment package that Lambda's runtime user cannot
//! read, folders it cannot enter, or a `bootstrap` / Go binary it cannot execute. The modes come
//! from the zip's external attributes, exactly as Lambda extracts them.

use serde_json::json;

use crate::checks::shared::packages::{deploy_command, package_listing, some_of, LISTED};
use crate::checks::shared::{run_per_target, ReachedTarget};
use crate::checks::shared::{base_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{FunctionConfig, Lookup, PackageEntry};
use crate::package::handler_path;
use crate::log_signatures;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("package-file-permissions"),
    title: "Deployment package files are not readable or executable",
    severity: Severity::High,
    resource: ResourceKind::Function,
    client_status: Some(502),
    checks: "For every Zip function, alias or version an API route or Lambda authorizer \
             invokes, reads the Unix modes of its deployment package's entries (the zip's \
             external attributes, from the central directory fetched with HTTP range \
             requests) and reports files not readable by others (need 644), folders not \
             readable and searchable by others (need 755), and, for `provided*` runtimes the \
             `bootstrap` and for `go1.x` the handler's binary, an executable without the \
             execute bit for others (need 755) — also when it comes from a layer, and when a \
             zip made on Windows carries no Unix mode at all for it.",
    why: "Lambda extracts the package with the modes the zip records and runs the code as a \
          user that owns none of the files, so only the \"other\" permission bits count \
          (docs/aws-facts.md §5, Knowledge Center `lambda-deployment-package-errors`). A file without \
          read permission fails with `[Errno 13] Permission denied: '/var/task/app.py'` or \
          `EACCES: permission denied, open '/var/task/index.js'`; a bootstrap or Go binary \
          without the execute bit fails with `fork/exec /var/task/bootstrap: permission \
          denied` (`Runtime.InvalidEntrypoint`). The function errors, and API Gateway \
          answers 502 Internal server error.",
    fix: "In the unpacked build folder: `find . -type f -exec chmod 644 {} + && find . -type d \
          -exec chmod 755 {} + && chmod 755 bootstrap` (for an executable), then `zip -X -r \
          ../package.zip .` and `aws lambda update-function-code --function-name F --zip-file \
          fileb://../package.zip`. On Windows, build the zip in WSL or with \
          `build-lambda-zip` from aws-lambda-go, which records the execute bit.",
    limits: "Entries of a zip made without Unix attributes (Windows tools) cannot be judged for \
             reading: Lambda gives them its defaults, so only a missing execute bit on a \
             required executable is reported for them. Files are judged whether or not the \
             code loads them. Layers are judged only for an executable the function needs \
             from them.",
    input: Input::Packages,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::CUSTOMER_FUNCTION_ERROR, &log_signatures::INVALID_ENTRYPOINT, &log_signatures::PERMISSION_DENIED],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    run_per_target(&CHECK, ctx, |t| &t.configuration, judge)
}

/// `path -rw-------`, as `zipinfo` shows an entry.
fn shown(entry: &PackageEntry) -> String {
    format!("{} {}", entry.path, entry.mode_string())
}

fn judge(reached: &ReachedTarget<'_>, config: &FunctionConfig) -> Option<Finding> {
    let listing = match package_listing(&CHECK, reached, config) {
        Ok(listing) => listing?,
        Err(error) => return Some(*error),
    };
    let unreadable: Vec<String> = listing
        .entries
        .iter()
        .filter(|e| !e.is_dir() && !e.is_symlink())
        .filter(|e| e.mode.is_some_and(|m| m & 0o004 == 0))
        .map(shown)
        .collect();
    let closed: Vec<String> = listing
        .entries
        .iter()
        .filter(|e| e.is_dir())
        .filter(|e| e.mode.is_some_and(|m| m & 0o005 != 0o005))
        .map(shown)
        .collect();
    let mut not_executable = Vec::new();
    let mut windows_made = false;
    let expectation = config
        .runtime
        .as_deref()
        .zip(config.handler.as_deref())
        .and_then(|(runtime, handler)| handler_path::expect(runtime, handler))
        .filter(|e| e.executable);
    if let Some(expectation) = &expectation {
        let from_layers =
            config
                .layers
                .iter()
                .find_map(|layer| match reached.scope.layers.get(layer) {
                    Some(Lookup::Found(l)) => handler_path::find_in_layer(l, expectation)
                        .map(|e| (format!("{layer}: "), e)),
                    _ => None,
                });
        let executable = handler_path::find(listing, expectation)
            .map(|e| (String::new(), e))
            .or(from_layers);
        if let Some((origin, entry)) = executable {
            match entry.mode {
                Some(mode) if mode & 0o001 == 0 => {
                    not_executable.push(format!("{origin}{}", shown(entry)));
                }
                None => {
                    windows_made = true;
                    not_executable.push(format!("{origin}{}", shown(entry)));
                }
                Some(_) => {}
            }
        }
    }
    if unreadable.is_empty() && closed.is_empty() && not_executable.is_empty() {
        return None;
    }

    let mut problems = Vec::new();
    if !not_executable.is_empty() {
        problems.push(format!(
            "{} is not executable by Lambda's user (fork/exec ... permission denied)",
            some_of(&not_executable, LISTED)
        ));
    }
    if !unreadable.is_empty() {
        problems.push(format!(
            "{} file(s) are not world-readable ({}; [Errno 13] Permission denied / EACCES)",
            unreadable.len(),
            some_of(&unreadable, 3)
        ));
    }
    if !closed.is_empty() {
        problems.push(format!(
            "{} folder(s) are not 755 ({})",
            closed.len(),
            some_of(&closed, 3)
        ));
    }
    let message = format!(
        "{}'s deployment package: {}. The function fails before it runs and clients get 502.",
        reached.short(),
        problems.join("; ")
    );
    let mut finding = base_finding(&CHECK, reached.scope, Status::Fail, message);
    finding.evidence = json!({
        "not_executable": not_executable,
        "unreadable_files": unreadable.iter().take(LISTED).collect::<Vec<_>>(),
        "unreadable_file_count": unreadable.len(),
        "closed_folders": closed.iter().take(LISTED).collect::<Vec<_>>(),
        "closed_folder_count": closed.len(),
        "zip_without_unix_modes": windows_made,
    });
    let mut steps = vec![
        "find . -type f -exec chmod 644 {} +".to_string(),
        "find . -type d -exec chmod 755 {} +".to_string(),
    ];
    if let Some(expectation) = &expectation {
        if handler_path::find(listing, expectation).is_some() {
            steps.push(format!("chmod 755 {}", expectation.describe()));
        }
    }
    let rebuild = if windows_made {
        "# the zip has no Unix modes: build it in WSL or with build-lambda-zip (aws-lambda-go), then: "
            .to_string()
    } else {
        String::new()
    };
    steps.push("zip -X -r ../package.zip .".to_string());
    finding.remediation = Some(format!(
        "{rebuild}cd <unpacked build folder> && {} && {}",
        steps.join(" && "),
        deploy_command(reached, "../package.zip")
    ));
    Some(finding)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::PackageListing;
    use crate::testkit::*;

    const LAYER: &str = "arn:aws:lambda:us-east-1:123456789012:layer:rt:1";

    fn findings(
        runtime: &str,
        package: Lookup<PackageListing>,
        layers: &[(&str, Lookup<PackageListing>)],
    ) -> Vec<Finding> {
        let runtime = runtime.to_string();
        let layer_arns: Vec<String> = layers.iter().map(|(a, _)| a.to_string()).collect();
        let mut builder = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets", "pets-get")
                    .stage("prod"),
            )
            .target(target_with("pets-get", "a1b2c3", move |c| {
                c.runtime = Some(runtime);
                c.handler = Some("app.handler".into());
                c.layers = layer_arns;
            }))
            .package(HEALTHY_SHA, package);
        for (arn, l) in layers {
            builder = builder.layer(arn, l.clone());
        }
        run_check(&CHECK, &builder.inventory())
    }

    #[test]
    fn readable_packages_pass() {
        let ok = listing(&[
            ("app.py", 0o644),
            ("lib/", 0o755),
            ("lib/x.py", 0o444),
            ("run.sh", 0o755),
        ]);
        assert!(findings("python3.12", ok, &[]).is_empty());
        let bootstrap = listing(&[("bootstrap", 0o755)]);
        assert!(findings("provided.al2023", bootstrap, &[]).is_empty());
        // A Windows-made zip: no modes, Lambda's defaults apply to readable files.
        assert!(findings("python3.12", listing(&[("app.py", 0)]), &[]).is_empty());
    }

    #[test]
    fn unreadable_files_and_closed_folders() {
        let bad = listing(&[("app.py", 0o600), ("lib/", 0o700), ("lib/x.py", 0o640)]);
        let f = findings("python3.12", bad, &[]);
        let f = only(&f);
        assert_eq!((f.severity, f.client_status), (Severity::High, Some(502)));
        assert_eq!(f.evidence["unreadable_file_count"], json!(2));
        assert_eq!(
            f.evidence["unreadable_files"],
            json!(["app.py -rw-------", "lib/x.py -rw-r-----"])
        );
        assert_eq!(f.evidence["closed_folders"], json!(["lib/ drwx------"]));
        let fix = f.remediation.as_deref().unwrap();
        assert!(fix.contains("find . -type f -exec chmod 644 {} +"), "{fix}");
        assert!(fix.ends_with("aws lambda update-function-code --function-name pets-get --region us-east-1 --zip-file fileb://../package.zip"), "{fix}");
    }

    #[test]
    fn executables_need_the_execute_bit() {
        let f = findings("provided.al2023", listing(&[("bootstrap", 0o644)]), &[]);
        let f = only(&f);
        assert_eq!(
            f.evidence["not_executable"],
            json!(["bootstrap -rw-r--r--"])
        );
        assert!(f
            .remediation
            .as_deref()
            .unwrap()
            .contains("chmod 755 bootstrap"));

        let windows = findings("provided.al2023", listing(&[("bootstrap", 0)]), &[]);
        assert_eq!(
            only(&windows).evidence["zip_without_unix_modes"],
            json!(true)
        );

        let from_layer = findings(
            "provided.al2",
            listing(&[("README", 0o644)]),
            &[(LAYER, listing(&[("bootstrap", 0o744)]))],
        );
        assert_eq!(
            only(&from_layer).evidence["not_executable"],
            json!([format!("{LAYER}: bootstrap -rwxr--r--")])
        );
    }

    #[test]
    fn unread_package_is_an_error() {
        let failed = Lookup::Failed(access_denied("lambda:GetFunction", "pets-get"));
        assert_eq!(
            only(&findings("python3.12", failed, &[])).status,
            Status::Error
        );
    }
}
