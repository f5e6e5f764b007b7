//! The core and the simulator each carry a copy of Twilio's OpenAPI
//! descriptions, so that each crate packages alone; the core builds its
//! requests from them and the simulator answers from them, so the two copies
//! must be the same bytes, or the simulator would stop being an oracle for
//! the core. This test keeps them so: a spec update is made in both.

use std::path::Path;

/// Every spec (`*.json`) of `crates/core/spec`, which `crates/sim/spec` must
/// match. (Each `NOTICE` says what its own crate does with the files, so
/// those differ.)
#[test]
fn the_core_and_the_simulator_carry_the_same_spec_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (core, sim) = (root.join("crates/core/spec"), root.join("crates/sim/spec"));
    let names = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        names
    };
    let files = names(&core);
    assert!(files.iter().any(|name| name.ends_with(".json")));
    assert_eq!(
        files,
        names(&sim),
        "the two spec directories list different files"
    );
    for name in &files {
        let read = |dir: &Path| std::fs::read(dir.join(name)).unwrap();
        assert!(
            read(&core) == read(&sim),
            "crates/core/spec/{name} and crates/sim/spec/{name} differ: copy the newer one over the other"
        );
    }
}
