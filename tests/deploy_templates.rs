//! The deployment files agree with the code and with each other: `cfn-lint` passes on every
//! CloudFormation template under `deploy/`; the ECS template's task role is `deploy/iam-policy.json`
//! statement for statement; the member-account role grants the per-account read actions and
//! nothing else, but for the Security Hub statement under its own condition; the config file the ECS task writes loads; and every command line the
//! Dockerfile and the template run parses with the real CLI.
//!
//! No Docker engine or AWS account is needed: these read the files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use apigw_auditor::aws::Operation;
use apigw_auditor::cli::Cli;
use apigw_auditor::config::{self, MetricsMode, SecurityHubDestination};
use clap::Parser;
use serde_yaml::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the member role does not need besides publishing: the auditor makes these calls with its
/// own credentials, in its own account, to reach the member accounts.
const AUDITOR_ACCOUNT_ONLY: [&str; 2] = ["sts:AssumeRole", "organizations:ListAccounts"];

fn read(relative: &str) -> String {
    let path = Path::new(ROOT).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A template, or the JSON policy (JSON is YAML), as a YAML value: intrinsic functions are
/// tagged values (`!Sub`, `!If`, `!Ref`).
fn yaml(relative: &str) -> Value {
    serde_yaml::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn templates() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("deploy"))
        .expect("deploy/ is readable")
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            )
        })
        .collect();
    found.sort();
    found
}

fn cfn_lint(templates: &[PathBuf]) -> std::process::Output {
    let cfn_lint = Path::new(ROOT).join(".venv/bin/cfn-lint");
    assert!(
        cfn_lint.exists(),
        "{} is missing: run scripts/test (or scripts/setup-emulator), which installs the pinned \
         cfn-lint of scripts/emulator-requirements.txt into .venv",
        cfn_lint.display()
    );
    Command::new(&cfn_lint)
        // Informational findings too (e.g. a stateful resource without an explicit
        // DeletionPolicy): every choice in the templates is deliberate.
        .args(["--include-checks", "I", "--"])
        .args(templates)
        .current_dir(ROOT)
        .output()
        .expect("cfn-lint runs")
}

#[test]
fn cfn_lint_passes_on_every_template() {
    let templates = templates();
    let names: Vec<String> = templates
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"ecs-auditor.yaml".to_string())
            && names.contains(&"member-role.yaml".to_string()),
        "templates found: {names:?}"
    );
    let output = cfn_lint(&templates);
    assert!(
        output.status.success(),
        "cfn-lint found problems (exit {:?}):\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // The lint is real: a copy of each template with an invalid format version fails it.
    let dir = tempfile::tempdir().unwrap();
    for template in &templates {
        let text = std::fs::read_to_string(template).unwrap();
        assert!(text.contains("\"2010-09-09\""), "{}", template.display());
        let broken = dir.path().join(template.file_name().unwrap());
        std::fs::write(&broken, text.replace("\"2010-09-09\"", "\"2010-09-10\"")).unwrap();
        let output = cfn_lint(std::slice::from_ref(&broken));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            !output.status.success() && stdout.contains("E1001"),
            "cfn-lint accepted a broken {}: {stdout}",
            template.display()
        );
    }
}

// ---- IAM --------------------------------------------------------------------------------------

/// A policy statement as compared here: effect, actions, resources (partition filled in).
#[derive(Debug, PartialEq, Eq)]
struct Statement {
    effect: String,
    actions: BTreeSet<String>,
    resources: BTreeSet<String>,
}

/// A string, or a `!Sub` of one, with `${AWS::Partition}` as `aws` (iam-policy.json's partition).
fn string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Tagged(tagged) if tagged.tag == "Sub" => {
            string(&tagged.value).replace("${AWS::Partition}", "aws")
        }
        other => panic!("expected a string or !Sub, found {other:?}"),
    }
}

fn strings(value: &Value) -> BTreeSet<String> {
    match value {
        Value::Sequence(list) => list.iter().map(string).collect(),
        single => BTreeSet::from([string(single)]),
    }
}

