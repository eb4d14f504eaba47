//! AWS clients per region with the auditor's retry and timeout policy. Routes may name
//! functions in other regions, whose Lambda API, metrics and logs live there, so clients are
//! made on first use per region and shared by the tasks of a scope.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{Region, SdkConfig};

use crate::config::Config;

/// A base config narrowed to one region, with the retry and timeout policy of the auditor: more
/// attempts than the SDK's default 3, because sustained throttling outlasts them.
pub fn regional(base: &SdkConfig, region: &str, max_attempts: u32) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_string()))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts.max(1))
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(20)),
        )
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
    max_attempts: u32,
    lambda: PerRegion<aws_sdk_lambda::Client>,
    cloudwatch: PerRegion<aws_sdk_cloudwatch::Client>,
    logs: PerRegion<aws_sdk_cloudwatchlogs::Client>,
}

impl<'a> RegionalClients<'a> {
    pub fn new(base: &'a SdkConfig, max_attempts: u32) -> Self {
        Self {
            base,
            max_attempts,
            lambda: PerRegion::new(),
            cloudwatch: PerRegion::new(),
            logs: PerRegion::new(),
        }
    }

    fn config(&self, region: &str) -> SdkConfig {
        regional(self.base, region, self.max_attempts)
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
