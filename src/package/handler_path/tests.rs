//! Table-driven tests of every loader rule. Each row names its source: the loader file it
//! imitates, or the loader's own test the case comes from.

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

// Sources, shortened for the tables.
const PY_RIC: &str = "awslambdaric bootstrap.py _get_handler";
const PY_RIC_TEST: &str = "awslambdaric tests/test_bootstrap.py";
const PY_FINDER: &str = "CPython importlib FileFinder.find_spec";
const NODE_V3: &str = "nodejs RIC v3 src/UserFunction.js";
const NODE_V3_TEST: &str = "nodejs RIC v3 test/unit/UserFunctionTest.js";
const NODE_V4: &str = "nodejs RIC v4 (aws-lambda-ric 4.0.2) module-loader / handler-path";
const NODE_RESOLVE: &str = "Node.js require.resolve with paths, NODE_PATH of the runtime bootstrap";
const RUBY_RIC: &str = "ruby RIC lib/aws_lambda_ric/lambda_handler.rb";
const RUBY_DOC: &str = "Lambda ruby-handler.md";
const JAVA_RIC: &str = "java RIC HandlerInfo.java";
const JAVA_RIC_TEST: &str = "java RIC HandlerInfoTest.java";
const JAVA_CL: &str = "java RIC CustomerClassLoader.java";
const DOTNET_INFO: &str = "aws-lambda-dotnet RuntimeSupport HandlerInfo.cs";
const DOTNET_TEST: &str = "aws-lambda-dotnet RuntimeSupport.UnitTests HandlerTests.cs";
const DOTNET_BOOT: &str = "aws-lambda-dotnet RuntimeSupport bootstrap.sh";
const CUSTOM: &str = "Lambda runtimes-custom.md, golang-handler.md";

