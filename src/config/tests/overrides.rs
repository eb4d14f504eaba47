//! Flags and environment over the file.

use super::*;

fn file_config() -> Config {
    ok("[scope]\nregions = [\"eu-west-1\"]\nprofile = \"file\"\nendpoint-url = \"http://file:1\"")
}

#[test]
fn given_settings_replace_the_file_and_missing_ones_keep_it() {
    let mut config = file_config();
    Overrides::default().apply(&mut config).unwrap();
    assert_eq!(config, file_config());

    let overrides = Overrides {
        regions: vec!["us-east-1".into(), " ap-south-1".into(), "us-east-1".into()],
        profile: Some("flag".into()),
        endpoint_url: None,
        shard: None,
    };
    overrides.apply(&mut config).unwrap();
    assert_eq!(config.scope.regions, ["us-east-1", "ap-south-1"]);
    assert_eq!(config.scope.profile.as_deref(), Some("flag"));
    assert_eq!(config.scope.endpoint_url.as_deref(), Some("http://file:1"));
}

#[test]
fn invalid_settings_are_all_reported_and_none_applied() {
    let mut config = file_config();
    let overrides = Overrides {
        regions: vec!["us-east-1".into(), "useast1".into()],
        profile: Some(String::new()),
        endpoint_url: Some("localhost:4566".into()),
        shard: None,
    };
    let ConfigErrors(found) = overrides.apply(&mut config).unwrap_err();
    let found: Vec<(&str, &str)> = found
        .iter()
        .map(|p| (p.key.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "--region",
                "`useast1` is not a region name like `us-east-1`"
            ),
            ("--profile", "must not be empty"),
            (
                "--endpoint-url",
                "`localhost:4566` is not a URL starting with http:// or https://"
            ),
        ]
    );
    assert_eq!(config, file_config());
}
