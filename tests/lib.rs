//! Helpers shared by the cross-crate tests: where the vendored data and the built binary are.

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The vendored benchmark data folder.
pub fn data_dir() -> PathBuf {
    repo_root().join("data")
}

/// The split names of the benchmark, in the paper's order.
pub const SPLITS: [&str; 6] = [
    "NONE",
    "LENGTH_GENERALIZATION",
    "COMPOSE_DIFFERENT_CONCEPTS",
    "SWITCH_CONCEPT_ORDER",
    "COMPOSE_NEW_OP",
    "ADD_OP_FUNCTIONALITY",
];