/// `(runtime, handler, the error the log shows or None when the string is fine, source)`.
#[rustfmt::skip]
const HANDLER_STRINGS: &[(&str, &str, Option<&str>, &str)] = &[
    // Python
    ("python3.12", "lambda_function.lambda_handler", None, PY_RIC),
    ("python3.12", "bad_handler", Some("Runtime.MalformedHandlerName"), PY_RIC_TEST),
    ("python3.12", "sys.hello", Some("Runtime.BuiltInModuleConflict"), PY_RIC_TEST),
    ("python3.12", "time.handler", Some("Runtime.BuiltInModuleConflict"), PY_RIC),
    ("python3.9", "builtins.handler", Some("Runtime.BuiltInModuleConflict"), PY_RIC),
    ("python3.12", "sys.sub.handler", Some("Runtime.BuiltInModuleConflict"), PY_RIC),
    ("python3.12", "_tokenize.handler", Some("Runtime.BuiltInModuleConflict"), PY_RIC),
    // `_tokenize` is part of the core from 3.11 on only.
    ("python3.10", "_tokenize.handler", None, PY_RIC),
    ("python3.12", "json.handler", None, PY_RIC),
    ("python3.12", "tests/test_built_in_module_name/sys.my_handler", None, PY_RIC_TEST),
    ("python3.12", "tests.test_built_in_module_name.sys.my_handler", None, PY_RIC_TEST),
    ("python3.12", "tests/test_handler_with_slash/test_handler.my_handler", None, PY_RIC_TEST),
    ("python3.12", "sys/app.handler", Some("Runtime.ImportModuleError"), PY_RIC),
    ("python3.12", ".handler", Some("ValueError"), PY_RIC),
    ("python3.12", ".app.handler", Some("TypeError"), PY_RIC),
    ("python3.12", "/app.handler", Some("TypeError"), PY_RIC),
    ("python3.12", "src//app.handler", Some("Runtime.ImportModuleError"), PY_RIC),
    ("python3.12", "src/.handler", Some("Runtime.ImportModuleError"), PY_RIC),
    ("python3.12", "app.", Some("Runtime.HandlerNotFound"), PY_RIC),
    ("python3.12", "app.my-handler", Some("Runtime.HandlerNotFound"), PY_RIC),
    ("python3.12", "app-v2.handler", None, PY_RIC),
    // Node.js: both loaders parse alike.
    ("nodejs20.x", "core.echo", None, NODE_V3_TEST),
    ("nodejs20.x", "nestedHandler.nested.somethingComplex.handler", None, NODE_V3_TEST),
    ("nodejs20.x", "handlers/nestedHandler.nested.somethingComplex.handler", None, NODE_V3_TEST),
    ("nodejs20.x", "malformed..handler", Some("Runtime.MalformedHandlerName"), NODE_V3_TEST),
    ("nodejs20.x", "malformedHandler", Some("Runtime.MalformedHandlerName"), NODE_V3_TEST),
    ("nodejs24.x", "../index.handler", Some("Runtime.MalformedHandlerName"), NODE_V4),
    ("nodejs24.x", "src.v2/index", Some("Runtime.MalformedHandlerName"), NODE_V4),
    ("nodejs22.x", "src/v1.2/index.handler", None, NODE_V3),
    ("nodejs22.x", "index.", Some("Runtime.HandlerNotFound"), NODE_V3),
    ("nodejs24.x", "index.obj.", Some("Runtime.HandlerNotFound"), NODE_V4),
    ("nodejs22.x", ".handler", None, NODE_V3),
    // Ruby: String#split('.') drops trailing empty parts.
    ("ruby3.3", "lambda_function.lambda_handler", None, RUBY_DOC),
    ("ruby3.3", "source.LambdaFunctions::Handler.process", None, RUBY_DOC),
    ("ruby3.3", "function.::Handler.process", None, RUBY_RIC),
    ("ruby3.3", "handler", Some("Init<ArgumentError>"), RUBY_RIC),
    ("ruby3.3", "a.b.c.d", Some("Init<ArgumentError>"), RUBY_RIC),
    ("ruby3.3", "function.handler.", None, RUBY_RIC),
    ("ruby3.3", ".handler", Some("Init<LoadError>"), RUBY_RIC),
    ("ruby3.3", "function.lambdaFunctions::Handler.process", Some("Function<NameError>"), RUBY_RIC),
    ("ruby3.3", "function.handler_class.process", Some("Function<NameError>"), RUBY_RIC),
    ("ruby3.3", "function..process", Some("Function<NameError>"), RUBY_RIC),
    // Java: the last `::` splits class and method.
    ("java21", "java.lang.String", None, JAVA_RIC_TEST),
    ("java21", "java.lang.String::length", None, JAVA_RIC_TEST),
    ("java21", "com.test.OuterClass$InnerClass::method", None, JAVA_RIC_TEST),
    ("java21", "::method", Some("Invalid handler"), JAVA_RIC_TEST),
    ("java21", "java.lang.String::", Some("Invalid handler"), JAVA_RIC_TEST),
    ("java21", "::", Some("Invalid handler"), JAVA_RIC_TEST),
    ("java21", "example/Handler::handleRequest", Some("java.lang.ClassNotFoundException"), JAVA_RIC),
    ("java21", "example..Handler", Some("java.lang.ClassNotFoundException"), JAVA_RIC),
    ("java21", "example.Handler::handle.request", Some("No public method named"), JAVA_RIC),
    // Kotlin and Scala emit JVM method names that are no Java identifiers.
    ("java21", "example.Handler::handle-request", None, JAVA_RIC),
    // .NET: `HandlerInfo` wants three non-empty parts once the handler has a `:`.
    ("dotnet8", "HandlerTest::HandlerTest.CustomerType::ZeroInTaskOut", None, DOTNET_TEST),
    ("dotnet8", "A::B::C::D", None, DOTNET_TEST),
    ("dotnet8", " ::B::C", Some("LambdaValidationException"), DOTNET_TEST),
    ("dotnet8", "A:: ::C", Some("LambdaValidationException"), DOTNET_TEST),
    ("dotnet8", "A::B:: ", Some("LambdaValidationException"), DOTNET_TEST),
    ("dotnet8", "MyApp::Function", Some("LambdaValidationException"), DOTNET_INFO),
    ("dotnet8", "MyApp:Function:Handler", Some("LambdaValidationException"), DOTNET_INFO),
    // Without `:`, bootstrap.sh starts an executable assembly or binary.
    ("dotnet8", "MyApp", None, DOTNET_BOOT),
    ("dotnet10", "MyApp.dll", None, DOTNET_BOOT),
    ("dotnetcore3.1", "MyApp", Some("LambdaValidationException"), DOTNET_INFO),
    // Custom runtimes and go1.x: the handler is the executable's business.
    ("provided.al2023", "anything.at::all", None, CUSTOM),
    ("go1.x", "main", None, CUSTOM),
    ("cobol1.0", "???", None, "unknown runtimes are not judged"),
];

