//! The registry of checks keeps its promises: ids are unique and kebab-case, each check lives in
//! the file named after its id, is documented, has unit tests beside it, and is exercised by at
//! least one end-to-end scenario (a test under `tests/e2e_*` that names its id).

use std::collections::BTreeSet;
use std::path::Path;

use apigw_auditor::checks;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The text of every end-to-end test: `tests/e2e_*.rs`, and every `.rs` file under the
/// `tests/e2e_*/` folders (multi-file test binaries such as `tests/e2e_checks/`).
fn e2e_sources() -> String {
    fn rust_sources(dir: &Path, text: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_sources(&path, text);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                text.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut text = String::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("e2e_") {
            continue;
        }
        if path.is_dir() {
            rust_sources(&path, &mut text);
        } else if name.ends_with(".rs") {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    text
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
    for check in checks::registry() {
        let doc = check.doc();
        let file = Path::new(ROOT)
            .join("src/checks")
            .join(format!("{}.rs", doc.id.replace('-', "_")));
        let source = std::fs::read_to_string(&file).unwrap_or_else(|_| {
            panic!("{}: expected its declaration in {}", doc.id, file.display())
        });
        assert!(
            source.contains(&format!("id: \"{}\"", doc.id)),
            "{} is declared in {}",
            doc.id,
            file.display()
        );
        assert!(
            source.contains("#[cfg(test)]") && source.contains("#[test]"),
            "{} has unit tests beside it",
            doc.id
        );
        for (part, text) in [
            ("title", doc.title),
            ("checks", doc.checks),
            ("why", doc.why),
            ("fix", doc.fix),
            ("limits", doc.limits),
        ] {
            assert!(
                text.split_whitespace().count() >= 3,
                "{}: `{part}` is not documented",
                doc.id
            );
        }
        assert!(
            e2e.contains(&format!("\"{}\"", doc.id)),
            "{} has no end-to-end scenario under tests/e2e_*",
            doc.id
        );
    }
}
