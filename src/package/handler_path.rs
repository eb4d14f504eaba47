//! Where each runtime looks for the handler (docs/aws-facts.md §5): the files in the package (and, for
//! some runtimes, in a layer under `/opt`) whose presence decides whether the handler can load.

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
    /// Python extension modules: `{prefix}*.so` (`app.cpython-312-x86_64-linux-gnu.so`).
    pub extension_prefix: Option<String>,
    /// The file must be executable by Lambda's user (`bootstrap`, a Go binary).
    pub executable: bool,
    /// The name the handler file must define, for the deeper look.
    pub function: Option<String>,
}

impl Expectation {
    /// What a person should look for, for messages: `lambda_function.py`.
    pub fn describe(&self) -> String {
        match self.candidates.as_slice() {
            [] => "the handler file".to_string(),
            [one] => one.clone(),
            // `index.js (or index, index.mjs, index.cjs, index/index.js)`: the usual name first.
            [bare, js, rest @ ..] if self.language == Language::Node => {
                format!("{js} (or {bare}, {})", rest.join(", "))
            }
            [first, ..] => first.clone(),
        }
    }
}

/// The expectation for `handler` on `runtime`, or `None` when the handler's form is invalid
/// (`handler-invalid` reports that) or the runtime is not one whose loader is known.
pub fn expect(runtime: &str, handler: &str) -> Option<Expectation> {
    let base = Expectation {
        language: Language::Executable,
        candidates: Vec::new(),
        extension_prefix: None,
        executable: false,
        function: None,
    };
    if runtime.starts_with("python") {
        // awslambdaric: modname, fname = handler.rsplit(".", 1); import_module(modname with / as .)
        let (module, function) = handler.rsplit_once('.')?;
        if module.is_empty() || function.is_empty() {
            return None;
        }
        let path = module.replace('.', "/");
        Some(Expectation {
            language: Language::Python,
            candidates: vec![
                format!("{path}.py"),
                format!("{path}/__init__.py"),
                format!("{path}.pyc"),
            ],
            extension_prefix: Some(format!("{path}.")),
            function: Some(function.to_string()),
            ..base
        })
    } else if runtime.starts_with("nodejs") {
        if handler.contains("..") {
            return None;
        }
        // The module is everything up to the first `.` after the last `/` (UserFunction.js).
        let (folder, file) = match handler.rsplit_once('/') {
            Some((folder, file)) => (format!("{folder}/"), file),
            None => (String::new(), handler),
        };
        let (module, export) = file.split_once('.')?;
        if module.is_empty() || export.is_empty() {
            return None;
        }
        let path = format!("{folder}{module}");
        Some(Expectation {
            language: Language::Node,
            // Load order: extensionless, .js, .mjs, .cjs; then require.resolve (a folder's index).
            candidates: vec![
                path.clone(),
                format!("{path}.js"),
                format!("{path}.mjs"),
                format!("{path}.cjs"),
                format!("{path}/index.js"),
            ],
            // A nested export path (`obj.fn`) is found through its first name.
            function: export.split('.').next().map(str::to_string),
            ..base
        })
    } else if runtime.starts_with("ruby") {
        // `file.method` or `file.Module::Class.method`: the file is before the first `.`.
        let (file, _) = handler.split_once('.')?;
        (!file.is_empty()).then(|| Expectation {
            language: Language::Ruby,
            candidates: vec![format!("{file}.rb")],
            ..base
        })
    } else if runtime.starts_with("java") {
        let class = handler.split("::").next()?;
        (!class.is_empty()).then(|| Expectation {
            language: Language::Java,
            candidates: vec![format!("{}.class", class.replace('.', "/"))],
            ..base
        })
    } else if runtime.starts_with("dotnet") {
        let assembly = handler.split("::").next()?;
        (!assembly.is_empty()).then(|| Expectation {
            language: Language::DotNet,
            candidates: vec![format!("{assembly}.dll")],
            ..base
        })
    } else if runtime.starts_with("provided") {
        // The handler is the bootstrap's business; the bootstrap itself must be there.
        Some(Expectation {
            candidates: vec!["bootstrap".to_string()],
            executable: true,
            ..base
        })
    } else if runtime == "go1.x" {
        (!handler.is_empty() && !handler.contains('/')).then(|| Expectation {
            candidates: vec![handler.to_string()],
            executable: true,
            ..base
        })
    } else {
        None
    }
}