#[test]
fn handler_strings_follow_each_loader() {
    for (runtime, handler, error, source) in HANDLER_STRINGS {
        let broken = broken_handler(runtime, handler);
        assert_eq!(
            broken.as_ref().map(|b| b.error.as_str()),
            *error,
            "{runtime} `{handler}` ({source}): {broken:?}"
        );
        if let Some(broken) = broken {
            assert!(!broken.source.is_empty() && !broken.rule.is_empty());
            assert!(
                expect(runtime, handler).is_none(),
                "{runtime} `{handler}`: a broken handler expects no file"
            );
        }
    }
}

/// What a loader does with a package, for the tables: `loads PATH`, `fails ERROR...`,
/// `missing`, `undecided`.
fn outcome(runtime: &str, handler: &str, paths: &[&str]) -> String {
    let expectation = expect(runtime, handler).expect("a valid handler");
    match resolve(&listing(paths), &expectation) {
        Resolution::Loads(entry) => format!("loads {}", entry.path),
        Resolution::Fails(failure) => format!("fails {}", failure.error),
        Resolution::Missing => "missing".to_string(),
        Resolution::Undecided(_) => "undecided".to_string(),
    }
}

/// `(runtime, handler, package, outcome (prefix), source)`.
#[rustfmt::skip]
const PACKAGES: &[(&str, &str, &[&str], &str, &str)] = &[
    // Python: regular package > module (extension, source, bytecode) > namespace package.
    ("python3.12", "lambda_function.lambda_handler", &["lambda_function.py"], "loads lambda_function.py", PY_FINDER),
    ("python3.12", "src/app.handler", &["src/", "src/app.py"], "loads src/app.py", PY_RIC_TEST),
    ("python3.12", "src.app.handler", &["src/app.py"], "loads src/app.py", PY_RIC),
    ("python3.12", "app.handler", &["app/__init__.py"], "loads app/__init__.py", PY_FINDER),
    ("python3.12", "app.handler", &["app.py", "app/", "app/__init__.py"], "loads app/__init__.py", PY_FINDER),
    ("python3.12", "app.handler", &["app.py", "app/", "app/util.py"], "loads app.py", PY_FINDER),
    ("python3.12", "app.handler", &["app/", "app/util.py"], "fails Runtime.HandlerNotFound", PY_FINDER),
    ("python3.12", "src.app.handler", &["src.py", "src/app.py"], "fails Runtime.ImportModuleError", PY_FINDER),
    ("python3.12", "src.app.handler", &["src.py", "src/__init__.py", "src/app.py"], "loads src/app.py", PY_FINDER),
    ("python3.12", "fast.handler", &["fast.cpython-312-x86_64-linux-gnu.so", "fast.py"], "loads fast.cpython-312-x86_64-linux-gnu.so", PY_FINDER),
    ("python3.12", "fast.handler", &["fast.cpython-312-aarch64-linux-gnu.so"], "loads fast.cpython-312-aarch64-linux-gnu.so", PY_FINDER),
    ("python3.12", "fast.handler", &["fast.abi3.so"], "loads fast.abi3.so", PY_FINDER),
    ("python3.12", "fast.handler", &["fast.cpython-311-x86_64-linux-gnu.so"], "fails Runtime.ImportModuleError", PY_FINDER),
    ("python3.12", "fast.handler", &["fast.cpython-312-darwin.so"], "fails Runtime.ImportModuleError", PY_FINDER),
    ("python3.12", "app.handler", &["app.pyc"], "loads app.pyc", PY_FINDER),
    ("python3.12", "no_module.handler", &["app.py"], "missing", PY_RIC_TEST),
    ("python3.12", "app.handler", &["application.py", "app.txt"], "missing", PY_FINDER),
    // Node.js v3: extensionless, .js, .mjs, .cjs, then require.resolve.
    ("nodejs20.x", "core.echo", &["core.js"], "loads core.js", NODE_V3_TEST),
    ("nodejs20.x", "esModule.echo", &["esModule.mjs"], "loads esModule.mjs", NODE_V3_TEST),
    ("nodejs20.x", "cjsModule.echo", &["cjsModule.cjs"], "loads cjsModule.cjs", NODE_V3_TEST),
    ("nodejs20.x", "precedence.handler", &["precedence", "precedence.js", "precedence.json", "precedence.mjs", "precedence.node"], "loads precedence", NODE_V3_TEST),
    ("nodejs20.x", "precedenceJsVsMjs.handler", &["precedenceJsVsMjs.js", "precedenceJsVsMjs.mjs"], "loads precedenceJsVsMjs.js", NODE_V3_TEST),
    ("nodejs20.x", "precedenceMjsVsCjs.handler", &["precedenceMjsVsCjs.cjs", "precedenceMjsVsCjs.mjs"], "loads precedenceMjsVsCjs.mjs", NODE_V3_TEST),
    ("nodejs20.x", "node_modules/index.ret42", &["node_modules/index.js", "package.json"], "loads node_modules/index.js", NODE_V3_TEST),
    ("nodejs20.x", "noModule.echo", &["core.js"], "missing", NODE_V3_TEST),
    ("nodejs20.x", "index.handler", &["index.ts"], "missing", NODE_V3),
    ("nodejs20.x", "dist/app.main.handler", &["dist/app.cjs"], "loads dist/app.cjs", NODE_V3),
    // v3 require()s a folder named like the module: package.json or index.js inside, else stop.
    ("nodejs20.x", "app.handler", &["app/index.js"], "loads app/index.js", NODE_V3),
    ("nodejs20.x", "app.handler", &["app.js", "app/util.js"], "loads app.js", NODE_V3),
    ("nodejs20.x", "app.handler", &["app.mjs", "app/util.js"], "fails Runtime.ImportModuleError", NODE_V3),
    ("nodejs20.x", ".handler", &["index.js"], "loads index.js", NODE_V3),
    // The fallback: node_modules from the module root up, /var/task through NODE_PATH.
    ("nodejs20.x", "lib.handler", &["node_modules/lib/index.js"], "loads node_modules/lib/index.js", NODE_RESOLVE),
    ("nodejs20.x", "src/lib.handler", &["src/node_modules/lib.js"], "loads src/node_modules/lib.js", NODE_RESOLVE),
    ("nodejs20.x", "src/lib.handler", &["node_modules/lib/package.json"], "loads node_modules/lib/package.json", NODE_RESOLVE),
    ("nodejs20.x", "src/native.handler", &["native.node"], "loads native.node", NODE_RESOLVE),
    ("nodejs20.x", "events.handler", &["index.js"], "fails Runtime.HandlerNotFound", NODE_RESOLVE),
    // v4 import()s the extensionless path first, and a folder there throws.
    ("nodejs24.x", "index.handler", &["index.mjs"], "loads index.mjs", NODE_V4),
    ("nodejs24.x", "app.handler", &["app.js", "app/util.js"], "fails Error [ERR_UNSUPPORTED_DIR_IMPORT]", NODE_V4),
    ("nodejs24.x", "app.handler", &["app/index.js"], "fails Error [ERR_UNSUPPORTED_DIR_IMPORT]", NODE_V4),
    ("nodejs24.x", ".handler", &["index.js"], "fails Error [ERR_UNSUPPORTED_DIR_IMPORT]", NODE_V4),
    ("nodejs24.x", "lib.handler", &["node_modules/lib/index.js"], "loads node_modules/lib/index.js", NODE_V4),
    // nodejs22.x runs v3, or v4 on Lambda Managed Instances: where they disagree, undecided.
    ("nodejs22.x", "app.handler", &["app.js", "app/util.js"], "undecided", NODE_V4),
    ("nodejs22.x", "app.handler", &["app.mjs", "app/util.js"], "fails Runtime.ImportModuleError", NODE_V3),
    ("nodejs22.x", "index.handler", &["index.mjs"], "loads index.mjs", NODE_V3),
    ("nodejs22.x", "/opt/shared/index.handler", &["index.js"], "undecided", NODE_V3),
    ("nodejs22.x", "/var/task/src/index.handler", &["src/index.js"], "loads src/index.js", NODE_V3),
    // Ruby: `require FILE` finds FILE.rb or a compiled FILE.so.
    ("ruby3.3", "lib/source.LambdaFunctions::Handler.process", &["lib/source.rb"], "loads lib/source.rb", RUBY_DOC),
    ("ruby3.3", "function.handler", &["function.so"], "loads function.so", RUBY_RIC),
    ("ruby3.3", "function.handler", &["handler.rb"], "missing", RUBY_RIC),
    // Java: classes at the task root.
    ("java21", "example.Hello::handleRequest", &["example/Hello.class"], "loads example/Hello.class", JAVA_CL),
    ("java21", "com.test.OuterClass$InnerClass::method", &["com/test/OuterClass$InnerClass.class"], "loads com/test/OuterClass$InnerClass.class", JAVA_RIC_TEST),
    ("java21", "com.nonexistent.TestClass::method", &["lib/app.jar"], "missing", JAVA_RIC_TEST),
    // .NET class library: deps.json and runtimeconfig.json, named or the only ones, then the dll.
    ("dotnet8", "MyApp::MyApp.Function::Handler", &["MyApp.deps.json", "MyApp.dll", "MyApp.runtimeconfig.json"], "loads MyApp.dll", DOTNET_BOOT),
    ("dotnet8", "MyApp::MyApp.Function::Handler", &["Other.deps.json", "MyApp.dll", "Other.runtimeconfig.json"], "loads MyApp.dll", DOTNET_BOOT),
    ("dotnet8", "MyApp, Version=1.0.0.0::MyApp.Function::Handler", &["MyApp, Version=1.0.0.0.deps.json", "MyApp.dll", "MyApp.runtimeconfig.json"], "loads MyApp.dll", DOTNET_INFO),
    ("dotnet8", "MyApp::MyApp.Function::Handler", &["MyApp.dll", "MyApp.runtimeconfig.json"], "fails Runtime.ExitError", DOTNET_BOOT),
    ("dotnet8", "MyApp::MyApp.Function::Handler", &["MyApp.deps.json", "MyApp.dll"], "fails Runtime.ExitError", DOTNET_BOOT),
    ("dotnet8", "MyApp::MyApp.Function::Handler", &["A.deps.json", "B.deps.json", "MyApp.dll", "MyApp.runtimeconfig.json"], "undecided", DOTNET_BOOT),
    ("dotnet8", "MyApp::MyApp.Function::Handler", &["MyApp.deps.json", "MyApp.runtimeconfig.json"], "missing", DOTNET_TEST),
    ("dotnetcore3.1", "MyApp::MyApp.Function::Handler", &["MyApp.dll"], "loads MyApp.dll", DOTNET_INFO),
    // .NET executable: H.dll (dotnet exec), else the native binary H.
    ("dotnet8", "MyApp", &["MyApp.dll", "MyApp"], "loads MyApp.dll", DOTNET_BOOT),
    ("dotnet8", "MyApp", &["MyApp"], "loads MyApp", DOTNET_BOOT),
    ("dotnet8", "MyApp.dll", &["MyApp.dll"], "loads MyApp.dll", DOTNET_BOOT),
    ("dotnet8", "MyApp.dll", &["MyApp.dll.dll"], "missing", DOTNET_BOOT),
    ("dotnet8", "MyApp", &["Other.dll"], "missing", DOTNET_BOOT),
    // Executables Lambda starts.
    ("provided.al2023", "anything", &["bootstrap"], "loads bootstrap", CUSTOM),
    ("provided.al2", "x", &["main"], "missing", CUSTOM),
    ("go1.x", "main", &["main"], "loads main", CUSTOM),
];

