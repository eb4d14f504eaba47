//! How each runtime's own loader turns a handler string into code (docs/aws-facts.md §5), rule by rule:
//! what the string alone already breaks (`handler-invalid`), and which files of a package (or of
//! a layer under `/opt`) the loader would load, fail on, or not find (`handler-not-in-package`).
//! One file per loader; every rule cites the loader source it imitates, and every finding names
//! the error the function's log shows.

mod dotnet;
mod java;
mod node;
mod python;
mod ruby;
mod shell;

#[cfg(test)]
mod tests;

use crate::inventory::{PackageEntry, PackageListing};

/// The loader family of a runtime, as far as finding the handler goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Node,
    Ruby,
    Java,
    DotNet,
    /// `provided*` (`bootstrap`) and `go1.x` (the executable the handler names).
    Executable,
}

/// What must be in the package for a runtime and handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub language: Language,
    /// Paths relative to the package root, in the order the runtime tries them.
    pub candidates: Vec<String>,
    /// The file must be executable by Lambda's user (`bootstrap`, a Go binary).
    pub executable: bool,
    /// The name the handler file must define, for the deeper look.
    pub function: Option<String>,
    /// The loader's own resolution, which the candidates only summarise.
    pub(crate) loader: Loader,
}

/// Per-loader data the resolution needs beyond the candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Loader {
    Python(python::Module),
    Node(node::Module),
    Ruby,
    Java,
    DotNet(dotnet::Assembly),
    Shell,
}

/// What the runtime's loader does with a package.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution<'l> {
    /// It loads this file.
    Loads(&'l PackageEntry),
    /// Files are there, but the loader stops on them with this error.
    Fails(Failure),
    /// Nothing it would load is there: look in the layers, then report it missing.
    Missing,
    /// It depends on something a listing cannot show; the text says what.
    Undecided(String),
}

/// A loader stopping although the package has files for the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The path (relative to the package root) the loader stops on.
    pub path: String,
    /// What the function's log shows: the error type and its message.
    pub error: String,
    /// Why, in the user's terms.
    pub reason: String,
    /// What to change in the build folder before zipping it again.
    pub fix: String,
    /// The loader source the rule imitates.
    pub source: &'static str,
}

/// A rule a handler string breaks before any file is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub rule: String,
    /// The error type the function's log shows (`Runtime.MalformedHandlerName`, ...).
    pub error: String,
    /// The loader source the rule imitates.
    pub source: &'static str,
}

impl Broken {
    fn new(rule: impl Into<String>, error: impl Into<String>, source: &'static str) -> Self {
        Self {
            rule: rule.into(),
            error: error.into(),
            source,
        }
    }
}

impl Expectation {
    /// What a person should look for, for messages: `lambda_function.py`.
    pub fn describe(&self) -> String {
        match self.candidates.as_slice() {
            [] => "the handler file".to_string(),
            [one] => one.clone(),
            // `index.js (or index, index.mjs, index.cjs)`: the usual name first.
            [bare, js, rest @ ..] if self.language == Language::Node => {
                format!("{js} (or {bare}, {})", rest.join(", "))
            }
            [first, ..] => first.clone(),
        }
    }

    /// The error the log shows when nothing the loader would load is found.
    pub fn missing_error(&self) -> String {
        match &self.loader {
            Loader::Python(module) => python::missing_error(module),
            Loader::Node(module) => node::missing_error(module),
            Loader::Ruby => ruby::MISSING.to_string(),
            Loader::Java => java::missing_error(&self.candidates),
            Loader::DotNet(assembly) => dotnet::missing_error(assembly),
            Loader::Shell => shell::missing_error(&self.candidates),
        }
    }
}

