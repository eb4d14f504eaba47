//! `invoke-permission-stale`: a statement's SourceArn names an API that no longer exists.

use std::collections::BTreeSet;

use serde_json::json;

use crate::checks::shared::{self, ReachedTarget};
use crate::checks::shared::{base_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::{Inventory, ResourcePolicy};
use crate::aws::Operation;
use crate::report::{Finding, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("invoke-permission-stale"),
    title: "A function permission names an API that no longer exists",
    severity: Severity::Low,
    resource: ResourceKind::FunctionPolicy,
    client_status: None,
    checks: "Every aws:SourceArn value in the conditions of an integrated target's policy that \
names an execute-api ARN in an audited account and region with a literal API id (no wildcard) is \
compared with the APIs that exist there: REST, HTTP and WebSocket APIs (execute-api ARNs name all \
three by id).",
    why: "Re-created APIs get new ids; the old permissions stay behind, eat into the 20 KB policy \
limit (function-policy-near-size-limit) and, if the id is ever reused by another API of the \
account, grant it access. Clients see nothing today.",
    fix:
        "Remove the statements with the `aws lambda remove-permission` commands in the remediation.",
    limits: "Only regions and accounts in the audit are judged, and only when both API lists \
(GetRestApis and API Gateway v2's GetApis) were read completely. An API in a region that is not \
audited is never called stale.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[],
    explains: &[],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let known = KnownApis::of(ctx.inventory);
    shared::run_per_target(
        &CHECK,
        ctx,
        |t| &t.policy,
        |reached, policy| judge(&known, reached, policy),
    )
}

/// What the audit knows about which APIs exist.
pub struct KnownApis {
    /// (account, region) pairs whose API list was read completely.
    complete: BTreeSet<(String, String)>,
    /// (account, region, API id) of every API seen.
    apis: BTreeSet<(String, String, String)>,
}

impl KnownApis {
    pub fn of(inventory: &Inventory) -> KnownApis {
        let mut complete = BTreeSet::new();
        let mut apis = BTreeSet::new();
        for scope in &inventory.scopes {
            // A statement naming an API the failed listing would have shown is not stale.
            let listings = [Operation::ApiGatewayGetRestApis, Operation::ApiGatewayV2GetApis];
            let listing_failed = scope
                .errors
                .iter()
                .any(|e| listings.iter().any(|l| e.operation == l.name()));
            if !listing_failed {
                complete.insert((scope.account.clone(), scope.region.clone()));
            }
            let ids = scope
                .all_apis()
                .map(|api| api.id())
                .chain(scope.websocket_apis.iter().map(|api| api.id.as_str()));
            for id in ids {
                apis.insert((scope.account.clone(), scope.region.clone(), id.to_string()));
            }
        }
        KnownApis { complete, apis }
    }

    /// True when `source_arn` names, with a literal id, an API in a fully listed account and
    /// region where no API has that id.
    fn names_a_deleted_api(&self, source_arn: &str) -> bool {
        let Some((account, region, api_id)) = named_api(source_arn) else {
            return false;
        };
        self.complete.contains(&(account.clone(), region.clone()))
            && !self.apis.contains(&(account, region, api_id))
    }
}

/// The statements of `policy` whose aws:SourceArn names an API that no longer exists, as
/// `(statement id or #index, source ARN)`.
pub fn stale_statements(known: &KnownApis, policy: &ResourcePolicy) -> Vec<(String, String)> {
    let mut stale: Vec<(String, String)> = Vec::new();
    for (index, statement) in policy.statements().into_iter().enumerate() {
        let sid = statement
            .get("Sid")
            .and_then(|s| s.as_str())
            .filter(|s| !s.is_empty());
        let sid = sid
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{index}"));
        for source in source_arns(statement) {
            if known.names_a_deleted_api(&source) && !stale.iter().any(|(s, _)| *s == sid) {
                stale.push((sid.clone(), source));
            }
        }
    }
    stale
}

/// `(account, region, api id)` of an execute-api ARN with a literal API id.
pub(crate) fn named_api(source_arn: &str) -> Option<(String, String, String)> {
    let mut parts = source_arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("execute-api"), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let api_id = resource.split('/').next()?;
    if api_id.is_empty()
        || api_id.contains(['*', '?'])
        || region.contains(['*', '?'])
        || account.contains(['*', '?'])
    {
        return None;
    }
    Some((account.to_string(), region.to_string(), api_id.to_string()))
}

/// Every aws:SourceArn value of a statement's conditions, whatever the operator.
pub(crate) fn source_arns(statement: &serde_json::Value) -> Vec<String> {
    let mut values = Vec::new();
    let Some(conditions) = statement.get("Condition").and_then(|c| c.as_object()) else {
        return values;
    };
    for block in conditions.values().filter_map(|b| b.as_object()) {
        for (key, value) in block {
            if !key.eq_ignore_ascii_case("aws:SourceArn") {
                continue;
            }
            match value {
                serde_json::Value::String(s) => values.push(s.clone()),
                serde_json::Value::Array(items) => {
                    values.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)))
                }
                _ => {}
            }
        }
    }
    values
}