#[test]
fn packages_resolve_as_each_loader_loads_them() {
    for (runtime, handler, paths, expected, source) in PACKAGES {
        let got = outcome(runtime, handler, paths);
        assert!(
            got.starts_with(expected),
            "{runtime} `{handler}` with {paths:?} ({source}): {got}, expected {expected}"
        );
    }
}

#[test]
fn each_failure_names_its_fix_and_source() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("python3.12", "app.handler", &["app/", "app/util.py"]),
        ("python3.12", "src.app.handler", &["src.py", "src/app.py"]),
        (
            "python3.12",
            "fast.handler",
            &["fast.cpython-311-x86_64-linux-gnu.so"],
        ),
        ("nodejs20.x", "app.handler", &["app.mjs", "app/util.js"]),
        ("nodejs24.x", "app.handler", &["app.js", "app/"]),
        ("nodejs20.x", "events.handler", &[]),
        ("dotnet8", "A::A.F::H", &["A.dll"]),
    ];
    for (runtime, handler, paths) in cases {
        let expectation = expect(runtime, handler).unwrap();
        let Resolution::Fails(failure) = resolve(&listing(paths), &expectation) else {
            panic!("{runtime} {handler} {paths:?} should fail");
        };
        assert!(
            !failure.fix.is_empty() && !failure.reason.is_empty() && !failure.source.is_empty(),
            "{failure:?}"
        );
    }
}

