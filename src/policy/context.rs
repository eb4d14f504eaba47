//! The request context: the condition keys a request carries, and — because the auditor judges
//! requests it does not see — which keys it knows, which it knows to be absent, and which it
//! cannot know. A condition on an unknown key makes the decision *undecided*, never a guess.
//!
//! Key names are case-insensitive (IAM User Guide, "IAM JSON policy elements: Condition":
//! "Condition key names are not case-sensitive"; "Variables and tags": `aws:CurrentTime` equals
//! `AWS:currenttime`), so every name is stored lower-cased.
//!
//! The two requests the auditor judges, and what each knows, with the IAM User Guide page
//! "AWS global condition context keys" (`reference_policies_condition-keys`) as the source of
//! every *Availability* statement quoted below:
//! - API Gateway's own call to Lambda ([`RequestContext::apigateway_invoke`]), made by the
//!   service principal `apigateway.amazonaws.com` on behalf of the API's owner.
//! - The call of an integration's credentials role ([`RequestContext::role_session`]): API
//!   Gateway assumes the role and calls Lambda with the session's credentials (docs/aws-facts.md §2).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What the context says about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyState<'a> {
    /// The key is in the request with these values (never empty).
    Present(&'a [String]),
    /// The key is known not to be in the request.
    Absent,
    /// Whether the key is in the request, or its value, cannot be known; the text says why.
    Unknown(&'a str),
}

/// A rule for keys the context has no value for: a whole name (`aws:sourceip`) or a prefix
/// ending in `/` (`aws:resourcetag/`), lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Rule {
    key: String,
    known_absent: bool,
    why: String,
}

/// The condition keys of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RequestContext {
    /// Present keys, lower-cased name → values.
    values: BTreeMap<String, Vec<String>>,
    /// Absent or unknown keys and prefixes, first match wins.
    rules: Vec<Rule>,
    /// What a key that is neither present nor under a rule is: `None` = absent (a context that
    /// lists everything, as unit tests build), `Some(why)` = unknown.
    otherwise_unknown: Option<String>,
}

impl<K: Into<String>> FromIterator<(K, Vec<String>)> for RequestContext {
    /// A closed context: exactly these keys, every other key absent.
    fn from_iter<I: IntoIterator<Item = (K, Vec<String>)>>(pairs: I) -> Self {
        let mut context = RequestContext::default();
        for (key, values) in pairs {
            context.insert(key.into(), values);
        }
        context
    }
}

impl From<BTreeMap<String, Vec<String>>> for RequestContext {
    fn from(map: BTreeMap<String, Vec<String>>) -> Self {
        map.into_iter().collect()
    }
}

impl RequestContext {
    /// Adds values to `key` (merged with any the key already has: entries that differ only in
    /// case are one key to IAM). An empty list adds nothing; a key with no value is absent.
    pub fn insert(&mut self, key: impl Into<String>, values: Vec<String>) {
        if values.is_empty() {
            return;
        }
        let key = key.into().to_lowercase();
        self.rules.retain(|r| r.key != key);
        self.values.entry(key).or_default().extend(values);
    }

    /// Forgets everything: every key absent. For "what would a request with no keys at all get".
    pub fn clear(&mut self) {
        *self = RequestContext::default();
    }