/// The statements of a policy document, by Sid, each with the template condition it is granted
/// under: a statement written `!If [Condition, statement, !Ref AWS::NoValue]` exists only when
/// the condition holds.
fn conditional_statements(document: &Value) -> BTreeMap<String, (Option<String>, Statement)> {
    let list = document["Statement"]
        .as_sequence()
        .expect("Statement is a list");
    let mut by_sid = BTreeMap::new();
    for entry in list {
        let (condition, statement) = match entry {
            Value::Tagged(tagged) if tagged.tag == "If" => {
                let args = tagged.value.as_sequence().expect("!If takes a list");
                assert!(
                    is_no_value(&args[2]),
                    "a conditional statement is left out otherwise: {entry:?}"
                );
                (Some(args[0].as_str().unwrap().to_string()), &args[1])
            }
            plain => (None, plain),
        };
        let sid = statement["Sid"]
            .as_str()
            .expect("every statement has a Sid");
        let parsed = Statement {
            effect: string(&statement["Effect"]),
            actions: strings(&statement["Action"]),
            resources: strings(&statement["Resource"]),
        };
        assert!(
            by_sid
                .insert(sid.to_string(), (condition, parsed))
                .is_none(),
            "Sid {sid} twice"
        );
    }
    by_sid
}

/// The statements of a policy document, by Sid, whatever their condition.
fn statements(document: &Value) -> BTreeMap<String, Statement> {
    conditional_statements(document)
        .into_iter()
        .map(|(sid, (_, statement))| (sid, statement))
        .collect()
}

/// The statements of every inline policy of a role in a template, with their conditions.
fn role_statements_with_conditions(
    template: &Value,
    role: &str,
) -> BTreeMap<String, (Option<String>, Statement)> {
    let resource = &template["Resources"][role];
    assert_eq!(resource["Type"].as_str(), Some("AWS::IAM::Role"), "{role}");
    let mut all = BTreeMap::new();
    for policy in resource["Properties"]["Policies"]
        .as_sequence()
        .expect("the role has inline policies")
    {
        all.extend(conditional_statements(&policy["PolicyDocument"]));
    }
    // Policies attached from elsewhere in the template would escape the comparison.
    for (name, other) in template["Resources"].as_mapping().unwrap() {
        let kind = other["Type"].as_str().unwrap_or_default();
        assert!(
            !matches!(
                kind,
                "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" | "AWS::IAM::ManagedPolicy"
            ),
            "{name:?} ({kind}) attaches permissions outside the roles' inline policies"
        );
    }
    all
}

/// The statements of every inline policy of a role in a template, whatever their condition.
fn role_statements(template: &Value, role: &str) -> BTreeMap<String, Statement> {
    role_statements_with_conditions(template, role)
        .into_iter()
        .map(|(sid, (_, statement))| (sid, statement))
        .collect()
}

fn actions(statements: &BTreeMap<String, Statement>) -> BTreeSet<String> {
    statements
        .values()
        .flat_map(|s| s.actions.iter().cloned())
        .collect()
}

#[test]
fn ecs_task_role_is_the_iam_policy() {
    let policy = statements(&yaml("deploy/iam-policy.json"));
    let template = yaml("deploy/ecs-auditor.yaml");
    let task_role = role_statements(&template, "TaskRole");
    assert_eq!(
        task_role, policy,
        "the TaskRole of deploy/ecs-auditor.yaml must hold the statements of deploy/iam-policy.json"
    );
    // And so exactly the actions the code calls (tests/iam_policy.rs holds the policy to that).
    let called: BTreeSet<String> = Operation::ALL
        .iter()
        .filter_map(|op| op.iam_action())
        .map(str::to_string)
        .collect();
    assert_eq!(actions(&task_role), called);
}

