//! The training data stream: examples of one model type read from the generator's binary
//! shards, in an order that is a pure function of the seed and a cursor, so a resumed run
//! sees exactly the batches an uninterrupted run would have seen.
//!
//! Epoch `e` visits the shards in an order shuffled by (seed, e) and each shard's examples in
//! an order shuffled by (seed, e, shard); the cursor is (epoch, shard position, offset). A
//! background thread decodes shards ahead of the training loop.
//!
//! With length bucketing, each shard's shuffled examples are cut into pools of `buckets`
//! batches; a pool is sorted by length, cut into batches, and the batches are emitted in an
//! order shuffled by (seed, epoch, shard, pool). Batches are padded to their longest
//! sequences, and RobustFill's lengths vary from 1 to over 100 tokens, so a random batch is
//! mostly padding; sorted pools remove most of it while every example is still seen once per
//! epoch. The cursor stays (epoch, shard, offset): a pool's `j` first batches end at offset
//! `pool start + j · batch size`.

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

impl Cursor {
    /// Where a resumed stream starts after a batch that ended here, in a shard of `len`
    /// examples: the next shard's start once this shard is used up.
    fn resumed_at(self, len: usize) -> Cursor {
        if self.offset == len { Cursor { shard: self.shard + 1, offset: 0, ..self } } else { self }
    }
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
    /// Batches per length-sorted pool; 1 draws batches in plain shuffled order.
    pub buckets: usize,
}

