//! HTTP range reads of one presigned package URL (`Code.Location` of a function or a layer,
//! valid for 10 minutes: docs/aws-facts.md §5), within a byte budget. A server that ignores `Range`
//! answers 200 with the whole body: it is read only while it stays within the budget. The URL
//! is a credential for its 10 minutes and is never logged or put into an error message.

use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::StatusCode;

/// Why a package could not be read. `code` goes into the collection error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub code: &'static str,
    pub message: String,
}

impl FetchError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// What the first request returned.
pub enum Tail {
    /// `bytes` are the last bytes of a file of `total` bytes.
    Partial { total: u64, bytes: Vec<u8> },
    /// The server sent the whole file.
    Whole(Vec<u8>),
}

/// Where package bytes come from, within a budget.
pub(crate) trait RangeSource {
    /// Bytes that may still be read.
    fn remaining(&self) -> u64;
    /// Bytes read so far.
    fn bytes_read(&self) -> u64;
    /// The last `len` bytes, or the whole file when the source ignores ranges.
    async fn tail(&mut self, len: u64) -> Result<Tail, FetchError>;
    /// Bytes `start..end`.
    async fn range(&mut self, start: u64, end: u64) -> Result<Vec<u8>, FetchError>;
}

/// One package's reads: the URL, the budget, and what was spent.
pub struct Download<'a> {
    http: &'a reqwest::Client,
    url: &'a str,
    budget: u64,
    pub bytes_read: u64,
    pub requests: u64,
}

impl<'a> Download<'a> {
    pub fn new(http: &'a reqwest::Client, url: &'a str, budget: u64) -> Self {
        Self {
            http,
            url,
            budget,
            bytes_read: 0,
            requests: 0,
        }
    }

    async fn get(&mut self, range: &str) -> Result<reqwest::Response, FetchError> {
        self.requests += 1;
        self.http
            .get(self.url)
            .header(RANGE, range)
            .send()
            .await
            // `without_url`: the presigned URL must not reach the report or the logs.
            .map_err(|e| {
                FetchError::new(
                    "PackageDownloadFailed",
                    format!("reading the package failed: {}", e.without_url()),
                )
            })
    }

    /// Reads a body chunk by chunk, stopping as soon as it would pass the budget.
    async fn body(&mut self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        if response
            .content_length()
            .is_some_and(|len| len > self.remaining())
        {
            return Err(self.over_budget());
        }
        let mut out = Vec::new();
        loop {
            let chunk = response.chunk().await.map_err(|e| {
                FetchError::new(
                    "PackageDownloadFailed",
                    format!("reading the package failed: {}", e.without_url()),
                )
            })?;
            let Some(chunk) = chunk else { break };
            if chunk.len() as u64 > self.remaining() {
                self.bytes_read = self.budget;
                return Err(self.over_budget());
            }
            self.bytes_read += chunk.len() as u64;
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    fn over_budget(&self) -> FetchError {
        FetchError::new(
            "PackageReadOverBudget",
            format!(
                "reading the package's listing would take more than the {} bytes allowed per \
                 package (packages.max-bytes-per-package)",
                self.budget
            ),
        )
    }
}

impl RangeSource for Download<'_> {
    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    fn remaining(&self) -> u64 {
        self.budget.saturating_sub(self.bytes_read)
    }

    /// The last `len` bytes (a suffix range), or the whole file if the server ignores `Range`.
    async fn tail(&mut self, len: u64) -> Result<Tail, FetchError> {
        let len = len.min(self.remaining()).max(1);
        let response = self.get(&format!("bytes=-{len}")).await?;
        match response.status() {
            StatusCode::PARTIAL_CONTENT => {
                let total = content_range_total(&response)?;
                let bytes = self.body(response).await?;
                Ok(Tail::Partial { total, bytes })
            }
            StatusCode::OK => Ok(Tail::Whole(self.body(response).await?)),
            // An empty object cannot satisfy any range: it is a zip of zero bytes.
            StatusCode::RANGE_NOT_SATISFIABLE => Ok(Tail::Whole(Vec::new())),
            status => Err(status_error(status)),
        }
    }

    /// Bytes `start..end` of the file.
    async fn range(&mut self, start: u64, end: u64) -> Result<Vec<u8>, FetchError> {
        if end <= start {
            return Ok(Vec::new());
        }
        if end - start > self.remaining() {
            return Err(self.over_budget());
        }
        let response = self.get(&format!("bytes={start}-{}", end - 1)).await?;
        match response.status() {
            StatusCode::PARTIAL_CONTENT => self.body(response).await,
            // It answered a suffix range before; a full answer now would blow the budget.
            StatusCode::OK => Err(FetchError::new(
                "RangeNotHonoured",
                "the package server ignored a byte range it had honoured before",
            )),
            status => Err(status_error(status)),
        }
    }
}

/// The total length from `Content-Range: bytes 100-199/2000`.
fn content_range_total(response: &reqwest::Response) -> Result<u64, FetchError> {
    response
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit('/').next())
        .and_then(|total| total.trim().parse().ok())
        .ok_or_else(|| {
            FetchError::new(
                "PackageDownloadFailed",
                "a partial answer came without a usable Content-Range header",
            )
        })
}

fn status_error(status: StatusCode) -> FetchError {
    let hint = match status {
        StatusCode::FORBIDDEN => " (the presigned URL expired or was refused)",
        StatusCode::NOT_FOUND => " (the package is gone)",
        _ => "",
    };
    FetchError::new(
        "PackageDownloadFailed",
        format!("the package URL answered HTTP {}{hint}", status.as_u16()),
    )
}
