//! `proxy-response-malformed`: what the opt-in probe saw when it invoked a route's function with
//! a real proxy event: a response API Gateway rejects (docs/aws-facts.md §4 table), or a function error.
//! The verdicts were made at collection (the payload is never kept); this turns them into
//! findings. With the probe off there are no results and no findings.

use serde_json::{json, Value};

use crate::checks::shared::{function_args, qualifier_arg, sh};
use crate::checks::shared::{base_finding, error_finding};
use crate::checks::{Check, CheckId, Context, Input, ResourceKind, Role};
use crate::inventory::ScopeInventory;
use crate::probe::{payload_mismatch, ProbeOutcome, ProbeResult, Rule, Violation};
use crate::log_signatures;
use crate::report::{ApiRef, Finding, RouteRef, Severity, Status};

pub static CHECK: Check = Check {
    id: CheckId::new("proxy-response-malformed"),
    title: "Function answers a proxy response API Gateway rejects",
    severity: Severity::High,
    resource: ResourceKind::Route,
    client_status: Some(502),
    checks: "Only with the probe on (`audit --probe` or `[probe] enabled`): invokes the Lambda \
             target of each selected route (GET methods by default, `ANY` as GET; `[probe] \
             methods` and `routes` choose) once, with a REST proxy event (payload 1.0) for the \
             route and its first stage, and judges the answer as API Gateway does (docs/aws-facts.md \
             §4): a payload that is not a JSON object, a top-level key other than `statusCode`, \
             `headers`, `multiValueHeaders`, `body`, `isBase64Encoded`, a `statusCode` that is \
             neither an integer nor a string of digits, a `body` that is not a string, \
             `headers` values that are not strings or booleans, `multiValueHeaders` values \
             that are not lists, a payload over 6 MB, or a function error. An HTTP API route gets \
             the event of its integration's payload format and that format's rules \
             (docs/aws-facts.md §12.3): 1.0 as REST but `statusCode` required and unknown keys \
             tolerated; 2.0 accepts any JSON (without `statusCode` it is a 200 body) and refuses \
             a `statusCode` that is no number or output that is no JSON, and an object shaped \
             like a proxy response without `statusCode` is reported at medium (clients get it \
             as the body). `evidence.rule` names the rule and `evidence.violations` each broken \
             rule with the offending part, cut to 300 characters.",
    why: "API Gateway cannot turn such a response into an HTTP answer: it logs `Malformed \
          Lambda proxy response` (or `Lambda execution failed with status 200 due to customer \
          function error`) and the client gets 502 Bad Gateway with `{\"message\": \"Internal \
          server error\"}` (docs/aws-facts.md §4). No configuration shows this; only calling the \
          function does. A body flagged `isBase64Encoded` that is not base64 is reported at \
          medium severity without a status: API Gateway passes it through undecoded unless the \
          client's Accept header matches a binary media type of the API. HTTP APIs answer 500 \
          {\"message\":\"Internal Server Error\"} for every malformed response and function \
          error (§12.3). An answer that shows the function was written for the other payload \
          format is `payload-format-mismatch`'s, not this check's.",
    fix: "Return exactly `{\"statusCode\": 200, \"headers\": {...}, \"body\": \"...\"}`: \
          serialise the body (`json.dumps(data)`, `JSON.stringify(data)`), send `statusCode` \
          as a number, header values as strings, `multiValueHeaders` values as lists, and no \
          other top-level key (`cookies` belongs to HTTP APIs). For a function error, read the \
          function's log for the stack trace. The remediation re-runs the probe's request with \
          `aws lambda invoke` to check the fix.",
    limits: "Off by default because it runs the functions: a handler's side effects happen for \
             the probe's request too. One request per route, with sample path values and no \
             query string or body: a handler may answer differently to other requests, or fail \
             only because the sample id does not exist. Authorizers and non-proxy integrations \
             are not probed. At most `[probe] max-targets` invocations per account and region; \
             a target in another account is not probed.",
    input: Input::Probe,
    role: Role::Cause,
    settings: &[],
    explains: &[&log_signatures::MALFORMED_PROXY_RESPONSE],
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for scope_routes in ctx.routes {
        let scope = scope_routes.scope;
        for result in scope.probes.iter().flatten() {
            if let Some(mut finding) = judge(scope, result) {
                finding.fingerprint = finding.compute_fingerprint();
                findings.push(finding);
            }
        }
    }
    findings
}

