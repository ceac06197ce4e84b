//! Training data: tasks with their execution decompositions, the examples each model type is
//! trained on, reproducible generation, and the binary shard format the trainer streams.

pub mod encode;
pub mod examples;
pub mod shard;

pub use encode::{EncodedStep, EncodedTask, StepRecord, TaskJson, encode_task, task_json};
pub use examples::{Example, ModelKind, TrainingInfo, examples};
pub(crate) use examples::{join, with_eos};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::domain::{Domain, Dsl, Task};
use crate::splits::{Part, Split};

/// SplitMix64: a fixed, platform-independent mixing of seed material.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The random generator of one shard, derived from everything that identifies the shard, so
/// that shards can be generated in any order, on any number of threads, and resumed.
pub fn shard_rng(seed: u64, dsl: Dsl, split: Split, part: Part, shard: u64) -> ChaCha8Rng {
    let mut h = splitmix64(seed);
    for field in [dsl as u64, split as u64, part as u64, shard] {
        h = splitmix64(h ^ field);
    }
    ChaCha8Rng::seed_from_u64(h)
}

/// Generates `count` tasks of a shard; `progress` is told how many tasks each batch added.
pub fn generate_tasks<D: Domain>(
    domain: &D,
    split: Split,
    part: Part,
    seed: u64,
    shard: u64,
    count: usize,
    mut progress: impl FnMut(usize),
) -> Vec<Task<D>> {
    let mut rng = shard_rng(seed, domain.dsl(), split, part, shard);
    let mut tasks = Vec::with_capacity(count);
    while tasks.len() < count {
        let batch = domain.sample(&mut rng, split, part);
        let take = batch.len().min(count - tasks.len());
        tasks.extend(batch.into_iter().take(take));
        progress(take);
    }
    tasks
}