#[test]
fn member_role_grants_only_the_read_actions() {
    let policy = statements(&yaml("deploy/iam-policy.json"));
    let template = yaml("deploy/member-role.yaml");
    let with_conditions = role_statements_with_conditions(&template, "AuditorReadRole");
    let member = role_statements(&template, "AuditorReadRole");

    // One statement is conditional: Security Hub findings imported into the member account
    // (`destination = "finding-account"`), only with PublishSecurityHubFindings, off by default.
    let conditional: BTreeMap<&str, &str> = with_conditions
        .iter()
        .filter_map(|(sid, (condition, _))| Some((sid.as_str(), condition.as_deref()?)))
        .collect();
    assert_eq!(
        conditional,
        BTreeMap::from([("PublishSecurityHubFindings", "PublishesSecurityHubFindings")])
    );
    assert_eq!(
        template["Conditions"]["PublishesSecurityHubFindings"],
        serde_yaml::from_str::<Value>("!Equals [!Ref PublishSecurityHubFindings, \"true\"]")
            .unwrap()
    );
    assert_eq!(
        template["Parameters"]["PublishSecurityHubFindings"]["Default"].as_str(),
        Some("false")
    );
    assert_eq!(
        member.get("PublishSecurityHubFindings"),
        policy.get("PublishSecurityHubFindings"),
        "the member's Security Hub statement is the policy's"
    );
    let always: BTreeMap<String, Statement> = with_conditions
        .into_iter()
        .filter(|(_, (condition, _))| condition.is_none())
        .map(|(sid, (_, statement))| (sid, statement))
        .collect();

    // What is collected in each audited account: every call the code makes, less the
    // publishing ones (the policy's Publish* statements hold them all, writes or not, as
    // tests/iam_policy.rs checks) and the calls made from the auditor's own account.
    let publishing: BTreeSet<String> = policy
        .iter()
        .filter(|(sid, _)| sid.starts_with("Publish"))
        .flat_map(|(_, s)| s.actions.iter().cloned())
        .collect();
    assert!(
        !publishing.is_empty(),
        "deploy/iam-policy.json has a Publish statement"
    );
    let per_account_reads: BTreeSet<String> = Operation::ALL
        .iter()
        .filter_map(|op| op.iam_action())
        .filter(|action| !AUDITOR_ACCOUNT_ONLY.contains(action) && !publishing.contains(*action))
        .map(str::to_string)
        .collect();
    assert_eq!(actions(&always), per_account_reads);
    let writes: BTreeSet<&str> = Operation::ALL
        .iter()
        .filter(|op| op.writes())
        .filter_map(|op| op.iam_action())
        .collect();
    assert!(
        writes
            .iter()
            .all(|write| !actions(&always).contains(*write)),
        "the member role must not write"
    );
    // And with Security Hub on, it writes findings and nothing else.
    let written: BTreeSet<String> = actions(&member)
        .into_iter()
        .filter(|a| writes.contains(a.as_str()))
        .collect();
    assert_eq!(
        written,
        BTreeSet::from(["securityhub:BatchImportFindings".to_string()])
    );

    // Each statement is the policy's statement of the same Sid, unchanged (same resources).
    for (sid, statement) in &member {
        assert_eq!(
            Some(statement),
            policy.get(sid),
            "statement {sid} of the member role differs from deploy/iam-policy.json"
        );
    }

    // The auditor may assume the role under its default name (and the name pattern keeps it so).
    let assumable = &policy
        .values()
        .find(|s| s.actions.contains("sts:AssumeRole"))
        .expect("deploy/iam-policy.json grants sts:AssumeRole")
        .resources;
    let role_name = &template["Parameters"]["RoleName"];
    let default_arn = format!(
        "arn:aws:iam::111111111111:role/{}",
        role_name["Default"].as_str().unwrap()
    );
    assert!(
        assumable
            .iter()
            .any(|pattern| config::glob_matches(pattern, &default_arn)),
        "{default_arn} is not assumable under {assumable:?}"
    );
    assert_eq!(
        role_name["AllowedPattern"].as_str(),
        Some("^apigw-auditor[A-Za-z0-9+=,.@_-]{0,50}$")
    );
}

// ---- the config file and the command lines ------------------------------------------------------

/// Evaluates the few intrinsic functions the ECS template uses in container definitions, with the
/// parameters' defaults overridden by `parameters` and the conditions given.
struct Stack<'a> {
    template: &'a Value,
    parameters: BTreeMap<&'a str, &'a str>,
    conditions: BTreeMap<&'a str, bool>,
}

