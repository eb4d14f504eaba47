//! The many-accounts part of `[scope]`: `[[scope.accounts]]` (a role per account),
//! `[scope.organization]` (one role name in every account of an organization) and the shard
//! (`--shard I/N`) that splits those accounts between tasks.
//!
//! Both lists may be given: the organization's accounts are audited through its role name,
//! except those listed in `[[scope.accounts]]`, whose own entry (role, external id) wins. That
//! lets one account with a differently named role sit in an organization-wide audit.

use std::fmt;

use toml::{Table, Value};

use super::keys::join;
use super::validate::Walker;
use super::{AccountScope, OrganizationScope, Shard};

/// Most shards a task can be told it is one of.
const MAX_SHARDS: u32 = 1000;

impl Walker<'_> {
    pub(super) fn scope_accounts(&mut self, value: &Value) -> Vec<AccountScope> {
        const PATTERN: &str = "scope.accounts[]";
        let expected = "an array of tables (write each one under `[[scope.accounts]]`)";
        let Some(items) = self.problems.array("scope.accounts", value, expected) else {
            return Vec::new();
        };
        let mut out: Vec<AccountScope> = Vec::new();
        // The index in the file of each entry of `out`, to name the first of two for one account.
        let mut indexes: Vec<usize> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let key = format!("scope.accounts[{i}]");
            let Some(t) = self.problems.table(&key, item) else {
                continue;
            };
            let (mut role_arn, mut external_id, mut name) = (None, None, None);
            for (field, value) in t {
                let field_key = join(&key, field);
                match field.as_str() {
                    "role-arn" => role_arn = self.role_arn(&field_key, value),
                    "external-id" => external_id = self.external_id(&field_key, value),
                    "name" => name = self.problems.non_empty_string(&field_key, value),
                    _ => self.problems.unknown_key(&field_key, field, PATTERN),
                }
            }
            if !t.contains_key("role-arn") {
                self.problems.add(
                    &join(&key, "role-arn"),
                    "required key is missing (the ARN of the role to assume in that account)",
                );
            }
            let Some(role_arn) = role_arn else { continue };
            let account = crate::arn::account_of(role_arn);
            // Two entries for one account would audit it twice and double its findings.
            if let Some(j) = out
                .iter()
                .position(|a| crate::arn::account_of(&a.role_arn) == account)
            {
                let first = indexes[j];
                self.problems.add(
                    &join(&key, "role-arn"),
                    format!("account {account} is already listed in `scope.accounts[{first}]`"),
                );
                continue;
            }
            indexes.push(i);
            out.push(AccountScope {
                role_arn: role_arn.to_string(),
                external_id: external_id.map(str::to_string),
                name: name.map(str::to_string),
            });
        }
        out
    }

    pub(super) fn scope_organization(&mut self, table: &Table) -> Option<OrganizationScope> {
        let mut role_name = None;
        let mut out = OrganizationScope {
            role_name: String::new(),
            external_id: None,
            include: Vec::new(),
            exclude: Vec::new(),
        };
        for (name, value) in table {
            let key = join("scope.organization", name);
            match name.as_str() {
                "role-name" => {
                    let given = self.problems.non_empty_string(&key, value);
                    role_name = given.filter(|n| match role_name_problem(n) {
                        Some(message) => {
                            self.problems.add(&key, message);
                            false
                        }
                        None => true,
                    });
                }
                "external-id" => out.external_id = self.external_id(&key, value).map(Into::into),
                "include" => out.include = self.account_ids(&key, value),
                "exclude" => out.exclude = self.account_ids(&key, value),
                _ => self.problems.unknown_key(&key, name, "scope.organization"),
            }
        }
        for (i, account) in out.exclude.iter().enumerate() {
            if out.include.contains(account) {
                self.problems.add(
                    &format!("scope.organization.exclude[{i}]"),
                    format!("account {account} is also in `include`: list it in one of them"),
                );
            }
        }
        if !table.contains_key("role-name") {
            self.problems.add(
                "scope.organization.role-name",
                "required key is missing (the role, in every account, that the auditor assumes)",
            );
        }
        out.role_name = role_name?.to_string();
        Some(out)
    }

    fn role_arn<'v>(&mut self, key: &str, value: &'v Value) -> Option<&'v str> {
        let arn = self.problems.non_empty_string(key, value)?;
        if !is_role_arn(arn) {
            self.problems.add(
                key,
                format!(
                    "`{arn}` is not an IAM role ARN like `arn:aws:iam::123456789012:role/apigw-auditor`"
                ),
            );
            return None;
        }
        Some(arn)
    }

    fn external_id<'v>(&mut self, key: &str, value: &'v Value) -> Option<&'v str> {
        let id = self.problems.string(key, value)?;
        // STS's own constraints on ExternalId: 2 to 1224 characters of [\w+=,.@:/-].
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
        if !(2..=1224).contains(&id.len()) || !id.chars().all(allowed) {
            self.problems.add(
                key,
                "must be 2 to 1224 letters, digits and `_+=,.@:/-` (STS's limits)",
            );
            return None;
        }
        Some(id)
    }

    fn account_ids(&mut self, key: &str, value: &Value) -> Vec<String> {
        let Some(items) = self
            .problems
            .array(key, value, "an array of 12-digit account ids")
        else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_key = format!("{key}[{i}]");
            let Some(id) = self.problems.string(&item_key, item) else {
                continue;
            };
            if !is_account_id(id) {
                self.problems
                    .add(&item_key, format!("`{id}` is not a 12-digit account id"));
            } else if !out.iter().any(|a| a == id) {
                out.push(id.to_string());
            }
        }
        out
    }
}

pub(super) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`, as STS accepts it.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return false;
    };
    let (path, name) = path_and_name
        .rsplit_once('/')
        .unwrap_or(("", path_and_name));
    *prefix == "arn"
        && partition.starts_with("aws")
        && *service == "iam"
        && region.is_empty()
        && is_account_id(account)
        && role_name_problem(name).is_none()
        && path.bytes().all(|b| b.is_ascii_graphic())
}

/// Why `name` cannot be an IAM role name, if it cannot: 1 to 64 of `[\w+=,.@-]`.
fn role_name_problem(name: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if (1..=64).contains(&name.len()) && name.chars().all(allowed) {
        None
    } else {
        Some(format!(
            "`{name}` is not an IAM role name (1 to 64 letters, digits and `_+=,.@-`)"
        ))
    }
}

impl Shard {
    /// Parses `I/N` with 1 <= I <= N <= 1000.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let invalid = || {
            format!(
                "`{text}` is not a shard like `2/3` (shard I of N, 1 <= I <= N <= {MAX_SHARDS})"
            )
        };
        let (index, count) = text.trim().split_once('/').ok_or_else(invalid)?;
        let index: u32 = index.trim().parse().map_err(|_| invalid())?;
        let count: u32 = count.trim().parse().map_err(|_| invalid())?;
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(invalid());
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard audits `account`. By the account id alone, so every task computes the
    /// same split from nothing but its own `I/N`, whatever order the accounts were listed in.
    pub fn keeps(&self, account: &str) -> bool {
        // Account ids are 12 digits; anything else (never seen in practice) goes to shard 1
        // rather than nowhere.
        let id: u64 = account.parse().unwrap_or(0);
        id % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}
