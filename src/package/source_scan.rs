//! The deeper look: a line scan of a Python or Node.js handler file for the names it defines or
//! exports. It is a heuristic, so it errs towards "defined": a name defined anywhere (even
//! indented, even in a class) counts, and a file that builds its exports dynamically is marked
//! opaque so that absence proves nothing.

use std::collections::BTreeSet;

use crate::inventory::SourceDefinitions;
use crate::package::handler_path::Language;

/// Scans `text` as `language`; `None` for languages the scan does not read.
pub fn scan(language: Language, text: &str) -> Option<SourceDefinitions> {
    let (names, opaque) = match language {
        Language::Python => python(text),
        Language::Node => node(text),
        _ => return None,
    };
    Some(SourceDefinitions {
        names: names.into_iter().collect(),
        opaque,
    })
}

fn identifier(s: &str) -> Option<&str> {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(s.len());
    let name = &s[..end];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// `def f`, `async def f`, `class C`, `f = ...`, `f: T = ...`, `a, b = ...`, imports.
fn python(text: &str) -> (BTreeSet<String>, bool) {
    let mut names = BTreeSet::new();
    let mut opaque = false;
    for line in text.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("async ").unwrap_or(line);
        if let Some(rest) = line
            .strip_prefix("def ")
            .or_else(|| line.strip_prefix("class "))
        {
            if let Some(name) = identifier(rest.trim_start()) {
                // A module-level __getattr__ (PEP 562) makes any attribute resolvable.
                opaque |= name == "__getattr__";
                names.insert(name.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            if let Some((_, imported)) = rest.split_once(" import ") {
                let imported = imported.trim().trim_matches(|c| c == '(' || c == ')');
                if imported.starts_with('*') {
                    opaque = true;
                }
                for part in imported.split(',') {
                    let name = part.rsplit(" as ").next().unwrap_or(part).trim();
                    if let Some(name) = identifier(name) {
                        names.insert(name.to_string());
                    }
                }
            }
        } else if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split(',') {
                let part = part.trim();
                let name = match part.rsplit_once(" as ") {
                    Some((_, alias)) => alias.trim(),
                    None => part.split('.').next().unwrap_or(part),
                };
                if let Some(name) = identifier(name) {
                    names.insert(name.to_string());
                }
            }
        } else if line.contains("globals()") || line.starts_with("exec(") {
            opaque = true;
        } else if let Some((targets, _)) = assignment(line) {
            for target in targets.split(',') {
                let target = target.trim().split(':').next().unwrap_or("").trim();
                if let Some(name) = identifier(target) {
                    if name.len() == target.len() {
                        names.insert(name.to_string());
                    }
                }
            }
        }
    }
    (names, opaque)
}

/// The left side of a plain assignment (`=` that is not `==`, `<=`, `>=`, `!=`).
fn assignment(line: &str) -> Option<(&str, &str)> {
    let at = line.find('=')?;
    let before = &line[..at];
    let after = &line[at + 1..];
    if after.starts_with('=') || before.ends_with(['<', '>', '!', '=']) {
        return None;
    }
    Some((before, after))
}

/// CommonJS (`exports.f`, `module.exports.f`, `module.exports = { f }`) and ESM (`export
/// function f`, `export const f`, `export { g as f }`) exports.
fn node(text: &str) -> (BTreeSet<String>, bool) {
    let mut names = BTreeSet::new();
    let mut opaque = false;
    for (at, _) in text.match_indices("exports") {
        let before = &text[..at];
        let after = &text[at + "exports".len()..];
        // `foo_exports` or `myexports` is another identifier.
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let module = before.ends_with("module.");
        if let Some(rest) = after.strip_prefix('.') {
            if let Some(name) = identifier(rest) {
                names.insert(name.to_string());
            }
        } else if after.starts_with('[') {
            opaque = true;
        } else if module {
            let rest = after.trim_start();
            if let Some(value) = rest.strip_prefix('=').filter(|r| !r.starts_with('=')) {
                let value = value.trim_start();
                match value.strip_prefix('{') {
                    Some(object) => names.extend(object_keys(object)),
                    None => opaque = true,
                }
            }
        } else if before.trim_end().ends_with("defineProperty(") {
            // TypeScript's re-exports: Object.defineProperty(exports, "f", { get: ... }).
            let quoted = after.trim_start().trim_start_matches(',').trim_start();
            let name = quoted
                .strip_prefix(['"', '\''])
                .and_then(identifier)
                .unwrap_or("");
            if !name.is_empty() && name != "__esModule" {
                names.insert(name.to_string());
            }
        } else if before.trim_end().ends_with("assign(") || before.trim_end().ends_with("__export(")
        {
            opaque = true;
        }
    }
    for line in text.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("export ") else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with('*') {
            opaque = true;
        } else if let Some(list) = rest.strip_prefix('{') {
            let list = list.split('}').next().unwrap_or("");
            for part in list.split(',') {
                let name = part.rsplit(" as ").next().unwrap_or(part).trim();
                if let Some(name) = identifier(name) {
                    names.insert(name.to_string());
                }
            }
        } else if rest.starts_with("default") {
            names.insert("default".to_string());
        } else {
            let rest = rest.strip_prefix("async ").unwrap_or(rest);
            for keyword in ["function*", "function", "const", "let", "var", "class"] {
                if let Some(declared) = rest.strip_prefix(keyword) {
                    if declared.starts_with([' ', '\t']) {
                        if let Some(name) = identifier(declared.trim_start()) {
                            names.insert(name.to_string());
                        }
                        break;
                    }
                }
            }
        }
    }
    (names, opaque)
}