fn judge(scope: &ScopeInventory, result: &ProbeResult) -> Option<Finding> {
    // A function written for the other payload format is payload-format-mismatch's finding.
    if payload_mismatch::mismatch(result).is_some() {
        return None;
    }
    let http = result.payload_format.is_some();
    let short = result.target.short();
    let probed = format!(
        "{} {} on {}",
        result.method,
        result.resource,
        crate::checks::shared::stages_phrase(&result.stages)
    );
    let probe = json!({"method": result.probed_method, "path": result.probed_path});
    let mut finding = match &result.outcome {
        ProbeOutcome::Accepted { .. } => return None,
        ProbeOutcome::Failed { error } => {
            let mut finding = error_finding(&CHECK, scope, error, &format!("{probed} ({short})"));
            finding.evidence["probe"] = probe;
            finding
        }
        ProbeOutcome::Rejected { violations } => {
            let (mut finding, rule) =
                rejected(scope, result, violations, &short, &probed, probe)?;
            finding.remediation = remediation(scope, result, advice(rule));
            finding
        }
        ProbeOutcome::FunctionError {
            error_type,
            error_message,
        } => {
            let consequence = if http {
                "clients get 500 Internal Server Error"
            } else {
                "clients get 502 (\"Lambda execution failed with status 200 due to customer \
                 function error\")"
            };
            let message = format!(
                "{short} failed the probe of {probed} with {error_type}: {error_message}; \
                 {consequence}."
            );
            let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
            if http {
                // HTTP APIs answer every function error with 500 (§12.3).
                finding.client_status = Some(500);
            }
            finding.evidence = json!({
                "rule": "function-error",
                "error_type": error_type,
                "error_message": error_message,
                "probe": probe,
            });
            finding.remediation = remediation(
                scope,
                result,
                "read the function's log for the error and its stack trace, fix the handler, \
                 then invoke again",
            );
            finding
        }
    };
    finding.api = Some(api_ref(scope, &result.api_id));
    finding.stages = result.stages.clone();
    finding.route = Some(RouteRef {
        method: result.method.clone(),
        path: result.resource.clone(),
    });
    finding.function = Some(result.target.to_string());
    Some(finding)
}

/// The finding for a rejected response, and the rule it names.
fn rejected(
    scope: &ScopeInventory,
    result: &ProbeResult,
    violations: &[Violation],
    short: &str,
    probed: &str,
    probe: Value,
) -> Option<(Finding, Rule)> {
    // A rule that breaks calls decides the finding; the others alone are warnings (see
    // `Rule::client_status`).
    let first = violations
        .iter()
        .find(|v| v.rule.breaks())
        .or(violations.first())?;
    let status = first
        .rule
        .client_status_for(result.payload_format.as_deref());
    let more = match violations.len() {
        1 => String::new(),
        n => format!(" ({n} rules broken in all)"),
    };
    let (verb, consequence) = match (first.rule, status) {
        (Rule::BodyNotBase64, _) => (
            "may not decode",
            "clients whose Accept header matches a binary media type of the API get a body that \
             cannot be decoded; the others get the base64 text as it is",
        ),
        (Rule::StreamFormatOnBufferedRoute, _) => (
            "cannot stream",
            "clients get the status code and headers but no body",
        ),
        (Rule::EnvelopeWithoutStatusCode, _) => (
            "sends as a body",
            "clients get 200 with the whole object as the response body, its headers and status \
             ignored",
        ),
        _ if result.payload_format.is_some() => (
            "rejects",
            "clients get 500 Internal Server Error",
        ),
        (_, Some(500)) => (
            "cannot read as a stream",
            "clients get 500 Internal server error while the function runs",
        ),
        _ => ("rejects", "clients get 502 (\"Malformed Lambda proxy response\")"),
    };
    let message = format!(
        "{short} answered the probe of {probed} with a response API Gateway {verb}: {}: {}{more}; \
         {consequence}.",
        first.rule.explain(),
        first.detail
    );
    let mut finding = base_finding(&CHECK, scope, Status::Fail, message);
    finding.client_status = status;
    if status.is_none() {
        finding.severity = Severity::Medium;
    }
    finding.evidence = json!({
        "rule": first.rule,
        "violations": violations,
        "probe": probe,
    });
    Some((finding, first.rule))
}

