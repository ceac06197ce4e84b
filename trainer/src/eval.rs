//! `exedec eval` and `exedec report`: run a search method over test tasks with trained or
//! oracle models, in parallel, and summarize.

use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use exedec_core::data::ModelKind;
use exedec_core::eval::{EvalReport, TaskResult, length_table, report_table, summarize, task_result};
use exedec_core::model::NeuralModel;
use exedec_core::model::neural::MethodModels;
use exedec_core::search::latent::WithFixedCodes;
use exedec_core::search::oracle::{OracleModel, OracleOr, oracle_models, oracle_network};
use exedec_core::search::{
    AnytimeConfig, Control, LatentModels, ModelError, Models, Progress, Quirks, SearchConfig, SearchOutcome, StepModel,
    anytime_search,
};
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, Dsl, Method, RobustFill, Spec, Split, Task};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::device::Backend;
use crate::models::{ModelsArg, load_method, load_model, trained_network};

/// Runs a method on one task with oracle models built from its ground truth.
pub fn run_oracle<D: Domain>(
    domain: &D,
    task: &Task<D>,
    method: Method,
    config: &SearchConfig,
) -> Result<SearchOutcome<D>, ModelError> {
    let models = oracle_models(domain, task, method, None)?;
    pollster::block_on(models.search(domain, &task.spec(), config, &mut Control::default()))
}

/// What an evaluation searches with: every network an oracle (`--models oracle`), the trained
/// ones, or the trained ones but one (`--oracle`), whose weight file is not needed.
enum Networks {
    Oracles,
    Trained(Box<MethodModels>),
    OneOracle { oracle: ModelKind, trained: Vec<(ModelKind, NeuralModel)> },
}

impl Networks {
    fn load(args: &EvalArgs) -> Result<Networks> {
        let ModelsArg::Dir(dir) = &args.models else { return Ok(Networks::Oracles) };
        Ok(match args.oracle {
            None => Networks::Trained(Box::new(load_method(dir, args.dsl, args.method, args.backend)?)),
            Some(oracle) => Networks::OneOracle {
                oracle,
                trained: trained_kinds(args)
                    .map(|kind| Ok((kind, load_model(dir, args.dsl, kind, args.backend)?)))
                    .collect::<Result<_>>()?,
            },
        })
    }
}

/// The networks of the method that are trained, not replaced by `--oracle`.
fn trained_kinds(args: &EvalArgs) -> impl Iterator<Item = ModelKind> {
    args.method.networks().iter().copied().filter(move |&kind| Some(kind) != args.oracle)
}

/// A method's trained networks with the network `oracle` replaced by the task's oracle of it.
fn with_oracle<'m, D: Domain>(
    method: Method,
    trained: &'m [(ModelKind, NeuralModel)],
    domain: &D,
    task: &Task<D>,
    oracle: ModelKind,
) -> Result<Models<OracleOr<&'m NeuralModel>, WithFixedCodes<OracleModel>>, ModelError> {
    let mut stand_in = Some(oracle_network(domain, task, oracle)?);
    let network = |kind| {
        if kind == oracle {
            stand_in.take().map(OracleOr::Oracle)
        } else {
            trained.iter().find(|(k, _)| *k == kind).map(|(_, model)| OracleOr::Model(model))
        }
        .ok_or_else(|| ModelError::Input(format!("no {kind} network to search with")))
    };
    let latent = || Err(ModelError::Input("the Latent Programmer has no oracle network".into()));
    Models::assemble(method, network, latent)
}

/// One task's search, at the fixed beam or (with a budget) the anytime search: the outcome,
/// for the anytime search the beam that gave it, and the model calls made (each announced by a
/// [`Progress::Phase`] event).
fn search_task<D: Domain, S: StepModel, L: LatentModels>(
    models: &Models<S, L>,
    domain: &D,
    spec: &Spec<D>,
    args: &EvalArgs,
) -> (Result<SearchOutcome<D>, ModelError>, Option<usize>, usize) {
    let config = args.search_config();
    let mut calls = 0usize;
    let mut count = |p: Progress| calls += usize::from(matches!(p, Progress::Phase { .. }));
    let mut control = Control { should_stop: None, progress: Some(&mut count) };
    let (outcome, beam) = match args.budget {
        None => (pollster::block_on(models.search(domain, spec, &config, &mut control)), None),
        Some(budget_seconds) => {
            let anytime =
                AnytimeConfig { budget_seconds, first_beam: args.beam, search: config, ..AnytimeConfig::default() };
            let start = Instant::now();
            let clock = || start.elapsed().as_secs_f64();
            match pollster::block_on(anytime_search(models, domain, spec, &anytime, &clock, &mut control)) {
                Ok(a) => (Ok(a.outcome), Some(a.beam_size)),
                Err(e) => (Err(e), None),
            }
        }
    };
    (outcome, beam, calls)
}

