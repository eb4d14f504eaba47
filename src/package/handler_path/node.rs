//! Node.js: two loaders of aws-lambda-nodejs-runtime-interface-client parse the handler alike
//! and differ in how they load the module.
//!
//! - v3 (`src/UserFunction.js`, managed runtimes up to `nodejs22.x`): `require()` of the
//!   extensionless path (a folder there is loaded as a folder: `package.json`, `index.js`), then
//!   `.js` (required, or imported when the nearest `package.json` says `"type": "module"`),
//!   `.mjs`, `.cjs`, then `require.resolve(module, {paths: [appRoot, moduleRoot]})`.
//! - v4 (`src/function/module-loader.ts`, published as aws-lambda-ric 4.x for Node.js 22+:
//!   `nodejs24.x` and later, and `nodejs22.x` on Lambda Managed Instances, whose callback error
//!   names "Node.js 22 with Managed Instances"): `import()` of the extensionless path, `.js`,
//!   `.mjs`, `.cjs`, each only if it exists, then the same `require.resolve`. `import()` of a
//!   folder throws `ERR_UNSUPPORTED_DIR_IMPORT`, which is not a MODULE_NOT_FOUND, so the
//!   loader stops there.
//!
//! Both split the handler as `path.basename` (the module root is the text before the first
//! occurrence of the basename), then `^([^.]*)\.(.*)$`, and refuse any `..`. The fallback's
//! `require.resolve` of a bare name searches `node_modules` folders from the task root and the
//! module root, then `NODE_PATH`: `/opt/nodejs/node<N>/node_modules`, `/opt/nodejs/node_modules`,
//! `/var/runtime/node_modules`, `/var/runtime`, `/var/task` (the runtime's `bootstrap`).

use super::{file, is_dir, Broken, Failure, Resolution};
use crate::inventory::{PackageEntry, PackageListing};

const V3: &str = "aws-lambda-nodejs-runtime-interface-client v3 src/UserFunction.js";
const V4: &str = "aws-lambda-nodejs-runtime-interface-client v4 src/function/module-loader.ts";
const PARSE: &str =
    "aws-lambda-nodejs-runtime-interface-client src/UserFunction.js (v3), src/utils/handler-path.ts (v4)";

/// Node.js's built-in module names (`require('module').builtinModules` without subpaths):
/// `require.resolve` of these returns the built-in, whose exports hold no handler.
const BUILT_IN: &[&str] = &[
    "_http_agent",
    "_http_client",
    "_http_common",
    "_http_incoming",
    "_http_outgoing",
    "_http_server",
    "_stream_duplex",
    "_stream_passthrough",
    "_stream_readable",
    "_stream_transform",
    "_stream_wrap",
    "_stream_writable",
    "_tls_common",
    "_tls_wrap",
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// Which loader runs a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ric {
    V3,
    V4,
    /// `nodejs22.x`: v3, or v4 on Lambda Managed Instances, which the inventory cannot tell.
    Either,
}

/// The module a Node.js handler loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Module {
    /// The module root relative to the package (`src/`, `""`); `None` when the handler names
    /// an absolute folder outside `/var/task`.
    root: Option<String>,
    /// The module root as written (`src/`, `/opt/lib/`).
    written_root: String,
    /// The module name (`index`); may be empty (`.handler`).
    name: String,
    /// The whole handler, as the errors quote it.
    handler: String,
    major: Option<u32>,
    ric: Ric,
}

/// `path.basename` (POSIX): the last part, trailing slashes ignored.
fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// `[moduleRoot, module, handlerPath]` as both loaders split the handler.
fn split(handler: &str) -> Option<(&str, &str, &str)> {
    let base = basename(handler);
    let at = handler.find(base)?;
    let (module, export) = base.split_once('.')?;
    Some((&handler[..at], module, export))
}

pub(super) fn broken(_major: Option<u32>, handler: &str) -> Option<Broken> {
    if handler.contains("..") {
        return Some(Broken::new(
            "a Node.js handler must not contain `..` (\"Use absolute paths when specifying \
             root directories in handler names\")",
            "Runtime.MalformedHandlerName",
            PARSE,
        ));
    }
    let Some((_, _, export)) = split(handler) else {
        return Some(Broken::new(
            "a Node.js handler is file.export and has no `.` after its last folder (\"Bad \
             handler\")",
            "Runtime.MalformedHandlerName",
            PARSE,
        ));
    };
    if export.split('.').any(str::is_empty) {
        return Some(Broken::new(
            "the export path after the file has an empty name, which no export can have \
             (\"... is undefined or not exported\")",
            "Runtime.HandlerNotFound",
            PARSE,
        ));
    }
    None
}

