//! Python: `awslambdaric/bootstrap.py` `_get_handler` (aws-lambda-python-runtime-interface-client)
//! splits the handler with `handler.rsplit(".", 1)`, refuses a module whose first dotted part is
//! in `sys.builtin_module_names`, then `importlib.import_module(modname.replace("/", "."))` and
//! `getattr(module, fname)`. Which file that import loads is CPython's path finder
//! (`importlib._bootstrap_external.FileFinder.find_spec`): in each folder a regular package
//! (`name/__init__.*`) wins over a module (`name` + extension, source, bytecode suffixes), which
//! wins over a namespace package (a bare folder `name/`).

use super::{file, is_dir, Broken, Failure, Resolution};
use crate::inventory::{PackageEntry, PackageListing};

const SOURCE: &str =
    "aws-lambda-python-runtime-interface-client awslambdaric/bootstrap.py _get_handler";
const FINDER: &str = "CPython importlib._bootstrap_external FileFinder.find_spec";

/// The module a Python handler imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Module {
    /// `modname` as the handler writes it (`src/app`), for messages.
    name: String,
    /// The dotted parts after `/` became `.` (`["src", "app"]`).
    parts: Vec<String>,
    /// `python3.N`'s N, when known: decides which compiled extension modules import.
    minor: Option<u32>,
}

/// The interpreter's built-in modules on every CPython 3 build Lambda runs: the core modules
/// (`Modules/config.c.in`: `marshal`, `_imp`, `_ast`, `builtins`, `sys`, `gc`, `_warnings`,
/// `_string`) and those `Modules/Setup.bootstrap.in` (3.11+; `Modules/Setup` before) builds
/// static by construction. A default CPython 3.11.7 build reports exactly these plus
/// `_tokenize` and `xxsubtype` in `sys.builtin_module_names`. Lambda's builds may add more; a
/// name missing here is judged as a normal module, never the other way round.
const BUILT_IN: &[&str] = &[
    "_abc",
    "_ast",
    "_codecs",
    "_collections",
    "_functools",
    "_imp",
    "_io",
    "_locale",
    "_operator",
    "_signal",
    "_sre",
    "_stat",
    "_string",
    "_symtable",
    "_thread",
    "_tracemalloc",
    "_warnings",
    "_weakref",
    "atexit",
    "builtins",
    "errno",
    "faulthandler",
    "gc",
    "itertools",
    "marshal",
    "posix",
    "pwd",
    "sys",
    "time",
];

/// Built in from 3.11 on (`Python/Python-tokenize.c` is part of the core since then).
const BUILT_IN_311: &[&str] = &["_tokenize"];

