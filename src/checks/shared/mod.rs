//! What the checks share: building findings and grouping them by stage (`findings.rs`), running a
//! check over every route or every reached Lambda target (`run.rs`), the AWS CLI commands of
//! remediations (`commands.rs`, and `api_commands.rs` for those that change a REST or HTTP API), the permission judgement of the two invoke-permission checks
//! (`permission.rs`), the package and CloudWatch-evidence plumbing (`packages.rs`, `evidence.rs`,
//! `stage_logs.rs` for the checks that count lines in stage logs) and the catalogue rendered from the declarations (`catalogue.rs`).

pub mod api_commands;
pub mod catalogue;
pub mod commands;
pub mod evidence;
pub mod findings;
pub mod packages;
pub mod permission;
pub mod route_groups;
pub mod run;
pub mod stage_logs;

pub use crate::routes::ReachedTarget;
pub use commands::*;
pub use findings::*;
pub use run::*;
