//! Deployment-package inspection: `handler-not-in-package` and `package-file-permissions` on real
//! zips uploaded to the emulator, which serves `Code.Location` (and layer content) with the
//! zips' bytes — Unix modes included — but ignores `Range`, so these audits take the capped
//! full-download path. The range path is driven against the emulator's S3, which honours
//! `Range` as AWS's presigned S3 URLs do.

use std::time::Duration;

use apigw_auditor::package::handler_path;
use apigw_auditor::package::{inspect, Limits};
use apigw_auditor::report::{Finding, Report, Severity, Status};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LayerVersionContentInput;
use serde_json::json;

use crate::common::assert_fail;
use crate::support::audit::{audit, findings};
use crate::support::fleet::apigw::MethodOptions;
use crate::support::fleet::{fn_zip, Fleet, PYTHON_OK_HANDLER};
use crate::support::new_fleet;
use crate::support::packages::{large_package, upload};

const NODE_OK: &str = "export const handler = async () => ({ statusCode: 200, body: 'ok' });\n";
const BOOTSTRAP: &str = "#!/bin/sh\nexit 0\n";

/// The zip of `files`, then rewritten as a Windows tool writes it: "made by" MS-DOS and DOS
/// attributes (archive, or directory) in the external attributes, so no Unix mode at all.
fn windows_zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut bytes = fn_zip(
        &files
            .iter()
            .map(|(p, c)| (*p, *c, 0o644))
            .collect::<Vec<_>>(),
    );
    let eocd = bytes.len() - 22;
    let field = |b: &[u8], at: usize, n: usize| -> usize {
        (0..n).map(|i| (b[at + i] as usize) << (8 * i)).sum()
    };
    let entries = field(&bytes, eocd + 10, 2);
    let mut at = field(&bytes, eocd + 16, 4);
    for _ in 0..entries {
        assert_eq!(
            field(&bytes, at, 4),
            0x0201_4b50,
            "a central directory header"
        );
        let name_len = field(&bytes, at + 28, 2);
        let name_is_dir = bytes[at + 46 + name_len - 1] == b'/';
        bytes[at + 5] = 0; // made by: MS-DOS
        let attributes: u32 = if name_is_dir { 0x10 } else { 0x20 };
        bytes[at + 38..at + 42].copy_from_slice(&attributes.to_le_bytes());
        at += 46 + name_len + field(&bytes, at + 30, 2) + field(&bytes, at + 32, 2);
    }
    bytes
}

/// Publishes a layer from `zip`; returns its version ARN.
async fn layer(fleet: &Fleet, name: &str, zip: Vec<u8>) -> String {
    let out = fleet
        .lambda
        .publish_layer_version()
        .layer_name(name)
        .content(
            LayerVersionContentInput::builder()
                .zip_file(Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("lambda:PublishLayerVersion {name}: {e:?}"));
    out.layer_version_arn()
        .expect("a layer version ARN")
        .to_string()
}

/// A function with layers, waiting until it is active.
async fn function_with_layers(
    fleet: &Fleet,
    name: &str,
    runtime: &str,
    handler: &str,
    zip: Vec<u8>,
    layers: &[&str],
) -> String {
    let arn = fleet.create_function(name, runtime, handler, zip, 3).await;
    fleet
        .lambda
        .update_function_configuration()
        .function_name(name)
        .set_layers(Some(layers.iter().map(|l| l.to_string()).collect()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("lambda:UpdateFunctionConfiguration {name}: {e:?}"));
    fleet.wait_active(name, None).await;
    arn
}

fn of<'r>(found: &[&'r Finding], function: &str) -> &'r Finding {
    found
        .iter()
        .find(|f| f.function.as_deref() == Some(function))
        .copied()
        .unwrap_or_else(|| panic!("no finding for {function}: {found:#?}"))
}

