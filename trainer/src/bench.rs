//! `exedec bench-train`: training throughput, and how much of the machine it uses.
//!
//! For each DSL, model type and preset: seeded NONE-split training examples cut into
//! length-bucketed batches as `exedec train` cuts them, then timed training steps (forward,
//! backward and the AdamW update) on the chosen backend. Each row states examples/s, target
//! tokens/s, the FLOPs of a step counted from the padded batch shapes
//! ([`ModelConfig::training_flops`]), and the achieved FLOP/s as a fraction of the machine's
//! f32 peak, measured in the same run as the best rate of a large square matmul over every
//! CPU backend compiled in.
//!
//! Thread counts are measured in child processes (`RAYON_NUM_THREADS` and `OMP_NUM_THREADS`
//! set before any backend starts), since backends size their thread pools once per process.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::prelude::*;
use exedec_core::data::{Example, ModelKind, encode_task, examples, generate_tasks};
use exedec_core::model::batch::{batch_shape, fits};
use exedec_core::model::{ModelConfig, Preset, preset};
use exedec_core::{DeepCoder, Domain, Dsl, Part, RobustFill, Split};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::device::{Backend, compiled_cpu, select};
use crate::stream::pool_batches;
use crate::train::{Learner, Single, TrainArgs};

/// The options of `exedec bench-train`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// The backend whose training is timed.
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    pub backend: Backend,
    #[arg(long, value_delimiter = ',', default_values = ["deepcoder", "robustfill"])]
    pub dsl: Vec<Dsl>,
    #[arg(long, value_delimiter = ',', default_values = ["subgoal", "synthesizer", "no-subgoal", "transformer"])]
    pub model: Vec<ModelKind>,
    #[arg(long, value_delimiter = ',', default_values = ["cpu", "small"])]
    pub preset: Vec<Preset>,
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// Timed steps per row (after two untimed ones).
    #[arg(long, default_value_t = 8)]
    pub steps: usize,
    /// Thread counts to measure, each in its own process.
    #[arg(long, value_delimiter = ',', default_values = ["1", "2"])]
    pub threads: Vec<usize>,
    /// Data-parallel workers to measure (`exedec train --workers`), each at most the thread
    /// count.
    #[arg(long, value_delimiter = ',', default_values = ["1", "2"])]
    pub workers: Vec<usize>,
    /// Side of the square matmul that measures the peak.
    #[arg(long, default_value_t = 2048)]
    pub peak_size: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also write the rows as JSON.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Measure in this process with its thread settings and print JSON rows (what the
    /// command runs once per thread count).
    #[arg(long, hide = true)]
    pub worker: bool,
}

/// One measured configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub dsl: Dsl,
    pub model: ModelKind,
    pub preset: Preset,
    pub backend: String,
    pub threads: usize,
    pub workers: usize,
    pub batch_size: usize,
    pub examples_per_second: f64,
    pub target_tokens_per_second: f64,
    /// Mean FLOPs of one training example (its share of a step's products).
    pub flops_per_example: f64,
    pub achieved_gflops: f64,
    /// The machine's f32 matmul peak with this many threads (best backend), GFLOP/s.
    pub peak_gflops: f64,
}

/// The f32 matmul rate of one backend, GFLOP/s (best of a few runs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Peak {
    pub backend: String,
    pub threads: usize,
    pub gflops: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WorkerReport {
    peaks: Vec<Peak>,
    rows: Vec<Row>,
}

