//! IAM policy evaluation (STUB, being replaced).
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Service(String),
    Aws(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    pub context: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConditionOutcome {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatementOutcome {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal_matched: bool,
    pub action_matched: bool,
    pub resource_matched: bool,
    pub conditions: Vec<ConditionOutcome>,
    pub applies: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub statements: Vec<StatementOutcome>,
    pub problems: Vec<String>,
}

pub fn evaluate_resource_policy(_doc: &serde_json::Value, _request: &Request) -> Evaluation {
    Evaluation {
        decision: Decision::ImplicitDeny,
        statements: vec![],
        problems: vec![],
    }
}

pub fn resource_matches(_pattern: &str, _resource: &str) -> bool {
    false
}
