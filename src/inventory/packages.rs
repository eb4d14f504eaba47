//! What the inventory keeps of a deployment package (a function's or a layer's zip): its listing
//! — names, sizes and Unix modes from the central directory — and, for the handler files the
//! optional deeper look read, the names they define. Never the code itself.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The listing of one zip, keyed in the inventory by its `CodeSha256` (functions) or layer
/// version ARN (layers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackageListing {
    /// The size of the zip in bytes.
    pub size_bytes: u64,
    /// Every entry of the central directory, sorted by path.
    pub entries: Vec<PackageEntry>,
    /// What the handler files read by the deeper look define, keyed by entry path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, SourceDefinitions>,
}

impl PackageListing {
    /// Builds a listing, sorting the entries so lookups can bisect.
    pub fn new(size_bytes: u64, mut entries: Vec<PackageEntry>) -> Self {
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        entries.dedup_by(|a, b| a.path == b.path);
        Self {
            size_bytes,
            entries,
            sources: BTreeMap::new(),
        }
    }

    /// The entry at exactly `path` (as stored: no leading `/`).
    pub fn get(&self, path: &str) -> Option<&PackageEntry> {
        self.entries
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.entries[i])
    }
}

/// One entry of a zip's central directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageEntry {
    /// The path as stored; folders end with `/`.
    pub path: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Unix mode (file type and permission bits) from the external attributes; `None` when the
    /// zip was made where there are none (Windows tools), so nothing can be said about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

const S_IFMT: u32 = 0o170_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

impl PackageEntry {
    pub fn is_dir(&self) -> bool {
        self.path.ends_with('/') || self.mode.is_some_and(|m| m & S_IFMT == S_IFDIR)
    }

    pub fn is_symlink(&self) -> bool {
        self.mode.is_some_and(|m| m & S_IFMT == S_IFLNK)
    }

    /// `-rw-r--r--` / `drwxr-xr-x`, as `zipinfo` prints it; `?---------` without a Unix mode.
    pub fn mode_string(&self) -> String {
        let Some(mode) = self.mode else {
            return "(no Unix mode)".to_string();
        };
        let kind = if self.is_dir() {
            'd'
        } else if self.is_symlink() {
            'l'
        } else {
            '-'
        };
        let mut out = String::with_capacity(10);
        out.push(kind);
        for shift in [6, 3, 0] {
            let bits = (mode >> shift) & 0o7;
            out.push(if bits & 4 != 0 { 'r' } else { '-' });
            out.push(if bits & 2 != 0 { 'w' } else { '-' });
            out.push(if bits & 1 != 0 { 'x' } else { '-' });
        }
        out
    }
}

/// The top-level names a handler source file defines, found by the deeper look's scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceDefinitions {
    /// Names defined or exported at the top level, sorted.
    pub names: Vec<String>,
    /// True when the file builds its exports in a way a scan cannot follow (`module.exports =
    /// someCall()`, `export * from`, a module `__getattr__`): absence then proves nothing.
    #[serde(default)]
    pub opaque: bool,
}

/// Bytes and requests spent reading packages, summed into the report's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageReads {
    pub bytes: u64,
    pub requests: u64,
    /// Distinct packages (functions' and layers') whose listing was read.
    pub packages: u64,
}

impl PackageReads {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