/// The lengths that decide a batch's padded size: the longest input or output sequence of
/// the example, then its target.
pub fn length_key(example: &Example) -> (usize, usize) {
    let io = example.inputs.iter().chain(&example.outputs).map(Vec::len).max().unwrap_or(0);
    (io, example.target.len())
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
            if spec.buckets > 1 {
                if !emit_pools(&spec, &examples, file, &mut cursor, &tx) {
                    return;
                }
                cursor.shard += 1;
                cursor.offset = 0;
                continue;
            }
            while cursor.offset < examples.len() {
                pending.push(examples[cursor.offset].clone());
                cursor.offset += 1;
                if pending.len() == spec.batch_size {
                    let at = cursor.resumed_at(examples.len());
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

/// A pool's batches in length order: the pool sorted by [`length_key`] and cut into batches of
/// `batch_size` (the last may be smaller). The stream then shuffles their order.
pub fn pool_batches(pool: &[Example], batch_size: usize) -> Vec<Vec<Example>> {
    let mut sorted: Vec<&Example> = pool.iter().collect();
    sorted.sort_by_key(|e| length_key(e));
    sorted.chunks(batch_size).map(|c| c.iter().map(|&e| e.clone()).collect()).collect()
}

/// Sends a shard's batches from length-sorted pools, starting at `cursor.offset` (a batch
/// boundary of a pool). Returns false when the receiver has gone.
fn emit_pools(
    spec: &StreamSpec,
    examples: &[Example],
    file: usize,
    cursor: &mut Cursor,
    tx: &SyncSender<Item>,
) -> bool {
    let b = spec.batch_size;
    let pool_len = b * spec.buckets;
    while cursor.offset < examples.len() {
        let pool = cursor.offset / pool_len;
        let start = pool * pool_len;
        let end = (start + pool_len).min(examples.len());
        let mut batches = pool_batches(&examples[start..end], b);
        batches.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(&[spec.seed, cursor.epoch, file as u64, pool as u64])));
        let done = (cursor.offset - start) / b;
        for (j, batch) in batches.into_iter().enumerate().skip(done) {
            cursor.offset = (start + (j + 1) * b).min(end);
            if tx.send(Ok((batch, cursor.resumed_at(examples.len())))).is_err() {
                return false;
            }
        }
        cursor.offset = end;
    }
    true
}

/// The cursor after the stream's first `batches` batches from the start, as the stream itself
/// would report it, found by counting each shard's examples (each shard decoded once) instead
/// of producing the batches. A run restarted from a weight file continues its data here, where
/// an uninterrupted run on the same data would be, rather than repeating the first batches.
pub fn cursor_after(spec: &StreamSpec, batches: u64) -> Result<Cursor> {
    if spec.files.is_empty() {
        bail!("no training shards found");
    }
    // The walk counts units: batches of a shard's pools with length bucketing (a pool's last
    // batch may be short), else examples (plain batches run on across shards and epochs).
    let b = spec.batch_size.max(1);
    let bucketed = spec.buckets > 1;
    let units_in = |n: usize| -> u64 {
        if !bucketed {
            return n as u64;
        }
        let pool = b * spec.buckets;
        ((n / pool) * spec.buckets + (n % pool).div_ceil(b)) as u64
    };
    // The offset after `u` units of a shard of `n` examples (0 < u <= units_in(n)).
    let offset_after = |u: u64, n: usize| -> usize {
        if !bucketed {
            return u as usize;
        }
        let last = (u - 1) as usize;
        let start = (last / spec.buckets) * b * spec.buckets;
        (start + (last % spec.buckets + 1) * b).min(n)
    };
    let mut left = if bucketed { batches } else { batches * b as u64 };
    if left == 0 {
        return Ok(Cursor::default());
    }
    let mut counts: Vec<Option<usize>> = vec![None; spec.files.len()];
    let mut epoch = 0u64;
    loop {
        let mut order: Vec<usize> = (0..spec.files.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(&[spec.seed, epoch])));
        let mut in_epoch = 0u64;
        for (shard, &file) in order.iter().enumerate() {
            let n = match counts[file] {
                Some(n) => n,
                None => *counts[file].insert(load(spec, file)?.len()),
            };
            let units = units_in(n);
            if left <= units {
                return Ok(Cursor { epoch, shard, offset: offset_after(left, n) }.resumed_at(n));
            }
            left -= units;
            in_epoch += units;
        }
        if in_epoch == 0 {
            bail!("the training shards hold no example that fits the model");
        }
        // Every epoch holds as many units: skip whole ones, keeping 0 < left <= in_epoch.
        let whole = (left - 1) / in_epoch;
        epoch += 1 + whole;
        left -= whole * in_epoch;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate;
    use exedec_core::model::Preset;
    use exedec_core::{Domain, RobustFill};

    /// A stream over 300 RobustFill tasks in 2 shards, SubgoalModel examples (their targets
    /// run from a few characters to over a hundred), batches of 16.
    fn spec(name: &str, buckets: usize) -> StreamSpec {
        let dir = std::env::temp_dir().join(format!("exedec-stream-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        generate::run(generate::Args {
            dsl: Dsl::RobustFill,
            split: Split::None,
            part: Part::Train,
            count: 300,
            seed: 7,
            out: dir.clone(),
            shard_size: Some(150),
            threads: Some(1),
            format: generate::Format::Bin,
            quiet: true,
        })
        .unwrap();
        StreamSpec {
            files: shard_files(&dir, Part::Train).unwrap(),
            expect: (Dsl::RobustFill, Split::None, Part::Train),
            kind: ModelKind::Subgoal,
            separator: RobustFill.io_vocab().separator().unwrap(),
            config: exedec_core::model::preset(Preset::Tiny, Dsl::RobustFill, ModelKind::Subgoal),
            seed: 11,
            batch_size: 16,
            held_out: 0,
            buckets,
        }
    }

    fn remove_data(spec: &StreamSpec) {
        if let Some(dir) = spec.files.first().and_then(|f| f.parent()) {
            std::fs::remove_dir_all(dir).ok();
        }
    }

    /// The first `n` batches from `from`, with the cursor after each.
    fn take(spec: &StreamSpec, from: Cursor, n: usize) -> Vec<(Vec<Example>, Cursor)> {
        let mut s = Stream::start(spec.clone(), from).unwrap();
        (0..n).map(|_| s.next_batch().unwrap()).collect()
    }

    /// Padded target and I/O positions of a batch.
    fn padded_size(batch: &[Example]) -> usize {
        let (io, t) = batch.iter().map(length_key).fold((0, 0), |(a, b), (x, y)| (a.max(x), b.max(y)));
        batch.len() * (io + t)
    }

    fn first_epoch(spec: &StreamSpec) -> Vec<(Vec<Example>, Cursor)> {
        let mut s = Stream::start(spec.clone(), Cursor::default()).unwrap();
        let mut out = Vec::new();
        loop {
            let (b, c) = s.next_batch().unwrap();
            out.push((b, c));
            if c.epoch > 0 || c.shard == spec.files.len() {
                return out;
            }
        }
    }

    fn sorted(mut v: Vec<Example>) -> Vec<Example> {
        v.sort_by(|a, b| (&a.inputs, &a.outputs, &a.target).cmp(&(&b.inputs, &b.outputs, &b.target)));
        v
    }

    #[test]
    fn bucketed_epochs_see_every_example_once_with_less_padding() {
        let plain = spec("plain", 1);
        let bucketed = StreamSpec { buckets: 4, ..plain.clone() };
        let all = sorted((0..plain.files.len()).flat_map(|f| load(&plain, f).unwrap()).collect());
        assert!(all.len() > 300, "{} examples", all.len());
        let b = first_epoch(&bucketed);
        let seen = sorted(b.iter().flat_map(|x| x.0.clone()).collect());
        assert!(seen == all, "bucketed epoch: {} examples of {}", seen.len(), all.len());
        assert!(b.iter().all(|(x, _)| !x.is_empty() && x.len() <= 16));
        // As many batches as the plain stream needs, but much less padding.
        let a = take(&plain, Cursor::default(), b.len());
        let pad = |e: &[(Vec<Example>, Cursor)]| e.iter().map(|x| padded_size(&x.0)).sum::<usize>();
        assert!(pad(&b) * 10 < pad(&a) * 8, "padded positions: bucketed {} vs plain {}", pad(&b), pad(&a));
        // Not simply sorted: batch order within a pool is shuffled.
        let keys: Vec<_> = b.iter().map(|x| length_key(&x.0[0])).collect();
        assert!(keys.windows(2).any(|w| w[0] > w[1]));
        remove_data(&plain);
    }

    #[test]
    fn a_bucketed_stream_resumes_at_any_cursor() {
        let spec = spec("resume", 4);
        let run = take(&spec, Cursor::default(), 60);
        for i in [0, 1, 3, 7, 8, 15, 21, 40] {
            let again = take(&spec, run[i].1, 10);
            for (k, (batch, cursor)) in again.iter().enumerate() {
                assert_eq!(batch, &run[i + 1 + k].0, "resumed after batch {i}, batch {k}");
                assert_eq!(cursor, &run[i + 1 + k].1);
            }
        }
        remove_data(&spec);
    }

    #[test]
    fn the_cursor_after_n_batches_is_the_streams_own() {
        for (name, buckets) in [("after-plain", 1), ("after-bucketed", 4)] {
            let spec = spec(name, buckets);
            let per_epoch = first_epoch(&spec).len();
            // Into the third epoch, across shard and epoch ends.
            let run = take(&spec, Cursor::default(), 2 * per_epoch + 5);
            assert_eq!(cursor_after(&spec, 0).unwrap(), Cursor::default());
            for (i, (_, cursor)) in run.iter().enumerate() {
                assert_eq!(&cursor_after(&spec, i as u64 + 1).unwrap(), cursor, "{name}: after {} batches", i + 1);
            }
            // Resuming there repeats the uninterrupted stream.
            let at = cursor_after(&spec, per_epoch as u64 + 3).unwrap();
            assert_eq!(take(&spec, at, 2)[1].0, run[per_epoch + 4].0, "{name}");
            remove_data(&spec);
        }
    }
}
