//! The IAM part of the inventory: the roles that integrations and authorizers name in
//! `credentials`, with their decoded policy documents.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An IAM role as API Gateway would use it: the trust policy, every identity policy and the
/// permissions boundary, documents decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IamRole {
    pub arn: String,
    /// `AssumeRolePolicyDocument`.
    pub trust_policy: serde_json::Value,
    /// Inline policies (named by policy name) and attached managed policies (named by ARN).
    pub policies: Vec<RolePolicy>,
    /// The permissions boundary, when the role has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<RolePolicy>,
    /// The role's tags (GetRole returns them): its session's `aws:PrincipalTag/...` keys.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolePolicy {
    /// The inline policy's name, or the managed policy's ARN.
    pub name: String,
    pub managed: bool,
    pub document: serde_json::Value,
}