fn api_ref(scope: &ScopeInventory, api_id: &str) -> ApiRef {
    scope.api(api_id).map_or_else(
        || ApiRef {
            id: api_id.to_string(),
            name: String::new(),
            protocol: Default::default(),
        },
        ApiRef::of,
    )
}

/// `aws lambda invoke` with the probe's request (the parts a handler usually reads), to check a
/// fix, and what to change.
fn remediation(scope: &ScopeInventory, result: &ProbeResult, advice: &str) -> Option<String> {
    let arn = &result.target;
    let event = match result.payload_format.as_deref() {
        Some("2.0") => json!({
            "version": "2.0",
            "routeKey": route_key(result),
            "rawPath": result.probed_path,
            "rawQueryString": "",
            "requestContext": {
                "stage": result.stages.first(),
                "http": {"method": result.probed_method, "path": result.probed_path},
            },
        }),
        format => {
            let mut event = json!({
                "resource": result.resource,
                "path": result.probed_path,
                "httpMethod": result.probed_method,
                "requestContext": {"stage": result.stages.first(), "resourcePath": result.resource},
            });
            if let Some(format) = format {
                event["version"] = Value::from(format);
            }
            event
        }
    };
    Some(format!(
        "aws lambda invoke {}{} --cli-binary-format raw-in-base64-out --payload {} response.json  # {advice}",
        function_args(scope, arn),
        qualifier_arg(arn),
        sh(&event.to_string()),
    ))
}

/// The route key of a probed HTTP API route: `$default`, or `METHOD /path`.
pub(crate) fn route_key(result: &ProbeResult) -> String {
    if result.resource == crate::inventory::http_api::DEFAULT_ROUTE {
        result.resource.clone()
    } else {
        format!("{} {}", result.method, result.resource)
    }
}

