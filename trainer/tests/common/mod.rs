//! Helpers shared by the trainer's integration tests: fresh folders, generated training data,
//! and the settings of a tiny, quiet training run.
// Each test binary uses some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use exedec_core::data::ModelKind;
use exedec_core::model::Preset;
use exedec_core::{Dsl, Part, Split};
use exedec_trainer::device::Backend;
use exedec_trainer::generate;
use exedec_trainer::train::{RunOptions, TrainArgs};

/// A fresh, empty folder of this test process.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exedec-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `count` NONE-split training tasks of `dsl` from `seed`, as binary shards in `dir/data-DSL`.
pub fn train_data(dir: &Path, dsl: Dsl, count: usize, seed: u64) -> PathBuf {
    let out = dir.join(format!("data-{dsl}"));
    generate::run(generate::Args {
        dsl,
        split: Split::None,
        part: Part::Train,
        count,
        seed,
        out: out.clone(),
        shard_size: None,
        threads: Some(1),
        format: generate::Format::Bin,
        quiet: true,
    })
    .unwrap();
    out
}

/// A tiny model's run on the NONE split: no dropout, a checkpoint every 10 steps, a metric every
/// step, no evaluation.
pub fn tiny_run(dsl: Dsl, model: ModelKind, data: PathBuf, out: PathBuf, steps: u64) -> TrainArgs {
    TrainArgs {
        dsl,
        split: Split::None,
        model,
        preset: Preset::Tiny,
        data,
        out,
        steps,
        batch_size: 32,
        lr: 3e-3,
        warmup: 20,
        weight_decay: 0.0,
        seed: 5,
        checkpoint_every: 10,
        eval_every: 0,
        log_every: 1,
        held_out: 0,
        dropout: Some(0.0),
        length_buckets: None,
        loss_normalization: None,
        workers: None,
        pretrain_steps: 10_000,
        no_ara: false,
    }
}

/// Options of a new run on the CPU without progress output.
pub fn quiet() -> RunOptions {
    RunOptions {
        resume: false,
        backend: Backend::Cpu,
        quiet: true,
        stop_after: None,
        from_weights: None,
        time_limit: None,
    }
}