fn judge(
    known: &KnownApis,
    reached: &ReachedTarget<'_>,
    policy: &ResourcePolicy,
) -> Option<Finding> {
    let scope = reached.scope;
    let function = reached.arn().clone();
    let stale = stale_statements(known, policy);
    if stale.is_empty() {
        return None;
    }
    let message = format!(
        "{} of {} name{} an API that no longer exists ({})",
        if stale.len() == 1 {
            "A permission statement"
        } else {
            "Permission statements"
        },
        function.short(),
        if stale.len() == 1 { "s" } else { "" },
        stale
            .iter()
            .map(|(sid, _)| sid.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let commands: Vec<String> = stale
        .iter()
        .filter(|(sid, _)| !sid.starts_with('#'))
        .map(|(sid, _)| shared::remove_permission(scope, &function, sid))
        .collect();
    Some(Finding {
        evidence: json!({
            "statements": stale.iter().map(|(sid, arn)| json!({"statement": sid, "source_arn": arn})).collect::<Vec<_>>(),
        }),
        remediation: Some(commands.join("\n")),
        ..base_finding(&CHECK, scope, Status::Fail, message)
    })
}

#[cfg(test)]
mod tests {
    use super::named_api;

    #[test]
    fn reads_literal_api_ids_only() {
        assert_eq!(
            named_api("arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/pets"),
            Some(("123456789012".into(), "us-east-1".into(), "abc123".into()))
        );
        assert_eq!(
            named_api("arn:aws:execute-api:us-east-1:123456789012:*/*/GET/pets"),
            None
        );
        assert_eq!(
            named_api("arn:aws:execute-api:us-east-1:123456789012:ab*/*"),
            None
        );
        assert_eq!(named_api("arn:aws:sns:us-east-1:123456789012:topic"), None);
    }
}

#[cfg(test)]
mod stale_tests {
    use super::CHECK;
    use crate::inventory::Lookup;
    use crate::testkit::*;

    const API: &str = "a1b2c3d4e5";

    fn fleet(listing_failed: bool) -> crate::inventory::Inventory {
        let f = function_arn("pets-get");
        let mut t = target("pets-get", API);
        t.policy = Lookup::Found(policy(vec![
            allow_statement(
                "current",
                &f,
                &format!("arn:aws:execute-api:us-east-1:123456789012:{API}/*/*"),
            ),
            allow_statement(
                "old",
                &f,
                "arn:aws:execute-api:us-east-1:123456789012:zzzz999999/*/GET/pets",
            ),
            allow_statement(
                "other-region",
                &f,
                "arn:aws:execute-api:eu-west-1:123456789012:yyyy888888/*/*",
            ),
        ]));
        let mut scope = scope()
            .api(
                api(API, "pets")
                    .route("GET", "/pets", "pets-get")
                    .stage("prod"),
            )
            .target(t)
            .build();
        if listing_failed {
            scope
                .errors
                .push(access_denied("apigateway:GetRestApis", "*"));
        }
        inventory(vec![scope])
    }

    #[test]
    fn statements_naming_deleted_apis_are_stale() {
        let findings = run_check(&CHECK, &fleet(false));
        let finding = only(&findings);
        assert_eq!(finding.evidence["statements"][0]["statement"], "old");
        assert_eq!(
            finding.evidence["statements"].as_array().unwrap().len(),
            1,
            "regions not audited are not judged"
        );
        assert!(finding
            .remediation
            .as_deref()
            .unwrap()
            .ends_with("--statement-id old"));
    }

    #[test]
    fn nothing_is_stale_when_the_api_list_is_incomplete() {
        assert!(run_check(&CHECK, &fleet(true)).is_empty());
    }

    /// A statement for a deleted HTTP API is stale too; one naming an HTTP or a WebSocket API
    /// that exists is not; a failed v2 listing leaves every statement alone.
    #[test]
    fn statements_for_http_and_websocket_apis() {
        let f = function_arn("orders");
        let source = |id: &str| format!("arn:aws:execute-api:us-east-1:123456789012:{id}/*");
        let build = |v2_listing_failed: bool| {
            let mut t = target("orders", "h1");
            t.policy = Lookup::Found(policy(vec![
                allow_statement("http", &f, &source("h1")),
                allow_statement("ws", &f, &source("w1")),
                allow_statement("deleted-http", &f, &source("h9")),
            ]));
            let mut scope = scope()
                .http_api(
                    http_api("h1", "orders")
                        .route("GET /orders", "orders")
                        .stage("$default"),
                )
                .target(t)
                .build();
            scope.websocket_apis.push(crate::inventory::ApiSummary {
                id: "w1".into(),
                name: "chat".into(),
            });
            if v2_listing_failed {
                scope.errors.push(access_denied("apigatewayv2:GetApis", "*"));
            }
            inventory(vec![scope])
        };
        let findings = run_check(&CHECK, &build(false));
        let statements = &only(&findings).evidence["statements"];
        assert_eq!(statements.as_array().unwrap().len(), 1, "{statements}");
        assert_eq!(statements[0]["statement"], "deleted-http");
        assert!(run_check(&CHECK, &build(true)).is_empty());
    }
}
