//! AWS clients per region with the auditor's timeouts. Routes may name functions in other
//! regions, whose Lambda API, metrics and logs live there, so clients are made on first use per
//! region and shared by the tasks of a scope. The clients never retry: the call gate does
//! (`gate.rs`), so that every attempt is paced and the retry budget is the auditor's.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{Region, SdkConfig};

use crate::config::Config;

/// A base config narrowed to one region, with the auditor's timeouts and the SDK's retries off:
/// the call gate retries every call itself (`gate.rs`, `retry.rs`).
pub fn regional(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .build()
}

/// One kind of client, per region.
struct PerRegion<C> {
    clients: Mutex<HashMap<String, C>>,
}

impl<C: Clone> PerRegion<C> {
    fn new() -> Self {
        Self {
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, region: &str, make: impl FnOnce() -> C) -> C {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(region.to_string())
            .or_insert_with(make)
            .clone()
    }
}

/// The clients one scope uses, made on first use per region.
pub struct RegionalClients<'a> {
    base: &'a SdkConfig,
    lambda: PerRegion<aws_sdk_lambda::Client>,
    cloudwatch: PerRegion<aws_sdk_cloudwatch::Client>,
    logs: PerRegion<aws_sdk_cloudwatchlogs::Client>,
}

impl<'a> RegionalClients<'a> {
    pub fn new(base: &'a SdkConfig) -> Self {
        Self {
            base,
            lambda: PerRegion::new(),
            cloudwatch: PerRegion::new(),
            logs: PerRegion::new(),
        }
    }

    fn config(&self, region: &str) -> SdkConfig {
        regional(self.base, region)
    }

    pub fn lambda(&self, region: &str) -> aws_sdk_lambda::Client {
        self.lambda
            .get(region, || aws_sdk_lambda::Client::new(&self.config(region)))
    }

    pub fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        self.cloudwatch.get(region, || {
            aws_sdk_cloudwatch::Client::new(&self.config(region))
        })
    }

    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        self.logs.get(region, || {
            aws_sdk_cloudwatchlogs::Client::new(&self.config(region))
        })
    }
}

/// The AWS configuration from the default credential chain (environment, profile, SSO, ECS task
/// role, instance role), with the profile and endpoint of the config applied. `AWS_ENDPOINT_URL`
/// is honoured by the chain itself.
pub async fn load_sdk_config(config: &Config) -> SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(profile) = &config.scope.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &config.scope.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(region) = config.scope.regions.first() {
        loader = loader.region(Region::new(region.clone()));
    }
    loader.load().await
}
