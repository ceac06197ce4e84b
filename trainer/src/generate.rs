//! `exedec generate`: reproducible, parallel, resumable dataset generation.
//!
//! The dataset is cut into shards of a fixed size; each shard's random generator is derived
//! from (seed, DSL, split, part, shard index), so the output is the same whatever the number
//! of threads and whichever shards were already written. Each shard is written atomically
//! (a temporary file renamed when complete) as binary (`.exds`) and/or JSON Lines
//! (`.jsonl`); rerunning the same command skips the shards that are complete, so an
//! interruption loses at most the shards in progress.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use exedec_core::data::shard::{self, ShardHeader};
use exedec_core::data::{encode_task, generate_tasks, task_json};
use exedec_core::{DeepCoder, Domain, Dsl, Part, RobustFill, Split};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// What to write for each shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Binary shards only (what the trainer reads).
    Bin,
    /// JSON Lines only.
    Jsonl,
    /// Both.
    Both,
}

/// Everything that determines a generated dataset; stored beside the shards so that a
/// resumed run cannot mix datasets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub dsl: Dsl,
    pub split: Split,
    pub part: Part,
    pub count: usize,
    pub seed: u64,
    pub shard_size: usize,
    pub format: Format,
    pub shard_format_version: u16,
}

impl Manifest {
    pub fn num_shards(&self) -> usize {
        self.count.div_ceil(self.shard_size)
    }

    pub fn shard_count(&self, i: usize) -> usize {
        self.shard_size.min(self.count - i * self.shard_size)
    }

    pub fn shard_path(&self, dir: &Path, i: usize, ext: &str) -> PathBuf {
        dir.join(format!("{}-{:05}-of-{:05}.{ext}", self.part, i, self.num_shards()))
    }

    pub fn manifest_path(dir: &Path, part: Part) -> PathBuf {
        dir.join(format!("{part}.manifest.json"))
    }
}

/// The default shard size: DeepCoder's valid and test searches are slow and yield only 10
/// tasks each, so their shards are small enough to spread a test set over all cores.
pub fn default_shard_size(dsl: Dsl, part: Part) -> usize {
    match (dsl, part) {
        (Dsl::DeepCoder, Part::Valid | Part::Test) => 100,
        _ => 10_000,
    }
}

pub struct Args {
    pub dsl: Dsl,
    pub split: Split,
    pub part: Part,
    pub count: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub shard_size: Option<usize>,
    pub threads: Option<usize>,
    pub format: Format,
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    if args.count == 0 {
        bail!("--count must be at least 1");
    }
    let manifest = Manifest {
        dsl: args.dsl,
        split: args.split,
        part: args.part,
        count: args.count,
        seed: args.seed,
        shard_size: args.shard_size.unwrap_or_else(|| default_shard_size(args.dsl, args.part)).max(1),
        format: args.format,
        shard_format_version: shard::VERSION,
    };
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let manifest_path = Manifest::manifest_path(&args.out, args.part);
    if manifest_path.exists() {
        let existing: Manifest = serde_json::from_slice(&fs::read(&manifest_path)?)
            .with_context(|| format!("reading {}", manifest_path.display()))?;
        if existing != manifest {
            bail!(
                "{} describes a different dataset ({existing:?}); use another --out folder or remove it",
                manifest_path.display()
            );
        }
    } else {
        shard::write_atomic(&manifest_path, &serde_json::to_vec_pretty(&manifest)?)?;
    }
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new().num_threads(t).build_global().ok();
    }
    match args.dsl {
        Dsl::RobustFill => generate(&RobustFill, &manifest, &args.out, args.quiet),
        Dsl::DeepCoder => generate(&DeepCoder, &manifest, &args.out, args.quiet),
    }
}

/// Whether shard `i` is already complete on disk.
fn shard_done(m: &Manifest, dir: &Path, i: usize) -> bool {
    let bin_ok = || {
        shard::read_shard(&m.shard_path(dir, i, "exds"))
            .map(|s| s.header.num_tasks as usize == m.shard_count(i))
            .unwrap_or(false)
    };
    let jsonl_ok = || m.shard_path(dir, i, "jsonl").exists();
    match m.format {
        Format::Bin => bin_ok(),
        Format::Jsonl => jsonl_ok(),
        Format::Both => bin_ok() && jsonl_ok(),
    }
}

fn generate<D: Domain>(domain: &D, m: &Manifest, dir: &Path, quiet: bool) -> Result<()> {
    let todo: Vec<usize> = (0..m.num_shards()).filter(|&i| !shard_done(m, dir, i)).collect();
    let already: usize = (0..m.num_shards()).filter(|i| !todo.contains(i)).map(|i| m.shard_count(i)).sum();
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(m.count as u64) };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} tasks  {per_sec}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(already as u64);
    if already > 0 && !quiet {
        bar.println(format!("resuming: {} of {} shards already complete", m.num_shards() - todo.len(), m.num_shards()));
    }
    let start = Instant::now();
    let failed = AtomicBool::new(false);
    todo.par_iter().try_for_each(|&i| -> Result<()> {
        if failed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let result = write_shard(domain, m, dir, i, &bar);
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        result
    })?;
    bar.finish_and_clear();
    let generated: usize = todo.iter().map(|&i| m.shard_count(i)).sum();
    let secs = start.elapsed().as_secs_f64();
    if !quiet {
        eprintln!(
            "{} {} {}: {} tasks in {} shards written to {} ({generated} generated in {secs:.1} s, {:.0} tasks/s)",
            m.dsl,
            m.split,
            m.part,
            m.count,
            m.num_shards(),
            dir.display(),
            generated as f64 / secs.max(1e-9)
        );
    }
    Ok(())
}

fn write_shard<D: Domain>(domain: &D, m: &Manifest, dir: &Path, i: usize, bar: &ProgressBar) -> Result<()> {
    let count = m.shard_count(i);
    let tasks = generate_tasks(domain, m.split, m.part, m.seed, i as u64, count, |n| bar.inc(n as u64));
    if matches!(m.format, Format::Bin | Format::Both) {
        let encoded = tasks.iter().map(|t| encode_task(domain, t)).collect::<Result<Vec<_>, _>>()?;
        let header = ShardHeader { dsl: m.dsl, split: m.split, part: m.part, num_tasks: count as u32 };
        shard::write_shard(&m.shard_path(dir, i, "exds"), header, &encoded)?;
    }
    if matches!(m.format, Format::Jsonl | Format::Both) {
        let mut buf = Vec::with_capacity(count * 2048);
        for (k, t) in tasks.iter().enumerate() {
            serde_json::to_writer(&mut buf, &task_json(domain, i * m.shard_size + k, t)?)?;
            buf.write_all(b"\n")?;
        }
        shard::write_atomic(&m.shard_path(dir, i, "jsonl"), &buf)?;
    }
    Ok(())
}
