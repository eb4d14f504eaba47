//! Deployment packages for the package tests and benchmark: a large Python package of many
//! files, and an upload to the emulator's S3, which serves byte ranges as AWS's presigned S3
//! URLs do.

use std::io::{Cursor, Write};

use super::emulator::Emulator;
use super::fleet::PYTHON_OK_HANDLER;

/// The handler, then `files` stored files of `size` bytes under `vendor/`: the layout of a
/// Python package with its dependencies, as `zip -r` writes it.
pub fn large_package(files: usize, size: usize) -> (Vec<u8>, usize) {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o644);
    let filler: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    // `zip -r` adds entries in name order: the handler comes before `vendor/`, at the start of
    // the file, far from the central directory.
    zip.start_file(
        "lambda_function.py",
        stored.compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    zip.write_all(PYTHON_OK_HANDLER.as_bytes()).unwrap();
    for i in 0..files {
        zip.start_file(format!("vendor/lib{:03}/module_{i:05}.py", i % 97), stored)
            .unwrap();
        zip.write_all(&filler).unwrap();
    }
    (zip.finish().unwrap().into_inner(), PYTHON_OK_HANDLER.len())
}

/// Puts `bytes` in a fresh bucket of the emulator's S3 (unsigned, as ministack allows) and
/// returns the object's URL.
pub async fn upload(bucket: &str, bytes: &[u8]) -> String {
    let http = reqwest::Client::new();
    let endpoint = Emulator::shared().endpoint_url().to_string();
    let bucket_url = format!("{endpoint}/{bucket}");
    let made = http.put(&bucket_url).send().await.expect("CreateBucket");
    assert!(
        made.status().is_success(),
        "CreateBucket: {}",
        made.status()
    );
    let url = format!("{bucket_url}/package.zip");
    let put = http
        .put(&url)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("PutObject");
    assert!(put.status().is_success(), "PutObject: {}", put.status());
    url
}
