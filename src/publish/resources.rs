//! The AWS resources a finding is about, named the way Security Hub (ASFF resource types) and
//! OCSF consumers name them: the Lambda function by its ARN, the API and its stages by their API
//! Gateway ARNs, the integration's credentials role, and the account when nothing narrower applies.
//! One list, in order of where the fix goes, shared by the ASFF and OCSF mappings.

use crate::arn::parse_function_arn;
use crate::checks::{self, ResourceKind};
use crate::inventory::Protocol;
use crate::report::{ApiRef, Finding};

/// The kind of API a finding names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiProtocol {
    /// API Gateway v1: `/restapis/{id}`.
    Rest,
    /// API Gateway v2 HTTP APIs: `/apis/{id}`.
    Http,
}

/// The one place that tells REST from HTTP APIs: the finding's `api.protocol` (reports written
/// before HTTP APIs were audited hold none, which reads as REST). Every resource type and ARN
/// below follows.
pub fn api_protocol(api: &ApiRef) -> ApiProtocol {
    match api.protocol {
        Protocol::Rest => ApiProtocol::Rest,
        Protocol::Http => ApiProtocol::Http,
    }
}

/// The resource types of the ASFF (`Resources[].Type`, "AWS Security Finding Format: Resources",
/// Security Hub User Guide) this tool reports; OCSF `resources[].type` uses the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    LambdaFunction,
    RestApi,
    RestStage,
    HttpApi,
    HttpStage,
    IamRole,
    /// The account itself, for findings about no narrower resource (a scope-wide error).
    Account,
}

impl ResourceType {
    pub fn asff(self) -> &'static str {
        match self {
            ResourceType::LambdaFunction => "AwsLambdaFunction",
            ResourceType::RestApi => "AwsApiGatewayRestApi",
            ResourceType::RestStage => "AwsApiGatewayStage",
            ResourceType::HttpApi => "AwsApiGatewayV2Api",
            ResourceType::HttpStage => "AwsApiGatewayV2Stage",
            ResourceType::IamRole => "AwsIamRole",
            ResourceType::Account => "AwsAccount",
        }
    }
}

/// One resource of a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingResource {
    pub kind: ResourceType,
    /// The canonical identifier: the resource's ARN, or `AWS::::Account:{id}` for an account
    /// (the form Security Hub's own control findings use).
    pub id: String,
    /// The name people know it by (function name, API name, stage name), when there is one.
    pub name: Option<String>,
    pub region: String,
    pub partition: String,
}

