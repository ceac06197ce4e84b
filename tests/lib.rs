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
