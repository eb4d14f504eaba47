//! Java: `HandlerInfo.fromString` (aws-lambda-java-libs, aws-lambda-java-runtime-interface-client)
//! splits the handler at the last `::` into class and method, refuses an empty one ("Invalid
//! handler"), then `Class.forName(class)` in the `CustomerClassLoader`, whose class path is the
//! task root, then the jars directly in `/var/task/lib` and `/opt/java/lib`.

use super::{files_in, Broken, Expectation, Language, Loader};
use crate::inventory::PackageListing;

const SOURCE: &str =
    "aws-lambda-java-libs aws-lambda-java-runtime-interface-client HandlerInfo.java, EventHandlerLoader.java";

/// Characters the JVM forbids in class names' parts (`/` separates packages in class files).
const NOT_IN_CLASS: &[char] = &['/', ';', '['];
/// Characters the JVM forbids in method names (JVMS §4.2.2).
const NOT_IN_METHOD: &[char] = &['.', ';', '[', '/', '<', '>'];

/// `(class, method)` as `HandlerInfo.fromString` splits them.
fn split(handler: &str) -> (&str, Option<&str>) {
    match handler.rfind("::") {
        Some(at) => (&handler[..at], Some(&handler[at + 2..])),
        None => (handler, None),
    }
}

pub(super) fn broken(handler: &str) -> Option<Broken> {
    let (class, method) = split(handler);
    if class.is_empty() || method.is_some_and(str::is_empty) {
        return Some(Broken::new(
            "a Java handler is package.Class or package.Class::method, and one of them is \
             empty (\"Invalid handler\")",
            "Invalid handler",
            SOURCE,
        ));
    }
    if class.contains(NOT_IN_CLASS) || class.split('.').any(str::is_empty) {
        return Some(Broken::new(
            "the class part is not a JVM class name (`.` between packages, no `/`, `;`, `[` or \
             empty part), so Class.forName cannot load it (\"Class not found\")",
            "java.lang.ClassNotFoundException",
            SOURCE,
        ));
    }
    if method.is_some_and(|m| m.contains(NOT_IN_METHOD)) {
        return Some(Broken::new(
            "the method part has a character the JVM forbids in method names (\"No public \
             method named ... with appropriate method signature found\")",
            "No public method named",
            SOURCE,
        ));
    }
    None
}

pub(super) fn expect(handler: &str) -> Option<Expectation> {
    let (class, _) = split(handler);
    Some(Expectation {
        language: Language::Java,
        candidates: vec![format!("{}.class", class.replace('.', "/"))],
        executable: false,
        function: None,
        loader: Loader::Java,
    })
}

pub(super) fn missing_error(candidates: &[String]) -> String {
    let class = candidates
        .first()
        .and_then(|c| c.strip_suffix(".class"))
        .unwrap_or_default()
        .replace('/', ".");
    format!("java.lang.ClassNotFoundException: Class not found: {class}")
}

/// Jars directly in `dir` (`CustomerClassLoader.appendJars` lists one folder, not below it).
pub(super) fn has_jars(listing: &PackageListing, dir: &str) -> bool {
    files_in(listing, dir, ".jar").next().is_some()
}