pub(super) fn expect(major: Option<u32>, handler: &str) -> Option<super::Expectation> {
    let (root, name, export) = split(handler)?;
    let relative = match root.strip_prefix("/var/task/") {
        Some(inside) => Some(inside.to_string()),
        None if root.starts_with('/') => None,
        None => Some(root.to_string()),
    };
    let ric = match major {
        Some(m) if m >= 24 => Ric::V4,
        Some(22) => Ric::Either,
        _ => Ric::V3,
    };
    let module = Module {
        root: relative,
        written_root: root.to_string(),
        name: name.to_string(),
        handler: handler.to_string(),
        major,
        ric,
    };
    let path = module.path().unwrap_or_else(|| format!("{root}{name}"));
    Some(super::Expectation {
        language: super::Language::Node,
        candidates: vec![
            path.clone(),
            format!("{path}.js"),
            format!("{path}.mjs"),
            format!("{path}.cjs"),
        ],
        executable: false,
        // A nested export path (`obj.fn`) is found through its first name.
        function: export.split('.').next().map(str::to_string),
        loader: super::Loader::Node(module),
    })
}

impl Module {
    /// `path.resolve(appRoot, moduleRoot, module)` relative to the package root.
    fn path(&self) -> Option<String> {
        let root = self.root.as_deref()?;
        let joined = format!("{root}{}", self.name);
        Some(joined.trim_end_matches('/').to_string())
    }
}

pub(super) fn missing_error(module: &Module) -> String {
    format!(
        "Runtime.ImportModuleError: Error: Cannot find module '{}'",
        module.name
    )
}

pub(super) fn resolve<'l>(listing: &'l PackageListing, module: &Module) -> Resolution<'l> {
    let Some(path) = module.path() else {
        return Resolution::Undecided(format!(
            "the handler names the folder {}, outside the package and the layers' /opt, which \
             a listing cannot show",
            module.written_root
        ));
    };
    match module.ric {
        Ric::V3 => v3(listing, module, &path),
        Ric::V4 => v4(listing, module, &path),
        Ric::Either => match (v3(listing, module, &path), v4(listing, module, &path)) {
            (Resolution::Loads(entry), Resolution::Fails(failure)) => {
                Resolution::Undecided(format!(
                    "nodejs22.x loads {} with runtime interface client v3, but on Lambda \
                     Managed Instances it runs v4, which fails: {} ({})",
                    entry.path, failure.error, failure.reason
                ))
            }
            (v3, _) => v3,
        },
    }
}

fn v3<'l>(listing: &'l PackageListing, module: &Module, path: &str) -> Resolution<'l> {
    if let Some(entry) = file(listing, path) {
        return Resolution::Loads(entry);
    }
    if is_dir(listing, path) {
        // `require(folder)`: Node's LOAD_AS_FILE, then LOAD_AS_DIRECTORY.
        let shown = if path.is_empty() { "." } else { path };
        return cjs_file(listing, path)
            .or_else(|| cjs_folder(listing, path))
            .map_or_else(
                || {
                    Resolution::Fails(Failure {
                        path: format!("{path}/"),
                        error: format!(
                            "Runtime.ImportModuleError: Error: Cannot find module '/var/task/{path}'"
                        ),
                        reason: format!(
                            "the loader first require()s /var/task/{path}, which is the folder \
                             {shown}/ with no package.json or index.js, and stops there before \
                             trying .mjs or .cjs"
                        ),
                        fix: format!(
                            "rename the folder {shown}/ (or the module file) so the two names \
                             differ, or add {shown}/index.js"
                        ),
                        source: V3,
                    })
                },
                Resolution::Loads,
            );
    }
    direct_extensions(listing, path)
        .map(Resolution::Loads)
        .unwrap_or_else(|| fallback(listing, module))
}

fn v4<'l>(listing: &'l PackageListing, module: &Module, path: &str) -> Resolution<'l> {
    if let Some(entry) = file(listing, path) {
        return Resolution::Loads(entry);
    }
    if is_dir(listing, path) {
        return Resolution::Fails(Failure {
            path: format!("{path}/"),
            error: format!(
                "Error [ERR_UNSUPPORTED_DIR_IMPORT]: Directory import '/var/task/{path}' is not \
                 supported"
            ),
            reason: format!(
                "the loader import()s /var/task/{path} before {path}.js, .mjs and .cjs, and it \
                 is a folder, which ES module import refuses"
            ),
            fix: format!(
                "rename the folder {path}/ or the module file so the two names differ, and set \
                 the handler to the file itself"
            ),
            source: V4,
        });
    }
    direct_extensions(listing, path)
        .map(Resolution::Loads)
        .unwrap_or_else(|| fallback(listing, module))
}

