//! The message and the remediation of `integration-role-invalid` findings, written once all the
//! stages a finding affects are known: the AWS CLI commands that fix each reason (create the
//! role, trust API Gateway, grant lambda:InvokeFunction on the exact target, widen the boundary,
//! or let the role in through the function's policy in the function's account).

use serde_json::json;

use super::{Problem, Reason};
use crate::checks::shared::route_groups::{Group, Rendered};
use crate::checks::shared::{self};
use crate::report::Severity;

/// The message, evidence and remediation once all affected stages are known.
pub(super) fn render(group: &Group<'_, Problem>) -> Rendered {
    let scope = group.routes.scope;
    let mut source_arns: Vec<&str> = Vec::new();
    for (_, problem) in &group.problems {
        if let Problem::Fail { source_arn, .. } | Problem::Undecided { source_arn, .. } = problem {
            if !source_arns.contains(&source_arn.as_str()) {
                source_arns.push(source_arn);
            }
        }
    }
    let (reason, role, detail, boundary) = match group.first() {
        Problem::Error { message, evidence } => {
            return Rendered::new(message.clone(), evidence.clone(), None);
        }
        Problem::Undecided {
            role,
            detail,
            message,
            ..
        } => {
            let evidence = json!({
                "reason": Reason::Undecided,
                "role": role,
                "source_arns": source_arns,
                "detail": detail,
            });
            return Rendered::new(message.clone(), evidence, None);
        }
        Problem::Fail {
            reason,
            role,
            detail,
            boundary,
            ..
        } => (*reason, role.clone(), detail, boundary),
    };
    let evidence = json!({
        "reason": reason,
        "role": role,
        "source_arns": source_arns,
        "detail": detail,
    });
    let Some(function) = &group.function else {
        return Rendered::new(String::new(), evidence, None);
    };
    let subject = group.subject();
    let on = group.on();
    let short = function.short();
    let name = role.rsplit('/').next().unwrap_or(&role).to_string();
    let invoke_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function.to_string()}]}).to_string();
    let trust_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string();
    let put_policy = format!(
        "aws iam put-role-policy --role-name {} --policy-name apigateway-invoke-{} --policy-document {}",
        shared::sh(&name),
        shared::sh(&function.name),
        shared::sh(&invoke_policy)
    );
    let (what, remediation) = match reason {
        Reason::PassThrough => (
            "passes each caller's own credentials through (arn:aws:iam::*:user/*): every caller needs lambda:InvokeFunction on the function, or gets 500 \"Invalid permissions on Lambda function\"".to_string(),
            None,
        ),
        Reason::RoleMissing => (
            format!("its credentials role {role} does not exist"),
            Some(format!(
                "aws iam create-role --role-name {} --assume-role-policy-document {} && {put_policy}",
                shared::sh(&name),
                shared::sh(&trust_policy)
            )),
        ),
        Reason::NotTrusted => (
            format!("its credentials role {role} does not trust apigateway.amazonaws.com to assume it"),
            Some(format!(
                "# merge with the role's current trust statements (aws iam get-role --role-name {name})\naws iam update-assume-role-policy --role-name {} --policy-document {}",
                shared::sh(&name),
                shared::sh(&trust_policy)
            )),
        ),
        Reason::NoInvokePermission => (
            format!("no policy of its credentials role {role} allows lambda:InvokeFunction on {short}"),
            Some(put_policy),
        ),
        Reason::BoundaryDenies => {
            let boundary = boundary.clone().unwrap_or_default();
            (
                format!("the permissions boundary {boundary} of its credentials role {role} does not allow lambda:InvokeFunction on {short}"),
                Some(format!(
                    "# add lambda:InvokeFunction on {function} to the boundary's document, then:\naws iam create-policy-version --policy-arn {} --set-as-default --policy-document file://boundary.json",
                    shared::sh(&boundary)
                )),
            )
        }
        Reason::ExplicitDeny => (
            format!("a Deny statement stops its credentials role {role} from invoking {short}"),
            Some(format!(
                "# remove or narrow the Deny statements named in evidence.detail (aws iam list-role-policies --role-name {name}; aws iam list-attached-role-policies --role-name {name})"
            )),
        ),
        // Undecided judgements are `error` findings, rendered above; kept for completeness.
        Reason::Undecided => (
            format!("whether its credentials role {role} may invoke {short} could not be decided"),
            None,
        ),
        Reason::ResourcePolicyDenies => (
            format!("{short} is in account {} and its policy does not allow the credentials role {role}", function.account),
            Some(format!(
                "# run in account {} (the function's owner)\naws lambda add-permission {}{} --statement-id {} --action lambda:InvokeFunction --principal {}",
                function.account,
                shared::function_args(scope, function),
                shared::qualifier_arg(function),
                shared::sh(&format!("apigw-role-{name}")),
                shared::sh(&role)
            )),
        ),
    };
    if reason == Reason::PassThrough {
        // A note, not a failure: whether a call succeeds depends on each caller.
        return Rendered {
            severity: Some(Severity::Info),
            client_status: Some(None),
            ..Rendered::new(
                format!("{subject} on {on} {what} (a note, not a failure)"),
                evidence,
                remediation,
            )
        };
    }
    Rendered::new(
        format!("API Gateway cannot invoke {short} for {subject} on {on}: {what}; clients get 500"),
        evidence,
        remediation,
    )
}
