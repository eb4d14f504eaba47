//! Executables Lambda starts itself: `bootstrap` for `provided*` runtimes (at the package root
//! or in a layer, `/opt/bootstrap`; `runtimes-custom.md`) and, for `go1.x`, the file the handler
//! names (`golang-handler.md`).

use super::{Expectation, Language, Loader};

pub(super) fn bootstrap() -> Expectation {
    // The handler is the bootstrap's business; the bootstrap itself must be there.
    Expectation {
        language: Language::Executable,
        candidates: vec!["bootstrap".to_string()],
        executable: true,
        function: None,
        loader: Loader::Shell,
    }
}

pub(super) fn go(handler: &str) -> Option<Expectation> {
    (!handler.is_empty() && !handler.contains('/')).then(|| Expectation {
        language: Language::Executable,
        candidates: vec![handler.to_string()],
        executable: true,
        function: None,
        loader: Loader::Shell,
    })
}

pub(super) fn missing_error(candidates: &[String]) -> String {
    match candidates {
        [one] if one == "bootstrap" => "Runtime.InvalidEntrypoint: Couldn't find valid \
             bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
            .to_string(),
        [one] => format!("fork/exec /var/task/{one}: no such file or directory"),
        _ => "fork/exec: no such file or directory".to_string(),
    }
}
