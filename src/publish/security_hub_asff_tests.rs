//! The ASFF mapping of every check (its types, resource types and severity), the required
//! attributes and their limits, and the batches.

use chrono::TimeZone;

use super::*;
use crate::checks::ResourceKind;
use crate::report::{ApiRef, AuthorizerRef, RouteRef};

const ACCOUNT: &str = "123456789012";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets-get:live";

/// A finding of `check` shaped the way the check builds them: routes and authorizers name the
/// API, the stages and the function; stages name the API and one stage; functions and their
/// policies name only the function.
fn finding_of(check: &str) -> Finding {
    let doc = checks::find(check).expect("a registered check");
    let api = Some(ApiRef {
        id: "a1b2c3d4e5".into(),
        name: "pets".into(),
        protocol: Default::default(),
    });
    let mut finding = Finding {
        fingerprint: "00112233445566778899".into(),
        check: check.into(),
        severity: doc.severity,
        status: Status::Fail,
        account: ACCOUNT.into(),
        region: "us-east-1".into(),
        api: None,
        stages: Vec::new(),
        route: None,
        function: None,
        authorizer: None,
        client_status: doc.client_status,
        message: format!("{check} found something"),
        evidence: serde_json::json!({"reason": "no-policy"}),
        remediation: Some("aws lambda add-permission ...".into()),
    };
    match doc.resource {
        ResourceKind::Route => {
            finding.api = api;
            finding.stages = vec!["prod".into()];
            finding.route = Some(RouteRef {
                method: "GET".into(),
                path: "/pets/{id}".into(),
            });
            finding.function = Some(FUNCTION.into());
        }
        ResourceKind::Authorizer => {
            finding.api = api;
            finding.stages = vec!["prod".into()];
            finding.authorizer = Some(AuthorizerRef {
                id: "au1".into(),
                name: "jwt".into(),
            });
            finding.function = Some(FUNCTION.into());
        }
        ResourceKind::Stage => {
            finding.api = api;
            finding.stages = vec!["prod".into()];
        }
        ResourceKind::Function | ResourceKind::FunctionPolicy => {
            finding.function = Some(FUNCTION.into());
        }
    }
    finding
}

fn placement() -> Placement<'static> {
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
    Placement {
        account: ACCOUNT,
        run_id: "run-1",
        created_at: at,
        first_observed_at: at,
        updated_at: at,
        observed_at: at,
    }
}

const CONFIG: &str = "Software and Configuration Checks/API Gateway Lambda Integration";
const DOS: &str = "Effects/Denial of Service";
const STAGE: &str = "AwsApiGatewayStage";
const LAMBDA: &str = "AwsLambdaFunction";

/// Every check: (id, `Types`, resource types in order, `Severity.Label`).
const EXPECTED: &[(&str, &[&str], &[&str], &str)] = &[
    (
        "invoke-permission-missing",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "HIGH",
    ),
    (
        "authorizer-invoke-permission-missing",
        &[CONFIG, DOS],
        &[LAMBDA, STAGE],
        "HIGH",
    ),
    (
        "integration-target-missing",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "HIGH",
    ),
    (
        "integration-http-method-not-post",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "HIGH",
    ),
    (
        "stage-variable-unresolved",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "HIGH",
    ),
    (
        "integration-role-invalid",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "HIGH",
    ),
    (
        "invoke-permission-too-broad",
        &["Software and Configuration Checks/AWS Security Best Practices"],
        &[LAMBDA],
        "MEDIUM",
    ),
    ("invoke-permission-stale", &[CONFIG], &[LAMBDA], "LOW"),
    ("stage-not-redeployed", &[CONFIG], &[STAGE], "LOW"),
    (
        "function-policy-near-size-limit",
        &[CONFIG],
        &[LAMBDA],
        "MEDIUM",
    ),
    ("function-not-active", &[CONFIG, DOS], &[LAMBDA], "HIGH"),
    (
        "function-concurrency-zero",
        &[CONFIG, DOS],
        &[LAMBDA],
        "HIGH",
    ),
    ("handler-invalid", &[CONFIG, DOS], &[LAMBDA], "HIGH"),
    ("handler-not-in-package", &[CONFIG, DOS], &[LAMBDA], "HIGH"),
    (
        "package-file-permissions",
        &[CONFIG, DOS],
        &[LAMBDA],
        "HIGH",
    ),
    ("runtime-deprecated", &[CONFIG], &[LAMBDA], "MEDIUM"),
    (
        "lambda-timeout-exceeds-integration",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "MEDIUM",
    ),
    (
        "api-5xx-rate",
        &["Unusual Behaviors/Application", DOS],
        &[STAGE],
        "HIGH",
    ),
    (
        "lambda-error-rate",
        &["Unusual Behaviors/Serverless", DOS],
        &[LAMBDA],
        "MEDIUM",
    ),
    (
        "execution-log-errors",
        &["Unusual Behaviors/Application", DOS],
        &[STAGE],
        "HIGH",
    ),
    (
        "function-log-errors",
        &["Unusual Behaviors/Serverless", DOS],
        &[LAMBDA],
        "HIGH",
    ),
    ("execution-logging-disabled", &[CONFIG], &[STAGE], "LOW"),
    (
        "proxy-response-malformed",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "HIGH",
    ),
    (
        "access-log-errors",
        &["Unusual Behaviors/Application", DOS],
        &[STAGE],
        "HIGH",
    ),
    (
        "access-log-hides-integration-errors",
        &[CONFIG],
        &[STAGE],
        "LOW",
    ),
    (
        "authorizer-simple-responses-ignored",
        &[CONFIG, DOS],
        &[LAMBDA, STAGE],
        "MEDIUM",
    ),
    // 401, not a 5XX: not counted as denial of service by `finding_types`' rule.
    (
        "authorizer-identity-source-unset",
        &[CONFIG],
        &[LAMBDA, STAGE],
        "HIGH",
    ),
    (
        "payload-format-mismatch",
        &[CONFIG, DOS],
        &[STAGE, LAMBDA],
        "HIGH",
    ),
];

