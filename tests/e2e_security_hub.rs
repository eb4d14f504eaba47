//! End-to-end tests of the Security Hub sink through the real SDK: the fleet is built and audited
//! on ministack, the findings are published to moto's Security Hub and read back with
//! `GetFindings`. After a run every finding is there with its fields; once the problem is fixed
//! the next run archives it; an `error` finding or a disabled check archives nothing it could not
//! see; a throttled import is retried; a denied one fails only this sink (exit 3) while the
//! others land; a member account's findings go into that account through its role, or into the
//! auditor's account when the config says so.

mod support;

use apigw_auditor::app::exit_code;
use apigw_auditor::audit::{audit, Audit};
use apigw_auditor::config::{
    AccountScope, Config, FindingEvents, MetricsMode, SecurityHubDestination,
};
use apigw_auditor::publish::security_hub_asff::docs_url;
use apigw_auditor::publish::sinks::{publish, Streams};
use apigw_auditor::report::{Finding, Severity, Status};
use apigw_auditor::AuditSource;
use aws_config::SdkConfig;
use aws_sdk_securityhub::types::AwsSecurityFinding;
use serde_json::json;

use support::emulator::{Emulator, Microburst};
use support::fleet::apigw::{ApiHandle, MethodOptions};
use support::fleet::{function_arn, Fleet};
use support::moto::{self, hub, on_main_sized_stack, Moto};
use support::{new_account, new_fleet, sdk_config, REGION};

/// An API with a healthy route and a broken one: `POST /orders` calls the alias `live`, which has
/// no permission for API Gateway (a high `invoke-permission-missing`).
async fn broken_fleet(fleet: &Fleet, account: &str) -> ApiHandle {
    fleet.python_function("ok").await;
    let version = fleet.publish_version("ok").await;
    fleet.create_alias("ok", "live", &version).await;
    let api = fleet.create_api("shop").await;
    let (plain, alias) = (
        function_arn(account, "ok", None),
        function_arn(account, "ok", Some("live")),
    );
    api.lambda_proxy_method("/items", "GET", &plain, MethodOptions::default())
        .await;
    api.lambda_proxy_method("/orders", "POST", &alias, MethodOptions::default())
        .await;
    fleet.permit("ok", None).serverless(&api.id).await;
    api.deploy("prod", &[]).await;
    api
}

fn config() -> Config {
    let mut config = Config::default();
    config.scope.regions = vec![REGION.to_string()];
    config.publish.security_hub.enabled = true;
    config.publish.finding_events = FindingEvents::Off;
    config
}

