//! The package-read benchmark: a generated Python package of 2,000 files and about 20 MiB, served
//! by the emulator's S3 (which honours `Range`, as the presigned S3 URLs of `Code.Location` do),
//! read as an audit reads it: the listing and the handler file. It reports the bytes and requests
//! per package, against the whole package's size.
//!
//! `cargo bench --bench package_read` runs the full size (`BENCH_PACKAGE_FILES`,
//! `BENCH_PACKAGE_FILE_BYTES` override it) and writes `target/bench/package_read.json`;
//! `cargo test` runs it once at a small size as a smoke test.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use apigw_auditor::package::handler_path;
use apigw_auditor::package::{inspect, Limits};
use serde_json::json;

fn main() {
    let is_bench = std::env::args().any(|a| a == "--bench");
    let files = support::bench_size("BENCH_PACKAGE_FILES", 2_000, 200, is_bench);
    let file_bytes = support::bench_size("BENCH_PACKAGE_FILE_BYTES", 10_240, 1_024, is_bench);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let (zip, _) = support::packages::large_package(files, file_bytes);
    let url = runtime.block_on(support::packages::upload(
        &format!("bench-{}", std::process::id()),
        &zip,
    ));
    let http = reqwest::Client::new();
    let handler = handler_path::expect("python3.12", "lambda_function.lambda_handler")
        .expect("a valid handler");
    let mut rows = Vec::new();
    for read_sources in [false, true] {
        let limits = Limits {
            max_bytes: 8 << 20,
            timeout: Duration::from_secs(60),
            max_entries: 200_000,
            read_sources,
            max_source_bytes: 1 << 20,
        };
        let started = Instant::now();
        let inspection = runtime.block_on(inspect(
            &http,
            &url,
            std::slice::from_ref(&handler),
            &limits,
        ));
        let elapsed = started.elapsed();
        let listing = inspection.listing.expect("the generated package lists");
        assert_eq!(listing.entries.len(), files + 1);
        assert_eq!(listing.sources.is_empty(), !read_sources);
        let row = json!({
            "handler_file_read": read_sources,
            "package_bytes": zip.len(),
            "entries": listing.entries.len(),
            "bytes_read": inspection.bytes,
            "requests": inspection.requests,
            "share_read_percent": (inspection.bytes as f64 * 100.0 / zip.len() as f64 * 100.0).round() / 100.0,
            "wall_ms": elapsed.as_millis() as u64,
        });
        println!("{row}");
        rows.push(row);
    }
    if is_bench {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&dir).expect("target/bench");
        let out = dir.join("package_read.json");
        std::fs::write(&out, serde_json::to_string_pretty(&rows).expect("json"))
            .expect("write the result");
        println!("wrote {}", out.display());
    }
}
