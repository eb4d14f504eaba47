//! Configuration (STUB, being replaced by the full loader).
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::checks::CheckSettings;
use crate::report::Severity;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub scope: ScopeSettings,
    pub collect: CollectSettings,
    pub checks: ChecksConfig,
    pub suppressions: Vec<Suppression>,
    pub output: OutputSettings,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScopeSettings {
    pub regions: Vec<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    pub apigateway: RateLimit,
    pub apigateway_get_resources: RateLimit,
    pub lambda_get_function: RateLimit,
    pub lambda_get_policy: RateLimit,
    pub lambda_other: RateLimit,
    pub sts: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            apigateway: RateLimit {
                per_second: 10.0,
                burst: 40,
            },
            apigateway_get_resources: RateLimit {
                per_second: 2.5,
                burst: 5,
            },
            lambda_get_function: RateLimit {
                per_second: 100.0,
                burst: 100,
            },
            lambda_get_policy: RateLimit {
                per_second: 15.0,
                burst: 15,
            },
            lambda_other: RateLimit {
                per_second: 15.0,
                burst: 15,
            },
            sts: RateLimit {
                per_second: 10.0,
                burst: 10,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CollectSettings {
    pub page_size: i32,
    pub concurrency: usize,
    pub max_attempts: u32,
    pub rate_limits: RateLimits,
}

impl Default for CollectSettings {
    fn default() -> Self {
        Self {
            page_size: 500,
            concurrency: 8,
            max_attempts: 10,
            rate_limits: RateLimits::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChecksConfig {
    pub disabled: BTreeSet<String>,
    pub severity: BTreeMap<String, Severity>,
    pub settings: CheckSettings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub check: String,
    pub resource: String,
    pub reason: String,
    pub expires: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Jsonl,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputSettings {
    pub format: OutputFormat,
    pub fail_on: Severity,
    pub file: Option<PathBuf>,
}

impl Default for OutputSettings {
    fn default() -> Self {
        Self {
            format: OutputFormat::Table,
            fail_on: Severity::High,
            file: None,
        }
    }
}