/// Why `handler` cannot work on `runtime` whatever the package holds, or `None` when it can
/// (or when the runtime's loader is not one this module knows).
pub fn broken_handler(runtime: &str, handler: &str) -> Option<Broken> {
    match family(runtime)? {
        Family::Python(minor) => python::broken(minor, handler),
        Family::Node(major) => node::broken(major, handler),
        Family::Ruby => ruby::broken(handler),
        Family::Java => java::broken(handler),
        Family::DotNet { bootstrap } => dotnet::broken(bootstrap, handler),
        Family::Provided | Family::Go => None,
    }
}

/// The expectation for `handler` on `runtime`, or `None` when the handler's form is invalid
/// (`handler-invalid` reports that) or the runtime is not one whose loader is known.
pub fn expect(runtime: &str, handler: &str) -> Option<Expectation> {
    if broken_handler(runtime, handler).is_some() {
        return None;
    }
    match family(runtime)? {
        Family::Python(minor) => python::expect(minor, handler),
        Family::Node(major) => node::expect(major, handler),
        Family::Ruby => ruby::expect(handler),
        Family::Java => java::expect(handler),
        Family::DotNet { bootstrap } => dotnet::expect(bootstrap, handler),
        Family::Provided => Some(shell::bootstrap()),
        Family::Go => shell::go(handler),
    }
}

/// What the runtime's loader does with `listing` as the package (`/var/task`).
pub fn resolve<'l>(listing: &'l PackageListing, expectation: &Expectation) -> Resolution<'l> {
    match &expectation.loader {
        Loader::Python(module) => python::resolve(listing, module),
        Loader::Node(module) => node::resolve(listing, module),
        Loader::Ruby | Loader::Java | Loader::Shell => first_file(listing, &expectation.candidates),
        Loader::DotNet(assembly) => dotnet::resolve(listing, assembly),
    }
}

/// The handler's entry at the package root, if the loader loads one.
pub fn find<'l>(
    listing: &'l PackageListing,
    expectation: &Expectation,
) -> Option<&'l PackageEntry> {
    match resolve(listing, expectation) {
        Resolution::Loads(entry) => Some(entry),
        _ => None,
    }
}

/// The handler's entry in a layer, under the folders of `/opt` the runtime searches: Python's
/// `sys.path` holds `/opt/python` and its `lib/python3.x/site-packages`, Node's `NODE_PATH`
/// `/opt/nodejs/node<N>/node_modules` and `/opt/nodejs/node_modules`, Ruby's load path
/// `/opt/ruby/lib`, and custom runtimes start `/opt/bootstrap` (docs/aws-facts.md §5,
/// `packaging-layers.md`).
pub fn find_in_layer<'l>(
    listing: &'l PackageListing,
    expectation: &Expectation,
) -> Option<&'l PackageEntry> {
    match &expectation.loader {
        Loader::Python(module) => python::find_in_layer(listing, module),
        Loader::Node(module) => node::find_in_layer(listing, module),
        Loader::Ruby => ruby::find_in_layer(listing, &expectation.candidates),
        Loader::Shell if expectation.candidates == ["bootstrap"] => {
            first_file(listing, &expectation.candidates).entry()
        }
        Loader::Java | Loader::DotNet(_) | Loader::Shell => None,
    }
}

/// Whether a Java package keeps classes in jars the class path holds and a listing cannot look
/// into: `lib/*.jar` of the package, or `java/lib/*.jar` of a layer (`/opt/java/lib`).
pub fn has_jars(listing: &PackageListing) -> bool {
    java::has_jars(listing, "lib/")
}

/// Whether a layer holds jars of `/opt/java/lib`, which Java's class path includes.
pub fn layer_has_jars(listing: &PackageListing) -> bool {
    java::has_jars(listing, "java/lib/")
}

/// The handler file one or more folders down (`my-fn/lambda_function.py`): the folder was
/// zipped instead of its contents. The shallowest match.
pub fn nested<'l>(listing: &'l PackageListing, expectation: &Expectation) -> Option<&'l str> {
    listing
        .entries
        .iter()
        .filter(|e| !e.is_dir())
        .filter(|e| {
            expectation
                .candidates
                .iter()
                .any(|c| e.path.len() > c.len() && e.path.ends_with(&format!("/{c}")))
        })
        .min_by_key(|e| e.path.matches('/').count())
        .map(|e| e.path.as_str())
}

