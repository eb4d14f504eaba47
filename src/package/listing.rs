//! Parsing a zip's listing and one entry's bytes out of a [`SparseFile`] with `rawzip`, which
//! reads the end-of-central-directory (zip64 and archive comments included) and the central
//! directory through positioned reads. A parse either completes, names the offset it needs next
//! (the caller fetches it and tries again), or reports why the archive is malformed.

use std::io::Read;

use rawzip::{CompressionMethod, CreatorSystem, ZipArchiveEntryWayfinder, ZipLocator};

use crate::inventory::PackageEntry;
use crate::package::sparse::SparseFile;

/// How far back from the end the end-of-central-directory record may sit: its own 22 bytes, a
/// comment of at most 65,535 bytes, and the 20-byte zip64 locator before it.
pub const EOCD_SEARCH_BYTES: u64 = 22 + 65_535 + 20;

/// The outcome of one parse over the bytes fetched so far.
#[derive(Debug)]
pub enum Attempt<T> {
    Done(T),
    /// The parse needs the byte at this offset, which has not been fetched.
    Need(u64),
    Malformed(String),
}

/// An entry of the central directory, with what is needed to read its bytes later.
#[derive(Debug, Clone)]
pub struct ListedEntry {
    pub entry: PackageEntry,
    pub wayfinder: ZipArchiveEntryWayfinder,
    pub local_header_offset: u64,
    pub compressed_size: u64,
    pub compression: u16,
}

impl ListedEntry {
    /// The bytes that hold the local header and the data, with room for a local extra field
    /// (which may differ from the central one): what to fetch to read the entry in one request.
    pub fn span(&self) -> (u64, u64) {
        const LOCAL_HEADER: u64 = 30;
        const EXTRA_ALLOWANCE: u64 = 1024;
        let start = self.local_header_offset;
        let len = LOCAL_HEADER + self.entry.path.len() as u64 + EXTRA_ALLOWANCE;
        (
            start,
            start
                .saturating_add(len)
                .saturating_add(self.compressed_size),
        )
    }
}

/// What a parse failure means: bytes to fetch when a read fell outside the fetched ranges,
/// otherwise a malformed archive.
fn need_or_malformed<T>(file: &SparseFile, error: impl std::fmt::Display) -> Attempt<T> {
    match file.take_missing() {
        Some(offset) => Attempt::Need(offset),
        None => Attempt::Malformed(error.to_string()),
    }
}

/// Finds the end-of-central-directory record, starting a fresh parse.
fn locate<'f, T>(
    file: &'f SparseFile,
    buffer: &mut [u8],
) -> Result<rawzip::ZipArchive<&'f SparseFile>, Attempt<T>> {
    file.take_missing();
    ZipLocator::new()
        .max_search_space(EOCD_SEARCH_BYTES)
        .locate_in_reader(file, buffer, file.len())
        .map_err(|(_, error)| need_or_malformed(file, error))
}

/// Lists the central directory. More than `max_entries` entries is reported as malformed
/// rather than held in memory (the byte cap on fetches bounds it as well).
pub fn list(file: &SparseFile, max_entries: usize) -> Attempt<Vec<ListedEntry>> {
    let mut buffer = vec![0u8; rawzip::RECOMMENDED_BUFFER_SIZE];
    let archive = match locate(file, &mut buffer) {
        Ok(archive) => archive,
        Err(attempt) => return attempt,
    };
    let mut out = Vec::new();
    let mut entries = archive.entries(&mut buffer);
    loop {
        match entries.next_entry() {
            Ok(Some(record)) => {
                if out.len() >= max_entries {
                    return Attempt::Malformed(format!(
                        "the central directory lists more than {max_entries} entries"
                    ));
                }
                let unix = matches!(
                    record.version_made_by().creator_system(),
                    CreatorSystem::UNIX | CreatorSystem::MACOS
                ) && record.external_attributes() >> 16 != 0;
                out.push(ListedEntry {
                    entry: PackageEntry {
                        path: String::from_utf8_lossy(record.file_path().as_bytes()).into_owned(),
                        size: record.uncompressed_size_hint(),
                        mode: unix.then(|| record.mode().value()),
                    },
                    wayfinder: record.wayfinder(),
                    local_header_offset: record.local_header_offset(),
                    compressed_size: record.compressed_size_hint(),
                    compression: record.compression_method().as_u16(),
                });
            }
            Ok(None) => break,
            Err(error) => return need_or_malformed(file, error),
        }
    }
    // A read that failed and was recovered from inside the parse (rawzip probes where the
    // directory starts) still means the listing may be incomplete: fetch and parse again.
    match file.take_missing() {
        Some(offset) => Attempt::Need(offset),
        None => Attempt::Done(out),
    }
}

/// Reads one entry's uncompressed bytes, at most `max_bytes` of them.
pub fn read_entry(file: &SparseFile, listed: &ListedEntry, max_bytes: u64) -> Attempt<Vec<u8>> {
    let mut buffer = vec![0u8; rawzip::RECOMMENDED_BUFFER_SIZE];
    let archive = match locate(file, &mut buffer) {
        Ok(archive) => archive,
        Err(attempt) => return attempt,
    };
    let entry = match archive.get_entry(listed.wayfinder) {
        Ok(entry) => entry,
        Err(error) => return need_or_malformed(file, error),
    };
    let raw = entry.reader();
    let mut out = Vec::new();
    let read = match CompressionMethod::new(listed.compression) {
        CompressionMethod::STORE => raw.take(max_bytes).read_to_end(&mut out),
        CompressionMethod::DEFLATE => flate2::read::DeflateDecoder::new(raw)
            .take(max_bytes)
            .read_to_end(&mut out),
        other => {
            return Attempt::Malformed(format!("compression method {} is not read", other.as_u16()))
        }
    };
    match read {
        Ok(_) => match file.take_missing() {
            Some(offset) => Attempt::Need(offset),
            None => Attempt::Done(out),
        },
        Err(error) => need_or_malformed(file, error),
    }
}