/// The keys of an object literal's first level: `{ a, b: x, c() {}, 'd': 1 }`.
fn object_keys(object: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut expecting_key = true;
    let mut chars = object.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' if depth == 0 => break,
            '}' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => expecting_key = true,
            c if depth == 0 && expecting_key && !c.is_whitespace() => {
                let rest = object[i..].trim_start_matches(['"', '\'']);
                if let Some(name) = identifier(rest) {
                    keys.push(name.to_string());
                }
                expecting_key = false;
                // Skip the rest of the key so its characters are not read as another key.
                while chars
                    .peek()
                    .is_some_and(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '$')
                {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defines(language: Language, text: &str, name: &str) -> (bool, bool) {
        let d = scan(language, text).unwrap();
        (d.names.iter().any(|n| n == name), d.opaque)
    }

    #[test]
    fn python_definitions() {
        let py = Language::Python;
        assert_eq!(
            defines(
                py,
                "import json\n\ndef lambda_handler(event, context):\n    return 1\n",
                "lambda_handler"
            ),
            (true, false)
        );
        assert_eq!(
            defines(py, "async def handler(e, c): ...", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(
                py,
                "from mangum import Mangum\nhandler = Mangum(app)\n",
                "handler"
            ),
            (true, false)
        );
        assert_eq!(
            defines(py, "from .impl import (handler, other)\n", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(py, "from impl import run as handler\n", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(py, "handler: Callable = make()\n", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(
                py,
                "def lambda_handle(event, context): pass\n",
                "lambda_handler"
            ),
            (false, false)
        );
        assert_eq!(
            defines(py, "if handler == 1:\n    pass\n", "handler"),
            (false, false)
        );
        assert_eq!(
            defines(py, "from impl import *\n", "handler"),
            (false, true)
        );
        assert_eq!(
            defines(py, "def __getattr__(name): ...\n", "handler"),
            (false, true)
        );
    }

    #[test]
    fn node_definitions() {
        let js = Language::Node;
        assert_eq!(
            defines(js, "exports.handler = async (event) => ({});", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(js, "module.exports.handler = fn;", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(js, "module.exports = { handler, other: 1 };", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(
                js,
                "module.exports = {\n  main: fn,\n  handler(e) { return e; },\n};",
                "handler"
            ),
            (true, false)
        );
        assert_eq!(
            defines(js, "module.exports = { other: { handler: 1 } };", "handler"),
            (false, false)
        );
        assert_eq!(
            defines(js, "export const handler = async () => {};", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(js, "export async function handler(event) {}", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(js, "const run = 1;\nexport { run as handler };", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(js, "export const hanlder = async () => {};", "handler"),
            (false, false)
        );
        assert_eq!(
            defines(js, "module.exports = __toCommonJS(src_exports);", "handler"),
            (false, true)
        );
        assert_eq!(
            defines(js, "export * from './impl.mjs';", "handler"),
            (false, true)
        );
        assert_eq!(
            defines(js, "Object.defineProperty(exports, \"__esModule\", { value: true });\nexports.handler = void 0;", "handler"),
            (true, false)
        );
        assert_eq!(
            defines(
                js,
                "const my_exports = {}; my_exports.handler = 1;",
                "handler"
            ),
            (false, false)
        );
    }
}
