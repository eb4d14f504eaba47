//! The quota-enforcing proxy (`quota_proxy.py` beside this file) in front of the shared emulator:
//! AWS's published control-plane quotas as token buckets per account and region, throttles in
//! each service's own protocol, and the counts a benchmark needs to compare a run's wall time with
//! the least time the account could have admitted its calls in. Started like the other servers of
//! `emulator.rs`, under the watchdog, and stopped on drop.

use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

use super::emulator::{kill_group, start_with_retries, state_dir, venv_bin, watched};
use super::http;

pub struct QuotaProxy {
    endpoint: String,
    child: Child,
}

impl QuotaProxy {
    pub fn start(upstream: &str) -> QuotaProxy {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let python = venv_bin("python3");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/quota_proxy.py");
        let log = state_dir().join(format!(
            "quota-proxy-{}.log",
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let script = script.display().to_string();
        let started = start_with_retries("quota proxy", &log, "/_quota/health", |port| {
            let port = port.to_string();
            watched(&python, &[&script, "--upstream", upstream, "--port", &port])
        });
        QuotaProxy {
            endpoint: format!("http://127.0.0.1:{}", started.port),
            child: started.child,
        }
    }

    /// Point SDK clients (or the binary's `--endpoint-url`) here.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint
    }

    /// What the proxy saw of `account`: `calls` per `service:Operation` (`received`, `admitted`,
    /// `throttled`), `buckets` per `region/quota` (`admitted`, `rate`, `burst`, `least_seconds`),
    /// `quota_bound_seconds` (the largest `least_seconds`) and its `binding` bucket, and the
    /// totals `received` and `throttled`.
    pub fn stats(&self, account: &str) -> Value {
        let url = format!("{}/_quota/stats?account={account}", self.endpoint);
        let response = http::request("GET", &url, None).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(response.status, 200, "{url}: {}", response.text());
        response.json()
    }
}

impl QuotaProxy {
    /// Forgets every bucket and count: the next call finds every bucket full, as an account
    /// left idle long enough would.
    pub fn reset(&self) {
        let url = format!("{}/_quota/reset", self.endpoint);
        let response = http::request("POST", &url, None).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(response.status, 200, "{url}: {}", response.text());
    }
}

impl Drop for QuotaProxy {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            kill_group(self.child.id());
            let _ = self.child.wait();
        }
    }
}
