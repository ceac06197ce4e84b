//! `exedec generate`: the same seed gives the same bytes whatever the thread count, and an
//! interrupted run resumes to the same dataset.

use std::path::Path;

use exedec_core::{Dsl, Part, Split};
use exedec_trainer::generate::{self, Args, Format};

mod common;
use common::temp;

fn args(dsl: Dsl, out: &Path, threads: usize) -> Args {
    Args {
        dsl,
        split: Split::ComposeNewOp,
        part: Part::Test,
        count: 100,
        seed: 9,
        out: out.to_path_buf(),
        shard_size: Some(20),
        threads: Some(threads),
        format: Format::Both,
        quiet: true,
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().ends_with("manifest.json"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn same_seed_same_bytes_whatever_the_threads_and_interruptions() {
    for dsl in [Dsl::RobustFill, Dsl::DeepCoder] {
        let one = temp(&format!("{dsl}-one"));
        let two = temp(&format!("{dsl}-two"));
        generate::run(args(dsl, &one, 1)).unwrap();
        generate::run(args(dsl, &two, 2)).unwrap();
        let a = files(&one);
        assert_eq!(a.len(), 10, "5 shards × (binary + JSON Lines)");
        assert_eq!(a, files(&two));
        // Lose a shard (as if interrupted): the rerun writes exactly it again.
        std::fs::remove_file(two.join("test-00003-of-00005.exds")).unwrap();
        std::fs::remove_file(two.join("test-00003-of-00005.jsonl")).unwrap();
        generate::run(args(dsl, &two, 2)).unwrap();
        assert_eq!(a, files(&two));
        // Other arguments in the same folder are refused instead of mixed in.
        let mut other = args(dsl, &two, 1);
        other.seed = 10;
        assert!(generate::run(other).is_err());
        let jsonl = String::from_utf8(a.iter().find(|f| f.0.ends_with(".jsonl")).unwrap().1.clone()).unwrap();
        let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
        for key in ["index", "inputs", "outputs", "program", "decomposition"] {
            assert!(first.get(key).is_some(), "{key}");
        }
        std::fs::remove_dir_all(&one).ok();
        std::fs::remove_dir_all(&two).ok();
    }
}