/// Audits with `audit_sdk` (ministack) and publishes with `publish_sdk` (moto); returns the run
/// and what the local sinks wrote to stdout and stderr.
async fn run(
    config: &Config,
    audit_sdk: &SdkConfig,
    publish_sdk: &SdkConfig,
) -> (Audit, String, String) {
    let mut run = audit(config, AuditSource::Live, Some(audit_sdk.clone()))
        .await
        .expect("the audit runs");
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let streams = Streams {
        stdout: &mut stdout,
        stderr: &mut stderr,
        stderr_is_terminal: false,
    };
    publish(
        &mut run.report,
        &run.inventory,
        config,
        Some(publish_sdk),
        streams,
    )
    .await;
    (
        run,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

fn outcome<'a>(audit: &'a Audit, sink: &str) -> (bool, &'a str) {
    let found = audit
        .report
        .publish
        .iter()
        .find(|o| o.sink == sink)
        .unwrap_or_else(|| panic!("no {sink} outcome: {:#?}", audit.report.publish));
    (found.ok, found.detail.as_str())
}

const FOREIGN: &str = "other-tool/finding-1";

/// A finding of another tool that also imports under the account's default product ARN.
async fn import_foreign(sdk: &SdkConfig, account: &str) {
    use aws_sdk_securityhub::types::{
        RecordState, Resource, Severity as SdkSeverity, SeverityLabel,
    };
    let finding = AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(FOREIGN)
        .product_arn(format!(
            "arn:aws:securityhub:{REGION}:{account}:product/{account}/default"
        ))
        .generator_id("other-check")
        .aws_account_id(account)
        .types("Software and Configuration Checks")
        .created_at("2026-01-01T00:00:00.000Z")
        .updated_at("2026-01-01T00:00:00.000Z")
        .severity(SdkSeverity::builder().label(SeverityLabel::Low).build())
        .title("another tool's finding")
        .description("not the auditor's")
        .resources(Resource::builder().r#type("Other").id("x").build())
        .product_fields("ProviderName", "other-tool")
        .record_state(RecordState::Active)
        .build();
    let output = aws_sdk_securityhub::Client::new(sdk)
        .batch_import_findings()
        .findings(finding)
        .send()
        .await
        .expect("securityhub:BatchImportFindings");
    assert_eq!(output.success_count(), Some(1));
}

fn id_of(finding: &Finding) -> String {
    match finding.status {
        Status::Fail => format!("apigw-auditor/{}", finding.fingerprint),
        Status::Error => format!("apigw-auditor/{}/error", finding.fingerprint),
    }
}

fn record_state(found: &AwsSecurityFinding) -> &str {
    found.record_state().map_or("", |s| s.as_str())
}

fn compliance(found: &AwsSecurityFinding) -> &str {
    found
        .compliance()
        .and_then(|c| c.status())
        .map_or("", |s| s.as_str())
}

/// The fields of an imported finding, against the report's finding it came from.
fn assert_imported(found: &AwsSecurityFinding, finding: &Finding, account: &str) {
    let label = match finding.severity {
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    };
    let what = format!("{} {:?}", finding.check, finding.route);
    assert_eq!(found.schema_version(), Some("2018-10-08"), "{what}");
    assert_eq!(found.generator_id(), Some(finding.check.as_str()), "{what}");
    assert_eq!(found.aws_account_id(), Some(account), "{what}");
    assert_eq!(
        found.product_arn(),
        Some(format!("arn:aws:securityhub:{REGION}:{account}:product/{account}/default").as_str()),
        "{what}"
    );
    assert_eq!(
        found.severity().and_then(|s| s.label()).map(|l| l.as_str()),
        Some(label)
    );
    let provider = found
        .finding_provider_fields()
        .expect("FindingProviderFields");
    assert_eq!(
        provider
            .severity()
            .and_then(|s| s.label())
            .map(|l| l.as_str()),
        Some(label)
    );
    assert!(!found.types().is_empty(), "{what}");
    assert_eq!(provider.types(), found.types(), "{what}");
    assert_eq!(
        found.description(),
        Some(finding.message.as_str()),
        "{what}"
    );
    assert_eq!(found.source_url(), Some(docs_url(&finding.check).as_str()));
    let recommendation = found
        .remediation()
        .and_then(|r| r.recommendation())
        .expect("a recommendation");
    if let Some(command) = &finding.remediation {
        assert_eq!(recommendation.text(), Some(command.as_str()), "{what}");
    }
    assert_eq!(
        compliance(found),
        if finding.status == Status::Fail {
            "FAILED"
        } else {
            "NOT_AVAILABLE"
        }
    );
    assert_eq!(record_state(found), "ACTIVE");
    let fields = found.product_fields().expect("ProductFields");
    assert_eq!(fields["apigw-auditor/Fingerprint"], finding.fingerprint);
    // Every resource the finding names, typed.
    let resources: Vec<(&str, &str)> = found
        .resources()
        .iter()
        .map(|r| (r.r#type().unwrap(), r.id().unwrap()))
        .collect();
    if let Some(function) = &finding.function {
        assert!(
            resources.contains(&("AwsLambdaFunction", function.as_str())),
            "{resources:?}"
        );
    }
    if let Some(api) = &finding.api {
        for stage in &finding.stages {
            let arn = format!(
                "arn:aws:apigateway:{REGION}::/restapis/{}/stages/{stage}",
                api.id
            );
            assert!(
                resources.contains(&("AwsApiGatewayStage", arn.as_str())),
                "{resources:?}"
            );
        }
    }
}

#[test]
fn every_finding_lands_and_a_fixed_one_is_archived() {
    on_main_sized_stack(|| async {
        let (account, sdk, fleet) = new_fleet().await;
        let api = broken_fleet(&fleet, &account).await;
        let moto = moto::sdk_config(Moto::shared().endpoint_url(), &account).await;
        // Another tool's finding under the same default product ARN: never ours to archive
        // (moto ignores GetFindings' filters, so the sink's own check is what keeps it).
        import_foreign(&moto, &account).await;
        let (first, _, _) = run(&config(), &sdk, &moto).await;
        assert!(
            outcome(&first, "security-hub").0,
            "{:#?}",
            first.report.publish
        );
        let findings = &first.report.findings;
        let missing = findings
            .iter()
            .find(|f| f.check == "invoke-permission-missing")
            .expect("the alias has no permission");
        assert!(
            findings.len() > 1,
            "more than the one finding: {findings:#?}"
        );

        let held = hub(&moto).await;
        assert_eq!(held.len(), findings.len() + 1, "{:?}", held.keys());
        for finding in findings {
            let found = held
                .get(&id_of(finding))
                .unwrap_or_else(|| panic!("{} not imported", finding.check));
            assert_imported(found, finding, &account);
            // A new finding: CreatedAt is UpdatedAt.
            assert_eq!(found.created_at(), found.updated_at());
        }

        // Fix it, audit again: the finding is archived and passes; the others are updated in place.
        fleet.permit("ok", Some("live")).serverless(&api.id).await;
        let (second, _, _) = run(&config(), &sdk, &moto).await;
        let (ok, detail) = outcome(&second, "security-hub");
        assert!(ok, "{detail}");
        assert!(detail.contains("archived 1 "), "{detail}");
        assert!(second
            .report
            .findings
            .iter()
            .all(|f| f.check != "invoke-permission-missing"));
        let after = hub(&moto).await;
        assert_eq!(after.len(), held.len(), "nothing new, nothing lost");
        assert_eq!(
            after[FOREIGN], held[FOREIGN],
            "another tool's finding is left alone"
        );
        assert_eq!(record_state(&after[FOREIGN]), "ACTIVE");
        let archived = &after[&id_of(missing)];
        assert_eq!(record_state(archived), "ARCHIVED");
        assert_eq!(compliance(archived), "PASSED");
        let before = &held[&id_of(missing)];
        assert_eq!(archived.created_at(), before.created_at());
        assert!(
            archived.updated_at() > before.updated_at(),
            "UpdatedAt grows"
        );
        for finding in &second.report.findings {
            let found = &after[&id_of(finding)];
            assert_eq!(record_state(found), "ACTIVE", "{}", finding.check);
            assert_eq!(
                found.created_at(),
                held[&id_of(finding)].created_at(),
                "{}",
                finding.check
            );
            assert!(
                found.updated_at() > held[&id_of(finding)].updated_at(),
                "{}",
                finding.check
            );
        }
    });
}

#[test]
fn an_error_finding_or_a_disabled_check_archives_nothing() {
    on_main_sized_stack(|| async {
        let (account, sdk, fleet) = new_fleet().await;
        broken_fleet(&fleet, &account).await;
        let moto = moto::sdk_config(Moto::shared().endpoint_url(), &account).await;
        let (first, _, _) = run(&config(), &sdk, &moto).await;
        assert!(outcome(&first, "security-hub").0);
        let before = hub(&moto).await;
        let missing = first
            .report
            .findings
            .iter()
            .find(|f| f.check == "invoke-permission-missing")
            .unwrap();
        let logging = first
            .report
            .findings
            .iter()
            .find(|f| f.check == "execution-logging-disabled")
            .expect("the stage has no execution logging");

        // The policies cannot be read now, and execution-logging-disabled is turned off.
        let proxy = Microburst::start(Emulator::shared().endpoint_url());
        proxy.set_rules(json!([{"service": "lambda", "operation": "GetPolicy",
            "error": {"code": "AccessDeniedException", "status": 403, "message": "not allowed"}}]));
        let denied = sdk_config(proxy.endpoint_url(), &account).await;
        let mut config = config();
        config
            .checks
            .disabled
            .insert("execution-logging-disabled".into());
        let (second, _, _) = run(&config, &denied, &moto).await;
        let (ok, detail) = outcome(&second, "security-hub");
        assert!(ok, "{detail}");
        let error = second
            .report
            .findings
            .iter()
            .find(|f| f.check == "invoke-permission-missing" && f.status == Status::Error)
            .expect("an error finding for the unreadable policy");

        let after = hub(&moto).await;
        // Neither earlier finding is archived: the run could not see the one, did not look for the other.
        for kept in [missing, logging] {
            assert_eq!(
                record_state(&after[&id_of(kept)]),
                "ACTIVE",
                "{}",
                kept.check
            );
            assert_eq!(compliance(&after[&id_of(kept)]), "FAILED", "{}", kept.check);
        }
        assert!(
            detail.contains("its check could not be evaluated on it"),
            "{detail}"
        );
        assert!(
            detail.contains("its check is disabled or unknown"),
            "{detail}"
        );
        assert!(detail.contains("archived 0 "), "{detail}");
        // The error is in Security Hub too, as a finding of its own that does not hide the failure.
        let imported_error = &after[&id_of(error)];
        assert_ne!(id_of(error), id_of(missing));
        assert_eq!(compliance(imported_error), "NOT_AVAILABLE");
        assert_eq!(
            before.len()
                + second
                    .report
                    .findings
                    .iter()
                    .filter(|f| f.status == Status::Error)
                    .count(),
            after.len()
        );
    });
}

#[test]
fn a_throttled_import_is_retried() {
    on_main_sized_stack(|| async {
        let (account, sdk, fleet) = new_fleet().await;
        broken_fleet(&fleet, &account).await;
        let proxy = Microburst::start(Moto::shared().endpoint_url());
        proxy.set_rules(json!([
            {"service": "securityhub", "operation": "BatchImportFindings", "times": 2,
             "error": {"code": "TooManyRequestsException", "status": 429, "message": "Rate exceeded"}},
            {"service": "securityhub", "operation": "GetFindings", "times": 1,
             "error": {"code": "TooManyRequestsException", "status": 429, "message": "Rate exceeded"}}
        ]));
        let through_proxy = moto::sdk_config(proxy.endpoint_url(), &account).await;
        let (run, _, _) = run(&config(), &sdk, &through_proxy).await;
        let fired: Vec<String> = proxy
            .fired()
            .iter()
            .map(|f| f["operation"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            fired,
            ["GetFindings", "BatchImportFindings", "BatchImportFindings"]
        );
        let (ok, detail) = outcome(&run, "security-hub");
        assert!(ok, "{detail}");
        let direct = moto::sdk_config(Moto::shared().endpoint_url(), &account).await;
        assert_eq!(hub(&direct).await.len(), run.report.findings.len());
    });
}

#[test]
fn a_denied_import_fails_only_this_sink() {
    on_main_sized_stack(|| async {
        let (account, sdk, fleet) = new_fleet().await;
        broken_fleet(&fleet, &account).await;
        let proxy = Microburst::start(Moto::shared().endpoint_url());
        proxy.set_rules(json!([{"service": "securityhub", "operation": "BatchImportFindings",
            "error": {"code": "AccessDeniedException", "status": 403,
                      "message": "User is not authorized to perform: securityhub:BatchImportFindings"}}]));
        let through_proxy = moto::sdk_config(proxy.endpoint_url(), &account).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let mut config = config();
        config.publish.json_file = Some(path.clone());
        config.publish.finding_events = FindingEvents::On;
        config.publish.cloudwatch.metrics = MetricsMode::Emf;
        let (run, stdout, stderr) = run(&config, &sdk, &through_proxy).await;
        let (ok, detail) = outcome(&run, "security-hub");
        assert!(!ok);
        assert!(
            detail.contains(&format!("failed in {account}/{REGION}: securityhub:BatchImportFindings failed with AccessDeniedException")),
            "{detail}"
        );
        // The others landed: EMF lines, finding events, the report file (which says what failed).
        for sink in ["cloudwatch-emf", "finding-events", "json-file"] {
            assert!(outcome(&run, sink).0, "{sink}: {:#?}", run.report.publish);
        }
        assert!(stdout.lines().count() > 0 && stderr.lines().count() == run.report.findings.len());
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(file["publish"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["sink"] == "security-hub" && o["ok"] == false));
        // The EMF metrics count the failure.
        assert!(stdout.contains("\"PublishFailures\":1"), "{stdout}");
        assert_eq!(
            exit_code(&run.report, Severity::High),
            std::process::ExitCode::from(3)
        );
        let direct = moto::sdk_config(Moto::shared().endpoint_url(), &account).await;
        assert!(hub(&direct).await.is_empty());
    });
}

/// A member account audited through its role, by a caller in another account.
async fn member_run(destination: SecurityHubDestination) -> (String, String, Audit) {
    let endpoint = Emulator::shared().endpoint_url();
    let (caller, member) = (new_account(), new_account());
    let fleet = Fleet::new(&sdk_config(endpoint, &member).await);
    broken_fleet(&fleet, &member).await;
    let mut config = config();
    config.scope.accounts = vec![AccountScope {
        role_arn: format!("arn:aws:iam::{member}:role/apigw-auditor"),
        external_id: Some("ext-1".into()),
        name: Some("shop-prod".into()),
    }];
    config.publish.security_hub.destination = destination;
    let moto = moto::sdk_config(Moto::shared().endpoint_url(), &caller).await;
    let (run, _, _) = run(&config, &sdk_config(endpoint, &caller).await, &moto).await;
    let (ok, detail) = outcome(&run, "security-hub");
    assert!(ok, "{detail}");
    assert!(run.report.findings.iter().all(|f| f.account == member));
    (caller, member, run)
}

#[test]
fn a_member_accounts_findings_go_into_that_account_through_its_role() {
    on_main_sized_stack(|| async {
        let (caller, member, run) = member_run(SecurityHubDestination::FindingAccount).await;
        let endpoint = Moto::shared().endpoint_url();
        let in_member = hub(&moto::sdk_config(endpoint, &member).await).await;
        assert_eq!(in_member.len(), run.report.findings.len());
        for finding in &run.report.findings {
            assert_imported(&in_member[&id_of(finding)], finding, &member);
        }
        assert!(hub(&moto::sdk_config(endpoint, &caller).await)
            .await
            .is_empty());
    });
}

#[test]
fn into_the_auditor_account_when_the_config_says_so() {
    on_main_sized_stack(|| async {
        let (caller, member, run) = member_run(SecurityHubDestination::AuditorAccount).await;
        let endpoint = Moto::shared().endpoint_url();
        assert!(hub(&moto::sdk_config(endpoint, &member).await)
            .await
            .is_empty());
        let in_caller = hub(&moto::sdk_config(endpoint, &caller).await).await;
        assert_eq!(in_caller.len(), run.report.findings.len());
        for finding in &run.report.findings {
            let found = &in_caller[&id_of(finding)];
            // Security Hub takes only the caller's account; the audited one is in the product fields.
            assert_imported(found, finding, &caller);
            assert_eq!(
                found.product_fields().unwrap()["apigw-auditor/Account"],
                member
            );
        }
    });
}
