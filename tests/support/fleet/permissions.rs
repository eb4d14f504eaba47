//! Lambda resource-policy statements, and the exact SourceArn shapes that real deployment tools
//! write for a REST API route (docs/aws-facts.md §1, "SourceArn that common tools write"), so
//! e2e scenarios look like accounts built with those tools.

use super::{execute_api_arn, fail, Fleet};

/// One statement written by the fleet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub statement_id: String,
    pub source_arn: String,
}

/// Replaces every `{param}` / `{proxy+}` with `*`, as SAM and CDK do (REST and HTTP APIs).
pub(super) fn wildcard_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match (c, in_param) {
            ('{', _) => in_param = true,
            ('}', true) => {
                in_param = false;
                out.push('*');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

fn any_as_star(method: &str) -> &str {
    if method.eq_ignore_ascii_case("ANY") {
        "*"
    } else {
        method
    }
}

/// SAM (`AWS::Serverless::Function` Api event): `{api}/*/{METHOD}{path}`, stage always `*`, `ANY`
/// → `*`, params → `*`, trailing `/` stripped except on the root.
pub fn sam_source_arn(account: &str, api_id: &str, method: &str, path: &str) -> String {
    let mut path = wildcard_params(path);
    if path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    let method = any_as_star(method);
    execute_api_arn(account, &format!("{api_id}/*/{method}{path}"))
}

/// CDK `LambdaIntegration`: `{api}/{stage}/{METHOD}{path}` and the same for
/// `test-invoke-stage` (`allowTestInvoke` defaults to true); `ANY` → `*`, params → `*`.
pub fn cdk_source_arns(
    account: &str,
    api_id: &str,
    method: &str,
    path: &str,
    stage: &str,
) -> [String; 2] {
    let path = wildcard_params(path);
    let method = any_as_star(method);
    [stage, "test-invoke-stage"]
        .map(|stage| execute_api_arn(account, &format!("{api_id}/{stage}/{method}{path}")))
}

/// Serverless Framework: one permission per function, `{api}/*/*`.
pub fn serverless_source_arn(account: &str, api_id: &str) -> String {
    execute_api_arn(account, &format!("{api_id}/*/*"))
}

/// Terraform docs' `aws_lambda_permission` example: `"${execution_arn}/*"`.
pub fn terraform_source_arn(account: &str, api_id: &str) -> String {
    execute_api_arn(account, &format!("{api_id}/*"))
}

/// API Gateway console (stage-variable case, as documented): `{api}/*/{METHOD}{path}` with the
/// literal verb and the literal template path (`{id}` kept). What the console writes for `ANY` or
/// path parameters is not documented; the verb is written as given.
pub fn console_source_arn(account: &str, api_id: &str, method: &str, path: &str) -> String {
    execute_api_arn(account, &format!("{api_id}/*/{method}{path}"))
}

impl Fleet {
    /// `lambda:AddPermission` for `lambda:InvokeFunction`, exactly as given.
    pub async fn add_permission(
        &self,
        function: &str,
        qualifier: Option<&str>,
        statement_id: &str,
        principal: &str,
        source_arn: Option<&str>,
        source_account: Option<&str>,
    ) {
        self.lambda
            .add_permission()
            .function_name(function)
            .set_qualifier(qualifier.map(str::to_string))
            .statement_id(statement_id)
            .action("lambda:InvokeFunction")
            .principal(principal)
            .set_source_arn(source_arn.map(str::to_string))
            .set_source_account(source_account.map(str::to_string))
            .send()
            .await
            .unwrap_or_else(|e| {
                fail(
                    format!("lambda:AddPermission {function} qualifier {qualifier:?} sid {statement_id}"),
                    e,
                )
            });
    }

    /// Permissions for `apigateway.amazonaws.com` on `function` (with `qualifier`, the policy of
    /// that alias/version), in the shape of a given tool.
    pub fn permit(&self, function: &str, qualifier: Option<&str>) -> Permit<'_> {
        Permit {
            fleet: self,
            function: function.to_string(),
            qualifier: qualifier.map(str::to_string),
        }
    }
}

/// Writes API Gateway invoke permissions on one function (see `Fleet::permit`). Every method
/// returns the statements it wrote; statement ids are `{tool}-{n}`, unique in the fleet.
pub struct Permit<'a> {
    fleet: &'a Fleet,
    function: String,
    qualifier: Option<String>,
}

impl Permit<'_> {
    /// `arn:aws:execute-api:us-east-1:{account}:{rest}` in the fleet's account.
    pub async fn execute_api(&self, rest: &str) -> String {
        execute_api_arn(&self.fleet.account().await, rest)
    }

    /// One statement with this SourceArn (and no SourceAccount).
    pub async fn source_arn(&self, tool: &str, source_arn: &str) -> Grant {
        let statement_id = self.fleet.unique(tool);
        self.fleet
            .add_permission(
                &self.function,
                self.qualifier.as_deref(),
                &statement_id,
                "apigateway.amazonaws.com",
                Some(source_arn),
                None,
            )
            .await;
        Grant {
            statement_id,
            source_arn: source_arn.to_string(),
        }
    }

    /// SAM's statement for a route (`sam_source_arn`).
    pub async fn sam(&self, api_id: &str, method: &str, path: &str) -> Vec<Grant> {
        let arn = sam_source_arn(&self.fleet.account().await, api_id, method, path);
        vec![self.source_arn("sam", &arn).await]
    }

    /// SAM's statement for a Lambda authorizer: `{api}/authorizers/*`.
    pub async fn sam_authorizer(&self, api_id: &str) -> Vec<Grant> {
        let arn = execute_api_arn(
            &self.fleet.account().await,
            &format!("{api_id}/authorizers/*"),
        );
        vec![self.source_arn("sam-authorizer", &arn).await]
    }

    /// CDK's two statements for a route deployed to `stage` (`cdk_source_arns`).
    pub async fn cdk(&self, api_id: &str, method: &str, path: &str, stage: &str) -> Vec<Grant> {
        let account = self.fleet.account().await;
        let mut grants = Vec::new();
        for arn in cdk_source_arns(&account, api_id, method, path, stage) {
            grants.push(self.source_arn("cdk", &arn).await);
        }
        grants
    }

    /// The Serverless Framework's statement (`{api}/*/*`), also used for its authorizers.
    pub async fn serverless(&self, api_id: &str) -> Vec<Grant> {
        let arn = serverless_source_arn(&self.fleet.account().await, api_id);
        vec![self.source_arn("serverless", &arn).await]
    }

    /// Terraform's documented statement (`{api}/*`).
    pub async fn terraform(&self, api_id: &str) -> Vec<Grant> {
        let arn = terraform_source_arn(&self.fleet.account().await, api_id);
        vec![self.source_arn("terraform", &arn).await]
    }

    /// The console's statement for a route (`console_source_arn`).
    pub async fn console(&self, api_id: &str, method: &str, path: &str) -> Vec<Grant> {
        let arn = console_source_arn(&self.fleet.account().await, api_id, method, path);
        vec![self.source_arn("console", &arn).await]
    }
}