/// What to change for the rule a finding names.
fn advice(rule: Rule) -> &'static str {
    match rule {
        Rule::NotAnObject => {
            "return an object {\"statusCode\": 200, \"headers\": {...}, \"body\": \"...\"} \
             rather than a bare value"
        }
        Rule::UnknownKey => {
            "return only statusCode, headers, multiValueHeaders, body and isBase64Encoded"
        }
        Rule::StatusCodeNotInteger => "return statusCode as a number such as 200",
        Rule::BodyNotString => {
            "serialise the body: json.dumps(data) in Python, JSON.stringify(data) in Node.js"
        }
        Rule::HeadersNotObject | Rule::HeaderValueNotString => {
            "return headers as an object whose values are strings"
        }
        Rule::MultiValueHeadersNotObject | Rule::MultiValueHeaderNotList => {
            "return multiValueHeaders as an object whose values are lists of strings"
        }
        Rule::PayloadTooLarge => {
            "return under 6 MB: serve large content from S3 (a redirect to a presigned URL)"
        }
        Rule::BodyNotBase64 => {
            "base64-encode the body, or set isBase64Encoded to false for a text body"
        }
        Rule::StreamFormatOnBufferedRoute => {
            "set the integration's responseTransferMode to STREAM with the \
             response-streaming-invocations URI, or return the buffered proxy format"
        }
        Rule::BufferedResponseOnStreamingRoute | Rule::StreamDelimiterMissing => {
            "write the prelude first: awslambda.HttpResponseStream.from(responseStream, \
             {statusCode, headers}) in a handler wrapped by awslambda.streamifyResponse, or \
             set the route back to BUFFERED"
        }
        Rule::StreamMetadataNotJson
        | Rule::StreamMetadataUnknownKey
        | Rule::StreamStatusCodeNotInteger
        | Rule::StreamHeaderNotSingle => {
            "pass HttpResponseStream.from only statusCode (a number), headers (one string \
             each), multiValueHeaders and cookies"
        }
        Rule::StatusCodeMissing => {
            "return statusCode (payload format 1.0 assumes none), or switch the integration to \
             payload format 2.0"
        }
        Rule::NotJson => "return JSON",
        Rule::EnvelopeWithoutStatusCode => {
            "add statusCode to the response, or return the body alone"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::probe::validate::{validate, Verdict};
    use crate::testkit::*;

    fn result(outcome: ProbeOutcome) -> ProbeResult {
        ProbeResult {
            api_id: "a1b2c3".into(),
            stages: vec!["dev".into(), "prod".into()],
            method: "ANY".into(),
            resource: "/pets/{id}".into(),
            probed_method: "GET".into(),
            probed_path: "/pets/1".into(),
            target: function_arn("pets-get:live").parse().unwrap(),
            payload_format: None,
            outcome,
        }
    }

    fn inventory(probes: Option<Vec<ProbeResult>>) -> Inventory {
        let mut scope = scope()
            .api(
                api("a1b2c3", "pets")
                    .route("ANY", "/pets/{id}", "pets-get:live")
                    .stage("prod")
                    .stage("dev"),
            )
            .target(target("pets-get:live", "a1b2c3"))
            .build();
        scope.probes = probes;
        crate::testkit::inventory(vec![scope])
    }

    fn rejected_by(payload: &str) -> ProbeOutcome {
        match validate(payload.as_bytes()) {
            Verdict::Rejected(violations) => ProbeOutcome::Rejected { violations },
            Verdict::Accepted { .. } => panic!("accepted: {payload}"),
        }
    }

    #[test]
    fn probe_off_or_accepted_responses_are_quiet() {
        assert!(run_check(&CHECK, &inventory(None)).is_empty());
        let ok = result(ProbeOutcome::Accepted { status_code: 200 });
        assert!(run_check(&CHECK, &inventory(Some(vec![ok]))).is_empty());
    }

    #[test]
    fn a_dict_body_is_a_502_naming_the_rule_and_the_offending_part() {
        let outcome = rejected_by(r#"{"statusCode": 200, "body": {"hey": "dude"}}"#);
        let findings = run_check(&CHECK,
            &inventory(Some(vec![result(outcome)])),
        );
        let f = only(&findings);
        assert_eq!(
            (f.severity, f.status, f.client_status),
            (Severity::High, Status::Fail, Some(502))
        );
        assert_eq!(f.api.as_ref().map(|a| a.name.as_str()), Some("pets"));
        assert_eq!(f.stages, ["dev", "prod"]);
        let route = f.route.as_ref().unwrap();
        assert_eq!(
            (route.method.as_str(), route.path.as_str()),
            ("ANY", "/pets/{id}")
        );
        assert_eq!(
            f.function.as_deref(),
            Some(function_arn("pets-get:live").as_str())
        );
        assert_eq!(f.evidence["rule"], "body-not-string");
        assert_eq!(
            f.evidence["violations"][0]["detail"],
            r#""body": {"hey":"dude"}"#
        );
        assert_eq!(
            f.evidence["probe"],
            json!({"method": "GET", "path": "/pets/1"})
        );
        assert_eq!(
            f.message,
            "pets-get:live answered the probe of ANY /pets/{id} on stages dev, prod with a \
             response API Gateway rejects: `body` is not a string: \"body\": {\"hey\":\"dude\"}; \
             clients get 502 (\"Malformed Lambda proxy response\")."
        );
        let fix = f.remediation.as_deref().unwrap();
        assert!(
            fix.starts_with(
                "aws lambda invoke --function-name pets-get --region us-east-1 --qualifier live \
                 --cli-binary-format raw-in-base64-out --payload '{"
            ),
            "{fix}"
        );
        assert!(
            fix.ends_with(
                "# serialise the body: json.dumps(data) in Python, JSON.stringify(data) in Node.js"
            ),
            "{fix}"
        );
        assert_eq!(f.fingerprint, f.compute_fingerprint());
    }

    #[test]
    fn several_rules_name_the_first_and_count_them_all() {
        let outcome = rejected_by(r#"{"statusCode": "OK", "extra": 1}"#);
        let findings = run_check(&CHECK,
            &inventory(Some(vec![result(outcome)])),
        );
        let f = only(&findings);
        assert_eq!(f.evidence["rule"], "unknown-key");
        assert_eq!(f.evidence["violations"].as_array().map(Vec::len), Some(2));
        assert!(
            f.message.contains("(2 rules broken in all)"),
            "{}",
            f.message
        );
    }

    #[test]
    fn invalid_base64_alone_is_a_medium_warning_without_status() {
        let outcome = rejected_by(r#"{"isBase64Encoded": true, "body": "{\"a\": 1}"}"#);
        let findings = run_check(&CHECK,
            &inventory(Some(vec![result(outcome)])),
        );
        let f = only(&findings);
        assert_eq!((f.severity, f.client_status), (Severity::Medium, None));
        assert_eq!(f.evidence["rule"], "body-not-base64");
        assert!(f.message.contains("may not decode"), "{}", f.message);
        // With a 502 rule beside it, the 502 decides.
        let both = rejected_by(r#"{"isBase64Encoded": true, "body": "{", "x": 1}"#);
        let findings = run_check(&CHECK,
            &inventory(Some(vec![result(both)])),
        );
        assert_eq!(only(&findings).client_status, Some(502));
    }

    #[test]
    fn a_function_error_is_a_502_with_type_and_message() {
        let outcome = ProbeOutcome::FunctionError {
            error_type: "KeyError".into(),
            error_message: "'id'".into(),
        };
        let findings = run_check(&CHECK,
            &inventory(Some(vec![result(outcome)])),
        );
        let f = only(&findings);
        assert_eq!((f.status, f.client_status), (Status::Fail, Some(502)));
        assert_eq!(f.evidence["rule"], "function-error");
        assert_eq!(f.evidence["error_type"], "KeyError");
        assert!(
            f.message.starts_with(
                "pets-get:live failed the probe of ANY /pets/{id} on stages dev, prod with \
                 KeyError: 'id';"
            ),
            "{}",
            f.message
        );
        assert!(f
            .remediation
            .as_deref()
            .unwrap()
            .contains("# read the function's log"));
    }

    #[test]
    fn a_failed_invocation_is_an_error_on_the_route() {
        let outcome = ProbeOutcome::Failed {
            error: access_denied("lambda:Invoke", &function_arn("pets-get:live")),
        };
        let findings = run_check(&CHECK,
            &inventory(Some(vec![result(outcome)])),
        );
        let f = only(&findings);
        assert_eq!(f.status, Status::Error);
        assert_eq!(f.evidence["operation"], "lambda:Invoke");
        assert_eq!(
            f.route.as_ref().map(|r| r.path.as_str()),
            Some("/pets/{id}")
        );
        assert!(f.remediation.is_none());
    }
}
