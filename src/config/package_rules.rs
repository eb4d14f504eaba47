//! The `[packages]` section: whether to read the listings of deployment packages (and the
//! handler file, for the deeper look), and the bounds that keep it to kilobytes per package.

use toml::Table;

use super::keys::join;
use super::validate::{set, Walker};
use super::PackageSettings;

/// Lambda's largest zip is 50 MB uploaded directly (250 MB unzipped from S3); a budget past
/// 256 MiB is a typo, and under 64 KiB the first request could not be made.
const MAX_BYTES: i64 = 256 * 1024 * 1024;
const MIN_BYTES: i64 = 64 * 1024;

impl Walker<'_> {
    pub(super) fn packages(&mut self, table: &Table, out: &mut PackageSettings) {
        for (name, value) in table {
            let key = join("packages", name);
            match name.as_str() {
                "enabled" => set(&mut out.enabled, self.problems.boolean(&key, value)),
                "inspect-handler-source" => set(
                    &mut out.inspect_handler_source,
                    self.problems.boolean(&key, value),
                ),
                "max-bytes-per-package" => set(
                    &mut out.max_bytes_per_package,
                    self.problems.integer(&key, value, MIN_BYTES..=MAX_BYTES),
                ),
                // The presigned URL lives 10 minutes; a read that takes longer has failed anyway.
                "seconds-per-package" => set(
                    &mut out.seconds_per_package,
                    self.problems.integer(&key, value, 1..=600),
                ),
                "max-handler-file-bytes" => set(
                    &mut out.max_handler_file_bytes,
                    self.problems.integer(&key, value, 1..=16 * 1024 * 1024),
                ),
                _ => self.problems.unknown_key(&key, name, "packages"),
            }
        }
    }
}