/// A root entry that differs from a candidate only in case (`Lambda_function.py`): Lambda's file
/// system is case-sensitive.
pub fn case_variant<'l>(listing: &'l PackageListing, expectation: &Expectation) -> Option<&'l str> {
    listing
        .entries
        .iter()
        .find(|e| {
            expectation
                .candidates
                .iter()
                .any(|c| e.path != *c && e.path.eq_ignore_ascii_case(c))
        })
        .map(|e| e.path.as_str())
}

impl<'l> Resolution<'l> {
    /// The loaded entry, if the loader loads one.
    pub fn entry(self) -> Option<&'l PackageEntry> {
        match self {
            Resolution::Loads(entry) => Some(entry),
            _ => None,
        }
    }
}

/// Which loader a runtime identifier runs, with the version the rules depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `python3.N`: the minor version, when it parses.
    Python(Option<u32>),
    /// `nodejsN.x`: the major version, when it parses.
    Node(Option<u32>),
    Ruby,
    Java,
    /// `dotnet6` and later start the `bootstrap.sh` of Amazon.Lambda.RuntimeSupport;
    /// `dotnetcore*` predate it.
    DotNet {
        bootstrap: bool,
    },
    Provided,
    Go,
}

fn family(runtime: &str) -> Option<Family> {
    if let Some(version) = runtime.strip_prefix("python3.") {
        return Some(Family::Python(version.parse().ok()));
    }
    if let Some(version) = runtime.strip_prefix("nodejs") {
        let major = version.split('.').next().and_then(|m| m.parse().ok());
        return Some(Family::Node(major));
    }
    if runtime.starts_with("ruby") {
        return Some(Family::Ruby);
    }
    if runtime.starts_with("java") {
        return Some(Family::Java);
    }
    if runtime.starts_with("dotnetcore") {
        return Some(Family::DotNet { bootstrap: false });
    }
    if runtime.starts_with("dotnet") {
        return Some(Family::DotNet { bootstrap: true });
    }
    if runtime.starts_with("provided") {
        return Some(Family::Provided);
    }
    (runtime == "go1.x").then_some(Family::Go)
}

/// The first of `candidates` that is a file of the listing.
fn first_file<'l>(listing: &'l PackageListing, candidates: &[String]) -> Resolution<'l> {
    candidates
        .iter()
        .find_map(|c| file(listing, c))
        .map_or(Resolution::Missing, Resolution::Loads)
}

/// The file (not folder) at `path`.
fn file<'l>(listing: &'l PackageListing, path: &str) -> Option<&'l PackageEntry> {
    listing.get(path).filter(|e| !e.is_dir())
}

/// Whether `path` (no trailing `/`) is a folder of the listing: listed as one, or implied by the
/// entries under it (zips need not list their folders).
fn is_dir(listing: &PackageListing, path: &str) -> bool {
    if path.is_empty() {
        return true;
    }
    if listing.get(path).is_some_and(PackageEntry::is_dir) {
        return true;
    }
    let prefix = format!("{path}/");
    let at = listing
        .entries
        .partition_point(|e| e.path.as_str() < prefix.as_str());
    listing
        .entries
        .get(at)
        .is_some_and(|e| e.path.starts_with(&prefix))
}

/// The entries directly in folder `dir` (`""` for the root, else ending with `/`) whose names end
/// with `suffix`.
fn files_in<'l>(
    listing: &'l PackageListing,
    dir: &'l str,
    suffix: &'l str,
) -> impl Iterator<Item = &'l PackageEntry> + 'l {
    listing.entries.iter().filter(move |e| {
        e.path.strip_prefix(dir).is_some_and(|name| {
            !name.is_empty() && !name.contains('/') && name.ends_with(suffix) && !e.is_dir()
        })
    })
}