impl Stack<'_> {
    fn parameter(&self, name: &str) -> String {
        if let Some(value) = self.parameters.get(name) {
            return value.to_string();
        }
        match name {
            "AWS::StackName" => return "apigw-auditor".into(),
            "AWS::Region" => return "us-east-1".into(),
            "AWS::Partition" => return "aws".into(),
            "AWS::AccountId" => return "123456789012".into(),
            _ => {}
        }
        let default = &self.template["Parameters"][name]["Default"];
        match default {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => panic!("parameter {name} has no default; give it a value"),
        }
    }

    /// `!If [condition, then, else]`: the branch taken.
    fn branch<'v>(&self, value: &'v Value) -> &'v Value {
        match value {
            Value::Tagged(tagged) if tagged.tag == "If" => {
                let args = tagged.value.as_sequence().expect("!If takes a list");
                let condition = args[0].as_str().unwrap();
                let taken = *self
                    .conditions
                    .get(condition)
                    .unwrap_or_else(|| panic!("condition {condition} not given"));
                self.branch(&args[if taken { 1 } else { 2 }])
            }
            other => other,
        }
    }

    fn string(&self, value: &Value) -> String {
        match self.branch(value) {
            Value::String(s) => s.clone(),
            Value::Tagged(tagged) if tagged.tag == "Ref" => {
                self.parameter(tagged.value.as_str().unwrap())
            }
            Value::Tagged(tagged) if tagged.tag == "Sub" => {
                let (text, variables) = match &tagged.value {
                    Value::Sequence(args) => (args[0].as_str().unwrap(), Some(&args[1])),
                    text => (text.as_str().unwrap(), None),
                };
                self.substitute(text, variables)
            }
            other => panic!("cannot evaluate {other:?}"),
        }
    }

    fn substitute(&self, text: &str, variables: Option<&Value>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = start + rest[start..].find('}').expect("closed ${");
            let name = &rest[start + 2..end];
            match variables.map(|v| &v[name]) {
                Some(value) if !value.is_null() => out.push_str(&self.string(value)),
                _ => out.push_str(&self.parameter(name)),
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }

    fn strings(&self, value: &Value) -> Vec<String> {
        self.branch(value)
            .as_sequence()
            .expect("a list")
            .iter()
            .map(|v| self.string(v))
            .collect()
    }

    fn container(&self, name: &str) -> &Value {
        self.template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|c| c["Name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no container {name}"))
    }

    fn environment(&self, container: &str, variable: &str) -> Option<String> {
        self.container(container)["Environment"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|entry| self.branch(entry))
            .find(|entry| entry["Name"].as_str() == Some(variable))
            .map(|entry| self.string(&entry["Value"]))
    }
}

#[test]
fn ecs_task_writes_a_config_that_loads() {
    let template = yaml("deploy/ecs-auditor.yaml");
    let known = apigw_auditor::checks::specs();
    // The defaults alone, then with the optional parameters set: an alarm topic, Security Hub,
    // and more config (the organization's accounts) appended.
    for optional in [false, true] {
        let mut parameters = BTreeMap::new();
        if optional {
            parameters.insert("AlarmTopicArn", "arn:aws:sns:us-east-1:123456789012:ops");
            parameters.insert("SecurityHub", "auditor-account");
            parameters.insert(
                "ExtraConfig",
                "[scope.organization]\nrole-name = \"apigw-auditor\"",
            );
        }
        let stack = Stack {
            template: &template,
            parameters,
            conditions: BTreeMap::from([
                ("HasAlarmTopic", optional),
                ("HasRegions", false),
                ("HasSecurityHub", optional),
            ]),
        };
        let text = stack
            .environment("config", "AUDITOR_CONFIG_TOML")
            .expect("the config container gets the file's text");
        let loaded = config::parse(&text, &known).unwrap_or_else(|errors| {
            panic!("the rendered config does not load:\n{errors}\n{text}")
        });
        let cloudwatch = &loaded.publish.cloudwatch;
        assert_eq!(cloudwatch.metrics, MetricsMode::Emf, "{text}");
        assert_eq!(cloudwatch.dashboard.as_deref(), Some("apigw-auditor"));
        assert_eq!(cloudwatch.log_group.as_deref(), Some("/ecs/apigw-auditor"));
        assert_eq!(loaded.daemon.schedule, stack.parameter("DaemonSchedule"));
        assert_eq!(cloudwatch.alarms, optional, "{text}");
        assert_eq!(
            cloudwatch.alarm_topic_arn.as_deref(),
            stack.parameters.get("AlarmTopicArn").copied()
        );
        assert_eq!(loaded.scope.organization.is_some(), optional, "{text}");
        let security_hub = loaded.publish.security_hub;
        assert_eq!(security_hub.enabled, optional, "{text}");
        if optional {
            assert_eq!(
                security_hub.destination,
                SecurityHubDestination::AuditorAccount
            );
        }
        // The auditor reads the file the config container writes, from the volume they share.
        assert_eq!(
            stack
                .environment("apigw-auditor", "APIGW_AUDITOR_CONFIG")
                .as_deref(),
            Some("/config/auditor.toml")
        );
    }
}

