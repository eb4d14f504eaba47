//! Collection of the IAM roles that integrations and authorizers name in `credentials`: the
//! role with its trust policy and boundary (`GetRole`), its inline policies
//! (`ListRolePolicies`, `GetRolePolicy`) and attached managed policies
//! (`ListAttachedRolePolicies`, then `GetPolicy` for the default version and `GetPolicyVersion`
//! for its document). Per-role reads with a run-wide cache, because the one call that returns
//! everything, `GetAccountAuthorizationDetails`, reads the whole account. IAM is global: one
//! client per account serves every region of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_iam::Client;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::aws::{translate, CallFailure, CallGate, Operation};
use crate::inventory::{CollectionError, IamRole, Lookup, RolePolicy};

/// Roles and managed-policy documents read so far in the run, shared by all its scopes: the same
/// role is used from every region, and AWS managed policies from every account.
#[derive(Default, Clone)]
pub struct IamCache {
    roles: Arc<Cells<Lookup<IamRole>>>,
    managed: Arc<Cells<Result<Value, CollectionError>>>,
}

/// One value per key, computed once however many tasks ask for it at the same time.
type Cells<T> = Mutex<HashMap<String, Arc<OnceCell<T>>>>;

fn cell<T>(map: &Cells<T>, key: &str) -> Arc<OnceCell<T>> {
    map.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(key.to_string())
        .or_default()
        .clone()
}

/// Reads roles through one account's IAM client.
pub struct IamCollector<'a> {
    pub client: &'a Client,
    pub gate: &'a CallGate,
    pub cache: &'a IamCache,
    /// The scope the calls are counted and their errors recorded in.
    pub account: &'a str,
    pub region: &'a str,
}

impl IamCollector<'_> {
    /// The role `arn` with every document needed to judge it; `Missing` when it does not exist,
    /// `Failed` when any read failed (a role judged on part of its policies would be a guess).
    pub async fn role(&self, arn: &str) -> Lookup<IamRole> {
        cell(&self.cache.roles, arn)
            .get_or_init(|| async {
                match self.read_role(arn).await {
                    Ok(Some(role)) => Lookup::Found(role),
                    Ok(None) => Lookup::Missing,
                    Err(error) => Lookup::Failed(error),
                }
            })
            .await
            .clone()
    }

    fn error(&self, operation: Operation, resource: &str, failure: CallFailure) -> CollectionError {
        failure.into_error((self.account, self.region), operation, resource)
    }

    async fn read_role(&self, arn: &str) -> Result<Option<IamRole>, CollectionError> {
        // GetRole takes the name, which is the last segment of the ARN (the path is dropped).
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let got = self
            .gate
            .send(Operation::IamGetRole, || {
                self.client.get_role().role_name(name).send()
            })
            .await;
        let role = match got {
            Ok(output) => match output.role {
                Some(role) => role,
                None => return Ok(None),
            },
            Err(e) => {
                let failure = translate(&e);
                if failure.not_found {
                    return Ok(None);
                }
                return Err(failure.into_error(
                    (self.account, self.region),
                    Operation::IamGetRole,
                    arn,
                ));
            }
        };
        let trust_policy = decode_document(role.assume_role_policy_document().unwrap_or("{}"))
            .map_err(|message| malformed(self, Operation::IamGetRole, arn, message))?;

        let mut policies = Vec::new();
        for policy_name in self.inline_names(name, arn).await? {
            let output = self
                .gate
                .send(Operation::IamGetRolePolicy, || {
                    self.client
                        .get_role_policy()
                        .role_name(name)
                        .policy_name(&policy_name)
                        .send()
                })
                .await
                .map_err(|e| self.error(Operation::IamGetRolePolicy, arn, translate(&e)))?;
            let document = decode_document(output.policy_document())
                .map_err(|m| malformed(self, Operation::IamGetRolePolicy, arn, m))?;
            policies.push(RolePolicy {
                name: policy_name,
                managed: false,
                document,
            });
        }
        for policy_arn in self.attached_arns(name, arn).await? {
            let document = self.managed(&policy_arn).await?;
            policies.push(RolePolicy {
                name: policy_arn,
                managed: true,
                document,
            });
        }
        let boundary = match role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
        {
            Some(boundary_arn) => Some(RolePolicy {
                name: boundary_arn.to_string(),
                managed: true,
                document: self.managed(boundary_arn).await?,
            }),
            None => None,
        };
        let tags = role
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        Ok(Some(IamRole {
            arn: role.arn().to_string(),
            trust_policy,
            policies,
            boundary,
            tags,
        }))
    }

    async fn inline_names(&self, name: &str, arn: &str) -> Result<Vec<String>, CollectionError> {
        let mut names = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .gate
                .send(Operation::IamListRolePolicies, || {
                    self.client
                        .list_role_policies()
                        .role_name(name)
                        .set_marker(marker.clone())
                        .send()
                })
                .await
                .map_err(|e| self.error(Operation::IamListRolePolicies, arn, translate(&e)))?;
            names.extend(page.policy_names().iter().cloned());
            match page.marker() {
                Some(next) if page.is_truncated() => marker = Some(next.to_string()),
                _ => return Ok(names),
            }
        }
    }

    async fn attached_arns(&self, name: &str, arn: &str) -> Result<Vec<String>, CollectionError> {
        let mut arns = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .gate
                .send(Operation::IamListAttachedRolePolicies, || {
                    self.client
                        .list_attached_role_policies()
                        .role_name(name)
                        .set_marker(marker.clone())
                        .send()
                })
                .await
                .map_err(|e| {
                    self.error(Operation::IamListAttachedRolePolicies, arn, translate(&e))
                })?;
            arns.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string)),
            );
            match page.marker() {
                Some(next) if page.is_truncated() => marker = Some(next.to_string()),
                _ => return Ok(arns),
            }
        }
    }

    /// The default version's document of a managed policy, cached per run.
    async fn managed(&self, policy_arn: &str) -> Result<Value, CollectionError> {
        cell(&self.cache.managed, policy_arn)
            .get_or_init(|| self.read_managed(policy_arn))
            .await
            .clone()
    }

    async fn read_managed(&self, policy_arn: &str) -> Result<Value, CollectionError> {
        let policy = self
            .gate
            .send(Operation::IamGetPolicy, || {
                self.client.get_policy().policy_arn(policy_arn).send()
            })
            .await
            .map_err(|e| self.error(Operation::IamGetPolicy, policy_arn, translate(&e)))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or("v1")
            .to_string();
        let output = self
            .gate
            .send(Operation::IamGetPolicyVersion, || {
                self.client
                    .get_policy_version()
                    .policy_arn(policy_arn)
                    .version_id(&version)
                    .send()
            })
            .await
            .map_err(|e| self.error(Operation::IamGetPolicyVersion, policy_arn, translate(&e)))?;
        let text = output
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or("{}");
        decode_document(text)
            .map_err(|m| malformed(self, Operation::IamGetPolicyVersion, policy_arn, m))
    }
}

