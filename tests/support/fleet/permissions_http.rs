//! The SourceArn shapes tools write for HTTP API routes and authorizers (docs/aws-facts.md
//! §12.2, "SourceArn written by tools"), so e2e scenarios look like accounts built with them.

use super::permissions::{wildcard_params, Grant, Permit};

/// SAM's `HttpApi` event: `{api}/*/{METHOD}{path}` (`ANY` → `*`, params → `*`); an event with
/// no path and method (the `$default` route) → `{api}/*/*` (`push.py`, `HttpApi._get_permission`).
pub fn sam_http_rest(api_id: &str, route_key: &str) -> String {
    match route_key.split_once(' ') {
        Some((method, path)) => {
            let method = if method == "ANY" { "*" } else { method };
            format!("{api_id}/*/{method}{}", wildcard_params(path))
        }
        None => format!("{api_id}/*/*"),
    }
}

/// CDK `HttpLambdaIntegration` with `scopePermissionToRoute` (the default): `{api}/*/*{path}`
/// with braces kept; the `$default` route has no path → `{api}/*/*`.
pub fn cdk_http_rest(api_id: &str, route_key: &str) -> String {
    match route_key.split_once(' ') {
        Some((_, path)) => format!("{api_id}/*/*{path}"),
        None => format!("{api_id}/*/*"),
    }
}

impl Permit<'_> {
    /// SAM's statement for an HTTP API route (`sam_http_rest`).
    pub async fn sam_http(&self, api_id: &str, route_key: &str) -> Vec<Grant> {
        let arn = self.execute_api(&sam_http_rest(api_id, route_key)).await;
        vec![self.source_arn("sam-http", &arn).await]
    }

    /// CDK's statement for an HTTP API route (`cdk_http_rest`).
    pub async fn cdk_http(&self, api_id: &str, route_key: &str) -> Vec<Grant> {
        let arn = self.execute_api(&cdk_http_rest(api_id, route_key)).await;
        vec![self.source_arn("cdk-http", &arn).await]
    }

    /// CDK with `scopePermissionToRoute: false`: one `{api}/*/*/*`, which misses the `$default`
    /// route (two segments after the API id, §12.2).
    pub async fn cdk_http_unscoped(&self, api_id: &str) -> Vec<Grant> {
        let arn = self.execute_api(&format!("{api_id}/*/*/*")).await;
        vec![self.source_arn("cdk-http-unscoped", &arn).await]
    }

    /// CDK's `HttpLambdaAuthorizer`: `{api}/authorizers/{authorizer id}`.
    pub async fn cdk_http_authorizer(&self, api_id: &str, authorizer_id: &str) -> Vec<Grant> {
        let arn = self
            .execute_api(&format!("{api_id}/authorizers/{authorizer_id}"))
            .await;
        vec![self.source_arn("cdk-http-authorizer", &arn).await]
    }

    /// The Serverless Framework's `httpApi`: one `{api}/*` per function, authorizers included.
    pub async fn serverless_http(&self, api_id: &str) -> Vec<Grant> {
        let arn = self.execute_api(&format!("{api_id}/*")).await;
        vec![self.source_arn("serverless-http", &arn).await]
    }

    /// Terraform's common HTTP API statement: `${execution_arn}/*/*`.
    pub async fn terraform_http(&self, api_id: &str) -> Vec<Grant> {
        let arn = self.execute_api(&format!("{api_id}/*/*")).await;
        vec![self.source_arn("terraform-http", &arn).await]
    }

    /// The console's statement for the `$default` route: `{api}/*/$default` (SAM issue #1860).
    pub async fn console_http_default(&self, api_id: &str) -> Vec<Grant> {
        let arn = self.execute_api(&format!("{api_id}/*/$default")).await;
        vec![self.source_arn("console-http", &arn).await]
    }
}
