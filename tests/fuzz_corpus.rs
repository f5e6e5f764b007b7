//! The fuzz targets' committed seed corpora, replayed on stable.
//!
//! `fuzz/checks/mod.rs` holds the check every fuzz target runs; this test
//! includes the same file and feeds it every file of `fuzz/corpus/<target>/`,
//! so the seeds (the spec's examples, the fixtures, hand-written edge cases
//! and every input fuzzing ever found) keep passing in `cargo test` without a
//! nightly toolchain.

#[path = "../fuzz/checks/mod.rs"]
mod checks;

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The names of the files directly in `dir` with the given extension (all
/// files when `None`), sorted.
fn files_in(dir: &Path, extension: Option<&str>) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file())
        .filter(|path| extension.is_none_or(|ext| path.extension().is_some_and(|e| e == ext)))
        .collect();
    files.sort();
    files
}

/// Runs `target`'s check on every file of its corpus; fails when the corpus
/// is missing or empty, naming every file whose check failed.
fn replay(target: &str) {
    let check = checks::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, check)| *check)
        .unwrap_or_else(|| panic!("no check named {target}"));
    let dir = fuzz_dir().join("corpus").join(target);
    let files = files_in(&dir, None);
    assert!(!files.is_empty(), "the corpus {} is empty", dir.display());
    let failed: Vec<String> = files
        .iter()
        .filter(|file| {
            let data = fs::read(file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
            panic::catch_unwind(|| check(&data)).is_err()
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{target}: these inputs fail: {failed:#?}"
    );
}

#[test]
fn every_fuzz_target_has_a_check_and_a_corpus() {
    let targets: Vec<String> = files_in(&fuzz_dir().join("fuzz_targets"), Some("rs"))
        .iter()
        .filter_map(|path| path.file_stem()?.to_str().map(str::to_owned))
        .collect();
    let checked: Vec<String> = checks::TARGETS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let mut sorted = checked.clone();
    sorted.sort();
    assert_eq!(
        targets, sorted,
        "fuzz_targets/*.rs and checks::TARGETS differ"
    );
    for name in checked {
        let dir = fuzz_dir().join("corpus").join(&name);
        assert!(dir.is_dir(), "{} is missing", dir.display());
    }
}

#[test]
fn the_sid_corpus_passes() {
    replay("sid");
}

#[test]
fn the_timestamp_corpus_passes() {
    replay("timestamp");
}

#[test]
fn the_response_corpus_passes() {
    replay("response");
}

#[test]
fn the_error_body_corpus_passes() {
    replay("error_body");
}

#[test]
fn the_endpoint_corpus_passes() {
    replay("endpoint");
}

#[test]
fn the_webhook_corpus_passes() {
    replay("webhook");
}

#[test]
fn the_journal_corpus_passes() {
    replay("journal");
}

/// The leak check itself: an error that repeats the token is caught…
#[test]
fn the_token_check_catches_an_error_that_repeats_the_token() {
    #[derive(Debug)]
    struct Echo(String);
    impl std::fmt::Display for Echo {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "bad body {}", self.0)
        }
    }
    let echo = |body: &[u8]| Echo(String::from_utf8_lossy(body).into_owned());
    let body = br#"{"auth_token":"c0ffeec0ffeec0ffeec0ffeec0ffee00","x":1}"#;
    let caught = panic::catch_unwind(|| {
        checks::assert_error_hides_tokens(body, &["auth_token"], &echo(body), |masked| {
            Some(echo(&masked))
        });
    });
    assert!(caught.is_err(), "a repeated token went unnoticed");
}

/// …and an error whose own wording happens to contain the token's text is not.
#[test]
fn the_token_check_ignores_text_that_does_not_come_from_the_token() {
    #[derive(Debug)]
    struct Fixed;
    impl std::fmt::Display for Fixed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("create_secondary_auth_token: the response has no field secondaryTokens")
        }
    }
    let body = br#"{"auth_token":"secondaryTokens","secondaryTokens":[}"#;
    checks::assert_error_hides_tokens(body, &["auth_token"], &Fixed, |_| Some(Fixed));
}
