//! The readers the pipeline and the last steps of a scope share: the Lambda client and the gate
//! for each function (its region, its account's credentials and buckets), and the reading of
//! credentials roles through the account that owns each.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_config::SdkConfig;

use crate::arn::FunctionArn;
use crate::aws::clients::{regional, RegionalClients};
use crate::aws::{CallGate, Operation, RunId};
use crate::collect::iam::IamCollector;
use crate::collect::lambda::LambdaCollector;
use crate::collect::region::RunShared;
use crate::inventory::{CollectionError, IamRole, LambdaTarget, Lookup};

/// The Lambda client that can read a function: in its region (the Lambda API is regional), with
/// the scope's credentials for its own account, through the configured role for another audited
/// account, none for any other account; and the gate whose buckets its calls spend (that
/// account's, in that region).
pub(crate) struct LambdaClients<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub own: &'a RegionalClients<'a>,
    pub peers: &'a HashMap<&'a str, RegionalClients<'a>>,
    pub gate: &'a CallGate,
    pub run: RunId,
}

impl LambdaClients<'_> {
    pub fn for_function(&self, arn: &FunctionArn) -> Option<aws_sdk_lambda::Client> {
        if arn.account == self.account {
            Some(self.own.lambda(&arn.region))
        } else {
            self.peers
                .get(arn.account.as_str())
                .map(|peer| peer.lambda(&arn.region))
        }
    }

    /// The scope's gate, pacing with the buckets of `account` in `region`.
    pub fn gate_at(&self, account: &str, region: &str) -> CallGate {
        if account == self.account && region == self.region {
            self.gate.clone()
        } else {
            self.gate.at(account, region, self.run)
        }
    }

    pub fn collector<'c>(
        &'c self,
        client: &'c aws_sdk_lambda::Client,
        gate: &'c CallGate,
    ) -> LambdaCollector<'c> {
        LambdaCollector {
            client,
            gate,
            account: self.account,
            region: self.region,
        }
    }

    /// Reads one target (configuration, then policy).
    pub async fn read_target(&self, arn: &FunctionArn) -> LambdaTarget {
        match self.for_function(arn) {
            Some(client) => {
                let gate = self.gate_at(&arn.account, &arn.region);
                self.collector(&client, &gate).collect_target(arn).await
            }
            None => cross_account_target((self.account, self.region), arn),
        }
    }
}

fn cross_account_target((account, region): (&str, &str), arn: &FunctionArn) -> LambdaTarget {
    let error = CollectionError {
        account: account.to_string(),
        region: region.to_string(),
        operation: Operation::LambdaGetFunction.name().to_string(),
        resource: arn.to_string(),
        code: "CrossAccountTarget".to_string(),
        message: format!(
            "cannot read the policy of a function in account {}: no role configured for that account ([[scope.accounts]])",
            arn.account
        ),
    };
    LambdaTarget {
        arn: arn.clone(),
        function_name: arn.name.clone(),
        qualifier: arn.qualifier.clone(),
        configuration: Lookup::Failed(error.clone()),
        policy: Lookup::Failed(CollectionError {
            operation: Operation::LambdaGetPolicy.name().to_string(),
            ..error
        }),
        unqualified_policy: None,
        function_exists: None,
    }
}

/// Reads the roles that a Lambda integration or authorizer names in `credentials`
/// (pass-through credentials are not roles) through the account that owns each: the scope's
/// own, another audited account's role, or — with no way in — recorded as failed so
/// `integration-role-invalid` reports `error` instead of guessing.
pub(crate) struct RoleReader<'a> {
    pub base: &'a SdkConfig,
    pub run: &'a RunShared,
    pub gate: &'a CallGate,
    pub account: &'a str,
    pub region: &'a str,
    /// IAM is global: one client per account, made in the scope's region (the SDK resolves the
    /// partition's global endpoint from it).
    pub clients: Mutex<HashMap<String, aws_sdk_iam::Client>>,
}

impl RoleReader<'_> {
    pub async fn read(&self, arn: &str) -> Lookup<IamRole> {
        let owner = crate::arn::account_of(arn).to_string();
        let sdk = if owner == self.account {
            Some(self.base)
        } else {
            self.run.accounts.get(&owner)
        };
        let Some(sdk) = sdk else {
            return Lookup::Failed(CollectionError {
                account: self.account.to_string(),
                region: self.region.to_string(),
                operation: Operation::IamGetRole.name().to_string(),
                resource: arn.to_string(),
                code: "CrossAccountRole".to_string(),
                message: format!(
                    "cannot read role {arn} in account {owner}: no role configured for that account ([[scope.accounts]])"
                ),
            });
        };
        let client = self
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(owner.clone())
            .or_insert_with(|| aws_sdk_iam::Client::new(&regional(sdk, self.region)))
            .clone();
        let gate = if owner == self.account {
            self.gate.clone()
        } else {
            self.gate.at(&owner, self.region, self.run.run)
        };
        let collector = IamCollector {
            client: &client,
            gate: &gate,
            cache: &self.run.iam,
            account: self.account,
            region: self.region,
        };
        collector.role(arn).await
    }
}