/// The handler's entry at the package root, if there is one.
pub fn find<'l>(
    listing: &'l PackageListing,
    expectation: &Expectation,
) -> Option<&'l PackageEntry> {
    find_under(listing, expectation, "")
}

/// The handler's entry in a layer, under the folders of `/opt` the runtime searches: Python's
/// `sys.path` holds `/opt/python` and its `lib/python3.x/site-packages`, Node's `NODE_PATH`
/// `/opt/nodejs/node_modules` and `/opt/nodejs/node<N>/node_modules`, Ruby's load path
/// `/opt/ruby/lib`, and custom runtimes start `/opt/bootstrap` (docs/aws-facts.md §5,
/// `packaging-layers.md`).
pub fn find_in_layer<'l>(
    listing: &'l PackageListing,
    expectation: &Expectation,
) -> Option<&'l PackageEntry> {
    let roots: Vec<String> = match expectation.language {
        Language::Python => {
            let mut roots = vec!["python/".to_string()];
            roots.extend(versioned_roots(
                listing,
                "python/lib/",
                "python3",
                "/site-packages/",
            ));
            roots
        }
        Language::Node => {
            let mut roots = vec!["nodejs/node_modules/".to_string()];
            roots.extend(versioned_roots(
                listing,
                "nodejs/",
                "node",
                "/node_modules/",
            ));
            roots
        }
        Language::Ruby => vec!["ruby/lib/".to_string()],
        Language::Executable if expectation.candidates == ["bootstrap"] => vec![String::new()],
        _ => Vec::new(),
    };
    roots
        .iter()
        .find_map(|root| find_under(listing, expectation, root))
}

/// Whether a Java package keeps classes in jars under `lib/`, where the listing cannot look.
pub fn has_jars(listing: &PackageListing) -> bool {
    listing
        .entries
        .iter()
        .any(|e| e.path.starts_with("lib/") && e.path.ends_with(".jar"))
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

fn find_under<'l>(
    listing: &'l PackageListing,
    expectation: &Expectation,
    root: &str,
) -> Option<&'l PackageEntry> {
    let exact = expectation
        .candidates
        .iter()
        .find_map(|c| listing.get(&format!("{root}{c}")).filter(|e| !e.is_dir()));
    exact.or_else(|| {
        let prefix = format!("{root}{}", expectation.extension_prefix.as_ref()?);
        listing.entries.iter().find(|e| {
            e.path
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.ends_with(".so") && !rest.contains('/'))
        })
    })
}