#[test]
fn what_the_log_shows_when_nothing_is_found() {
    let cases = [
        ("python3.12", "app.handler", "Runtime.ImportModuleError: Unable to import module 'app'"),
        ("nodejs22.x", "src/index.handler", "Runtime.ImportModuleError: Error: Cannot find module 'index'"),
        ("ruby3.3", "function.handler", "Init<LoadError>: cannot load such file"),
        ("java21", "example.Hello::handleRequest", "java.lang.ClassNotFoundException: Class not found: example.Hello"),
        ("dotnet8", "A::A.F::H", "LambdaValidationException: Could not find the specified handler assembly"),
        ("dotnet8", "A", "Runtime.ExitError: Error: executable assembly /var/task/A.dll or binary /var/task/A not found."),
        ("provided.al2023", "x", "Runtime.InvalidEntrypoint: Couldn't find valid bootstrap(s)"),
        ("go1.x", "main", "fork/exec /var/task/main: no such file or directory"),
    ];
    for (runtime, handler, error) in cases {
        let got = expect(runtime, handler).unwrap().missing_error();
        assert!(got.starts_with(error), "{runtime} {handler}: {got}");
    }
}

#[test]
fn layers_are_searched_where_each_runtime_looks() {
    let py = expect("python3.12", "lambda_function.lambda_handler").unwrap();
    for (paths, found, source) in [
        (
            &["python/lib/python3.12/site-packages/lambda_function.py"][..],
            true,
            "packaging-layers.md",
        ),
        (
            &["python/lambda_function.py"][..],
            true,
            "packaging-layers.md",
        ),
        (
            &["lambda_function.py"][..],
            false,
            "a layer's root is not on sys.path",
        ),
        (
            &["python/lib/python3.11/site-packages/lambda_function.py"][..],
            false,
            "only the runtime's own site-packages",
        ),
    ] {
        assert_eq!(
            find_in_layer(&listing(paths), &py).is_some(),
            found,
            "{paths:?} ({source})"
        );
    }
    let node = expect("nodejs20.x", "index.handler").unwrap();
    for (paths, found) in [
        (&["nodejs/node20/node_modules/index.js"][..], true),
        (&["nodejs/node_modules/index/index.js"][..], true),
        (&["nodejs/node18/node_modules/index.js"][..], false),
        // CommonJS resolution does not try .mjs.
        (&["nodejs/node_modules/index.mjs"][..], false),
    ] {
        assert_eq!(
            find_in_layer(&listing(paths), &node).is_some(),
            found,
            "{paths:?} ({NODE_RESOLVE})"
        );
    }
    let absolute = expect("nodejs20.x", "/opt/shared/index.handler").unwrap();
    assert!(
        find_in_layer(&listing(&["shared/index.mjs"]), &absolute).is_some(),
        "{NODE_V3}"
    );
    let ruby = expect("ruby3.3", "function.handler").unwrap();
    assert!(
        find_in_layer(&listing(&["ruby/lib/function.rb"]), &ruby).is_some(),
        "{RUBY_RIC}"
    );
    let boot = expect("provided.al2", "x").unwrap();
    assert!(
        find_in_layer(&listing(&["bootstrap"]), &boot).is_some(),
        "{CUSTOM}"
    );
    assert!(boot.executable);
}

