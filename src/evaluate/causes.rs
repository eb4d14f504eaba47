//! Root-cause linking: the findings of the checks declared as symptoms (`Role::Symptom`: a stage
//! that answers 5XX, an execution log that shows failed integrations) get the configuration
//! findings of the same audit that break calls on that stage as probable causes — for a log
//! symptom, only those of the checks that declare they explain its lines (`Check::explains`).
//! Each symptom gets `evidence.probable_causes`: the fingerprints of those findings, worst first.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use serde_json::json;

use crate::checks::{self, Role};
use crate::report::{Finding, Status};
use crate::routes::ScopeRoutes;

/// The role the finding's check declares; findings of checks this build does not know are causes.
fn role(finding: &Finding) -> Role {
    checks::find(&finding.check).map_or(Role::Cause, |c| c.role)
}

/// Sets `evidence.probable_causes` on every failing symptom finding. A cause is another failing
/// finding that breaks calls (it has a `client_status`), is not itself CloudWatch evidence, is
/// in the same account and region, and either names the same API with the symptom's stage, or,
/// for a finding about a function rather than an API, names a function (exact target, or the
/// unqualified function) that a route of that API and stage invokes. Findings about another
/// API are never causes, even when they share a function: they concern that API's link.
pub fn link_probable_causes(findings: &mut [Finding], routes: &[ScopeRoutes<'_>]) {
    let links: Vec<(usize, Vec<String>)> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.status == Status::Fail && role(f) == Role::Symptom)
        .map(|(i, symptom)| (i, causes_of(symptom, findings, routes)))
        .collect();
    for (i, causes) in links {
        let Some(finding) = findings.get_mut(i) else {
            continue;
        };
        match finding.evidence.as_object_mut() {
            Some(evidence) => {
                evidence.insert("probable_causes".into(), json!(causes));
            }
            None => finding.evidence = json!({ "probable_causes": causes }),
        }
    }
}

fn causes_of(symptom: &Finding, findings: &[Finding], routes: &[ScopeRoutes<'_>]) -> Vec<String> {
    let Some(api_id) = symptom.api.as_ref().map(|a| a.id.as_str()) else {
        return Vec::new();
    };
    let functions = stage_functions(symptom, api_id, routes);
    let explaining = explaining_checks(symptom);
    let mut causes: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.status == Status::Fail
                && f.client_status.is_some()
                && role(f) == Role::Cause
                && f.fingerprint != symptom.fingerprint
                && f.account == symptom.account
                && f.region == symptom.region
        })
        .filter(|f| {
            explaining
                .as_ref()
                .is_none_or(|checks| checks.contains(f.check.as_str()))
        })
        .filter(|f| match (&f.api, &f.function) {
            (Some(api), _) => {
                api.id == api_id && f.stages.iter().any(|s| symptom.stages.contains(s))
            }
            (None, Some(function)) => functions.contains(function.as_str()),
            (None, None) => false,
        })
        .collect();
    causes.sort_by(|a, b| {
        (Reverse(a.severity), &a.fingerprint).cmp(&(Reverse(b.severity), &b.fingerprint))
    });
    let mut fingerprints: Vec<String> = causes.into_iter().map(|f| f.fingerprint.clone()).collect();
    fingerprints.dedup();
    fingerprints
}

/// For a log symptom (its evidence lists the `signatures` it saw), the checks that explain its
/// lines (`Invalid permissions on Lambda function` is explained by a permission finding, not by
/// a malformed response); `None` — no restriction — for a 5XX rate, which any breaking finding
/// may explain.
fn explaining_checks(symptom: &Finding) -> Option<BTreeSet<&'static str>> {
    let mut checks = BTreeSet::new();
    for row in symptom.evidence["signatures"].as_array()? {
        // A line that is no known signature could have any cause.
        let signature = crate::log_signatures::find(row["signature"].as_str()?)?;
        checks.extend(checks::explaining(signature.phrase).map(|c| c.id.as_str()));
    }
    Some(checks)
}

