//! Ruby: `lib/aws_lambda_ric/lambda_handler.rb` (aws-lambda-ruby-runtime-interface-client) splits
//! the handler with `String#split('.')`, which drops trailing empty parts, and accepts two parts
//! (`FILE.METHOD`) or three (`FILE.CLASS.METHOD`); `lib/aws_lambda_ric.rb` then runs
//! `require FILE` with the task root first on `$LOAD_PATH`, and each invocation calls
//! `Kernel.const_get(CLASS)` (or the top-level method).

use super::{Broken, Expectation, Language, Loader};
use crate::inventory::{PackageEntry, PackageListing};

const SOURCE: &str =
    "aws-lambda-ruby-runtime-interface-client lib/aws_lambda_ric/lambda_handler.rb";
const REQUIRE: &str =
    "aws-lambda-ruby-runtime-interface-client lib/aws_lambda_ric.rb LambdaRunner#run";

/// What the log shows when `require FILE` finds nothing (the init error is classified `Init`).
pub(super) const MISSING: &str = "Init<LoadError>: cannot load such file";

/// The parts `handler.split('.')` gives in Ruby: trailing empty strings removed.
fn ruby_split(handler: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = handler.split('.').collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// A constant path `Kernel.const_get` accepts: `A`, `A::B`, `::A`; each name starts with an
/// uppercase letter (Ruby's `rb_is_const_name`).
fn is_constant_path(class: &str) -> bool {
    let path = class.strip_prefix("::").unwrap_or(class);
    !path.is_empty()
        && path.split("::").all(|name| {
            let mut chars = name.chars();
            chars.next().is_some_and(char::is_uppercase)
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

pub(super) fn broken(handler: &str) -> Option<Broken> {
    let parts = ruby_split(handler);
    if !(2..=3).contains(&parts.len()) {
        return Some(Broken::new(
            "a Ruby handler is FILE.METHOD or FILE.CLASS.METHOD (\"Invalid handler ..., must \
             be of form FILENAME.METHOD or FILENAME.CLASS.METHOD\")",
            "Init<ArgumentError>",
            SOURCE,
        ));
    }
    if parts[0].is_empty() {
        return Some(Broken::new(
            "the file part before the first `.` is empty (\"cannot load such file -- \")",
            "Init<LoadError>",
            REQUIRE,
        ));
    }
    if parts.len() == 3 && !is_constant_path(parts[1]) {
        return Some(Broken::new(
            format!(
                "the class part `{}` is not a Ruby constant (a capitalised name, `::` between \
                 modules), so every invocation fails in Kernel.const_get (\"wrong constant \
                 name\")",
                parts[1]
            ),
            "Function<NameError>",
            SOURCE,
        ));
    }
    None
}

pub(super) fn expect(handler: &str) -> Option<Expectation> {
    let file = *ruby_split(handler).first()?;
    Some(Expectation {
        language: Language::Ruby,
        // `require` tries the source, then a compiled extension (DLEXT `.so` on Linux).
        candidates: vec![format!("{file}.rb"), format!("{file}.so")],
        executable: false,
        function: None,
        loader: Loader::Ruby,
    })
}

/// A layer's `/opt/ruby/lib`, on the runtime's `$LOAD_PATH`.
pub(super) fn find_in_layer<'l>(
    listing: &'l PackageListing,
    candidates: &[String],
) -> Option<&'l PackageEntry> {
    candidates
        .iter()
        .find_map(|c| super::file(listing, &format!("ruby/lib/{c}")))
}