pub fn run(args: BenchArgs) -> Result<()> {
    if args.batch_size == 0 || args.steps == 0 || args.peak_size == 0 {
        bail!("--batch-size, --steps and --peak-size must be positive");
    }
    if args.worker {
        crate::device::set_threads(args.threads.first().copied())?;
        crate::device::keep_freed_memory();
        let report = measure(&args)?;
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let mut peaks = Vec::new();
    let mut rows = Vec::new();
    for &threads in &args.threads {
        if threads == 0 {
            bail!("--threads must be positive");
        }
        eprintln!("measuring with {threads} thread(s)");
        let report = spawn_worker(&args, threads)?;
        peaks.extend(report.peaks);
        rows.extend(report.rows);
    }
    print!("{}", table(&peaks, &rows));
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_vec_pretty(&serde_json::json!({ "peaks": peaks, "rows": rows }))?)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// Runs this command as a worker with `threads` threads and reads its report.
fn spawn_worker(args: &BenchArgs, threads: usize) -> Result<WorkerReport> {
    let exe = std::env::current_exe().context("locating the exedec binary")?;
    let list = |v: Vec<String>| v.join(",");
    let output = Command::new(exe)
        .arg("bench-train")
        .arg("--worker")
        .args(["--backend", args.backend.name()])
        .args(["--dsl", &list(args.dsl.iter().map(|d| d.to_string()).collect())])
        .args(["--model", &list(args.model.iter().map(|m| m.to_string()).collect())])
        .args(["--preset", &list(args.preset.iter().map(|p| p.to_string()).collect())])
        .args(["--batch-size", &args.batch_size.to_string()])
        .args(["--steps", &args.steps.to_string()])
        .args(["--peak-size", &args.peak_size.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .args(["--threads", &threads.to_string()])
        .args(["--workers", &list(args.workers.iter().map(|w| w.to_string()).collect())])
        .env("RAYON_NUM_THREADS", threads.to_string())
        .env("OMP_NUM_THREADS", threads.to_string())
        .env("MKL_NUM_THREADS", threads.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("starting a benchmark worker")?;
    if !output.status.success() {
        bail!("the benchmark worker with {threads} thread(s) failed ({})", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().context("the benchmark worker printed nothing")?;
    serde_json::from_str(line).context("reading the benchmark worker's report")
}

/// The measurements of one process: the peak of each CPU backend, then every row.
fn measure(args: &BenchArgs) -> Result<WorkerReport> {
    let threads = args.threads.first().copied().unwrap_or(1);
    let mut peaks = Vec::new();
    for backend in compiled_cpu() {
        let (device, name) = select(backend)?;
        peaks.push(Peak { backend: name.to_string(), threads, gflops: matmul_gflops(&device, args.peak_size) });
    }
    let peak = peaks.iter().map(|p| p.gflops).fold(0.0, f64::max);
    let (base, backend) = select(args.backend)?;
    let device = base.autodiff();
    let mut rows = Vec::new();
    for &dsl in &args.dsl {
        for &model in &args.model {
            let pool = training_examples(dsl, model, args)?;
            for &p in &args.preset {
                let config = preset(p, dsl, model);
                let batches = bucketed_batches(&pool, &config, args);
                for &workers in args.workers.iter().filter(|&&w| w >= 1 && w <= threads) {
                    let row = time_steps(&config, &batches, workers, &device, args)?;
                    let r = Row {
                        dsl,
                        model,
                        preset: p,
                        backend: backend.to_string(),
                        threads,
                        workers,
                        batch_size: args.batch_size,
                        examples_per_second: row.examples as f64 / row.seconds,
                        target_tokens_per_second: row.tokens as f64 / row.seconds,
                        flops_per_example: row.flops as f64 / row.examples as f64,
                        achieved_gflops: row.flops as f64 / row.seconds / 1e9,
                        peak_gflops: peak,
                    };
                    eprintln!(
                        "  {dsl} {model} {p}, {workers} worker(s): {:.0} examples/s, {:.1} GFLOP/s",
                        r.examples_per_second, r.achieved_gflops
                    );
                    rows.push(r);
                }
            }
        }
    }
    Ok(WorkerReport { peaks, rows })
}

/// The f32 rate of an `n × n` by `n × n` matmul on a device, GFLOP/s (best of three).
pub fn matmul_gflops(device: &Device, n: usize) -> f64 {
    let a = Tensor::<2>::random([n, n], burn::tensor::Distribution::Default, device);
    let b = Tensor::<2>::random([n, n], burn::tensor::Distribution::Default, device);
    // One untimed product (thread pools, kernels, allocations).
    let _ = a.clone().matmul(b.clone()).sum().into_scalar::<f32>();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let _ = a.clone().matmul(b.clone()).sum().into_scalar::<f32>();
        best = best.min(start.elapsed().as_secs_f64());
    }
    2.0 * (n as f64).powi(3) / best / 1e9
}

/// Enough seeded NONE training examples of a model type for the timed steps.
fn training_examples(dsl: Dsl, model: ModelKind, args: &BenchArgs) -> Result<Vec<Example>> {
    let wanted = args.batch_size * (args.steps + 2) * 4;
    match dsl {
        Dsl::RobustFill => examples_of(&RobustFill, model, wanted, args.seed),
        Dsl::DeepCoder => examples_of(&DeepCoder, model, wanted, args.seed),
    }
}

fn examples_of<D: Domain>(domain: &D, model: ModelKind, wanted: usize, seed: u64) -> Result<Vec<Example>> {
    let separator = domain.io_vocab().separator().context("the DSL has no separator token")?;
    let mut out = Vec::new();
    let mut shard = 0;
    while out.len() < wanted {
        for task in generate_tasks(domain, Split::None, Part::Train, seed, shard, 256, |_| {}) {
            out.extend(examples(model, &encode_task(domain, &task)?, separator));
        }
        shard += 1;
    }
    Ok(out)
}

/// Batches as `exedec train` draws them by default: shuffled, then pools of 16 batches sorted
/// by length (examples that do not fit the model dropped).
fn bucketed_batches(pool: &[Example], config: &ModelConfig, args: &BenchArgs) -> Vec<Vec<Example>> {
    let mut fitting: Vec<Example> = pool.iter().filter(|e| fits(e, config)).cloned().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    fitting.shuffle(&mut rng);
    let per_pool = args.batch_size * crate::train::DEFAULT_LENGTH_BUCKETS;
    let mut batches = Vec::new();
    for pool in fitting.chunks(per_pool) {
        batches.extend(pool_batches(pool, args.batch_size).into_iter().filter(|b| b.len() == args.batch_size));
    }
    batches.shuffle(&mut rng);
    batches.truncate(args.steps + 2);
    batches
}

struct Timed {
    examples: usize,
    tokens: u64,
    flops: u64,
    seconds: f64,
}

/// Times `batches[2..]` as training steps after two untimed ones.
fn time_steps(
    config: &ModelConfig,
    batches: &[Vec<Example>],
    workers: usize,
    device: &Device,
    args: &BenchArgs,
) -> Result<Timed> {
    if batches.len() < 3 {
        bail!("too few examples fit the model for {} timed steps", args.steps);
    }
    let train_args = TrainArgs::for_benchmark(args.batch_size, workers);
    device.seed(args.seed);
    let mut learner = Single::init(config, &train_args, device);
    let mut timed = Timed { examples: 0, tokens: 0, flops: 0, seconds: 0.0 };
    for (i, batch) in batches.iter().enumerate() {
        let refs: Vec<&Example> = batch.iter().collect();
        let start = Instant::now();
        let stats = learner.step(&refs, i as u64, 1e-3, &train_args, device)?;
        if i >= 2 {
            timed.seconds += start.elapsed().as_secs_f64();
            timed.examples += refs.len();
            timed.tokens += stats.tokens;
            timed.flops += config.training_flops(&batch_shape(&refs));
        }
    }
    Ok(timed)
}

/// The Markdown table of the rows, with the peaks above it.
pub fn table(peaks: &[Peak], rows: &[Row]) -> String {
    let mut s = String::new();
    let mut line = |t: String| {
        s.push_str(&t);
        s.push('\n');
    };
    line("f32 matmul peak (square matmul, best of 3):".into());
    for p in peaks {
        line(format!("- {}, {} thread(s): {:.1} GFLOP/s", p.backend, p.threads, p.gflops));
    }
    line(String::new());
    line(
        "| DSL | model | preset | backend | threads | workers | examples/s | target tokens/s | MFLOP/example | GFLOP/s | of peak |"
            .into(),
    );
    line("|---|---|---|---|---|---|---|---|---|---|---|".into());
    for r in rows {
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1}% |",
            r.dsl,
            r.model,
            r.preset,
            r.backend,
            r.threads,
            r.workers,
            r.examples_per_second,
            r.target_tokens_per_second,
            r.flops_per_example / 1e6,
            r.achieved_gflops,
            100.0 * r.achieved_gflops / r.peak_gflops.max(1e-9)
        ));
    }
    s
}