fn functions_of(report: &Report, check: &str) -> Vec<String> {
    let mut names: Vec<String> = findings(report, check)
        .iter()
        .filter_map(|f| f.function.clone())
        .collect();
    names.sort();
    names
}

/// Every mistake of the issue next to its healthy control, in one account and one audit:
/// healthy Python, Node `.mjs`, `provided.al2023` with an executable `bootstrap` and a
/// Windows-made zip give nothing; a zipped folder, a missing bootstrap, a file and a folder not
/// readable by others, a bootstrap without the execute bit and handler functions missing from
/// their files each give exactly their finding.
#[tokio::test]
async fn package_mistakes_and_healthy_controls() {
    let (account, sdk, fleet) = new_fleet().await;
    let py = |name: &'static str, handler: &'static str, zip: Vec<u8>| {
        let fleet = &fleet;
        async move {
            fleet
                .create_function(name, "python3.12", handler, zip, 3)
                .await
        }
    };
    let ok_py = fleet_python_ok(&fleet, "py-ok").await;
    // The same bytes as py-ok: one CodeSha256, read once.
    let ok_py_twin = fleet_python_ok(&fleet, "py-ok-twin").await;
    let node_mjs = fleet
        .create_function(
            "node-mjs",
            "nodejs22.x",
            "index.handler",
            fn_zip(&[("index.mjs", NODE_OK, 0o644)]),
            3,
        )
        .await;
    let bootstrap_ok = fleet
        .create_function(
            "rt-ok",
            "provided.al2023",
            "unused",
            fn_zip(&[("bootstrap", BOOTSTRAP, 0o755)]),
            3,
        )
        .await;
    let windows = py(
        "py-windows",
        "src/app.lambda_handler",
        windows_zip(&[("src/", ""), ("src/app.py", PYTHON_OK_HANDLER)]),
    )
    .await;
    let zipped_folder = py(
        "py-folder",
        "lambda_function.lambda_handler",
        fn_zip(&[
            ("my-fn/", "", 0o755),
            ("my-fn/lambda_function.py", PYTHON_OK_HANDLER, 0o644),
        ]),
    )
    .await;
    let no_bootstrap = fleet
        .create_function(
            "rt-missing",
            "provided.al2023",
            "unused",
            fn_zip(&[("main", BOOTSTRAP, 0o755)]),
            3,
        )
        .await;
    let unreadable = py(
        "py-unreadable",
        "lambda_function.lambda_handler",
        fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o600)]),
    )
    .await;
    let closed_folder = py(
        "py-closed",
        "src/app.lambda_handler",
        fn_zip(&[
            ("src/", "", 0o700),
            ("src/app.py", PYTHON_OK_HANDLER, 0o644),
        ]),
    )
    .await;
    let not_executable = fleet
        .create_function(
            "rt-noexec",
            "provided.al2023",
            "unused",
            fn_zip(&[("bootstrap", BOOTSTRAP, 0o644)]),
            3,
        )
        .await;
    let py_no_def = py(
        "py-nodef",
        "lambda_function.lambda_handler",
        fn_zip(&[(
            "lambda_function.py",
            "def handle(event, context):\n    return {}\n",
            0o644,
        )]),
    )
    .await;
    let node_no_export = fleet
        .create_function(
            "node-noexport",
            "nodejs22.x",
            "index.handler",
            fn_zip(&[(
                "index.js",
                "exports.main = async () => ({ statusCode: 200 });\n",
                0o644,
            )]),
            3,
        )
        .await;

    let api = fleet.create_api("packages").await;
    let all = [
        &ok_py,
        &ok_py_twin,
        &node_mjs,
        &bootstrap_ok,
        &windows,
        &zipped_folder,
        &no_bootstrap,
        &unreadable,
        &closed_folder,
        &not_executable,
        &py_no_def,
        &node_no_export,
    ];
    for (i, function) in all.iter().enumerate() {
        api.lambda_proxy_method(&format!("/r{i}"), "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;

    let report = audit(&sdk).await;

    let mut missing = vec![
        zipped_folder.clone(),
        no_bootstrap.clone(),
        py_no_def.clone(),
        node_no_export.clone(),
    ];
    missing.sort();
    assert_eq!(functions_of(&report, "handler-not-in-package"), missing);
    let mut permissions = vec![
        unreadable.clone(),
        closed_folder.clone(),
        not_executable.clone(),
    ];
    permissions.sort();
    assert_eq!(
        functions_of(&report, "package-file-permissions"),
        permissions
    );

    let handler = findings(&report, "handler-not-in-package");
    let folder = of(&handler, &zipped_folder);
    assert_fail(folder, &account, Severity::High, Some(502));
    assert_eq!(folder.evidence["nested"], json!("my-fn/lambda_function.py"));
    assert_eq!(folder.evidence["level"], json!("file"));
    assert!(
        folder.remediation.as_deref().unwrap_or_default().starts_with(
            "cd my-fn && zip -X -r ../package.zip . && aws lambda update-function-code --function-name py-folder"
        ),
        "{folder:#?}"
    );
    let boot = of(&handler, &no_bootstrap);
    assert!(
        boot.message.contains("Couldn't find valid bootstrap(s)"),
        "{}",
        boot.message
    );
    assert_eq!(boot.evidence["package_root"], json!(["main"]));
    for heuristic in [of(&handler, &py_no_def), of(&handler, &node_no_export)] {
        assert_eq!(heuristic.severity, Severity::Medium, "{heuristic:#?}");
        assert_eq!(heuristic.evidence["level"], json!("function"));
    }
    assert_eq!(
        of(&handler, &py_no_def).evidence["defined"],
        json!(["handle"])
    );
    assert_eq!(
        of(&handler, &node_no_export).evidence["defined"],
        json!(["main"])
    );

    let perms = findings(&report, "package-file-permissions");
    let f = of(&perms, &unreadable);
    assert_fail(f, &account, Severity::High, Some(502));
    assert_eq!(
        f.evidence["unreadable_files"],
        json!(["lambda_function.py -rw-------"])
    );
    assert_eq!(
        of(&perms, &closed_folder).evidence["closed_folders"],
        json!(["src/ drwx------"])
    );
    assert_eq!(
        of(&perms, &not_executable).evidence["not_executable"],
        json!(["bootstrap -rw-r--r--"])
    );

    // Each distinct package is read once (py-ok and its twin share one), with one request each:
    // the emulator answers the first (suffix) range with the whole zip.
    let distinct = all.len() as u64 - 1;
    assert_eq!(
        report.summary.package_requests, distinct,
        "{:#?}",
        report.summary
    );
    assert!(report.summary.package_bytes_read > 0);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

async fn fleet_python_ok(fleet: &Fleet, name: &str) -> String {
    fleet
        .create_function(
            name,
            "python3.12",
            "lambda_function.lambda_handler",
            fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)]),
            3,
        )
        .await
}

