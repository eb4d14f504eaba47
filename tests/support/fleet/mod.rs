//! A builder for end-to-end fleets: real API Gateway REST APIs, Lambda functions, versions,
//! aliases, resource policies and IAM roles, created through the real SDK clients in one account
//! of the emulator. Every call returns the ids/ARNs it created so tests can assert exact findings.
//! Failures panic with the operation, the resource and the SDK error chain: a fleet that cannot be
//! built is a broken test, not a finding.
//!
//! - `lambda.rs`: functions, versions, aliases, concurrency, roles.
//! - `permissions.rs`: `add_permission` and the SourceArn shapes real tools write.
//! - `apigw.rs`: `ApiHandle` (resources, proxy methods, authorizers, deployments, stages).
//! - `apigwv2.rs`: `HttpApiHandle` (HTTP APIs: integrations, routes, authorizers, stages).
//! - `permissions_http.rs`: the SourceArn shapes tools write for HTTP API routes.

pub mod apigw;
pub mod apigwv2;
pub mod lambda;
pub mod permissions;
pub mod permissions_http;

use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicU32, Ordering};

use aws_config::SdkConfig;
use aws_sdk_lambda::config::ProvideCredentials;
use tokio::sync::OnceCell;
use zip::write::SimpleFileOptions;

use super::REGION;

/// Clients for one account, plus what the builder remembers (the account id, the shared Lambda
/// execution role, a statement-id counter).
pub struct Fleet {
    pub apigw: aws_sdk_apigateway::Client,
    pub apigwv2: aws_sdk_apigatewayv2::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub iam: aws_sdk_iam::Client,
    config: SdkConfig,
    account: OnceCell<String>,
    lambda_role: OnceCell<String>,
    next_id: AtomicU32,
}

impl Fleet {
    pub fn new(config: &SdkConfig) -> Fleet {
        Fleet {
            apigw: aws_sdk_apigateway::Client::new(config),
            apigwv2: aws_sdk_apigatewayv2::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            config: config.clone(),
            account: OnceCell::new(),
            lambda_role: OnceCell::new(),
            next_id: AtomicU32::new(1),
        }
    }

    /// The account this fleet builds in. With ministack the access key id *is* the account id
    /// (`support::sdk_config`), so no STS call is needed.
    pub async fn account(&self) -> String {
        self.account
            .get_or_init(|| async {
                let provider = self
                    .config
                    .credentials_provider()
                    .expect("the SdkConfig has credentials");
                let credentials = provider
                    .provide_credentials()
                    .await
                    .expect("static credentials resolve");
                let key = credentials.access_key_id().to_string();
                assert!(
                    key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()),
                    "access key id {key:?} is not a 12-digit account id (use support::sdk_config)"
                );
                key
            })
            .await
            .clone()
    }

    pub fn region(&self) -> &'static str {
        REGION
    }

    /// A short id unique within this fleet, for statement ids and role names.
    fn unique(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

/// The integration URI API Gateway uses to call a Lambda function:
/// `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations`.
/// `function` may be an ARN, a qualified ARN or a template with `${stageVariables.x}`. A value that
/// already is an integration URI is returned unchanged, so tests can pass deliberately odd URIs.
pub fn integration_uri(function: &str) -> String {
    if function.starts_with("arn:aws:apigateway:") {
        return function.to_string();
    }
    format!("arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function}/invocations")
}

/// `arn:aws:execute-api:us-east-1:{account}:{rest}`, e.g. `rest` = `{api}/prod/GET/pets`.
pub fn execute_api_arn(account: &str, rest: &str) -> String {
    format!("arn:aws:execute-api:{REGION}:{account}:{rest}")
}

/// `arn:aws:lambda:us-east-1:{account}:function:{name}` (+ `:{qualifier}`).
pub fn function_arn(account: &str, name: &str, qualifier: Option<&str>) -> String {
    let arn = format!("arn:aws:lambda:{REGION}:{account}:function:{name}");
    match qualifier {
        Some(q) => format!("{arn}:{q}"),
        None => arn,
    }
}

/// A real deployment package: `(path, contents, unix mode)` per entry, modes kept in the zip's
/// external attributes exactly as `zip -r` on Linux writes them (the `package-file-permissions`
/// check reads them back). A path ending in `/` is a directory entry (contents ignored).
pub fn fn_zip(files: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for &(path, contents, mode) in files {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(mode);
        if path.ends_with('/') {
            zip.add_directory(path, options)
                .unwrap_or_else(|e| panic!("zip dir {path}: {e}"));
        } else {
            zip.start_file(path, options)
                .unwrap_or_else(|e| panic!("zip file {path}: {e}"));
            zip.write_all(contents.as_bytes())
                .unwrap_or_else(|e| panic!("zip write {path}: {e}"));
        }
    }
    zip.finish().expect("finish zip").into_inner()
}

/// A Python handler that answers a valid Lambda proxy response.
pub const PYTHON_OK_HANDLER: &str = "import json\n\n\
def lambda_handler(event, context):\n    \
return {\"statusCode\": 200, \"headers\": {\"Content-Type\": \"application/json\"}, \
\"body\": json.dumps({\"ok\": True})}\n";

/// Panics with the SDK error's whole chain (the plain `Display` of an SDK error says only
/// "service error").
fn fail(what: impl std::fmt::Display, error: impl std::error::Error) -> ! {
    panic!(
        "{what}: {}",
        aws_sdk_lambda::error::DisplayErrorContext(error)
    )
}

/// The response-streaming integration URI of a function ARN (docs/aws-facts.md §11.1).
pub fn streaming_uri(function: &str) -> String {
    format!(
        "arn:aws:apigateway:{REGION}:lambda:path/2021-11-15/functions/{function}/response-streaming-invocations"
    )
}