    /// The state of `key` (any case).
    pub(crate) fn get(&self, key: &str) -> KeyState<'_> {
        let key = key.to_lowercase();
        if let Some(values) = self.values.get(&key) {
            return KeyState::Present(values);
        }
        let rule = self
            .rules
            .iter()
            .find(|r| r.key == key || (r.key.ends_with('/') && key.starts_with(r.key.as_str())));
        match (rule, &self.otherwise_unknown) {
            (Some(rule), _) if rule.known_absent => KeyState::Absent,
            (Some(rule), _) => KeyState::Unknown(&rule.why),
            (None, Some(why)) => KeyState::Unknown(why),
            (None, None) => KeyState::Absent,
        }
    }

    fn absent(&mut self, key: &str, why: &str) {
        self.rule(key, true, why);
    }

    fn unknown(&mut self, key: &str, why: &str) {
        self.rule(key, false, why);
    }

    fn rule(&mut self, key: &str, known_absent: bool, why: &str) {
        self.rules.push(Rule {
            key: key.to_lowercase(),
            known_absent,
            why: why.to_string(),
        });
    }

    fn set(&mut self, key: &str, value: impl Into<String>) {
        self.insert(key, vec![value.into()]);
    }

    /// Keys every signed request carries (Availability: "always included"), the time ones set
    /// to `now`: the decision holds for calls made now, not for every future call.
    fn always(&mut self, now: DateTime<Utc>, region: &str) {
        self.set(
            "aws:CurrentTime",
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        self.set("aws:EpochTime", now.timestamp().to_string());
        // "the AWS Region that was called in the request": API Gateway calls Lambda in the
        // function's Region (docs/aws-facts.md §1: the source ARN carries the function's Region).
        if !region.is_empty() {
            self.set("aws:RequestedRegion", region);
        }
        // Lambda's Invoke passes no tags (API_Invoke has no tag parameter): "aws:RequestTag ...
        // included in the request context when tag key-value pairs are passed in the request".
        self.absent("aws:RequestTag/", "Invoke passes no tags");
        self.absent("aws:TagKeys", "Invoke passes no tags");
        // "only if the request to the AWS resource was invoked by linking from a web page".
        self.absent("aws:Referer", "not a browser request");
        // API Gateway reaches Lambda from its own network, not through an interface endpoint in
        // the customer's VPC (inferred: the keys exist "only if the requester uses a VPC
        // endpoint", and API Gateway has no presence in the customer's VPC for this call).
        for key in ["aws:SourceVpc", "aws:SourceVpce", "aws:VpcSourceIp"] {
            self.absent(
                key,
                "API Gateway does not call Lambda through a VPC endpoint",
            );
        }
        self.unknown(
            "aws:SourceIp",
            "the address API Gateway calls Lambda from is not published",
        );
        self.unknown(
            "aws:SecureTransport",
            "whether API Gateway's call to Lambda uses TLS is not documented",
        );
        self.unknown(
            "aws:UserAgent",
            "the user agent of API Gateway's call is not documented",
        );
        self.unknown("aws:ResourceTag/", "the function's tags are not collected");
        self.unknown(
            "aws:ResourceOrgID",
            "the function account's organization is not read",
        );
        self.unknown(
            "aws:ResourceOrgPaths",
            "the function account's organization is not read",
        );
        self.otherwise_unknown =
            Some("the auditor does not know whether API Gateway's call carries this key".into());
    }

    /// API Gateway's own call: principal `apigateway.amazonaws.com`, on behalf of the API in
    /// `source_account` whose execute-api ARN is `source_arn`, to a function in
    /// `function_account` / `function_region` (docs/aws-facts.md §1–§2).
    pub fn apigateway_invoke(
        source_arn: &str,
        source_account: &str,
        function_account: &str,
        function_region: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let mut c = RequestContext::default();
        c.set("aws:SourceArn", source_arn);
        c.set("aws:SourceAccount", source_account);
        // "present in the request when the call is made by an AWS service principal".
        c.set("aws:PrincipalServiceName", super::APIGATEWAY_SERVICE);
        // "set to true when a service uses a service principal to perform a direct action".
        c.set("aws:PrincipalIsAWSService", "true");
        // The call is the service's own, not made with an IAM principal's credentials ("returns
        // false ... when the principal makes the call directly").
        c.set("aws:ViaAWSService", "false");
        if !function_account.is_empty() {
            // "always included in the request context for most service actions" (Lambda is not
            // among the exceptions listed).
            c.set("aws:ResourceAccount", function_account);
        }
        // A service principal is no IAM user or role: it has no tags, no user name, no session.
        c.absent("aws:PrincipalTag/", "a service principal has no tags");
        c.absent("aws:username", "present only for IAM users");
        // "included in the request context only if the principal is a member of an
        // organization": a service principal is not (aws:SourceOrgID exists for this reason).
        c.absent(
            "aws:PrincipalOrgID",
            "a service principal is in no organization",
        );
        c.absent(
            "aws:PrincipalOrgPaths",
            "a service principal is in no organization",
        );
        c.absent(
            "aws:TokenIssueTime",
            "a service principal uses no temporary credentials",
        );
        c.absent(
            "aws:MultiFactorAuthPresent",
            "a service principal uses no temporary credentials",
        );
        c.absent("aws:MultiFactorAuthAge", "present only after MFA");
        c.unknown(
            "aws:PrincipalServiceNamesList",
            "the Regional service principal names of API Gateway are not documented",
        );
        c.unknown(
            "aws:SourceOrgID",
            "the organization of the API's account is not read",
        );
        c.unknown(
            "aws:SourceOrgPaths",
            "the organization of the API's account is not read",
        );
        c.unknown(
            "aws:PrincipalArn",
            "the principal ARN of a service principal's call is not documented",
        );
        c.unknown(
            "aws:PrincipalAccount",
            "the principal account of a service principal's call is not documented",
        );
        c.unknown(
            "aws:PrincipalType",
            "the principal type of a service principal's call is not documented",
        );
        c.unknown(
            "aws:userid",
            "the user id of a service principal's call is not documented",
        );
        c.always(now, function_region);
        c
    }

    /// The call made with the session of the credentials role `role_arn` (tags `role_tags`), to
    /// a function in `function_account` / `function_region`.
    pub fn role_session(
        role_arn: &str,
        role_tags: &BTreeMap<String, String>,
        function_account: &str,
        function_region: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let account = role_arn.split(':').nth(4).unwrap_or_default();
        let mut c = RequestContext::default();
        // "For IAM roles, the request context returns the ARN of the role, not the ARN of the
        // user that assumed the role."
        c.set("aws:PrincipalArn", role_arn);
        c.set("aws:PrincipalAccount", account);
        // Principal key values table ("Variables and tags"): a role session's type is
        // `AssumedRole`.
        c.set("aws:PrincipalType", "AssumedRole");
        c.set("aws:PrincipalIsAWSService", "false");
        if !function_account.is_empty() {
            c.set("aws:ResourceAccount", function_account);
        }
        // "included for a principal using an IAM role with attached tags or session tags": the
        // role's tags are read with GetRole; API Gateway passes no session tags (inferred: the
        // integration has no setting for them).
        for (key, value) in role_tags {
            c.set(&format!("aws:PrincipalTag/{key}"), value.clone());
        }
        c.absent("aws:PrincipalTag/", "the role has no such tag");
        // "Anonymous requests and requests that are made using ... IAM roles do not include
        // this key."
        c.absent("aws:username", "not present for IAM roles");
        // "This key is not present in any other situation, including ... if the call is made
        // directly by an IAM principal."
        c.absent(
            "aws:PrincipalServiceName",
            "present only for service principals",
        );
        c.absent(
            "aws:PrincipalServiceNamesList",
            "present only for service principals",
        );
        c.absent(
            "aws:MultiFactorAuthAge",
            "API Gateway assumes the role without MFA",
        );
        c.unknown(
            "aws:userid",
            "the session name API Gateway gives the role's session is not documented",
        );
        c.unknown(
            "aws:PrincipalOrgID",
            "the organization of the role's account is not read",
        );
        c.unknown(
            "aws:PrincipalOrgPaths",
            "the organization of the role's account is not read",
        );
        c.unknown(
            "aws:TokenIssueTime",
            "when API Gateway obtained the role's credentials is unknown",
        );
        c.unknown(
            "aws:MultiFactorAuthPresent",
            "how API Gateway's role session reports MFA is not documented",
        );
        c.unknown(
            "aws:ViaAWSService",
            "whether API Gateway's call with the role counts as made on the role's behalf is not documented",
        );
        c.unknown(
            "aws:CalledVia",
            "whether API Gateway's call with the role sets aws:CalledVia is not documented",
        );
        c.unknown(
            "aws:CalledViaFirst",
            "whether API Gateway's call with the role sets aws:CalledVia is not documented",
        );
        c.unknown(
            "aws:CalledViaLast",
            "whether API Gateway's call with the role sets aws:CalledVia is not documented",
        );
        c.unknown(
            "aws:SourceArn",
            "whether API Gateway's call with the role carries a source ARN is not documented",
        );
        c.unknown(
            "aws:SourceAccount",
            "whether API Gateway's call with the role carries a source account is not documented",
        );
        c.unknown(
            "aws:SourceIdentity",
            "whether API Gateway sets a source identity is not documented",
        );
        c.unknown(
            "aws:RoleSessionName",
            "the session name API Gateway gives the role's session is not documented",
        );
        c.always(now, function_region);
        c
    }

    /// The call of API Gateway assuming a role (`sts:AssumeRole` by the service principal).
    /// Whether it sends `aws:SourceAccount` / `aws:SourceArn` is not documented (docs/aws-facts.md §2);
    /// they are set as other services that assume roles send them, so a trust policy guarded
    /// by them against the confused deputy is not reported (inferred, as before).
    pub fn apigateway_assume_role(
        source_arn: &str,
        source_account: &str,
        role_account: &str,
        now: DateTime<Utc>,
    ) -> Self {
        // The resource of AssumeRole is the role, so aws:ResourceAccount is the role's account.
        let mut c =
            RequestContext::apigateway_invoke(source_arn, source_account, role_account, "", now);
        // IAM is global: its endpoint is in us-east-1 ("IAM calls are always made to the
        // us-east-1 Region"), but STS has Regional endpoints; which one API Gateway calls is
        // not documented.
        c.unknown(
            "aws:RequestedRegion",
            "the STS endpoint API Gateway assumes roles through is not documented",
        );
        c.unknown(
            "sts:ExternalId",
            "API Gateway's AssumeRole call is not documented",
        );
        c.unknown(
            "sts:RoleSessionName",
            "API Gateway's AssumeRole call is not documented",
        );
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
    }

    #[test]
    fn what_each_request_knows() {
        let gw = RequestContext::apigateway_invoke(
            "arn:aws:execute-api:us-east-1:111111111111:a1/prod/GET/",
            "111111111111",
            "222222222222",
            "us-east-1",
            now(),
        );
        let present = |c: &RequestContext, k: &str| match c.get(k) {
            KeyState::Present(v) => v.join(","),
            KeyState::Absent => "<absent>".into(),
            KeyState::Unknown(_) => "<unknown>".into(),
        };
        #[rustfmt::skip]
        let gw_cases = [
            ("AWS:SourceAccount", "111111111111"),
            ("aws:principalservicename", "apigateway.amazonaws.com"),
            ("aws:PrincipalIsAWSService", "true"),
            ("aws:RequestedRegion", "us-east-1"),
            ("aws:ResourceAccount", "222222222222"),
            ("aws:CurrentTime", "2026-01-01T00:00:00Z"),
            ("aws:EpochTime", "1767225600"),
            ("aws:PrincipalOrgID", "<absent>"),
            ("aws:PrincipalTag/team", "<absent>"),
            ("aws:SourceIp", "<unknown>"),
            ("aws:ResourceTag/team", "<unknown>"),
            ("aws:PrincipalArn", "<unknown>"),
            ("lambda:FunctionUrlAuthType", "<unknown>"),
        ];
        for (key, expected) in gw_cases {
            assert_eq!(present(&gw, key), expected, "{key}");
        }
        let tags = BTreeMap::from([("team".to_string(), "pets".to_string())]);
        let role = RequestContext::role_session(
            "arn:aws:iam::111111111111:role/path/invoker",
            &tags,
            "111111111111",
            "eu-west-1",
            now(),
        );
        #[rustfmt::skip]
        let role_cases = [
            ("aws:PrincipalArn", "arn:aws:iam::111111111111:role/path/invoker"),
            ("aws:PrincipalAccount", "111111111111"),
            ("aws:PrincipalType", "AssumedRole"),
            ("aws:PrincipalTag/team", "pets"),
            ("aws:PrincipalTag/TEAM", "pets"),
            ("aws:PrincipalTag/owner", "<absent>"),
            ("aws:username", "<absent>"),
            ("aws:PrincipalServiceName", "<absent>"),
            ("aws:RequestedRegion", "eu-west-1"),
            ("aws:SourceIp", "<unknown>"),
            ("aws:PrincipalOrgID", "<unknown>"),
            ("aws:CalledVia", "<unknown>"),
            ("aws:MultiFactorAuthPresent", "<unknown>"),
        ];
        for (key, expected) in role_cases {
            assert_eq!(present(&role, key), expected, "{key}");
        }
    }

    #[test]
    fn closed_contexts_and_clear() {
        let mut c: RequestContext = [("AWS:SourceArn", vec!["x".to_string()])]
            .into_iter()
            .collect();
        c.insert("aws:sourcearn", vec!["y".into()]);
        assert_eq!(
            c.get("aws:SourceArn"),
            KeyState::Present(&["x".to_string(), "y".to_string()])
        );
        assert_eq!(c.get("aws:SourceIp"), KeyState::Absent);
        c.insert("k", vec![]);
        assert_eq!(c.get("k"), KeyState::Absent);
        let mut gw = RequestContext::apigateway_invoke("a", "1", "1", "r", now());
        gw.clear();
        assert_eq!(gw.get("aws:SourceIp"), KeyState::Absent);
        assert_eq!(gw.get("aws:SourceArn"), KeyState::Absent);
    }
}
