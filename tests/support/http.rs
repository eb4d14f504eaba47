//! A minimal blocking HTTP/1.0 client for the emulators' control endpoints (health, microburst
//! rules, `Code.Location` downloads). The crate has no HTTP client among its dependencies and the
//! harness only ever talks plain HTTP to 127.0.0.1, so a socket and a few lines beat a new crate.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response: status code and raw body bytes.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("expected a JSON body ({e}), got: {}", self.text()))
    }
}

/// Sends one request to `url` (`http://host:port/path`) and reads the whole response.
///
/// HTTP/1.0 so that no server answers with chunked encoding; `Connection: close` ends the body.
pub fn request(method: &str, url: &str, json_body: Option<&str>) -> io::Result<Response> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("not http: {url}")))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let body = json_body.unwrap_or("");
    let mut head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\nAccept: */*\r\n"
    );
    if json_body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;

    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("bad status: {head}")))?;
    Ok(Response {
        status,
        body: raw[split + 4..].to_vec(),
    })
}

/// GET `url`, panicking unless the server answers 2XX.
pub fn get_ok(url: &str) -> Response {
    let response = request("GET", url, None).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(
        (200..300).contains(&response.status),
        "GET {url}: HTTP {}: {}",
        response.status,
        response.text()
    );
    response
}
