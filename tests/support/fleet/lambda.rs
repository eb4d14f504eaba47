//! Lambda functions, versions, aliases and concurrency, and the IAM roles they (and API Gateway
//! integrations) run with.

use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime, State};
use serde_json::json;

use super::{fail, fn_zip, Fleet, PYTHON_OK_HANDLER};

/// How long a function may stay `Pending` (ministack: a few hundred ms).
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(30);
/// One execution role per account, reused by every function of the fleet.
const LAMBDA_ROLE: &str = "apigw-auditor-e2e-lambda";

impl Fleet {
    /// Creates an IAM role trusted by `service` (e.g. `lambda.amazonaws.com`,
    /// `apigateway.amazonaws.com`) with an optional inline policy; returns its ARN.
    pub async fn create_role(
        &self,
        name: &str,
        service: &str,
        inline_policy: Option<serde_json::Value>,
    ) -> String {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole"
            }]
        });
        let created = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("iam:CreateRole {name}"), e));
        let arn = created
            .role()
            .map(|r| r.arn().to_string())
            .expect("CreateRole returns the role");
        if let Some(policy) = inline_policy {
            self.iam
                .put_role_policy()
                .role_name(name)
                .policy_name(format!("{name}-inline"))
                .policy_document(policy.to_string())
                .send()
                .await
                .unwrap_or_else(|e| fail(format!("iam:PutRolePolicy {name}"), e));
        }
        arn
    }

    /// A role API Gateway can assume to invoke any function: what an integration's or an
    /// authorizer's `credentials` names.
    pub async fn apigateway_invoke_role(&self, name: &str) -> String {
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]
        });
        self.create_role(name, "apigateway.amazonaws.com", Some(policy))
            .await
    }

    /// The execution role of the fleet's functions, created on first use (once per account: the
    /// accounts of different tests are separate, so no name clash).
    pub async fn lambda_role(&self) -> String {
        self.lambda_role
            .get_or_init(|| self.create_role(LAMBDA_ROLE, "lambda.amazonaws.com", None))
            .await
            .clone()
    }

    /// Creates a zip-packaged function and waits until it is `Active`; returns its unqualified ARN.
    pub async fn create_function(
        &self,
        name: &str,
        runtime: &str,
        handler: &str,
        zip: Vec<u8>,
        timeout_s: i32,
    ) -> String {
        self.create_function_configured(name, runtime, handler, zip, |create| {
            create.timeout(timeout_s)
        })
        .await
    }

    /// A Python 3.12 function whose `lambda_function.py` is `source`.
    pub async fn python_handler(&self, name: &str, source: &str, timeout_s: i32) -> String {
        let zip = fn_zip(&[("lambda_function.py", source, 0o644)]);
        self.create_function(
            name,
            "python3.12",
            "lambda_function.lambda_handler",
            zip,
            timeout_s,
        )
        .await
    }

    /// A Node.js 20 function whose `index.js` is `source`, 3 s timeout.
    pub async fn node_handler(&self, name: &str, source: &str) -> String {
        let zip = fn_zip(&[("index.js", source, 0o644)]);
        self.create_function(name, "nodejs20.x", "index.handler", zip, 3)
            .await
    }

    /// A function created with CreateFunction settings beyond the usual ones (timeout, durable,
    /// tenancy, capacity provider), set by `configure` (3 s timeout unless it says otherwise);
    /// waits until it is `Active` (ministack, like AWS, answers `Pending` first; versions can only
    /// be published from an active function) and returns its unqualified ARN.
    pub async fn create_function_configured(
        &self,
        name: &str,
        runtime: &str,
        handler: &str,
        zip: Vec<u8>,
        configure: impl FnOnce(
            aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
        )
            -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
    ) -> String {
        let role = self.lambda_role().await;
        let request = self
            .lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::from(runtime))
            .handler(handler)
            .role(role)
            .timeout(3)
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build());
        let created = configure(request)
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("lambda:CreateFunction {name}"), e));
        self.wait_active(name, None).await;
        created
            .function_arn()
            .expect("CreateFunction returns the ARN")
            .to_string()
    }

    /// `python3.12`, `lambda_function.lambda_handler`, a valid proxy response, 3 s timeout.
    pub async fn python_function(&self, name: &str) -> String {
        self.python_handler(name, PYTHON_OK_HANDLER, 3).await
    }

    /// Polls GetFunctionConfiguration until `State` is `Active`; panics on `Failed` or timeout.
    pub async fn wait_active(&self, function: &str, qualifier: Option<&str>) {
        let deadline = Instant::now() + ACTIVE_TIMEOUT;
        loop {
            let config = self
                .lambda
                .get_function_configuration()
                .function_name(function)
                .set_qualifier(qualifier.map(str::to_string))
                .send()
                .await
                .unwrap_or_else(|e| fail(format!("lambda:GetFunctionConfiguration {function}"), e));
            match config.state() {
                Some(State::Active) => return,
                Some(State::Failed) => panic!(
                    "function {function} failed: {:?} {:?}",
                    config.state_reason_code(),
                    config.state_reason()
                ),
                state => assert!(
                    Instant::now() < deadline,
                    "function {function} still {state:?} after {ACTIVE_TIMEOUT:?}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Publishes a version of `function`; returns the version number (`"1"`, `"2"`, ...).
    pub async fn publish_version(&self, function: &str) -> String {
        let published = self
            .lambda
            .publish_version()
            .function_name(function)
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("lambda:PublishVersion {function}"), e));
        let version = published
            .version()
            .expect("PublishVersion returns the version")
            .to_string();
        self.wait_active(function, Some(&version)).await;
        version
    }

    /// Creates alias `alias` of `function` pointing at `version`; returns the alias ARN.
    pub async fn create_alias(&self, function: &str, alias: &str, version: &str) -> String {
        self.lambda
            .create_alias()
            .function_name(function)
            .name(alias)
            .function_version(version)
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("lambda:CreateAlias {function}:{alias}"), e))
            .alias_arn()
            .expect("CreateAlias returns the ARN")
            .to_string()
    }

    /// Sets reserved concurrency (0 = every invocation is throttled).
    pub async fn put_reserved_concurrency(&self, function: &str, reserved: i32) {
        self.lambda
            .put_function_concurrency()
            .function_name(function)
            .reserved_concurrent_executions(reserved)
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("lambda:PutFunctionConcurrency {function}"), e));
    }
}
