//! A file of known length of which only some byte ranges have been fetched. The zip reader reads
//! it through positioned reads; a read that falls outside the fetched ranges fails and records
//! where, so the caller fetches exactly that range and tries again.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io;

use rawzip::ReaderAt;

/// The byte ranges of one remote file fetched so far.
#[derive(Debug, Default)]
pub struct SparseFile {
    len: u64,
    /// Fetched chunks by start offset; they never overlap.
    chunks: BTreeMap<u64, Vec<u8>>,
    /// The first offset a read wanted and did not find since the last `take_missing`.
    missing: Cell<Option<u64>>,
}

impl SparseFile {
    pub fn new(len: u64) -> Self {
        Self {
            len,
            ..Self::default()
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `bytes` fetched at `start`, trimming what overlaps chunks already held.
    pub fn insert(&mut self, start: u64, bytes: Vec<u8>) {
        let end = start.saturating_add(bytes.len() as u64).min(self.len);
        let mut cursor = start;
        while cursor < end {
            let (gap_start, gap_end) = self.gap_at(cursor);
            if gap_start >= end {
                break;
            }
            let piece_end = gap_end.min(end);
            if gap_start < piece_end {
                let from = usize::try_from(gap_start - start).unwrap_or(usize::MAX);
                let to = usize::try_from(piece_end - start).unwrap_or(usize::MAX);
                if let Some(slice) = bytes.get(from..to) {
                    self.chunks.insert(gap_start, slice.to_vec());
                }
            }
            cursor = piece_end.max(gap_start + 1);
        }
    }

    /// The first gap at or after `offset`: `(start, end)` of bytes not fetched, `end` being the
    /// next fetched chunk or the end of the file. `(len, len)` when nothing is missing after.
    pub fn gap_at(&self, offset: u64) -> (u64, u64) {
        let mut cursor = offset.min(self.len);
        if let Some((start, data)) = self.chunks.range(..=cursor).next_back() {
            cursor = cursor.max(start + data.len() as u64);
        }
        // Skip chunks that begin exactly where the previous one ends.
        while let Some(data) = self.chunks.get(&cursor) {
            cursor += data.len() as u64;
        }
        let end = self
            .chunks
            .range(cursor..)
            .next()
            .map_or(self.len, |(start, _)| *start);
        (cursor.min(self.len), end.min(self.len))
    }

    /// Where the fetched bytes before `offset` end: the start of the gap `offset` is in.
    pub fn fetched_until(&self, offset: u64) -> u64 {
        self.chunks
            .range(..=offset)
            .next_back()
            .map_or(0, |(start, data)| (start + data.len() as u64).min(offset))
    }

    /// The offset a failed read wanted, clearing it.
    pub fn take_missing(&self) -> Option<u64> {
        self.missing.take()
    }

    /// Bytes held in memory.
    #[cfg(test)]
    pub fn held(&self) -> u64 {
        self.chunks.values().map(|c| c.len() as u64).sum()
    }
}

impl ReaderAt for SparseFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        if offset >= self.len || buf.is_empty() {
            return Ok(0);
        }
        if let Some((start, data)) = self.chunks.range(..=offset).next_back() {
            let skip = usize::try_from(offset - start).unwrap_or(usize::MAX);
            if let Some(available) = data.get(skip..).filter(|a| !a.is_empty()) {
                let n = available.len().min(buf.len());
                buf[..n].copy_from_slice(&available[..n]);
                return Ok(n);
            }
        }
        if self.missing.get().is_none() {
            self.missing.set(Some(offset));
        }
        Err(io::Error::other(format!("byte {offset} not fetched yet")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_chunks_and_records_the_first_missing_offset() {
        let mut file = SparseFile::new(100);
        file.insert(90, (90..100).collect());
        let mut buf = [0u8; 4];
        assert_eq!(file.read_at(&mut buf, 95).unwrap(), 4);
        assert_eq!(buf, [95, 96, 97, 98]);
        assert_eq!(file.read_at(&mut buf, 98).unwrap(), 2);
        assert_eq!(file.read_at(&mut buf, 100).unwrap(), 0);
        assert!(file.read_at(&mut buf, 10).is_err());
        assert!(file.read_at(&mut buf, 20).is_err());
        assert_eq!(file.take_missing(), Some(10));
        assert_eq!(file.take_missing(), None);
    }

    #[test]
    fn gaps_end_at_the_next_chunk_and_overlaps_are_trimmed() {
        let mut file = SparseFile::new(100);
        file.insert(80, vec![1; 20]);
        assert_eq!(file.gap_at(10), (10, 80));
        file.insert(70, vec![2; 20]);
        assert_eq!(file.held(), 30);
        assert_eq!(file.gap_at(10), (10, 70));
        assert_eq!(file.gap_at(75), (100, 100));
        let mut buf = [0u8; 1];
        file.read_at(&mut buf, 85).unwrap();
        assert_eq!(buf, [1], "bytes already held are kept");
        file.insert(95, vec![3; 50]);
        assert_eq!(file.held(), 30, "nothing past the end of the file is kept");
    }
}