fn is_built_in(minor: Option<u32>, name: &str) -> bool {
    BUILT_IN.contains(&name) || (minor.is_some_and(|m| m >= 11) && BUILT_IN_311.contains(&name))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The handler-string rules of `_get_handler`, in its order.
pub(super) fn broken(minor: Option<u32>, handler: &str) -> Option<Broken> {
    let Some((modname, function)) = handler.rsplit_once('.') else {
        return Some(Broken::new(
            "a Python handler is module.function and has no `.` (\"Bad handler\")",
            "Runtime.MalformedHandlerName",
            SOURCE,
        ));
    };
    // `modname.split(".")[0] in sys.builtin_module_names`, before any import.
    let first = modname.split('.').next().unwrap_or_default();
    if is_built_in(minor, first) {
        return Some(Broken::new(
            format!(
                "module `{first}` is one of the interpreter's built-in modules, which the \
                 runtime refuses to load as a handler module (\"Cannot use built-in module \
                 {modname} as a handler module\"); rename the file"
            ),
            "Runtime.BuiltInModuleConflict",
            SOURCE,
        ));
    }
    let dotted = modname.replace('/', ".");
    // importlib.import_module: `_sanity_check` refuses an empty name (ValueError) and a
    // relative one without a package (TypeError); neither is an ImportError, so the runtime
    // reports the exception's own type.
    if dotted.is_empty() {
        return Some(Broken::new(
            "the module part before the last `.` is empty (\"Empty module name\")",
            "ValueError",
            SOURCE,
        ));
    }
    if dotted.starts_with('.') {
        return Some(Broken::new(
            "the module path starts with `.` or `/`, which import_module takes for a relative \
             import (\"the 'package' argument is required to perform a relative import\")",
            "TypeError",
            SOURCE,
        ));
    }
    if dotted.split('.').any(str::is_empty) {
        return Some(Broken::new(
            "the module path has an empty part (`..`, `//` or a trailing `/`), which no file \
             can match (\"No module named ...\")",
            "Runtime.ImportModuleError",
            SOURCE,
        ));
    }
    // `sys/handler.x`: the built-in check looked at `sys/handler`, but the import of
    // `sys.handler` finds the built-in `sys` first, which is not a package.
    let top = dotted.split('.').next().unwrap_or_default();
    if is_built_in(minor, top) {
        return Some(Broken::new(
            format!(
                "the folder `{top}` is named like a built-in module, so the import finds the \
                 built-in first (\"No module named '{dotted}'; '{top}' is not a package\")"
            ),
            "Runtime.ImportModuleError",
            SOURCE,
        ));
    }
    if !is_identifier(function) {
        return Some(Broken::new(
            "the function part after the last `.` is not a Python name, so no `def` can \
             define it (\"Handler ... missing on module\")",
            "Runtime.HandlerNotFound",
            SOURCE,
        ));
    }
    None
}

pub(super) fn expect(minor: Option<u32>, handler: &str) -> Option<super::Expectation> {
    let (modname, function) = handler.rsplit_once('.')?;
    let parts: Vec<String> = modname
        .replace('/', ".")
        .split('.')
        .map(String::from)
        .collect();
    let path = parts.join("/");
    Some(super::Expectation {
        language: super::Language::Python,
        candidates: vec![
            format!("{path}.py"),
            format!("{path}/__init__.py"),
            format!("{path}.pyc"),
        ],
        executable: false,
        function: Some(function.to_string()),
        loader: super::Loader::Python(Module {
            name: modname.to_string(),
            parts,
            minor,
        }),
    })
}

pub(super) fn missing_error(module: &Module) -> String {
    format!(
        "Runtime.ImportModuleError: Unable to import module '{}': No module named '{}'",
        module.name,
        module.parts.join(".")
    )
}

/// The import from the package root (`/var/task`, first on `sys.path`).
pub(super) fn resolve<'l>(listing: &'l PackageListing, module: &Module) -> Resolution<'l> {
    resolve_under(listing, module, "")
}

/// The import from a layer: `/opt/python` and, for the runtime's own version,
/// `/opt/python/lib/python3.N/site-packages` (any version when the runtime's is unknown).
pub(super) fn find_in_layer<'l>(
    listing: &'l PackageListing,
    module: &Module,
) -> Option<&'l PackageEntry> {
    let mut roots = vec!["python/".to_string()];
    roots.extend(site_packages(listing, module.minor));
    roots
        .iter()
        .find_map(|root| resolve_under(listing, module, root).entry())
}

