//! Property tests of the listing reader: every well-formed zip lists exactly as a full read
//! would, whatever the fetch order; and no sequence of bytes — truncated, corrupted, pointing
//! outside itself, claiming millions of entries — panics or reads past its budget.
//! `PROPTEST_CASES=20000 cargo test --lib package::proptests` runs it for minutes.

use std::io::{Cursor, Write};
use std::time::Duration;

use proptest::prelude::*;

use crate::package::fetch::{FetchError, RangeSource, Tail};
use crate::package::inspect::{read, Limits};

/// Serves a byte slice by ranges, as S3 does, within a budget.
struct Memory<'a> {
    bytes: &'a [u8],
    budget: u64,
    read: u64,
    requests: u64,
}

impl Memory<'_> {
    fn take(&mut self, start: u64, end: u64) -> Result<Vec<u8>, FetchError> {
        let end = end.min(self.bytes.len() as u64);
        let start = start.min(end);
        if end - start > self.remaining() {
            return Err(FetchError {
                code: "PackageReadOverBudget",
                message: "over budget".into(),
            });
        }
        self.read += end - start;
        self.requests += 1;
        Ok(self.bytes[start as usize..end as usize].to_vec())
    }
}

impl RangeSource for Memory<'_> {
    fn remaining(&self) -> u64 {
        self.budget.saturating_sub(self.read)
    }
    fn bytes_read(&self) -> u64 {
        self.read
    }
    async fn tail(&mut self, len: u64) -> Result<Tail, FetchError> {
        let total = self.bytes.len() as u64;
        let bytes = self.take(total.saturating_sub(len), total)?;
        Ok(Tail::Partial { total, bytes })
    }
    async fn range(&mut self, start: u64, end: u64) -> Result<Vec<u8>, FetchError> {
        self.take(start, end)
    }
}

fn limits(max_bytes: u64) -> Limits {
    Limits {
        max_bytes,
        timeout: Duration::from_secs(5),
        max_entries: 100_000,
        read_sources: true,
        max_source_bytes: 1 << 20,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

/// A zip with `files` (name, size, mode) and an archive comment of `comment` bytes.
fn build(files: &[(String, usize, u32)], comment: usize, zip64: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, size, mode) in files {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(*mode)
            .large_file(zip64);
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(&vec![b'a'; *size]).unwrap();
    }
    zip.set_comment("c".repeat(comment));
    zip.finish().unwrap().into_inner()
}

fn files() -> impl Strategy<Value = Vec<(String, usize, u32)>> {
    prop::collection::btree_map(
        "[a-z]{1,12}(/[a-z]{1,8}){0,2}\\.py",
        (0usize..3000, 0u32..0o777),
        0..40,
    )
    .prop_map(|m| m.into_iter().map(|(n, (s, p))| (n, s, p)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn well_formed_zips_list_completely(files in files(), comment in 0usize..=65_535, zip64 in any::<bool>()) {
        let bytes = build(&files, comment, zip64);
        let mut source = Memory { bytes: &bytes, budget: u64::MAX, read: 0, requests: 0 };
        let listing = runtime().block_on(read(&mut source, &[], &limits(u64::MAX))).expect("a well-formed zip lists");
        prop_assert_eq!(listing.entries.len(), files.len());
        for (name, size, mode) in &files {
            let entry = listing.get(name).expect("every file is listed");
            prop_assert_eq!(entry.size, *size as u64);
            prop_assert_eq!(entry.mode.map(|m| m & 0o777), Some(*mode));
        }
        prop_assert!(source.requests <= 4, "{} requests", source.requests);
    }

    #[test]
    fn corrupted_zips_never_panic_nor_pass_the_budget(
        files in files(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..24),
        truncate in any::<bool>(),
    ) {
        let mut bytes = build(&files, 0, false);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let budget = 256 * 1024;
        let mut source = Memory { bytes: &bytes, budget, read: 0, requests: 0 };
        let _ = runtime().block_on(read(&mut source, &[], &limits(budget)));
        prop_assert!(source.read <= budget);
    }

    #[test]
    fn directories_pointing_anywhere_claiming_any_count_are_refused_cleanly(
        offset in any::<u32>(), size in any::<u32>(), count in any::<u16>(), filler in 0usize..200_000,
    ) {
        // An end-of-central-directory record alone, after `filler` bytes, with arbitrary fields.
        let mut bytes = vec![0x50u8; filler];
        bytes.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&size.to_le_bytes());
        bytes.extend_from_slice(&offset.to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        let budget = 128 * 1024;
        let mut source = Memory { bytes: &bytes, budget, read: 0, requests: 0 };
        let result = runtime().block_on(read(&mut source, &[], &limits(budget)));
        if count > 0 {
            prop_assert!(result.is_err(), "a directory of {count} entries that is not there is malformed");
        }
        prop_assert!(source.read <= budget);
    }
}

/// More than 65,535 entries: the end-of-central-directory record says 0xFFFF and the zip64
/// record holds the real count, which the listing must use.
#[test]
fn zip64_directories_list_completely() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o644);
    let count = 65_540;
    for i in 0..count {
        zip.start_file(format!("f{i:05}"), options).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let eocd = &bytes[bytes.len() - 22..];
    assert_eq!(
        &eocd[10..12],
        &[0xff, 0xff],
        "the classic record cannot hold the count"
    );
    let mut source = Memory {
        bytes: &bytes,
        budget: u64::MAX,
        read: 0,
        requests: 0,
    };
    let listing = runtime()
        .block_on(read(&mut source, &[], &limits(u64::MAX)))
        .expect("a zip64 archive lists");
    assert_eq!(listing.entries.len(), count);
    assert!(source.requests <= 3, "{} requests", source.requests);
}
