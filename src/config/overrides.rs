//! Settings from command-line flags and the environment, applied over the file's config
//! (precedence: flag > environment > file > default; clap has already merged flag and
//! environment). They get the same validation as the file.

use super::validate::{endpoint_problem, is_region};
use super::{Config, ConfigErrors, ConfigProblem, Shard};

/// The scope settings that flags and environment variables can set. Empty or `None` means "not
/// given": the file's (or the default) value stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--region` (repeatable, or comma-separated in the environment); replaces `scope.regions`.
    pub regions: Vec<String>,
    /// `--profile`; replaces `scope.profile`.
    pub profile: Option<String>,
    /// `--endpoint-url`; replaces `scope.endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--shard I/N`; there is no file key: which shard a task is, is a property of the task.
    pub shard: Option<String>,
}

impl Overrides {
    /// Applies every given setting, or none of them when any is invalid. Problems are keyed by
    /// the flag (`--region`, `--profile`, `--endpoint-url`), which is what the user typed.
    pub fn apply(&self, config: &mut Config) -> Result<(), ConfigErrors> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| {
            problems.push(ConfigProblem {
                key: key.to_string(),
                message,
            })
        };
        // `--region us-east-1,eu-west-1` through the environment may carry spaces after commas.
        let mut regions: Vec<String> = Vec::new();
        for region in self.regions.iter().map(|r| r.trim()) {
            if !is_region(region) {
                problem(
                    "--region",
                    format!("`{region}` is not a region name like `us-east-1`"),
                );
            } else if !regions.iter().any(|r| r == region) {
                regions.push(region.to_string());
            }
        }
        if self.profile.as_deref().is_some_and(|p| p.trim().is_empty()) {
            problem("--profile", "must not be empty".to_string());
        }
        if let Some(message) = self.endpoint_url.as_deref().and_then(endpoint_problem) {
            problem("--endpoint-url", message);
        }
        let shard = self.shard.as_deref().and_then(|text| {
            Shard::parse(text)
                .map_err(|message| problem("--shard", message))
                .ok()
        });
        let scope = &config.scope;
        if shard.is_some() && scope.accounts.is_empty() && scope.organization.is_none() {
            problem(
                "--shard",
                "splits the accounts of `[[scope.accounts]]` or `[scope.organization]`, \
                 and the config has neither"
                    .to_string(),
            );
        }
        if !problems.is_empty() {
            return Err(ConfigErrors(problems));
        }
        if shard.is_some() {
            config.scope.shard = shard;
        }
        if !regions.is_empty() {
            config.scope.regions = regions;
        }
        if let Some(profile) = &self.profile {
            config.scope.profile = Some(profile.clone());
        }
        if let Some(url) = &self.endpoint_url {
            config.scope.endpoint_url = Some(url.clone());
        }
        Ok(())
    }
}
