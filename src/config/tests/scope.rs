//! Many accounts: `[[scope.accounts]]`, `[scope.organization]`, `max-concurrent-scopes`, and the
//! shard that splits accounts between tasks.

use super::*;

fn pairs(found: &[ConfigProblem]) -> Vec<(&str, &str)> {
    found
        .iter()
        .map(|p| (p.key.as_str(), p.message.as_str()))
        .collect()
}

#[test]
fn accounts_and_organization_are_read() {
    let config = ok(r#"
[scope]
max-concurrent-scopes = 8

[[scope.accounts]]
role-arn = "arn:aws:iam::111111111111:role/apigw-auditor"
name = "payments-prod"

[[scope.accounts]]
role-arn = "arn:aws-us-gov:iam::222222222222:role/audit/apigw-auditor"
external-id = "c0ffee-42"

[scope.organization]
role-name = "apigw-auditor"
exclude = ["333333333333"]
"#);
    assert_eq!(config.scope.max_concurrent_scopes, 8);
    assert_eq!(
        config.scope.accounts,
        [
            AccountScope {
                role_arn: "arn:aws:iam::111111111111:role/apigw-auditor".into(),
                external_id: None,
                name: Some("payments-prod".into()),
            },
            AccountScope {
                role_arn: "arn:aws-us-gov:iam::222222222222:role/audit/apigw-auditor".into(),
                external_id: Some("c0ffee-42".into()),
                name: None,
            },
        ]
    );
    assert_eq!(
        config.scope.organization,
        Some(OrganizationScope {
            role_name: "apigw-auditor".into(),
            external_id: None,
            include: Vec::new(),
            exclude: vec!["333333333333".into()],
        })
    );
    // Without any of it: the credentials' own account, four scopes at a time.
    assert_eq!(ScopeSettings::default().max_concurrent_scopes, 4);
    assert!(ScopeSettings::default().accounts.is_empty());
}

#[test]
fn each_account_problem_is_reported_with_its_index() {
    let found = problems(
        r#"
[scope]
max-concurrent-scopes = 0

[[scope.accounts]]
role-arn = "arn:aws:iam::111111111111:user/alice"

[[scope.accounts]]
external-id = "x"
nmae = "typo"

[[scope.accounts]]
role-arn = "arn:aws:iam::222222222222:role/a"

[[scope.accounts]]
role-arn = "arn:aws:iam::222222222222:role/b"
"#,
    );
    assert_eq!(
        pairs(&found),
        [
            (
                "scope.accounts[0].role-arn",
                "`arn:aws:iam::111111111111:user/alice` is not an IAM role ARN like `arn:aws:iam::123456789012:role/apigw-auditor`"
            ),
            (
                "scope.accounts[1].external-id",
                "must be 2 to 1224 letters, digits and `_+=,.@:/-` (STS's limits)"
            ),
            ("scope.accounts[1].nmae", "unknown key `nmae`; did you mean `name`?"),
            (
                "scope.accounts[1].role-arn",
                "required key is missing (the ARN of the role to assume in that account)"
            ),
            (
                "scope.accounts[3].role-arn",
                "account 222222222222 is already listed in `scope.accounts[2]`"
            ),
            ("scope.max-concurrent-scopes", "must be between 1 and 64, found 0"),
        ]
    );
}

#[test]
fn organization_problems_are_reported_with_their_keys() {
    let found = problems(
        r#"
[scope.organization]
include = ["111111111111", "12345", 7]
exclude = ["111111111111"]
"#,
    );
    assert_eq!(
        pairs(&found),
        [
            (
                "scope.organization.include[1]",
                "`12345` is not a 12-digit account id"
            ),
            (
                "scope.organization.include[2]",
                "expected a string, found an integer"
            ),
            (
                "scope.organization.exclude[0]",
                "account 111111111111 is also in `include`: list it in one of them"
            ),
            (
                "scope.organization.role-name",
                "required key is missing (the role, in every account, that the auditor assumes)"
            ),
        ]
    );
    let found = problems("[scope.organization]\nrole-name = \"role/with/slashes\"");
    assert_eq!(
        pairs(&found),
        [(
            "scope.organization.role-name",
            "`role/with/slashes` is not an IAM role name (1 to 64 letters, digits and `_+=,.@-`)"
        )]
    );
}

#[test]
fn shard_flag_is_validated_and_needs_accounts() {
    let accounts = "[[scope.accounts]]\nrole-arn = \"arn:aws:iam::111111111111:role/r\"";
    let mut config = ok(accounts);
    let shard = |s: &str| Overrides {
        shard: Some(s.into()),
        ..Overrides::default()
    };
    shard(" 2/3 ").apply(&mut config).unwrap();
    assert_eq!(config.scope.shard, Some(Shard { index: 2, count: 3 }));

    for bad in ["0/3", "4/3", "1/1001", "1", "a/b", "1/0", ""] {
        let ConfigErrors(found) = shard(bad).apply(&mut ok(accounts)).unwrap_err();
        assert_eq!(found.len(), 1, "{bad}: {found:?}");
        assert_eq!(found[0].key, "--shard");
        assert!(
            found[0].message.contains("is not a shard like `2/3`"),
            "{bad}"
        );
    }
    // With only the credentials' own account there is nothing to split.
    let ConfigErrors(found) = shard("1/2").apply(&mut Config::default()).unwrap_err();
    assert_eq!(found[0].key, "--shard");
    assert!(found[0].message.contains("[[scope.accounts]]"), "{found:?}");
}

/// 1,000 distinct account ids spread the way real ones are (a fixed pseudo-random sequence,
/// so the test is the same on every run).
fn account_ids() -> Vec<String> {
    let mut state: u64 = 0x5eed_1234_abcd_0001;
    let mut ids = std::collections::BTreeSet::new();
    while ids.len() < 1000 {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ids.insert(format!("{:012}", z % 1_000_000_000_000));
    }
    ids.into_iter().collect()
}

#[test]
fn shards_split_accounts_with_no_overlap_and_no_gap() {
    let ids = account_ids();
    for count in 1..=7u32 {
        let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
        let mut sizes = Vec::new();
        for id in &ids {
            let owners = shards.iter().filter(|s| s.keeps(id)).count();
            assert_eq!(owners, 1, "{id} is in {owners} of {count} shards");
        }
        for shard in &shards {
            sizes.push(ids.iter().filter(|id| shard.keeps(id)).count());
        }
        assert_eq!(sizes.iter().sum::<usize>(), ids.len(), "N={count}");
        // Roughly 1/N each: within 25 % of the even share.
        let even = ids.len() as f64 / f64::from(count);
        for (i, size) in sizes.iter().enumerate() {
            let off = (*size as f64 - even).abs() / even;
            assert!(
                off < 0.25,
                "shard {}/{count} has {size}, expected about {even:.0}",
                i + 1
            );
        }
    }
    // The split depends on the id alone, not on the order accounts were listed in.
    let shard = Shard::parse("3/7").unwrap();
    let forward: Vec<&String> = ids.iter().filter(|id| shard.keeps(id)).collect();
    let mut backward: Vec<&String> = ids.iter().rev().filter(|id| shard.keeps(id)).collect();
    backward.reverse();
    assert_eq!(forward, backward);
    assert_eq!(shard.to_string(), "3/7");
}
