//! The message and the remediation of `integration-role-invalid` findings, written once all the
//! stages a finding affects are known: the AWS CLI commands that fix each reason (create the
//! role, trust API Gateway, grant lambda:InvokeFunction on the exact target, widen the boundary,
//! or let the role in through the function's policy in the function's account).

use serde_json::json;

use crate::arn;
use crate::checks::shared::{stages_phrase, self};
use crate::inventory::ScopeInventory;
use crate::report::{Finding, Status};

/// Writes the message and the remediation once all affected stages are known.
pub(super) fn finish(scope: &ScopeInventory, finding: &mut Finding) {
    if finding.status == Status::Error {
        return;
    }
    let role = finding.evidence["role"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(function) = finding
        .function
        .as_deref()
        .and_then(|f| arn::parse_function_arn(f).ok())
    else {
        return;
    };
    let subject = shared::finding_subject(finding);
    let on = stages_phrase(&finding.stages);
    let short = function.short();
    let name = role.rsplit('/').next().unwrap_or(&role).to_string();
    let reason = finding.evidence["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let invoke_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function.to_string()}]}).to_string();
    let trust_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string();
    let put_policy = format!(
        "aws iam put-role-policy --role-name {} --policy-name apigateway-invoke-{} --policy-document {}",
        shared::sh(&name),
        shared::sh(&function.name),
        shared::sh(&invoke_policy)
    );
    let (what, remediation) = match reason.as_str() {
        "pass-through" => (
            "passes each caller's own credentials through (arn:aws:iam::*:user/*): every caller needs lambda:InvokeFunction on the function, or gets 500 \"Invalid permissions on Lambda function\"".to_string(),
            None,
        ),
        "role-missing" => (
            format!("its credentials role {role} does not exist"),
            Some(format!(
                "aws iam create-role --role-name {} --assume-role-policy-document {} && {put_policy}",
                shared::sh(&name),
                shared::sh(&trust_policy)
            )),
        ),
        "not-trusted" => (
            format!("its credentials role {role} does not trust apigateway.amazonaws.com to assume it"),
            Some(format!(
                "# merge with the role's current trust statements (aws iam get-role --role-name {name})\naws iam update-assume-role-policy --role-name {} --policy-document {}",
                shared::sh(&name),
                shared::sh(&trust_policy)
            )),
        ),
        "no-invoke-permission" => (
            format!("no policy of its credentials role {role} allows lambda:InvokeFunction on {short}"),
            Some(put_policy),
        ),
        "boundary-denies" => {
            let boundary = finding.evidence["detail"]["boundary"].as_str().unwrap_or_default().to_string();
            (
                format!("the permissions boundary {boundary} of its credentials role {role} does not allow lambda:InvokeFunction on {short}"),
                Some(format!(
                    "# add lambda:InvokeFunction on {function} to the boundary's document, then:\naws iam create-policy-version --policy-arn {} --set-as-default --policy-document file://boundary.json",
                    shared::sh(&boundary)
                )),
            )
        }
        "explicit-deny" => (
            format!("a Deny statement stops its credentials role {role} from invoking {short}"),
            Some(format!(
                "# remove or narrow the Deny statements named in evidence.detail (aws iam list-role-policies --role-name {name}; aws iam list-attached-role-policies --role-name {name})"
            )),
        ),
        _ => (
            format!("{short} is in account {} and its policy does not allow the credentials role {role}", function.account),
            Some(format!(
                "# run in account {} (the function's owner)\naws lambda add-permission {}{} --statement-id {} --action lambda:InvokeFunction --principal {}",
                function.account,
                shared::function_args(scope, &function),
                shared::qualifier_arg(&function),
                shared::sh(&format!("apigw-role-{name}")),
                shared::sh(&role)
            )),
        ),
    };
    finding.message = if reason == "pass-through" {
        format!("{subject} on {on} {what} (a note, not a failure)")
    } else {
        format!("API Gateway cannot invoke {short} for {subject} on {on}: {what}; clients get 500")
    };
    finding.remediation = remediation;
}