/// One folder of `sys.path` (`root`, `""` or ending with `/`): each dotted part is looked up
/// in the folder the previous one resolved to, as `FileFinder` does.
fn resolve_under<'l>(listing: &'l PackageListing, module: &Module, root: &str) -> Resolution<'l> {
    let mut folder = root.to_string();
    let last = module.parts.len().saturating_sub(1);
    for (i, part) in module.parts.iter().enumerate() {
        let base = format!("{folder}{part}");
        if let Some(init) = loadable(listing, module.minor, &format!("{base}/__init__")) {
            if i == last {
                return Resolution::Loads(init);
            }
            folder = format!("{base}/");
            continue;
        }
        if let Some(found) = loadable(listing, module.minor, &base) {
            if i == last {
                return Resolution::Loads(found);
            }
            let parent = module.parts[..=i].join(".");
            return Resolution::Fails(Failure {
                path: found.path.clone(),
                error: format!(
                    "Runtime.ImportModuleError: Unable to import module '{}': No module named \
                     '{}'; '{parent}' is not a package",
                    module.name,
                    module.parts.join(".")
                ),
                reason: format!(
                    "{} is a module, which wins over the folder {base}/ because that folder \
                     has no __init__.py, so nothing inside the folder can be imported",
                    found.path.strip_prefix(root).unwrap_or(&found.path)
                ),
                fix: format!(
                    "rename {} so it no longer hides the folder, or add {base}/__init__.py",
                    found.path
                ),
                source: FINDER,
            });
        }
        if is_dir(listing, &base) {
            if i == last {
                return Resolution::Fails(Failure {
                    path: format!("{base}/"),
                    error: format!(
                        "Runtime.HandlerNotFound: Handler missing on module '{}'",
                        module.name
                    ),
                    reason: format!(
                        "{base}/ is a folder without __init__.py, so Python imports it as an \
                         empty namespace package that defines no function"
                    ),
                    fix: format!(
                        "put the handler's module at {base}.py or {base}/__init__.py, or set \
                         the handler to the module inside {base}/ that defines it"
                    ),
                    source: FINDER,
                });
            }
            folder = format!("{base}/");
            continue;
        }
        if let (true, Some(other)) = (i == last, foreign_extension(listing, module.minor, &base)) {
            return Resolution::Fails(Failure {
                path: other.path.clone(),
                error: missing_error(module),
                reason: format!(
                    "{} is compiled for another Python version or platform; python3.{} \
                     imports only {base}.cpython-3{}-<x86_64|aarch64>-linux-gnu.so, \
                     {base}.abi3.so or {base}.so",
                    other.path,
                    module.minor.unwrap_or_default(),
                    module.minor.unwrap_or_default()
                ),
                fix: format!(
                    "build {} again for python3.{} on Amazon Linux (pip install \
                     --platform manylinux2014_x86_64 --python-version 3.{} \
                     --only-binary=:all:, or sam build --use-container)",
                    other.path,
                    module.minor.unwrap_or_default(),
                    module.minor.unwrap_or_default()
                ),
                source: FINDER,
            });
        }
        return Resolution::Missing;
    }
    Resolution::Missing
}

/// The file the finder loads for `base` (no suffix): an extension module for this interpreter
/// (`importlib.machinery.EXTENSION_SUFFIXES` on Linux), then source, then bytecode.
fn loadable<'l>(
    listing: &'l PackageListing,
    minor: Option<u32>,
    base: &str,
) -> Option<&'l PackageEntry> {
    let tagged = match minor {
        Some(m) => ["x86_64", "aarch64"]
            .iter()
            .find_map(|arch| file(listing, &format!("{base}.cpython-3{m}-{arch}-linux-gnu.so"))),
        // The version is unknown: any CPython tag may be the right one.
        None => listing.entries.iter().find(|e| {
            e.path
                .strip_prefix(&format!("{base}.cpython-"))
                .is_some_and(|rest| rest.ends_with(".so") && !rest.contains('/'))
        }),
    };
    tagged.or_else(|| {
        [".abi3.so", ".so", ".py", ".pyc"]
            .iter()
            .find_map(|suffix| file(listing, &format!("{base}{suffix}")))
    })
}

/// `{base}.cpython-3XY-....so` for another interpreter than the runtime's.
fn foreign_extension<'l>(
    listing: &'l PackageListing,
    minor: Option<u32>,
    base: &str,
) -> Option<&'l PackageEntry> {
    minor?;
    let prefix = format!("{base}.");
    listing.entries.iter().find(|e| {
        e.path
            .strip_prefix(&prefix)
            .is_some_and(|rest| rest.ends_with(".so") && !rest.contains('/') && !e.is_dir())
    })
}

/// `python/lib/python3.N/site-packages/` roots present in the listing.
fn site_packages(listing: &PackageListing, minor: Option<u32>) -> Vec<String> {
    let mut roots: Vec<String> = listing
        .entries
        .iter()
        .filter_map(|e| {
            let rest = e.path.strip_prefix("python/lib/")?;
            let (version, _) = rest.split_once("/site-packages/")?;
            let wanted = match minor {
                Some(m) => version == format!("python3.{m}"),
                None => version.starts_with("python3") && !version.contains('/'),
            };
            wanted.then(|| format!("python/lib/{version}/site-packages/"))
        })
        .collect();
    roots.sort();
    roots.dedup();
    roots
}