/// `python/lib/python3.12/site-packages/`-like roots present in the listing.
fn versioned_roots(listing: &PackageListing, head: &str, stem: &str, tail: &str) -> Vec<String> {
    let mut roots: Vec<String> = listing
        .entries
        .iter()
        .filter_map(|e| {
            let rest = e.path.strip_prefix(head)?;
            let (version, _) = rest.split_once(tail)?;
            (version.starts_with(stem) && !version.contains('/'))
                .then(|| format!("{head}{version}{tail}"))
        })
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(paths: &[&str]) -> PackageListing {
        PackageListing::new(
            0,
            paths
                .iter()
                .map(|p| PackageEntry {
                    path: p.to_string(),
                    size: 1,
                    mode: Some(if p.ends_with('/') { 0o40755 } else { 0o100644 }),
                })
                .collect(),
        )
    }

    fn found(runtime: &str, handler: &str, paths: &[&str]) -> Option<String> {
        let e = expect(runtime, handler).expect("a valid handler");
        find(&listing(paths), &e).map(|e| e.path.clone())
    }

    #[test]
    fn python_modules_packages_and_extensions() {
        let p = "python3.12";
        assert_eq!(
            found(p, "lambda_function.lambda_handler", &["lambda_function.py"]).as_deref(),
            Some("lambda_function.py")
        );
        assert_eq!(
            found(p, "src/app.handler", &["src/", "src/app.py"]).as_deref(),
            Some("src/app.py")
        );
        assert_eq!(
            found(p, "src.app.handler", &["src/app.py"]).as_deref(),
            Some("src/app.py")
        );
        assert_eq!(
            found(p, "app.handler", &["app/__init__.py"]).as_deref(),
            Some("app/__init__.py")
        );
        assert_eq!(
            found(p, "fast.handler", &["fast.cpython-312-x86_64-linux-gnu.so"]).as_deref(),
            Some("fast.cpython-312-x86_64-linux-gnu.so")
        );
        assert_eq!(found(p, "app.handler", &["application.py", "app/"]), None);
        assert_eq!(expect(p, "nodot"), None);
    }

    #[test]
    fn node_load_order_and_folders() {
        let n = "nodejs22.x";
        assert_eq!(
            found(n, "index.handler", &["index.mjs"]).as_deref(),
            Some("index.mjs")
        );
        assert_eq!(
            found(n, "index.handler", &["index.js", "index.mjs"]).as_deref(),
            Some("index.js")
        );
        assert_eq!(
            found(n, "dist/app.main.handler", &["dist/app.cjs"]).as_deref(),
            Some("dist/app.cjs")
        );
        assert_eq!(found(n, "index.handler", &["index.ts"]), None);
        let e = expect(n, "src/app.obj.fn").unwrap();
        assert_eq!(e.function.as_deref(), Some("obj"));
        assert_eq!(expect(n, "../x.handler"), None);
    }

    #[test]
    fn other_runtimes() {
        assert_eq!(
            found(
                "ruby3.3",
                "lib/source.LambdaFunctions::Handler.process",
                &["lib/source.rb"]
            )
            .as_deref(),
            Some("lib/source.rb")
        );
        assert_eq!(
            found(
                "java21",
                "example.Hello::handleRequest",
                &["example/Hello.class"]
            )
            .as_deref(),
            Some("example/Hello.class")
        );
        assert_eq!(
            found("dotnet8", "MyApp::MyApp.Function::Handler", &["MyApp.dll"]).as_deref(),
            Some("MyApp.dll")
        );
        assert_eq!(
            found("provided.al2023", "anything", &["bootstrap"]).as_deref(),
            Some("bootstrap")
        );
        assert!(expect("provided.al2023", "x").unwrap().executable);
        assert_eq!(found("go1.x", "main", &["main"]).as_deref(), Some("main"));
        assert_eq!(expect("unknown9", "a.b"), None);
    }

    #[test]
    fn nested_case_and_layers() {
        let e = expect("python3.12", "lambda_function.lambda_handler").unwrap();
        let l = listing(&[
            "my-fn/",
            "my-fn/lambda_function.py",
            "a/b/lambda_function.py",
        ]);
        assert_eq!(nested(&l, &e), Some("my-fn/lambda_function.py"));
        let l = listing(&["Lambda_function.py"]);
        assert_eq!(case_variant(&l, &e), Some("Lambda_function.py"));

        let layer = listing(&["python/lib/python3.12/site-packages/lambda_function.py"]);
        assert!(find_in_layer(&layer, &e).is_some());
        let layer = listing(&["python/lambda_function.py"]);
        assert!(find_in_layer(&layer, &e).is_some());
        let layer = listing(&["lambda_function.py"]);
        assert!(
            find_in_layer(&layer, &e).is_none(),
            "a layer's root is not on sys.path"
        );

        let b = expect("provided.al2", "x").unwrap();
        assert!(find_in_layer(&listing(&["bootstrap"]), &b).is_some());
        let node = expect("nodejs20.x", "index.handler").unwrap();
        assert!(find_in_layer(&listing(&["nodejs/node20/node_modules/index.js"]), &node).is_some());
    }
}
