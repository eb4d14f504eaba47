//! Reading one package: the tail (end-of-central-directory, and the whole central directory when
//! it is small), then only the ranges the parser asks for, then — for the deeper look — the one
//! handler file. Everything within a byte budget and a time limit.

use std::time::Duration;

use crate::inventory::PackageListing;
use crate::package::fetch::{Download, FetchError, RangeSource, Tail};
use crate::package::handler_path::{self, Expectation, Language};
use crate::package::listing::{self, Attempt, ListedEntry};
use crate::package::source_scan;
use crate::package::sparse::SparseFile;

/// The first request: 192 KiB from the end. It holds the end-of-central-directory record (and
/// any archive comment) and the whole central directory of packages up to about 2,500 files
/// (46 bytes plus the name per file), so the listing usually takes one request and the handler
/// file one more. Requests cost more time than bytes; a smaller package is read whole at once.
const TAIL_BYTES: u64 = 192 * 1024;
/// Below this, a missing range is widened backwards, so a parser walking towards the start of
/// the file does not cost one request per record.
const MIN_FETCH: u64 = 16 * 1024;
/// Parses of one package; each fetch adds bytes, so well-formed archives need two or three.
const MAX_ROUNDS: usize = 8;

/// Bounds of one package's reading (`[packages]` in the config).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_bytes: u64,
    pub timeout: Duration,
    pub max_entries: usize,
    /// Read the handler file of Python and Node.js functions (the deeper look).
    pub read_sources: bool,
    pub max_source_bytes: u64,
}

/// What reading one package gave and cost.
pub struct Inspection {
    pub listing: Result<PackageListing, FetchError>,
    pub bytes: u64,
    pub requests: u64,
}

/// Reads the listing at `url` and, with `limits.read_sources`, the handler files that
/// `expectations` name.
pub async fn inspect(
    http: &reqwest::Client,
    url: &str,
    expectations: &[Expectation],
    limits: &Limits,
) -> Inspection {
    let mut download = Download::new(http, url, limits.max_bytes);
    let listing =
        match tokio::time::timeout(limits.timeout, read(&mut download, expectations, limits)).await
        {
            Ok(result) => result,
            Err(_) => Err(FetchError {
                code: "PackageReadTimeout",
                message: format!(
                    "reading the package took more than {} s (packages.seconds-per-package)",
                    limits.timeout.as_secs()
                ),
            }),
        };
    Inspection {
        listing,
        bytes: download.bytes_read,
        requests: download.requests,
    }
}

/// Reads the listing through any range source: HTTP in production, memory in the property test.
pub(crate) async fn read(
    download: &mut impl RangeSource,
    expectations: &[Expectation],
    limits: &Limits,
) -> Result<PackageListing, FetchError> {
    let mut file = match download.tail(TAIL_BYTES).await? {
        Tail::Partial { total, bytes } => {
            let mut file = SparseFile::new(total);
            file.insert(total.saturating_sub(bytes.len() as u64), bytes);
            file
        }
        Tail::Whole(bytes) => {
            let mut file = SparseFile::new(bytes.len() as u64);
            file.insert(0, bytes);
            file
        }
    };
    let listed = settle(&mut file, download, |f| {
        listing::list(f, limits.max_entries)
    })
    .await?;
    let mut listing =
        PackageListing::new(file.len(), listed.iter().map(|l| l.entry.clone()).collect());
    if limits.read_sources {
        for expectation in expectations {
            read_source(
                &mut file,
                download,
                &listed,
                &mut listing,
                expectation,
                limits,
            )
            .await?;
        }
    }
    Ok(listing)
}

/// The deeper look at one handler file, when the runtime's scan reads it and it is small.
async fn read_source(
    file: &mut SparseFile,
    download: &mut impl RangeSource,
    listed: &[ListedEntry],
    listing: &mut PackageListing,
    expectation: &Expectation,
    limits: &Limits,
) -> Result<(), FetchError> {
    if !matches!(expectation.language, Language::Python | Language::Node) {
        return Ok(());
    }
    let Some(found) = handler_path::find(listing, expectation) else {
        return Ok(());
    };
    if found.size > limits.max_source_bytes
        || found.path.ends_with(".so")
        || found.path.ends_with(".pyc")
        || listing.sources.contains_key(&found.path)
    {
        return Ok(());
    }
    let Some(entry) = listed.iter().find(|l| l.entry.path == found.path) else {
        return Ok(());
    };
    // One request for the local header and the data together.
    let (start, end) = entry.span();
    let (gap_start, gap_end) = file.gap_at(start);
    let end = end.min(file.len());
    if gap_start < end {
        let bytes = download.range(gap_start, end.min(gap_end)).await?;
        file.insert(gap_start, bytes);
    }
    let bytes = settle(file, download, |f| {
        listing::read_entry(f, entry, limits.max_source_bytes)
    })
    .await?;
    if let Some(definitions) =
        source_scan::scan(expectation.language, &String::from_utf8_lossy(&bytes))
    {
        listing.sources.insert(found.path.clone(), definitions);
    }
    Ok(())
}

/// Runs `parse` until it completes, fetching what it asks for in between.
async fn settle<T>(
    file: &mut SparseFile,
    download: &mut impl RangeSource,
    parse: impl Fn(&SparseFile) -> Attempt<T>,
) -> Result<T, FetchError> {
    for _ in 0..MAX_ROUNDS {
        match parse(file) {
            Attempt::Done(value) => return Ok(value),
            Attempt::Malformed(message) => {
                return Err(FetchError {
                    code: "MalformedPackage",
                    message: format!("the package is not a readable zip: {message}"),
                })
            }
            Attempt::Need(offset) => fetch_around(file, download, offset).await?,
        }
    }
    Err(FetchError {
        code: "MalformedPackage",
        message: format!(
            "the package is not a readable zip: its directory still pointed at unread bytes \
             after {MAX_ROUNDS} reads"
        ),
    })
}

/// Fetches the gap that holds `offset`, from `offset` to the next fetched bytes, widened
/// backwards to at least [`MIN_FETCH`] bytes and cut to the budget.
async fn fetch_around(
    file: &mut SparseFile,
    download: &mut impl RangeSource,
    offset: u64,
) -> Result<(), FetchError> {
    let (_, end) = file.gap_at(offset);
    let floor = file.fetched_until(offset);
    let start = offset.min(end.saturating_sub(MIN_FETCH)).max(floor);
    let end = end.min(start.saturating_add(download.remaining()));
    if end <= offset {
        // Nothing left to fetch at that offset: the budget is spent.
        return Err(download_over_budget(download));
    }
    let bytes = download.range(start, end).await?;
    file.insert(start, bytes);
    Ok(())
}

fn download_over_budget(download: &impl RangeSource) -> FetchError {
    FetchError {
        code: "PackageReadOverBudget",
        message: format!(
            "reading the package's listing needed more than the bytes allowed per package \
             (packages.max-bytes-per-package); {} bytes were read",
            download.bytes_read()
        ),
    }
}