/// `.js`, `.mjs`, `.cjs`, the order both loaders try.
fn direct_extensions<'l>(listing: &'l PackageListing, path: &str) -> Option<&'l PackageEntry> {
    [".js", ".mjs", ".cjs"]
        .iter()
        .find_map(|ext| file(listing, &format!("{path}{ext}")))
}

/// `require.resolve(module, {paths: [appRoot, moduleRoot]})` inside the package: a built-in
/// name, `node_modules` from the module root up to the task root, and `/var/task` itself
/// through `NODE_PATH`. Layers come from [`find_in_layer`].
fn fallback<'l>(listing: &'l PackageListing, module: &Module) -> Resolution<'l> {
    if module.name.is_empty() {
        return Resolution::Missing;
    }
    if BUILT_IN.contains(&module.name.as_str()) {
        return Resolution::Fails(Failure {
            path: module.path().unwrap_or_default(),
            error: format!(
                "Runtime.HandlerNotFound: {} is undefined or not exported",
                module.handler
            ),
            reason: format!(
                "no file {0}.js/.mjs/.cjs is there, so the loader falls back to \
                 require.resolve('{0}'), which is Node.js's built-in module `{0}`",
                module.name
            ),
            fix: format!(
                "add {0}.js (or .mjs, .cjs) where the handler points, or rename the module: \
                 a module named like a Node.js built-in is easily confused",
                module.name
            ),
            source: V3,
        });
    }
    let root = module.root.clone().unwrap_or_default();
    let mut folders = Vec::new();
    let mut at = root.trim_end_matches('/').to_string();
    loop {
        folders.push(if at.is_empty() {
            "node_modules/".to_string()
        } else {
            format!("{at}/node_modules/")
        });
        match at.rsplit_once('/') {
            Some((up, _)) => at = up.to_string(),
            None if at.is_empty() => break,
            None => at.clear(),
        }
    }
    folders.push(String::new());
    folders
        .iter()
        .find_map(|folder| bare(listing, &format!("{folder}{}", module.name)))
        .map_or(Resolution::Missing, Resolution::Loads)
}

/// A bare name in a layer's `NODE_PATH` folders: `nodejs/node<N>/node_modules` (the runtime's
/// own N only) and `nodejs/node_modules`.
pub(super) fn find_in_layer<'l>(
    listing: &'l PackageListing,
    module: &Module,
) -> Option<&'l PackageEntry> {
    if let Some(inside) = module.written_root.strip_prefix("/opt/") {
        // A handler naming a layer folder: the direct load, in the layer.
        let path = format!("{inside}{}", module.name);
        return file(listing, &path).or_else(|| direct_extensions(listing, &path));
    }
    if module.name.is_empty() || BUILT_IN.contains(&module.name.as_str()) {
        return None;
    }
    let mut folders = Vec::new();
    if let Some(major) = module.major {
        folders.push(format!("nodejs/node{major}/node_modules/"));
    }
    folders.push("nodejs/node_modules/".to_string());
    folders
        .iter()
        .find_map(|folder| bare(listing, &format!("{folder}{}", module.name)))
}

/// Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY for `path` (CommonJS resolution).
fn bare<'l>(listing: &'l PackageListing, path: &str) -> Option<&'l PackageEntry> {
    file(listing, path)
        .or_else(|| cjs_file(listing, path))
        .or_else(|| cjs_folder(listing, path))
}

/// LOAD_AS_FILE's extensions: `.js`, `.json`, `.node`.
fn cjs_file<'l>(listing: &'l PackageListing, path: &str) -> Option<&'l PackageEntry> {
    if path.is_empty() {
        return None;
    }
    [".js", ".json", ".node"]
        .iter()
        .find_map(|ext| file(listing, &format!("{path}{ext}")))
}

/// LOAD_AS_DIRECTORY: `package.json` (whose `main` a listing cannot read: counted as found),
/// then `index.js`, `index.json`, `index.node`.
fn cjs_folder<'l>(listing: &'l PackageListing, path: &str) -> Option<&'l PackageEntry> {
    let folder = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    ["package.json", "index.js", "index.json", "index.node"]
        .iter()
        .find_map(|name| file(listing, &format!("{folder}{name}")))
}
