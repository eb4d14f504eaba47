//! The layering of `docs/architecture.md`: each top-level module of the crate uses only the
//! modules below it, so there are no import circles and the pipeline reads bottom to top. Test
//! code (after `#[cfg(test)]`, `*tests*.rs`, `testkit.rs`, `config/tests/`) may use anything.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The crate's top-level modules, lowest first: a module may use only those before it.
const LAYERS: &[&str] = &[
    "arn",
    "log_signatures",
    "inventory",
    "report",
    "policy",
    "config",
    "routes",
    "invoke_permission",
    "package",
    "aws",
    "probe",
    "checks",
    "evaluate",
    "collect",
    "publish",
    "audit",
    "daemon",
    "cli",
    "app",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to: `src/checks/shared/run.rs` → `checks`.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    Some(first.trim_end_matches(".rs").to_string())
}

/// The top-level modules a piece of code names as `crate::module`.
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            used.insert(name);
        }
        // `use crate::{a, b}` names several.
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let item: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !item.is_empty() {
                    used.insert(item);
                }
            }
        }
    }
    used
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let path = file.to_string_lossy().replace('\\', "/");
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        if matches!(module.as_str(), "main" | "lib" | "testkit")
            || name.contains("tests")
            || path.contains("/config/tests/")
        {
            continue;
        }
        let Some(level) = LAYERS.iter().position(|l| *l == module) else {
            violations.push(format!("{module} ({path}) is not placed in LAYERS"));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let production = text.split("#[cfg(test)]").next().unwrap_or_default();
        for used in used_modules(production) {
            if used == module {
                continue;
            }
            match LAYERS.iter().position(|l| *l == used) {
                Some(at) if at < level => {}
                Some(_) => violations.push(format!("{path}: {module} uses {used}, a layer above")),
                None => {}
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn every_top_level_module_is_placed() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        let Some(name) = line.strip_prefix("pub mod ") else {
            continue;
        };
        let name = name.trim_end_matches(';');
        assert!(
            name == "testkit" || LAYERS.contains(&name),
            "src/lib.rs declares `{name}`, which LAYERS does not place"
        );
    }
}