/// Handlers and bootstraps that come from layers: found where the runtime looks (`python/`,
/// a layer's root for `bootstrap`) they are fine — and the bootstrap's mode is judged there —;
/// in a layer but not on the runtime's path they are still missing. Layers are read only for
/// the functions that need them: `lambda:GetLayerVersionByArn` counts exactly those.
#[tokio::test]
async fn handlers_in_layers() {
    let (_, sdk, fleet) = new_fleet().await;
    let py_layer = layer(
        &fleet,
        "py-lib",
        fn_zip(&[
            ("python/", "", 0o755),
            ("python/app.py", PYTHON_OK_HANDLER, 0o644),
        ]),
    )
    .await;
    let wrong_place = layer(
        &fleet,
        "py-wrong",
        fn_zip(&[("app.py", PYTHON_OK_HANDLER, 0o644)]),
    )
    .await;
    let runtime_layer = layer(
        &fleet,
        "runtime",
        fn_zip(&[("bootstrap", BOOTSTRAP, 0o744)]),
    )
    .await;
    let unused = layer(&fleet, "unused", fn_zip(&[("python/other.py", "", 0o644)])).await;

    let readme = || fn_zip(&[("README.md", "docs\n", 0o644)]);
    let from_layer = function_with_layers(
        &fleet,
        "py-from-layer",
        "python3.12",
        "app.handler",
        readme(),
        &[&py_layer],
    )
    .await;
    let misplaced = function_with_layers(
        &fleet,
        "py-misplaced",
        "python3.12",
        "app.handler",
        readme(),
        &[&wrong_place],
    )
    .await;
    let custom = function_with_layers(
        &fleet,
        "rt-layer",
        "provided.al2023",
        "unused",
        readme(),
        &[&runtime_layer],
    )
    .await;
    // Its handler is in its own package: its layer is never read.
    let own = function_with_layers(
        &fleet,
        "py-own",
        "python3.12",
        "lambda_function.lambda_handler",
        fn_zip(&[("lambda_function.py", PYTHON_OK_HANDLER, 0o644)]),
        &[&unused],
    )
    .await;

    let api = fleet.create_api("layers").await;
    for (i, function) in [&from_layer, &misplaced, &custom, &own].iter().enumerate() {
        api.lambda_proxy_method(&format!("/l{i}"), "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;
    let report = audit(&sdk).await;

    assert_eq!(
        functions_of(&report, "handler-not-in-package"),
        vec![misplaced.clone()]
    );
    let f = of(&findings(&report, "handler-not-in-package"), &misplaced);
    assert_eq!(f.evidence["layers_searched"], json!([wrong_place]));
    assert_eq!(
        functions_of(&report, "package-file-permissions"),
        vec![custom.clone()]
    );
    let f = of(&findings(&report, "package-file-permissions"), &custom);
    assert_eq!(
        f.evidence["not_executable"],
        json!([format!("{runtime_layer}: bootstrap -rwxr--r--")])
    );
    assert_eq!(
        report.summary.api_calls.get("lambda:GetLayerVersionByArn"),
        Some(&3),
        "{:#?}",
        report.summary.api_calls
    );
}

/// A package of 2,000 files behind a server that honours `Range` (the emulator's S3, as AWS's
/// presigned URLs are S3's): the listing and the handler file cost a few requests and
/// kilobytes, not the package. `benches/package_read.rs` measures the same at 20 MiB.
#[tokio::test]
async fn a_large_package_is_read_by_ranges() {
    let (zip, handler_size) = large_package(2_000, 1024);
    let url = upload(&format!("pkg-{}", std::process::id()), &zip).await;
    let http = reqwest::Client::new();
    let expectation = handler_path::expect("python3.12", "lambda_function.lambda_handler").unwrap();
    let limits = Limits {
        max_bytes: 8 << 20,
        timeout: Duration::from_secs(30),
        max_entries: 200_000,
        read_sources: true,
        max_source_bytes: 1 << 20,
    };
    let inspection = inspect(&http, &url, std::slice::from_ref(&expectation), &limits).await;
    let listing = inspection.listing.expect("the package lists");
    assert_eq!(listing.entries.len(), 2_001);
    assert_eq!(listing.size_bytes, zip.len() as u64);
    assert_eq!(
        listing.sources["lambda_function.py"].names,
        vec!["json".to_string(), "lambda_handler".to_string()]
    );
    assert!(zip.len() > 2_000_000);
    assert!(
        inspection.bytes < 256 * 1024 && inspection.requests <= 3,
        "{} bytes in {} requests (handler file {handler_size} bytes)",
        inspection.bytes,
        inspection.requests
    );

    // The same budget refuses a package whose directory alone is over it.
    let tight = Limits {
        max_bytes: 64 * 1024,
        ..limits
    };
    let refused = inspect(&http, &url, &[], &tight).await;
    let error = refused.listing.expect_err("over the budget");
    assert_eq!(error.code, "PackageReadOverBudget");
    assert!(refused.bytes <= 64 * 1024);
}

/// A package over `packages.max-bytes-per-package` behind a server that ignores `Range` (the
/// emulator's code location) is refused once the budget is spent, not downloaded whole: an
/// `error` finding for both package checks, and the rest of the audit goes on.
#[tokio::test]
async fn a_package_over_the_budget_is_an_error_finding() {
    let (_, sdk, fleet) = new_fleet().await;
    let big = fleet
        .create_function(
            "py-big",
            "python3.12",
            "lambda_function.lambda_handler",
            large_package(100, 1024).0,
            3,
        )
        .await;
    let fine = fleet_python_ok(&fleet, "py-fine").await;
    let api = fleet.create_api("budget").await;
    for (i, function) in [&big, &fine].iter().enumerate() {
        api.lambda_proxy_method(&format!("/b{i}"), "GET", function, MethodOptions::default())
            .await;
    }
    api.deploy("prod", &[]).await;

    let mut config = crate::support::audit::config();
    config.packages.max_bytes_per_package = 64 * 1024;
    let report = crate::support::audit::audit_with(&config, &sdk).await;
    for check in ["handler-not-in-package", "package-file-permissions"] {
        let found = findings(&report, check);
        assert_eq!(found.len(), 1, "{check}: {found:#?}");
        assert_eq!(found[0].status, Status::Error);
        assert_eq!(found[0].function.as_deref(), Some(big.as_str()));
        assert_eq!(found[0].evidence["code"], json!("PackageReadOverBudget"));
    }
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    // The refused package cost at most the budget; the healthy one was read whole.
    assert!(
        report.summary.package_bytes_read <= 64 * 1024 + 4096,
        "{:#?}",
        report.summary
    );
}

/// Bytes that are not a zip, or a zip cut short, behind the real HTTP range path: the emulator's
/// Lambda refuses such uploads (as AWS does), so they are served from its S3. Each is a
/// `MalformedPackage` error within the budget, never a panic.
#[tokio::test]
async fn malformed_packages_are_refused_cleanly() {
    let (zip, _) = large_package(50, 512);
    let http = reqwest::Client::new();
    let limits = Limits {
        max_bytes: 256 * 1024,
        timeout: Duration::from_secs(30),
        max_entries: 200_000,
        read_sources: true,
        max_source_bytes: 1 << 20,
    };
    let garbage: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for (name, bytes) in [
        ("truncated", zip[..zip.len() / 2].to_vec()),
        ("garbage", garbage),
        ("empty", Vec::new()),
    ] {
        let url = upload(&format!("bad-{name}-{}", std::process::id()), &bytes).await;
        let inspection = inspect(&http, &url, &[], &limits).await;
        let error = inspection.listing.expect_err(name);
        assert_eq!(error.code, "MalformedPackage", "{name}: {error:?}");
        assert!(inspection.bytes <= limits.max_bytes, "{name}");
    }
}

/// A package server that accepts the connection and never answers: the read gives up after
/// `seconds-per-package` with `PackageReadTimeout` instead of hanging the audit.
#[tokio::test]
async fn a_stalled_package_server_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/package.zip", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let limits = Limits {
        max_bytes: 1 << 20,
        timeout: Duration::from_secs(1),
        max_entries: 1_000,
        read_sources: false,
        max_source_bytes: 0,
    };
    let started = std::time::Instant::now();
    let inspection = inspect(&reqwest::Client::new(), &url, &[], &limits).await;
    let error = inspection.listing.expect_err("no answer");
    assert_eq!(error.code, "PackageReadTimeout");
    assert!(started.elapsed() < Duration::from_secs(10));
    held.abort();
}