#[test]
fn java_jars_the_class_path_holds() {
    // CustomerClassLoader: jars directly in /var/task/lib and /opt/java/lib, not below.
    assert!(has_jars(&listing(&["lib/app.jar"])), "{JAVA_CL}");
    assert!(
        !has_jars(&listing(&["lib/x/app.jar", "app.jar"])),
        "{JAVA_CL}"
    );
    assert!(
        layer_has_jars(&listing(&["java/lib/shared.jar"])),
        "{JAVA_CL}"
    );
    assert!(!layer_has_jars(&listing(&["lib/shared.jar"])), "{JAVA_CL}");
}

#[test]
fn zipped_folders_and_case_variants() {
    let e = expect("python3.12", "lambda_function.lambda_handler").unwrap();
    let l = listing(&[
        "my-fn/",
        "my-fn/lambda_function.py",
        "a/b/lambda_function.py",
    ]);
    assert_eq!(nested(&l, &e), Some("my-fn/lambda_function.py"));
    let l = listing(&["Lambda_function.py"]);
    assert_eq!(case_variant(&l, &e), Some("Lambda_function.py"));
    let node = expect("nodejs22.x", "src/app.obj.fn").unwrap();
    assert_eq!(node.function.as_deref(), Some("obj"));
    assert_eq!(
        node.describe(),
        "src/app.js (or src/app, src/app.mjs, src/app.cjs)"
    );
}

#[test]
fn folders_are_seen_without_their_own_entries() {
    // Zips need not list folders: `app/` exists because `app/util.py` does.
    let l = listing(&["app/util.py", "apple.py"]);
    assert!(is_dir(&l, "app"));
    assert!(!is_dir(&l, "ap"));
    assert!(is_dir(&l, ""));
}