/// The partition of a region, by the region-name patterns of the AWS SDKs' partition table
/// (`regionRegex`: `cn-*` is `aws-cn`, `us-gov-*` `aws-us-gov`, `us-iso-*` `aws-iso`, `us-isob-*`
/// `aws-iso-b`, `eu-isoe-*` `aws-iso-e`, `us-isof-*` `aws-iso-f`; everything else `aws`).
pub fn partition_of_region(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 6] = [
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("cn-", "aws-cn"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// The partition of the finding's account and region: its function ARN says it when there is
/// one, else its region does.
pub fn partition_of(finding: &Finding) -> String {
    finding
        .function
        .as_deref()
        .and_then(|arn| parse_function_arn(arn).ok())
        .map(|arn| arn.partition)
        .unwrap_or_else(|| partition_of_region(&finding.region).to_string())
}

/// `arn:{partition}:apigateway:{region}::/restapis/{id}` (REST) or `.../apis/{id}` (HTTP), with
/// `/stages/{stage}` for a stage ("API Gateway Amazon Resource Name (ARN) reference").
pub fn api_arn(partition: &str, region: &str, api: &ApiRef, stage: Option<&str>) -> String {
    let collection = match api_protocol(api) {
        ApiProtocol::Rest => "restapis",
        ApiProtocol::Http => "apis",
    };
    let mut arn = format!(
        "arn:{partition}:apigateway:{region}::/{collection}/{}",
        api.id
    );
    if let Some(stage) = stage {
        arn.push_str("/stages/");
        arn.push_str(stage);
    }
    arn
}

/// The credentials role an `integration-role-invalid` finding is about, when it is a role (not
/// the caller pass-through `arn:aws:iam::*:user/*`).
fn role_of(finding: &Finding) -> Option<&str> {
    let role = finding.evidence.get("role")?.as_str()?;
    let (_, resource) = role.split_once(":iam::")?;
    let (account, path) = resource.split_once(':')?;
    (account.len() == 12 && path.starts_with("role/")).then_some(role)
}

/// Every resource of a finding, the one to fix first: the function for findings about a
/// function or its policy (and for authorizers, whose fix is the authorizer function's policy),
/// the stages for findings about a route or a stage, then the others; the account when nothing
/// else applies.
pub fn finding_resources(finding: &Finding) -> Vec<FindingResource> {
    let partition = partition_of(finding);
    let function = finding.function.as_deref().map(|arn| {
        let parsed = parse_function_arn(arn).ok();
        FindingResource {
            kind: ResourceType::LambdaFunction,
            id: arn.to_string(),
            name: parsed.as_ref().map(|f| f.short()),
            region: parsed
                .as_ref()
                .map_or_else(|| finding.region.clone(), |f| f.region.clone()),
            partition: parsed
                .as_ref()
                .map_or_else(|| partition.clone(), |f| f.partition.clone()),
        }
    });
    let mut api_resources = Vec::new();
    if let Some(api) = &finding.api {
        let (api_type, stage_type) = match api_protocol(api) {
            ApiProtocol::Rest => (ResourceType::RestApi, ResourceType::RestStage),
            ApiProtocol::Http => (ResourceType::HttpApi, ResourceType::HttpStage),
        };
        let region = finding.region.clone();
        if finding.stages.is_empty() {
            api_resources.push(FindingResource {
                kind: api_type,
                id: api_arn(&partition, &region, api, None),
                name: Some(api.name.clone()),
                region,
                partition: partition.clone(),
            });
        } else {
            for stage in &finding.stages {
                api_resources.push(FindingResource {
                    kind: stage_type,
                    id: api_arn(&partition, &region, api, Some(stage)),
                    name: Some(format!("{} {stage}", api.name)),
                    region: region.clone(),
                    partition: partition.clone(),
                });
            }
        }
    }
    let role = role_of(finding).map(|arn| FindingResource {
        kind: ResourceType::IamRole,
        id: arn.to_string(),
        name: arn.rsplit('/').next().map(str::to_string),
        region: finding.region.clone(),
        partition: partition.clone(),
    });
    let function_first = checks::find(&finding.check).is_some_and(|check| {
        matches!(
            check.resource,
            ResourceKind::Function | ResourceKind::FunctionPolicy | ResourceKind::Authorizer
        )
    });
    let mut out = Vec::new();
    if function_first {
        out.extend(function.clone());
    }
    // A role that cannot invoke is fixed on the role.
    out.extend(role);
    out.extend(api_resources);
    if !function_first {
        out.extend(function);
    }
    if out.is_empty() {
        out.push(FindingResource {
            kind: ResourceType::Account,
            id: format!("AWS::::Account:{}", finding.account),
            name: None,
            region: finding.region.clone(),
            partition,
        });
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::{RouteRef, Severity, Status};

    pub(crate) fn finding(check: &str) -> Finding {
        Finding {
            fingerprint: "0123456789abcdef0123".into(),
            check: check.into(),
            severity: Severity::High,
            status: Status::Fail,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            api: Some(ApiRef {
                id: "a1b2c3d4e5".into(),
                name: "pets".into(),
                protocol: Default::default(),
            }),
            stages: vec!["dev".into(), "prod".into()],
            route: Some(RouteRef {
                method: "GET".into(),
                path: "/pets/{id}".into(),
            }),
            function: Some("arn:aws:lambda:eu-west-1:123456789012:function:pets-get:live".into()),
            authorizer: None,
            client_status: Some(500),
            message: "m".into(),
            evidence: serde_json::json!({}),
            remediation: None,
        }
    }

    fn kinds(resources: &[FindingResource]) -> Vec<(&'static str, &str)> {
        resources
            .iter()
            .map(|r| (r.kind.asff(), r.id.as_str()))
            .collect()
    }

    #[test]
    fn a_route_finding_names_its_stages_first_then_the_function() {
        let resources = finding_resources(&finding("invoke-permission-missing"));
        assert_eq!(
            kinds(&resources),
            [
                (
                    "AwsApiGatewayStage",
                    "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev"
                ),
                (
                    "AwsApiGatewayStage",
                    "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod"
                ),
                (
                    "AwsLambdaFunction",
                    "arn:aws:lambda:eu-west-1:123456789012:function:pets-get:live"
                ),
            ]
        );
        // The function lives in its own region.
        assert_eq!(resources[2].region, "eu-west-1");
        assert_eq!(resources[2].name.as_deref(), Some("pets-get:live"));
    }

    #[test]
    fn function_findings_name_the_function_first() {
        for check in [
            "handler-invalid",
            "invoke-permission-too-broad",
            "authorizer-invoke-permission-missing",
        ] {
            let resources = finding_resources(&finding(check));
            assert_eq!(resources[0].kind, ResourceType::LambdaFunction, "{check}");
        }
        let mut no_stage = finding("invoke-permission-stale");
        no_stage.stages.clear();
        no_stage.route = None;
        assert_eq!(
            kinds(&finding_resources(&no_stage))[1],
            (
                "AwsApiGatewayRestApi",
                "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5"
            )
        );
    }

    #[test]
    fn a_credentials_role_is_named_but_not_the_pass_through() {
        let mut role = finding("integration-role-invalid");
        role.evidence = serde_json::json!({"role": "arn:aws:iam::123456789012:role/apigw-invoke"});
        let resources = finding_resources(&role);
        assert_eq!(resources[0].kind, ResourceType::IamRole);
        assert_eq!(resources[0].name.as_deref(), Some("apigw-invoke"));
        role.evidence = serde_json::json!({"role": "arn:aws:iam::*:user/*"});
        assert!(finding_resources(&role)
            .iter()
            .all(|r| r.kind != ResourceType::IamRole));
    }

    #[test]
    fn a_finding_about_nothing_narrower_is_about_the_account() {
        let mut scope_wide = finding("invoke-permission-stale");
        scope_wide.api = None;
        scope_wide.stages.clear();
        scope_wide.function = None;
        scope_wide.region = "cn-north-1".into();
        assert_eq!(
            finding_resources(&scope_wide),
            [FindingResource {
                kind: ResourceType::Account,
                id: "AWS::::Account:123456789012".into(),
                name: None,
                region: "cn-north-1".into(),
                partition: "aws-cn".into(),
            }]
        );
    }

    #[test]
    fn partitions_follow_the_region_names() {
        let cases = [
            ("us-east-1", "aws"),
            ("eu-central-2", "aws"),
            ("us-gov-west-1", "aws-us-gov"),
            ("cn-northwest-1", "aws-cn"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
        ];
        for (region, partition) in cases {
            assert_eq!(partition_of_region(region), partition, "{region}");
        }
        let mut gov = finding("handler-invalid");
        gov.function = Some("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f".into());
        assert_eq!(partition_of(&gov), "aws-us-gov");
        assert!(finding_resources(&gov)
            .iter()
            .all(|r| r.partition == "aws-us-gov"));
    }

    /// An HTTP API's stages are `AwsApiGatewayV2Stage` resources with `/apis/` ARNs, its API an
    /// `AwsApiGatewayV2Api`.
    #[test]
    fn http_api_findings_name_v2_resources() {
        let mut http = finding("invoke-permission-missing");
        if let Some(api) = &mut http.api {
            api.protocol = Protocol::Http;
        }
        http.stages = vec!["$default".into()];
        assert_eq!(
            kinds(&finding_resources(&http))[0],
            (
                "AwsApiGatewayV2Stage",
                "arn:aws:apigateway:us-east-1::/apis/a1b2c3d4e5/stages/$default"
            )
        );
        http.stages.clear();
        assert_eq!(
            kinds(&finding_resources(&http))[0],
            (
                "AwsApiGatewayV2Api",
                "arn:aws:apigateway:us-east-1::/apis/a1b2c3d4e5"
            )
        );
    }
}