#[test]
fn every_check_maps_to_its_types_resources_and_severity() {
    let registered = checks::ids();
    let listed: Vec<&str> = EXPECTED.iter().map(|(id, ..)| *id).collect();
    assert!(
        listed.iter().all(|id| registered.contains(id)),
        "a row names a check that is not registered"
    );
    // A check without a row of its own follows the derived rule: a configuration check, with
    // Denial of Service when its clients get a 5XX, about the resources its findings name.
    for check in registered.iter().filter(|id| !listed.contains(id)) {
        let declared = checks::find(check).unwrap();
        let asff = to_asff(&finding_of(check), &placement());
        let mut expected = vec![CONFIG.to_string()];
        if declared.client_status.is_some_and(|s| s >= 500) {
            expected.push(DOS.to_string());
        }
        assert_eq!(asff.types, expected, "{check}");
        assert!(!asff.resources.is_empty(), "{check}");
        assert_eq!(
            asff.severity.label,
            severity_label(declared.severity),
            "{check}"
        );
    }
    for (check, types, resources, label) in EXPECTED {
        let asff = to_asff(&finding_of(check), &placement());
        assert_eq!(asff.types, *types, "{check}");
        // Providers put types and severity under FindingProviderFields (aws-facts §9).
        assert_eq!(asff.finding_provider_fields.types, *types, "{check}");
        let kinds: Vec<&str> = asff.resources.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, *resources, "{check}");
        assert_eq!(asff.severity.label, *label, "{check}");
        assert_eq!(
            asff.finding_provider_fields.severity.label, *label,
            "{check}"
        );
        assert_eq!(asff.generator_id, *check);
        assert_eq!(asff.source_url, docs_url(check));
        assert!(asff
            .source_url
            .ends_with(&format!("docs/checks.md#{check}")));
    }
}

#[test]
fn the_docs_url_names_an_anchor_of_the_catalogue() {
    let catalogue =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md")).unwrap();
    assert!(docs_url("x").starts_with("https://"), "{}", docs_url("x"));
    for id in checks::ids() {
        // GitHub's anchor of the heading `## {id}`.
        assert!(catalogue.contains(&format!("\n## {id}\n")), "{id}");
    }
}

#[test]
fn required_attributes_are_all_there() {
    let asff = to_asff(&finding_of("invoke-permission-missing"), &placement());
    let json = serde_json::to_value(&asff).unwrap();
    // "Required attributes" of the ASFF (Security Hub User Guide).
    for required in [
        "AwsAccountId",
        "CreatedAt",
        "Description",
        "GeneratorId",
        "Id",
        "ProductArn",
        "Resources",
        "SchemaVersion",
        "Severity",
        "Title",
        "Types",
        "UpdatedAt",
    ] {
        let value = &json[required];
        assert!(
            !(value.is_null() || value == "" || value == &serde_json::json!([])),
            "{required}: {value}"
        );
    }
    assert_eq!(json["SchemaVersion"], "2018-10-08");
    assert_eq!(json["Id"], "apigw-auditor/00112233445566778899");
    assert_eq!(
        json["ProductArn"],
        "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
    );
    // A new finding: CreatedAt equals UpdatedAt.
    assert_eq!(json["CreatedAt"], "2026-11-21T10:00:00.000Z");
    assert_eq!(json["CreatedAt"], json["UpdatedAt"]);
    assert_eq!(json["Compliance"]["Status"], "FAILED");
    assert_eq!(json["RecordState"], "ACTIVE");
    assert_eq!(
        json["Remediation"]["Recommendation"]["Text"],
        "aws lambda add-permission ..."
    );
    let fields = &json["ProductFields"];
    assert_eq!(fields[FINGERPRINT_FIELD], "00112233445566778899");
    assert_eq!(fields["apigw-auditor/RouteMethod"], "GET");
    assert_eq!(fields["apigw-auditor/RoutePath"], "/pets/{id}");
    assert_eq!(fields["apigw-auditor/Function"], FUNCTION);
    assert_eq!(fields["apigw-auditor/Reason"], "no-policy");
    assert_eq!(fields["ProviderName"], "apigw-auditor");
}