/// The options of `exedec eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    #[arg(long)]
    pub dsl: Dsl,
    #[arg(long)]
    pub split: Split,
    /// exedec, no-subgoal, transformer, latent-programmer or portfolio (ExeDec, then
    /// No-Subgoal at the same beam).
    #[arg(long)]
    pub method: Method,
    /// A folder of weight files (`subgoal.exw`, `synthesizer.exw`, ...) or `oracle`.
    #[arg(long)]
    pub models: ModelsArg,
    /// Replace this network of the method's (e.g. `subgoal`) by an oracle that knows each
    /// task's ground-truth decomposition, the others staying trained: what the trained ones
    /// would solve if that network made no mistakes.
    #[arg(long, value_name = "NETWORK")]
    pub oracle: Option<ModelKind>,
    #[arg(long, default_value_t = 10)]
    pub beam: usize,
    /// A JSON Lines task file instead of the released test set.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Only the first N tasks.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    #[arg(long)]
    pub out: PathBuf,
    /// Reproduce the official inference quirk of appending EOS to re-encoded specifications.
    #[arg(long)]
    pub quirk_eos: bool,
    /// Reproduce the official padding tokens around DeepCoder subgoal parts.
    #[arg(long)]
    pub quirk_pads: bool,
    /// Decode only valid subgoals (RobustFill: prefixes of the remaining outputs; DeepCoder:
    /// values one statement computes) instead of decoding freely and pruning, as the paper does;
    /// a subgoal that a listed step computes (DeepCoder: a statement; RobustFill: an expression
    /// without Compose) is then reached by that step instead of the SynthesizerModel's, and a
    /// listed step that computes the remaining outputs finishes the program.
    #[arg(long)]
    pub constrain_subgoals: bool,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    pub backend: Backend,
    /// Measure the anytime search: up to this many seconds per task, starting at --beam and
    /// doubling the beam while the task is unsolved (default: one search at --beam).
    #[arg(long, value_name = "SECONDS")]
    pub budget: Option<f64>,
    #[arg(long)]
    pub quiet: bool,
    /// The command line, recorded in the report.
    #[arg(skip)]
    pub command: String,
}

impl EvalArgs {
    /// An evaluation as `exedec eval` runs it given only these (the paper's search at beam 10
    /// on the released test set, every core, the CPU backend); set other fields with
    /// `EvalArgs { beam: 5, ..EvalArgs::new(..) }`.
    pub fn new(dsl: Dsl, split: Split, method: Method, models: ModelsArg, out: PathBuf) -> EvalArgs {
        EvalArgs {
            dsl,
            split,
            method,
            models,
            oracle: None,
            beam: 10,
            data: None,
            limit: None,
            threads: None,
            out,
            quirk_eos: false,
            quirk_pads: false,
            constrain_subgoals: false,
            backend: Backend::Cpu,
            budget: None,
            quiet: false,
            command: String::new(),
        }
    }

    fn search_config(&self) -> SearchConfig {
        SearchConfig {
            beam_size: self.beam,
            max_steps: None,
            quirks: Quirks { eos_after_first_step: self.quirk_eos, deepcoder_subgoal_pads: self.quirk_pads },
            constrain_subgoals: self.constrain_subgoals,
        }
    }
}

