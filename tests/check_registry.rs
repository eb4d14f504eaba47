//! The registry of checks keeps its promises, and adding a check touches only what
//! `docs/architecture.md` says ("Add a check"): its own file, one registry line, the regenerated
//! `docs/checks.md`, the README's opening (which tells users what is covered) and an end-to-end
//! scenario. Ids are unique and kebab-case; each check is declared once in the file named after
//! its id, is documented, has unit tests beside it and an end-to-end scenario; no other
//! production code names a check by a string; the config, the catalogue and the example config
//! are derived from the declarations.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use apigw_auditor::checks::{self, REGISTRY};
use apigw_auditor::config;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `.rs` file under `dir`, recursively.
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

/// The text of every end-to-end test: `tests/e2e_*.rs`, and every `.rs` file under the
/// `tests/e2e_*/` folders (multi-file test binaries such as `tests/e2e_checks/`).
fn e2e_sources() -> String {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("e2e_") {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
    files.iter().map(|f| read(f)).collect()
}

/// The folder or file that holds a check: `src/checks/<id>.rs` or `src/checks/<id>/mod.rs`.
fn declaration_file(id: &str) -> PathBuf {
    let base = Path::new(ROOT)
        .join("src/checks")
        .join(id.replace('-', "_"));
    let file = base.with_extension("rs");
    if file.exists() {
        file
    } else {
        base.join("mod.rs")
    }
}

#[test]
fn ids_are_unique_and_kebab_case() {
    let ids = checks::ids();
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "duplicate ids in {ids:?}"
    );
    for id in ids {
        assert!(
            id.split('-').all(|part| !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "`{id}` is not kebab-case"
        );
    }
}

#[test]
fn every_check_has_its_file_docs_unit_tests_and_an_e2e_scenario() {
    let e2e = e2e_sources();
    for check in REGISTRY {
        let id = check.id.as_str();
        let file = declaration_file(id);
        let source = read(&file);
        assert!(
            source.contains(&format!("id: CheckId::new(\"{id}\")")),
            "{id} is declared in {}",
            file.display()
        );
        assert!(
            source.contains("#[cfg(test)]") && source.contains("#[test]"),
            "{id} has unit tests beside it"
        );
        for (part, text) in [
            ("title", check.title),
            ("checks", check.checks),
            ("why", check.why),
            ("fix", check.fix),
            ("limits", check.limits),
        ] {
            assert!(
                text.split_whitespace().count() >= 3,
                "{id}: `{part}` is not documented"
            );
        }
        for setting in check.settings {
            assert!(
                setting.doc.split_whitespace().count() >= 3,
                "{id}: setting `{}` is not documented",
                setting.key
            );
        }
        assert!(
            e2e.contains(&format!("\"{id}\"")),
            "{id} has no end-to-end scenario under tests/e2e_*"
        );
    }
}

/// `src/checks/` holds the checks, `mod.rs` (the registry) and `shared/` (what they share):
/// nothing else, so a reader finds each check where its id says.
#[test]
fn the_checks_folder_holds_only_checks_and_shared() {
    let ids: BTreeSet<String> = checks::ids()
        .iter()
        .map(|id| id.replace('-', "_"))
        .collect();
    for entry in std::fs::read_dir(Path::new(ROOT).join("src/checks")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "mod" || name == "shared" {
            continue;
        }
        assert!(
            ids.contains(&name),
            "{} is neither a registered check nor shared/",
            path.display()
        );
    }
}

/// No production code outside a check's own file names it by a string: central lists of ids
/// (symptoms, evidence checks, log-line explanations, config keys) are derived from the
/// declarations, so adding a check needs no edit elsewhere. Test code (after `#[cfg(test)]`,
/// `*tests*.rs`, `testkit.rs`) may name ids freely.
#[test]
fn no_production_code_names_a_check_by_string() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let path = file.to_string_lossy().replace('\\', "/");
        if name.contains("tests") || name == "testkit.rs" || path.contains("/config/tests/") {
            continue;
        }
        let text = read(&file);
        let production = text.split("#[cfg(test)]").next().unwrap_or_default();
        for id in checks::ids() {
            let own = path.contains(&format!("/src/checks/{}", id.replace('-', "_")));
            assert!(
                own || !production.contains(&format!("\"{id}\"")),
                "{} names check `{id}` by string; refer to its declaration (`checks::…::CHECK.id`)",
                file.display()
            );
        }
    }
}

/// The catalogue in `docs/checks.md` is rendered from the declarations.
#[test]
fn docs_checks_md_is_current() {
    let current = read(&Path::new(ROOT).join("docs/checks.md"));
    assert!(
        current == checks::shared::catalogue::markdown(),
        "docs/checks.md is stale: run `cargo run -- checks --markdown > docs/checks.md`"
    );
}

/// The `[checks.<id>]` settings of the example config are exactly what the declarations say.
#[test]
fn example_config_holds_every_declared_setting() {
    let example = read(&Path::new(ROOT).join("config/auditor.example.toml"));
    let generated = config::example_toml(&checks::specs());
    assert!(
        example.contains(&generated),
        "config/auditor.example.toml's [checks.<id>] tables differ from the declarations; replace \
         them with the output of `cargo run -- checks --example-settings`:\n{generated}"
    );
}

/// The README's opening, which tells users what is covered, names every check.
#[test]
fn readme_opening_names_every_check() {
    let readme = read(&Path::new(ROOT).join("README.md"));
    let opening = readme.split("\n## ").next().unwrap_or_default();
    for id in checks::ids() {
        assert!(
            opening.contains(&format!("`{id}`")),
            "README.md's opening does not name `{id}`"
        );
    }
}