#[test]
fn an_unevaluated_check_has_its_own_id_and_no_compliance_verdict() {
    let mut error = finding_of("invoke-permission-missing");
    error.status = Status::Error;
    error.remediation = None;
    let asff = to_asff(&error, &placement());
    assert_eq!(asff.id, "apigw-auditor/00112233445566778899/error");
    assert_eq!(asff.compliance.status, ComplianceStatus::NotAvailable);
    assert!(asff.title.starts_with("Could not be evaluated: "));
    // Without a command of its own, the check's documented fix.
    let doc = checks::find("invoke-permission-missing").unwrap();
    assert_eq!(
        asff.remediation.recommendation.text,
        truncate(doc.fix, MAX_RECOMMENDATION)
    );
    assert_eq!(asff.product_fields["apigw-auditor/Status"], "error");
    // Info is INFORMATIONAL.
    error.severity = Severity::Info;
    assert_eq!(
        to_asff(&error, &placement()).severity.label,
        "INFORMATIONAL"
    );
}

#[test]
fn long_texts_are_cut_to_the_limits() {
    let mut long = finding_of("invoke-permission-missing");
    long.message = "m".repeat(5_000);
    long.remediation = Some("r".repeat(3_000));
    long.stages = (0..40).map(|i| format!("s{i}")).collect();
    let asff = to_asff(&long, &placement());
    assert_eq!(asff.description.chars().count(), MAX_DESCRIPTION);
    assert!(asff.description.ends_with('…'));
    assert_eq!(
        asff.remediation.recommendation.text.chars().count(),
        MAX_RECOMMENDATION
    );
    assert_eq!(asff.resources.len(), MAX_RESOURCES);
    assert!(asff.product_fields.len() <= 50);
    for (key, value) in &asff.product_fields {
        assert!(key.chars().count() <= 128, "{key}");
        assert!(value.chars().count() <= MAX_FIELD_VALUE, "{key}");
    }
    // The whole command survives, within the field limit.
    assert_eq!(
        asff.product_fields["apigw-auditor/Remediation"]
            .chars()
            .count(),
        MAX_FIELD_VALUE
    );
    assert!(asff.json_bytes() < MAX_FINDING_BYTES);
    assert_eq!(truncate("héllo", 5), "héllo");
    assert_eq!(truncate("héllo!", 5), "héll…");
}

#[test]
fn a_check_unknown_to_this_build_is_still_exported() {
    let mut unknown = finding_of("handler-invalid");
    unknown.check = "check-of-a-newer-version".into();
    let asff = to_asff(&unknown, &placement());
    assert_eq!(asff.title, "check-of-a-newer-version");
    assert_eq!(asff.types, [CONFIG, DOS]);
    assert_eq!(asff.resources[0].kind, LAMBDA);
}

#[test]
fn batches_hold_100_findings_and_6_mb() {
    let one = to_asff(&finding_of("invoke-permission-missing"), &placement());
    let many = vec![one.clone(); 250];
    let lens: Vec<usize> = batches(&many).iter().map(|b| b.len()).collect();
    assert_eq!(lens, [100, 100, 50]);
    // Findings of about 200 KB: 30 make 6 MB.
    let mut big = one;
    for i in 0..45 {
        big.product_fields
            .insert(format!("apigw-auditor/Pad{i}"), "p".repeat(2_000));
    }
    big.description = "d".repeat(1_000);
    let size = big.json_bytes();
    assert!(size > 90_000 && size < MAX_FINDING_BYTES, "{size}");
    let heavy = vec![big; 200];
    let split = batches(&heavy);
    assert!(split.len() > 2);
    for batch in &split {
        let bytes: usize = batch.iter().map(|f| f.json_bytes()).sum();
        assert!(bytes <= 6 * 1024 * 1024, "{bytes}");
        assert!(batch.len() <= 100);
    }
    assert_eq!(split.iter().map(|b| b.len()).sum::<usize>(), 200);
    assert!(batches(&[]).is_empty());
}
