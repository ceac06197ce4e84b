//! The training data stream: examples of one model type read from the generator's binary
//! shards, in an order that is a pure function of the seed and a cursor, so a resumed run
//! sees exactly the batches an uninterrupted run would have seen.
//!
//! Epoch `e` visits the shards in an order shuffled by (seed, e) and each shard's examples in
//! an order shuffled by (seed, e, shard); the cursor is (epoch, shard position, offset). A
//! background thread decodes shards ahead of the training loop.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use anyhow::{Context, Result, bail};
use exedec_core::data::shard::{ShardHeader, read_shard};
use exedec_core::data::{Example, ModelKind, examples};
use exedec_core::model::ModelConfig;
use exedec_core::model::batch::fits;
use exedec_core::vocab::Token;
use exedec_core::{Dsl, Part, Split};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Where the stream is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub epoch: u64,
    pub shard: usize,
    pub offset: usize,
}

/// The shards of one part in a data folder.
pub fn shard_files(dir: &Path, part: Part) -> Result<Vec<PathBuf>> {
    let prefix = format!("{part}-");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "exds")
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads a shard's examples of one model type, checking that the shard is the expected data.
pub fn shard_examples(
    path: &Path,
    expect: (Dsl, Split, Part),
    kind: ModelKind,
    separator: Token,
    config: &ModelConfig,
) -> Result<Vec<Example>> {
    let shard = read_shard(path).with_context(|| format!("reading {}", path.display()))?;
    let ShardHeader { dsl, split, part, .. } = shard.header;
    if (dsl, split, part) != expect {
        bail!("{} holds {dsl} {split} {part} data, expected {} {} {}", path.display(), expect.0, expect.1, expect.2);
    }
    let mut out = Vec::new();
    for task in shard.tasks() {
        let task = task.with_context(|| format!("decoding {}", path.display()))?;
        out.extend(examples(kind, &task, separator).into_iter().filter(|e| fits(e, config)));
    }
    Ok(out)
}

fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0x243F_6A88_85A3_08D3u64, |h, &p| (h ^ p).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29))
}

/// Settings of a stream.
#[derive(Clone)]
pub struct StreamSpec {
    pub files: Vec<PathBuf>,
    pub expect: (Dsl, Split, Part),
    pub kind: ModelKind,
    pub separator: Token,
    pub config: ModelConfig,
    pub seed: u64,
    pub batch_size: usize,
    /// Tasks of the first shard (in file order) held out for validation.
    pub held_out: usize,
}

/// A batch and the cursor just after it.
pub type Item = Result<(Vec<Example>, Cursor)>;

/// Batches of examples in the deterministic order, produced by a background thread.
pub struct Stream {
    rx: Receiver<Item>,
    _worker: JoinHandle<()>,
}

impl Stream {
    pub fn start(spec: StreamSpec, from: Cursor) -> Result<Stream> {
        if spec.files.is_empty() {
            bail!("no training shards found");
        }
        let (tx, rx) = sync_channel(16);
        let worker = std::thread::spawn(move || produce(spec, from, tx));
        Ok(Stream { rx, _worker: worker })
    }

    /// The next batch, or the error that stopped the stream.
    pub fn next_batch(&mut self) -> Item {
        self.rx.recv().unwrap_or_else(|_| Err(anyhow::anyhow!("the data stream stopped")))
    }
}

fn produce(spec: StreamSpec, from: Cursor, tx: SyncSender<Item>) {
    let mut cursor = from;
    let mut pending: Vec<Example> = Vec::with_capacity(spec.batch_size);
    loop {
        let mut order: Vec<usize> = (0..spec.files.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(&[spec.seed, cursor.epoch])));
        let mut any = false;
        while cursor.shard < order.len() {
            let file = order[cursor.shard];
            let mut examples = match load(&spec, file) {
                Ok(e) => e,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            examples.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(&[spec.seed, cursor.epoch, file as u64])));
            any |= !examples.is_empty();
            while cursor.offset < examples.len() {
                pending.push(examples[cursor.offset].clone());
                cursor.offset += 1;
                if pending.len() == spec.batch_size {
                    let at = if cursor.offset == examples.len() {
                        Cursor { epoch: cursor.epoch, shard: cursor.shard + 1, offset: 0 }
                    } else {
                        cursor
                    };
                    if tx.send(Ok((std::mem::take(&mut pending), at))).is_err() {
                        return;
                    }
                }
            }
            cursor.shard += 1;
            cursor.offset = 0;
        }
        if !any && cursor.epoch > from.epoch {
            let _ = tx.send(Err(anyhow::anyhow!("the training shards hold no example that fits the model")));
            return;
        }
        cursor = Cursor { epoch: cursor.epoch + 1, shard: 0, offset: 0 };
    }
}

/// The examples of shard `file` (by position in the sorted list), minus the held-out tasks.
fn load(spec: &StreamSpec, file: usize) -> Result<Vec<Example>> {
    let path = &spec.files[file];
    if file == 0 && spec.held_out > 0 {
        let shard = read_shard(path).with_context(|| format!("reading {}", path.display()))?;
        let mut out = Vec::new();
        for task in shard.tasks().skip(spec.held_out) {
            let task = task.with_context(|| format!("decoding {}", path.display()))?;
            out.extend(examples(spec.kind, &task, spec.separator).into_iter().filter(|e| fits(e, &spec.config)));
        }
        return Ok(out);
    }
    shard_examples(path, spec.expect, spec.kind, spec.separator, &spec.config)
}

/// The held-out validation examples: the first `held_out` tasks of the first shard.
pub fn held_out_examples(spec: &StreamSpec) -> Result<Vec<Example>> {
    let path = spec.files.first().context("no training shards found")?;
    let shard = read_shard(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for task in shard.tasks().take(spec.held_out) {
        let task = task?;
        out.extend(examples(spec.kind, &task, spec.separator).into_iter().filter(|e| fits(e, &spec.config)));
    }
    Ok(out)
}