fn evaluate<D: Domain>(domain: D, args: &EvalArgs) -> Result<EvalReport> {
    let text = match &args.data {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        None => crate::released::test_data(args.dsl, args.split).to_string(),
    };
    let records = read_records(BufReader::new(text.as_bytes()))?;
    let limit = args.limit.unwrap_or(records.len()).min(records.len());
    let tasks: Vec<(usize, Task<D>)> = records[..limit]
        .iter()
        .map(|r| r.parse(&domain).map(|t| (r.index, t)).with_context(|| format!("task {}", r.index)))
        .collect::<Result<_>>()?;
    let networks = Networks::load(args)?;
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(tasks.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len} tasks  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let solved = Mutex::new(0usize);
    // One search per worker, each on one core: LibTorch would otherwise give every worker's
    // model calls all the machine's cores (`--threads 1` would use them all).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .start_handler(|_| crate::device::limit_this_thread(1))
        .build()?;
    let results: Vec<TaskResult> = pool.install(|| {
        tasks
            .par_iter()
            .map(|(index, task)| {
                let start = Instant::now();
                let spec = task.spec();
                let (outcome, beam, calls) = match &networks {
                    Networks::Oracles => match oracle_models(&domain, task, args.method, None) {
                        Ok(models) => search_task(&models, &domain, &spec, args),
                        Err(e) => (Err(e), None, 0),
                    },
                    Networks::Trained(models) => search_task(models, &domain, &spec, args),
                    Networks::OneOracle { oracle, trained } => {
                        match with_oracle(args.method, trained, &domain, task, *oracle) {
                            Ok(models) => search_task(&models, &domain, &spec, args),
                            Err(e) => (Err(e), None, 0),
                        }
                    }
                };
                let millis = start.elapsed().as_secs_f64() * 1000.0;
                let model_calls = Some(calls);
                let solved_by = match &outcome {
                    Ok(out) if out.solved && args.method.has_members() => Some(out.method),
                    _ => None,
                };
                let r =
                    TaskResult { beam, model_calls, solved_by, ..task_result(&domain, *index, task, outcome, millis) };
                let mut s = solved.lock().unwrap_or_else(|e| e.into_inner());
                *s += usize::from(r.solved);
                bar.inc(1);
                bar.set_message(format!("solved {}/{}", *s, bar.position()));
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut report = summarize(args.dsl, args.split, args.method, args.models.to_string(), args.beam, results);
    report.command = Some(args.command.clone());
    report.tasks_file = args.data.as_ref().map(|p| p.display().to_string());
    report.budget_seconds = args.budget;
    report.oracle = args.oracle;
    if let ModelsArg::Dir(dir) = &args.models {
        report.networks =
            trained_kinds(args).map(|kind| trained_network(dir, args.dsl, kind)).collect::<Result<_>>()?;
    }
    Ok(report)
}

pub fn run(args: EvalArgs) -> Result<EvalReport> {
    if args.beam == 0 {
        bail!("--beam must be at least 1");
    }
    if args.budget.is_some_and(|b| !(b.is_finite() && b >= 0.0)) {
        bail!("--budget must be a number of seconds, at least 0");
    }
    if let Some(kind) = args.oracle {
        if args.models == ModelsArg::Oracle {
            bail!("--oracle replaces one trained network; with --models oracle all of them are oracles already");
        }
        if kind == ModelKind::LatentProgrammer || !args.method.networks().contains(&kind) {
            bail!(
                "--oracle {kind}: {} searches with {}",
                args.method,
                args.method.networks().iter().map(|k| k.name()).collect::<Vec<_>>().join(" and ")
            );
        }
    }
    let report = match args.dsl {
        Dsl::RobustFill => evaluate(RobustFill, &args)?,
        Dsl::DeepCoder => evaluate(DeepCoder, &args)?,
    };
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    exedec_core::data::shard::write_atomic(&args.out, &serde_json::to_vec_pretty(&report)?)?;
    if !args.quiet {
        eprintln!(
            "{} {} {} ({}, beam {}): {}/{} solved = {:.1}% (95% CI {:.1}–{:.1}), {:.0} ms per task; written to {}",
            report.dsl,
            report.split,
            report.method,
            report.models,
            report.beam,
            report.solved,
            report.num_tasks,
            report.success_rate,
            report.ci95.0,
            report.ci95.1,
            report.mean_millis,
            args.out.display()
        );
    }
    Ok(report)
}

/// `exedec report`: reads evaluation JSON files and prints the Markdown table, and with
/// `by_length` the success by ground-truth program length.
pub fn report(files: &[PathBuf], by_length: bool) -> Result<String> {
    let reports: Vec<EvalReport> = files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
            serde_json::from_slice(&bytes).with_context(|| format!("{} is not an eval report", f.display()))
        })
        .collect::<Result<_>>()?;
    let mut table = report_table(&reports);
    if by_length {
        table.push_str(&length_table(&reports));
    }
    Ok(table)
}