fn malformed(
    collector: &IamCollector<'_>,
    operation: Operation,
    resource: &str,
    message: String,
) -> CollectionError {
    CollectionError {
        account: collector.account.to_string(),
        region: collector.region.to_string(),
        operation: operation.name().to_string(),
        resource: resource.to_string(),
        code: "MalformedPolicy".to_string(),
        message,
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986; IAM API reference, GetRolePolicy
/// "PolicyDocument"). A text that already is JSON is taken as is.
pub fn decode_document(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(value);
    }
    let decoded = percent_decode(text)?;
    serde_json::from_str(&decoded).map_err(|e| format!("the policy document is not JSON: {e}"))
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad percent-encoding at byte {i}"))?;
                out.push(hex);
                i += 3;
            }
            // Form encoding writes spaces as `+`; IAM's RFC 3986 form writes `%20`, so a `+` is
            // a plus sign.
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| format!("the decoded policy is not UTF-8: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arn::is_pass_through;
    use serde_json::json;

    #[test]
    fn documents_are_url_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22lambda%3AInvokeFunction%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        assert_eq!(
            decode_document(encoded).unwrap(),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]})
        );
        assert_eq!(decode_document("{\"a\": 1}").unwrap(), json!({"a": 1}));
        assert_eq!(
            decode_document("%7B%22a%22%3A%20%22x+y%22%7D").unwrap(),
            json!({"a": "x+y"})
        );
        assert!(decode_document("%7").is_err());
        assert!(decode_document("%7Bnot").is_err());
    }

    #[test]
    fn pass_through_credentials_are_recognised() {
        assert!(is_pass_through("arn:aws:iam::*:user/*"));
        assert!(is_pass_through("arn:aws-cn:iam::*:user/*"));
        assert!(!is_pass_through("arn:aws:iam::123456789012:role/apigw"));
    }
}
