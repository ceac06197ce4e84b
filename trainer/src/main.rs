//! `exedec`: the command-line face of the project.
//!
//! Each subcommand lives in its own module; this file only declares the interface and
//! dispatches.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use exedec_core::llm::Style;
use exedec_core::model::weights::Precision;
use exedec_core::{Dsl, Part, Split};
use exedec_trainer::device::Backend;
use exedec_trainer::eval::EvalArgs;
use exedec_trainer::{bench, curve, eval, exec, export, generate, llm, presets, sweep, synthesize, train};

#[derive(Parser)]
#[command(name = "exedec", version, about = "ExeDec program synthesis: data, training, evaluation and synthesis")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run programs on inputs: JSON Lines `{"program": ..., "inputs": [...]}` in, one
    /// `{"outputs": [...]}` or `{"error": {"kind": ..., "message": ...}}` line out per line.
    /// Programs in the released data's form (RobustFill token ids, `4 29|10`) or the readable
    /// form `synthesize` prints (`Const('k') | Trim()`).
    Exec {
        /// The DSL of the programs.
        #[arg(long)]
        dsl: Dsl,
        /// Read from this file instead of standard input.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Generate a dataset of random tasks with their execution decompositions, in shards
    /// (binary for training, JSON Lines for inspection). Deterministic for a seed whatever
    /// the thread count; rerunning an interrupted command resumes it.
    Generate {
        #[arg(long)]
        dsl: Dsl,
        /// NONE, LENGTH_GENERALIZATION, COMPOSE_DIFFERENT_CONCEPTS, SWITCH_CONCEPT_ORDER,
        /// COMPOSE_NEW_OP or ADD_OP_FUNCTIONALITY.
        #[arg(long)]
        split: Split,
        /// train and valid follow the split's train distribution, test its test distribution.
        #[arg(long)]
        part: Part,
        /// Number of tasks.
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Tasks per shard (default: 10000; 100 for DeepCoder valid/test).
        #[arg(long)]
        shard_size: Option<usize>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long, value_enum, default_value_t = generate::Format::Both)]
        format: generate::Format,
        /// No progress bar or summary.
        #[arg(long)]
        quiet: bool,
    },
    /// Train a model on generated shards (see `generate`), with checkpoints every
    /// --checkpoint-every steps; --resume continues an interrupted run exactly.
    Train {
        #[command(flatten)]
        args: train::TrainArgs,
        #[arg(long)]
        resume: bool,
        /// When the run has no checkpoint (e.g. on a new machine), start from this exported
        /// weight file: its parameters and step count, a fresh optimizer, the data from where an
        /// uninterrupted run would be after the file's examples (recorded in metrics.jsonl). A
        /// checkpoint, when present, wins with --resume.
        #[arg(long, value_name = "WEIGHTS.exw")]
        from_weights: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Backend::Auto)]
        backend: Backend,
        /// CPU threads of the backend (default: all cores). A run resumes bit for bit with the
        /// backend and thread count it was saved with.
        #[arg(long)]
        threads: Option<usize>,
        /// Stop after the first step that ends this many seconds into this invocation, with a
        /// checkpoint; `--resume` goes on from there.
        #[arg(long, value_name = "SECONDS")]
        time_limit: Option<f64>,
        #[arg(long)]
        quiet: bool,
    },
    /// Measure training throughput: examples/s, target tokens/s and the fraction of the
    /// machine's f32 matmul peak, per DSL, model type, preset and thread count.
    BenchTrain {
        #[command(flatten)]
        args: bench::BenchArgs,
    },
    /// Run a search method over test tasks (by default the split's released 1000 tasks) and
    /// write a JSON report: success rate, 95% confidence interval, per-task results and error
    /// attribution.
    Eval {
        #[command(flatten)]
        args: EvalArgs,
    },
    /// The paper's few-shot LLM experiment against an OpenAI-compatible server: baseline,
    /// ExeDec-style (step by step, execution results fed back) or ablation prompts on the
    /// released LLM problems. Results in the `eval` format (so `report` tables them).
    Llm {
        #[arg(long)]
        dsl: Dsl,
        #[arg(long)]
        split: Split,
        /// baseline, exedec or ablation.
        #[arg(long)]
        style: Style,
        /// Base URL of the API, e.g. http://127.0.0.1:8080/v1.
        #[arg(long)]
        endpoint: String,
        /// The model name sent with each request.
        #[arg(long)]
        model: String,
        #[arg(long, value_enum, default_value_t = llm::Api::Completions)]
        api: llm::Api,
        /// DeepCoder only: the Pythonic rendering (the paper's version 4) instead of version 1.
        #[arg(long)]
        pythonic: bool,
        /// Environment variable holding the API key, sent as a Bearer token if set.
        #[arg(long, default_value = "OPENAI_API_KEY")]
        api_key_env: String,
        /// Completion cache folder; reruns are answered from it.
        #[arg(long, default_value = "llm-cache")]
        cache: PathBuf,
        /// Disable the completion cache.
        #[arg(long)]
        no_cache: bool,
        /// Problems solved at the same time (concurrent requests).
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Retries of a failed request (connection errors, timeouts, HTTP 429 and 5xx).
        #[arg(long, default_value_t = 5)]
        retries: u32,
        /// Delay before the first retry, in milliseconds; doubled for each later one.
        #[arg(long, default_value_t = 1000)]
        backoff_ms: u64,
        /// Per-request time limit in seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// A JSON Lines file of LLM problems instead of the released ones.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Only the first N problems.
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        quiet: bool,
    },
    /// Print the Markdown results table (splits as columns, methods as rows) of eval reports,
    /// with ExeDec's gap over the Transformer baseline beside the paper's.
    Report {
        /// Eval JSON files.
        files: Vec<PathBuf>,
        /// Also write the table to this file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Add a table of success by the ground-truth program's length, one row per file.
        #[arg(long)]
        by_length: bool,
    },
    /// Success, search time (mean and 95th percentile) and model calls against the beam size
    /// for several methods on one split: one `eval` report per point (points already in --out
    /// are kept), then a Markdown table and an SVG plot in --out.
    Sweep {
        #[arg(long)]
        dsl: Dsl,
        #[arg(long)]
        split: Split,
        /// A method and its models folder, e.g. `exedec=static/models/deepcoder`; repeat for
        /// each method.
        #[arg(long = "method", value_name = "METHOD=DIR", required = true)]
        methods: Vec<sweep::MethodModels>,
        #[arg(long, value_delimiter = ',', default_values = ["1", "2", "5", "10", "20", "50"])]
        beams: Vec<usize>,
        /// Only the first N test tasks.
        #[arg(long)]
        limit: Option<usize>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long, value_enum, default_value_t = Backend::Cpu)]
        backend: Backend,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        quiet: bool,
    },
    /// The learning curve: each method's success against the training examples its networks
    /// saw, from `exedec eval` reports of one test set (an SVG and a Markdown table beside it).
    Curve {
        /// Evaluation reports at a fixed beam, of one DSL, split and beam.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// The plot (SVG); the table goes beside it with the extension `.md`.
        #[arg(long)]
        out: PathBuf,
        /// For networks whose weight files predate the record of training examples: count
        /// their steps times this batch size.
        #[arg(long)]
        assumed_batch_size: Option<u64>,
    },
    /// Find a program for your own examples and show its decomposition step by step.
    /// RobustFill: `--example 'ab cd -> AB'`; DeepCoder: `--example '[1 2 3], 4 -> [5 6]'`.
    Synthesize {
        #[command(flatten)]
        args: synthesize::SynthArgs,
    },
    /// Write the web page's preset tasks (the shortest tasks of each released test set).
    #[command(hide = true)]
    WebPresets {
        #[arg(long, default_value = "static/presets.json")]
        out: PathBuf,
        #[arg(long, default_value_t = 15)]
        per_split: usize,
    },
    /// Export a training checkpoint as a weight file (for the web page and `synthesize`).
    Export {
        /// The training output folder.
        #[arg(long)]
        run: PathBuf,
        /// The weight file to write.
        #[arg(long)]
        out: PathBuf,
        /// Store the weights as 16-bit floats (half the size).
        #[arg(long)]
        f16: bool,
        /// A note on the hardware the model was trained on.
        #[arg(long)]
        hardware: Option<String>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Exec { dsl, input, output } => exec::run(dsl, input.as_deref(), output.as_deref()),
        Command::Generate { dsl, split, part, count, seed, out, shard_size, threads, format, quiet } => {
            generate::run(generate::Args { dsl, split, part, count, seed, out, shard_size, threads, format, quiet })
        }
        Command::Train { args, resume, from_weights, backend, threads, time_limit, quiet } => {
            exedec_trainer::device::set_threads(threads)?;
            exedec_trainer::device::keep_freed_memory();
            let opts = train::RunOptions { resume, backend, quiet, stop_after: None, from_weights, time_limit };
            train::run(args, opts).map(|_| ())
        }
        Command::BenchTrain { args } => bench::run(args),
        Command::Eval { mut args } => {
            args.command = std::env::args().collect::<Vec<_>>().join(" ");
            eval::run(args).map(|_| ())
        }
        Command::Llm {
            dsl,
            split,
            style,
            endpoint,
            model,
            api,
            pythonic,
            api_key_env,
            cache,
            no_cache,
            concurrency,
            retries,
            backoff_ms,
            timeout,
            data,
            limit,
            out,
            quiet,
        } => {
            let command = std::env::args().collect::<Vec<_>>().join(" ");
            let client = llm::ClientConfig {
                endpoint,
                api,
                model,
                api_key: std::env::var(&api_key_env).ok().filter(|k| !k.is_empty()),
                retries,
                backoff: std::time::Duration::from_millis(backoff_ms),
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                cache: (!no_cache).then_some(cache),
            };
            let args = llm::LlmArgs { dsl, split, style, pythonic, client, data, limit, concurrency, out, quiet };
            llm::run(args, command).map(|_| ())
        }
        Command::Sweep { dsl, split, methods, beams, limit, threads, backend, out, quiet } => {
            let args = sweep::SweepArgs { dsl, split, methods, beams, limit, threads, backend, out, quiet };
            print!("{}", sweep::run(&args)?);
            Ok(())
        }
        Command::Curve { reports, out, assumed_batch_size } => {
            print!("{}", curve::run(&reports, assumed_batch_size, &out)?);
            Ok(())
        }
        Command::Report { files, out, by_length } => {
            let table = eval::report(&files, by_length)?;
            print!("{table}");
            if let Some(out) = out {
                std::fs::write(out, &table)?;
            }
            Ok(())
        }
        Command::Synthesize { args } => {
            if !synthesize::run(args)? {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::WebPresets { out, per_split } => presets::run(&out, per_split),
        Command::Export { run, out, f16, hardware } => {
            export::run(&run, &out, if f16 { Precision::F16 } else { Precision::F32 }, hardware)
        }
    }
}
