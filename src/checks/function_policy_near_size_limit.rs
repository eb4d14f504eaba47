//! `function-policy-near-size-limit`: the resource policy of a target is close to Lambda's
//! 20 KB limit, so the next `add-permission` (a new route, a new stage) will fail.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::checks::invoke_permission_stale::{named_api, source_arns, stale_statements, KnownApis};
use crate::checks::shared::{function_args, qualifier_arg, run_per_target, sh, ReachedTarget};
use crate::checks::shared::{base_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::config::{SettingKind, SettingSpec};
use crate::inventory::ResourcePolicy;
use crate::report::{Finding, Severity, Status};

/// Lambda's limit on a function policy, in bytes (docs/aws-facts.md §2).
const POLICY_LIMIT_BYTES: usize = 20_480;

pub static CHECK: Check = Check {
    id: CheckId::new("function-policy-near-size-limit"),
    title: "Function policy is near the 20 KB size limit",
    severity: Severity::Medium,
    resource: ResourceKind::FunctionPolicy,
    client_status: None,
    checks: "For every function, alias or version an API route or Lambda authorizer invokes, \
             compares the size of its resource policy with Lambda's 20,480-byte limit and \
             fires above `policy-size-threshold-percent` (default 80 %) of it.",
    why: "Tools that add one permission per method and stage (SAM, CDK, console clicks) grow \
          the policy by a few hundred bytes per route. Past 20 KB, `add-permission` fails with \
          `PolicyLengthExceededException: The final policy size (N) is bigger than the limit \
          (20480)` (docs/aws-facts.md §2; SAM #337, CDK #5774): the next deployment that adds a route \
          cannot grant API Gateway access, and that new route answers 500.",
    fix: "Replace the per-route statements of each API with one wildcard statement (`aws \
          lambda add-permission ... --source-arn arn:aws:execute-api:REGION:ACCOUNT:API/*/*/*`, \
          plus `API/authorizers/*` for an authorizer function), then delete the statements it \
          makes redundant and those left by deleted APIs with `aws lambda remove-permission \
          --statement-id SID`. Add first and remove second, so no route loses access.",
    limits: "Sizes are those GetPolicy returned for exactly the invoked qualifier. Statements \
             without a Sid cannot be removed by the CLI and are not listed. Statements for \
             deleted APIs are only suggested for removal when the account's API list was read \
             without error.",
    input: Input::Configuration,
    role: Role::Cause,
    settings: &[THRESHOLD_PERCENT],
    explains: &[],
    run,
};

const THRESHOLD_PERCENT: SettingSpec = SettingSpec {
    key: "threshold-percent",
    doc: "Report a function policy larger than this percentage of Lambda's 20 KB limit",
    kind: SettingKind::Integer {
        default: 80,
        min: 1,
        max: 100,
    },
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let threshold = usize::try_from(ctx.integer(&THRESHOLD_PERCENT)).unwrap_or(80);
    let known = KnownApis::of(ctx.inventory);
    run_per_target(
        &CHECK,
        ctx,
        |t| &t.policy,
        |reached, policy| judge(reached, policy, threshold, &known),
    )
}

/// The API id a statement's `aws:SourceArn` names, with its account and region, when the
/// statement lets API Gateway invoke.
fn statement_api(statement: &Value) -> Option<(String, String)> {
    let service = &statement["Principal"]["Service"];
    let for_apigateway = match service {
        Value::String(s) => s == "apigateway.amazonaws.com",
        Value::Array(items) => items.iter().any(|s| s == "apigateway.amazonaws.com"),
        _ => false,
    };
    if !for_apigateway {
        return None;
    }
    let source = source_arns(statement).into_iter().next()?;
    let (account, _region, api) = named_api(&source)?;
    Some((api, account))
}

fn judge(
    reached: &ReachedTarget<'_>,
    policy: &ResourcePolicy,
    threshold: usize,
    known: &KnownApis,
) -> Option<Finding> {
    if policy.size_bytes * 100 <= threshold * POLICY_LIMIT_BYTES {
        return None;
    }
    let scope = reached.scope;
    let statements = policy.statements();
    let percent = (policy.size_bytes as f64 * 1000.0 / POLICY_LIMIT_BYTES as f64).round() / 10.0;
    let invoking: BTreeSet<&str> = reached
        .invokers
        .iter()
        .map(|(api, _)| api.as_str())
        .collect();
    // One wildcard statement per invoking API (and per API whose authorizer invokes).
    let wanted: Vec<(String, String)> = reached
        .invokers
        .iter()
        .map(|(api, authorizer)| match authorizer {
            true => (
                format!("apigw-{api}-authorizers"),
                format!("{api}/authorizers/*"),
            ),
            false => (format!("apigw-{api}-all-routes"), format!("{api}/*/*/*")),
        })
        .collect();
    let existing: BTreeSet<&str> = statements
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    // The same judgement as invoke-permission-stale, so the two findings name the same statements.
    let stale_pairs = stale_statements(known, policy);
    let stale: Vec<&str> = stale_pairs
        .iter()
        .map(|(sid, _)| sid.as_str())
        .filter(|sid| !sid.starts_with('#'))
        .collect();
    let mut redundant = Vec::new();
    for statement in &statements {
        let (Some(sid), Some((api, account))) =
            (statement["Sid"].as_str(), statement_api(statement))
        else {
            continue;
        };
        // A wildcard statement from an earlier consolidation stays.
        if account != scope.account || wanted.iter().any(|(w, _)| w == sid) {
            continue;
        }
        if invoking.contains(api.as_str()) {
            redundant.push(sid);
        }
    }
    let message = format!(
        "The resource policy of {} is {} bytes, {percent} % of Lambda's {POLICY_LIMIT_BYTES}-byte \
         limit: the next add-permission for a new route will fail with \
         PolicyLengthExceededException.",
        reached.short(),
        policy.size_bytes
    );
    let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
    finding.evidence = json!({
        "size_bytes": policy.size_bytes,
        "limit_bytes": POLICY_LIMIT_BYTES,
        "percent": percent,
        "threshold_percent": threshold,
        "statements": statements.len(),
        "redundant_statement_ids": redundant,
        "stale_statement_ids": stale,
    });
    finding.remediation = Some(reached.arn()).map(|arn| {
        let target = format!("{}{}", function_args(scope, arn), qualifier_arg(arn));
        let mut commands: Vec<String> = wanted
            .iter()
            .filter(|(sid, _)| !existing.contains(sid.as_str()))
            .map(|(sid, resource)| {
                let source = format!(
                    "arn:{}:execute-api:{}:{}:{resource}",
                    arn.partition, arn.region, scope.account
                );
                format!(
                    "aws lambda add-permission {target} --statement-id {} --action \
                     lambda:InvokeFunction --principal apigateway.amazonaws.com \
                     --source-arn {}",
                    sh(sid),
                    sh(&source)
                )
            })
            .collect();
        commands.extend(redundant.iter().chain(&stale).map(|sid| {
            format!(
                "aws lambda remove-permission {target} --statement-id {}",
                sh(sid)
            )
        }));
        commands.join(" && ")
    });
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingValue;
    use crate::inventory::{LambdaTarget, Lookup};
    use crate::testkit::*;

    const FN: &str = "pets-get:live";

    /// A target whose policy has one statement per path of API a1b2c3 (`per-N`) until it is
    /// over `bytes`, plus one statement of the deleted API gone123.
    fn big_target(bytes: usize) -> LambdaTarget {
        let arn = function_arn(FN);
        let source = |api: &str, path: String| {
            format!("arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/prod/GET/{path}")
        };
        let mut statements = vec![allow_statement(
            "gone-1",
            &arn,
            &source("gone123", "x".into()),
        )];
        let mut i = 0;
        while policy(statements.clone()).size_bytes <= bytes {
            statements.push(allow_statement(
                &format!("per-{i}"),
                &arn,
                &source("a1b2c3", format!("pets/{i}")),
            ));
            i += 1;
        }
        let mut t = target(FN, "a1b2c3");
        t.policy = Lookup::Found(policy(statements));
        t
    }

    fn inventory(t: LambdaTarget) -> crate::inventory::Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", FN)
                    .stage("prod"),
            )
            .target(t)
            .inventory()
    }

    #[test]
    fn policy_over_80_percent_fails_with_a_consolidation_plan() {
        let findings = run_check(&CHECK, &inventory(big_target(17_000)));
        let f = only(&findings);
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.function.as_deref(), Some(function_arn(FN).as_str()));
        let size = f.evidence["size_bytes"].as_u64().unwrap_or_default();
        assert!(size > 17_000, "{size}");
        assert_eq!(f.evidence["limit_bytes"], 20480);
        assert!(f.evidence["percent"].as_f64().unwrap_or_default() > 83.0);
        let count = f.evidence["statements"].as_u64().unwrap_or_default();
        assert_eq!(
            f.evidence["redundant_statement_ids"]
                .as_array()
                .map(Vec::len),
            Some(count as usize - 1)
        );
        assert_eq!(f.evidence["stale_statement_ids"], json!(["gone-1"]));
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(
            fix.starts_with(
                "aws lambda add-permission --function-name pets-get --region us-east-1 \
                 --qualifier live --statement-id apigw-a1b2c3-all-routes --action \
                 lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn \
                 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*/*/*' && "
            ),
            "{fix}"
        );
        assert!(fix.contains("remove-permission --function-name pets-get --region us-east-1 --qualifier live --statement-id per-0"));
        assert!(fix.ends_with("--statement-id gone-1"), "{fix}");
    }

    #[test]
    fn small_policy_or_higher_threshold_is_quiet() {
        assert!(run_check(&CHECK,
            &inventory(target(FN, "a1b2c3"))
        )
        .is_empty());
        let settings = settings_of(&CHECK, &[("threshold-percent", SettingValue::Integer(95))]);
        assert!(run_check_with(
            &CHECK,
            &inventory(big_target(17_000)),
            &settings
        )
        .is_empty());
        // Exactly at the threshold is not over it.
        let mut t = target(FN, "a1b2c3");
        if let Lookup::Found(p) = &mut t.policy {
            p.size_bytes = 16_384;
        }
        assert!(run_check(&CHECK, &inventory(t.clone())).is_empty());
        if let Lookup::Found(p) = &mut t.policy {
            p.size_bytes = 16_385;
        }
        assert_eq!(run_check(&CHECK, &inventory(t)).len(), 1);
    }

    #[test]
    fn missing_policy_is_quiet_and_failed_policy_is_an_error() {
        let mut t = target(FN, "a1b2c3");
        t.policy = Lookup::Missing;
        assert!(run_check(&CHECK, &inventory(t.clone())).is_empty());
        t.policy = Lookup::Failed(access_denied("lambda:GetPolicy", &function_arn(FN)));
        let findings = run_check(&CHECK, &inventory(t));
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert!(f.message.contains("lambda:GetPolicy"), "{}", f.message);
    }
}