/// The functions the routes of the symptom's API and stages invoke: each target ARN as
/// resolved, and its unqualified form (function-level findings name the function itself).
fn stage_functions(
    symptom: &Finding,
    api_id: &str,
    routes: &[ScopeRoutes<'_>],
) -> BTreeSet<String> {
    let mut functions = BTreeSet::new();
    let scope = routes
        .iter()
        .find(|s| s.scope.account == symptom.account && s.scope.region == symptom.region);
    let Some(scope) = scope else {
        return functions;
    };
    for route in &scope.targets {
        if route.api.id() != api_id || !symptom.stages.contains(&route.stage.name) {
            continue;
        }
        if let Ok(arn) = &route.resolved {
            functions.insert(arn.to_string());
            functions.insert(arn.unqualified().to_string());
        }
    }
    functions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ApiRef, RouteRef, Severity};
    use crate::testkit::*;

    /// `pets` routes `GET /pets/{id}` to `pets-get:${stageVariables.alias}`: `live` on prod,
    /// `dev` on dev.
    fn link(findings: &mut [Finding]) {
        let inventory = inventory();
        link_probable_causes(findings, &ScopeRoutes::of_all(&inventory.scopes));
    }

    fn inventory() -> crate::inventory::Inventory {
        scope()
            .api(
                api("a1b2c3", "pets")
                    .route("GET", "/pets/{id}", "pets-get:${stageVariables.alias}")
                    .stage_vars("dev", &[("alias", "dev")])
                    .stage_vars("prod", &[("alias", "live")]),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .target(target("pets-get:dev", "a1b2c3"))
            .inventory()
    }

    fn finding(check: &str, severity: Severity, client_status: Option<u16>) -> Finding {
        let mut f = Finding {
            fingerprint: String::new(),
            check: check.into(),
            severity,
            status: Status::Fail,
            account: ACCOUNT.into(),
            region: REGION.into(),
            api: None,
            stages: Vec::new(),
            route: None,
            function: None,
            authorizer: None,
            client_status,
            message: String::new(),
            evidence: json!({}),
            remediation: None,
        };
        f.fingerprint = f.compute_fingerprint();
        f
    }

    fn on_stage(mut f: Finding, stage: &str) -> Finding {
        f.api = Some(ApiRef {
            id: "a1b2c3".into(),
            name: "pets".into(),
            protocol: Default::default(),
        });
        f.stages = vec![stage.into()];
        f.route = Some(RouteRef {
            method: "GET".into(),
            path: "/pets/{id}".into(),
        });
        f.fingerprint = format!("{}-{stage}", f.compute_fingerprint());
        f
    }

    fn on_function(mut f: Finding, reference: &str) -> Finding {
        f.function = Some(function_arn(reference));
        f.fingerprint = f.compute_fingerprint();
        f
    }

    fn causes(findings: &[Finding], i: usize) -> serde_json::Value {
        findings[i].evidence["probable_causes"].clone()
    }

    #[test]
    fn causes_via_the_stage_and_via_the_function_worst_first() {
        let mut findings = vec![
            on_stage(finding("api-5xx-rate", Severity::High, Some(500)), "prod"),
            on_stage(
                finding("invoke-permission-missing", Severity::High, Some(500)),
                "prod",
            ),
            on_function(
                finding("function-concurrency-zero", Severity::High, Some(500)),
                "pets-get",
            ),
            on_function(
                finding("function-not-active", Severity::Medium, Some(500)),
                "pets-get:live",
            ),
            on_stage(
                finding("execution-log-errors", Severity::High, Some(502)),
                "prod",
            ),
        ];
        link(&mut findings);
        let mut high = [
            findings[1].fingerprint.clone(),
            findings[2].fingerprint.clone(),
        ];
        high.sort();
        let expected = json!([high[0], high[1], findings[3].fingerprint]);
        assert_eq!(causes(&findings, 0), expected);
        assert_eq!(causes(&findings, 4), expected);
        // Causes themselves get nothing.
        assert!(findings[1].evidence.get("probable_causes").is_none());
    }

    #[test]
    fn log_lines_are_linked_only_to_the_checks_that_explain_them() {
        let mut log = on_stage(
            finding("execution-log-errors", Severity::High, Some(500)),
            "prod",
        );
        log.evidence = json!({"signatures": [{"signature": "Rate Exceeded", "count": 3}]});
        let mut findings = vec![
            on_stage(finding("api-5xx-rate", Severity::High, Some(500)), "prod"),
            log,
            on_stage(
                finding("invoke-permission-missing", Severity::High, Some(500)),
                "prod",
            ),
            on_function(
                finding("function-concurrency-zero", Severity::High, Some(500)),
                "pets-get",
            ),
        ];
        link(&mut findings);
        // Throttling is explained by the zero concurrency, not by the missing permission...
        assert_eq!(causes(&findings, 1), json!([findings[3].fingerprint]));
        // ...while a 5XX rate may come from either.
        assert_eq!(causes(&findings, 0).as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn other_stages_do_not_count() {
        let mut findings = vec![
            on_stage(finding("api-5xx-rate", Severity::High, Some(500)), "prod"),
            on_stage(
                finding("invoke-permission-missing", Severity::High, Some(500)),
                "dev",
            ),
            // pets-get:dev is what the dev stage invokes, not prod.
            on_function(
                finding("function-not-active", Severity::High, Some(500)),
                "pets-get:dev",
            ),
        ];
        link(&mut findings);
        assert_eq!(causes(&findings, 0), json!([]));
    }

    #[test]
    fn non_breaking_evidence_and_error_findings_are_not_causes() {
        let mut error = on_stage(
            finding("invoke-permission-missing", Severity::High, Some(500)),
            "prod",
        );
        error.status = Status::Error;
        let mut other_region = on_function(
            finding("function-not-active", Severity::High, Some(500)),
            "pets-get:live",
        );
        other_region.region = "eu-west-1".into();
        let mut findings = vec![
            on_stage(finding("api-5xx-rate", Severity::High, Some(500)), "prod"),
            on_function(
                finding("runtime-deprecated", Severity::Medium, None),
                "pets-get:live",
            ),
            on_function(
                finding("lambda-error-rate", Severity::Medium, Some(502)),
                "pets-get:live",
            ),
            on_stage(
                finding("execution-log-errors", Severity::High, Some(502)),
                "prod",
            ),
            error,
            other_region,
        ];
        link(&mut findings);
        assert_eq!(causes(&findings, 0), json!([]));
        assert_eq!(causes(&findings, 3), json!([]));
    }

    #[test]
    fn failing_symptoms_only() {
        let mut symptom = on_stage(finding("api-5xx-rate", Severity::High, Some(500)), "prod");
        symptom.status = Status::Error;
        let mut findings = vec![
            symptom,
            on_stage(
                finding("invoke-permission-missing", Severity::High, Some(500)),
                "prod",
            ),
        ];
        link(&mut findings);
        assert!(findings[0].evidence.get("probable_causes").is_none());
    }
}