/// The final stage of the Dockerfile: its instructions, continuation lines joined.
fn dockerfile_final_stage() -> Vec<String> {
    let text = read("Dockerfile").replace("\\\n", " ");
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let last_from = lines.iter().rposition(|l| l.starts_with("FROM ")).unwrap();
    lines[last_from..].to_vec()
}

fn exec_form(instruction: &str) -> Vec<String> {
    let json = &instruction[instruction.find('[').expect("exec form (JSON array)")..];
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{instruction}: {e}"))
}

fn parses(argv: &[String], origin: &str) {
    if let Err(error) = Cli::try_parse_from(argv) {
        panic!("{origin}: `{}` does not parse:\n{error}", argv.join(" "));
    }
}

#[test]
fn container_commands_parse_with_the_cli() {
    let stage = dockerfile_final_stage();
    let find = |keyword: &str| {
        let found: Vec<&String> = stage
            .iter()
            .filter(|l| l.starts_with(&format!("{keyword} ")))
            .collect();
        assert_eq!(found.len(), 1, "one {keyword} in the final stage");
        found[0].clone()
    };
    // No root, by name or by uid.
    let user = find("USER");
    let uid = user["USER ".len()..].split(':').next().unwrap();
    assert!(
        uid != "root" && uid != "0",
        "the image must not run as root: {user}"
    );
    let entrypoint = exec_form(&find("ENTRYPOINT"));
    assert_eq!(entrypoint.len(), 1);
    let binary = &entrypoint[0];
    assert!(
        find("COPY").ends_with(&format!(" {binary}")),
        "the binary is copied to {binary}"
    );
    let default = [entrypoint.clone(), exec_form(&find("CMD"))].concat();
    assert_eq!(default[1], "daemon", "the daemon is the default command");
    parses(&default, "Dockerfile ENTRYPOINT + CMD");
    let healthcheck = find("HEALTHCHECK");
    let check = exec_form(&healthcheck[healthcheck.find(" CMD ").expect("HEALTHCHECK CMD")..]);
    assert_eq!(&check[0], binary);
    parses(&check, "Dockerfile HEALTHCHECK");

    let template = yaml("deploy/ecs-auditor.yaml");
    for service in [false, true] {
        let stack = Stack {
            template: &template,
            parameters: BTreeMap::new(),
            conditions: BTreeMap::from([("IsService", service)]),
        };
        let container = stack.container("apigw-auditor");
        let command = [entrypoint.clone(), stack.strings(&container["Command"])].concat();
        parses(&command, "deploy/ecs-auditor.yaml Command");
        assert_eq!(command[1], if service { "daemon" } else { "audit" });
        let health = stack.branch(&container["HealthCheck"]);
        if service {
            let check = stack.strings(&health["Command"]);
            assert_eq!(check[0], "CMD", "exec form: the image has no shell");
            assert_eq!(&check[1], binary);
            parses(&check[1..], "deploy/ecs-auditor.yaml HealthCheck");
        } else {
            assert!(is_no_value(health), "{health:?}");
        }
    }
}

/// `!Ref AWS::NoValue`: the property is left out.
fn is_no_value(value: &Value) -> bool {
    matches!(value, Value::Tagged(t) if t.tag == "Ref" && t.value.as_str() == Some("AWS::NoValue"))
}
