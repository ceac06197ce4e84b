//! `exedec eval` and `exedec report`: run a search method over test tasks with trained or
//! oracle models, in parallel, and summarize.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::prelude::Device;
use exedec_core::data::{ModelKind, encode_task};
use exedec_core::eval::{EvalReport, TaskResult, length_table, report_table, summarize, task_result};
use exedec_core::model::NeuralModel;
use exedec_core::model::neural::{MethodModels, NeuralLatentModel};
use exedec_core::model::weights::{from_bytes, latent_from_bytes};
use exedec_core::search::latent::{FixedCodes, WithFixedCodes};
use exedec_core::search::{
    Control, ModelError, OracleModel, Quirks, SearchConfig, SearchOutcome, exedec_search, latent_programmer_search,
    transformer_search,
};
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, Dsl, Method, RobustFill, Split, Task};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::device::{Backend, select};

/// Where the models come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelsArg {
    Oracle,
    Dir(PathBuf),
}

impl std::str::FromStr for ModelsArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(if s == "oracle" { ModelsArg::Oracle } else { ModelsArg::Dir(PathBuf::from(s)) })
    }
}

impl std::fmt::Display for ModelsArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelsArg::Oracle => f.write_str("oracle"),
            ModelsArg::Dir(d) => write!(f, "{}", d.display()),
        }
    }
}

/// The weight file of one model type in a models folder: `<model>.exw`, or
/// `<dsl>-<model>.exw`.
pub fn weight_path(dir: &Path, dsl: Dsl, kind: ModelKind) -> Result<PathBuf> {
    let candidates = [
        dir.join(format!("{kind}.exw")),
        dir.join(format!("{dsl}-{kind}.exw")),
        dir.join(dsl.name()).join(format!("{kind}.exw")),
    ];
    candidates.iter().find(|p| p.exists()).cloned().with_context(|| {
        format!("no {kind} weights for {dsl} in {} (expected {})", dir.display(), candidates[0].display())
    })
}

/// Loads one trained model for the search.
pub fn load_model(dir: &Path, dsl: Dsl, kind: ModelKind, backend: Backend) -> Result<NeuralModel> {
    let (path, bytes, device) = read_weights(dir, dsl, kind, backend)?;
    let loaded =
        from_bytes(&bytes, Some((kind, dsl)), &device).with_context(|| format!("loading {}", path.display()))?;
    Ok(NeuralModel::new(loaded.model, loaded.header.config, device))
}

/// The weight file of one model type (its path and bytes) and the device to load it on.
fn read_weights(dir: &Path, dsl: Dsl, kind: ModelKind, backend: Backend) -> Result<(PathBuf, Vec<u8>, Device)> {
    let path = weight_path(dir, dsl, kind)?;
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let (device, _) = select(backend)?;
    Ok((path, bytes, device))
}

/// Loads a trained Latent Programmer for the search.
pub fn load_latent(dir: &Path, dsl: Dsl, backend: Backend) -> Result<NeuralLatentModel> {
    let (path, bytes, device) = read_weights(dir, dsl, ModelKind::LatentProgrammer, backend)?;
    let loaded =
        latent_from_bytes(&bytes, Some(dsl), &device).with_context(|| format!("loading {}", path.display()))?;
    Ok(NeuralLatentModel::new(loaded.model, loaded.config, device))
}

/// The trained models a method needs.
pub fn load_method(dir: &Path, dsl: Dsl, method: Method, backend: Backend) -> Result<MethodModels> {
    let steps = |subgoal, step| MethodModels::Steps { subgoal, step };
    Ok(match method {
        Method::Exedec => steps(
            Some(load_model(dir, dsl, ModelKind::Subgoal, backend)?),
            load_model(dir, dsl, ModelKind::Synthesizer, backend)?,
        ),
        Method::NoSubgoal => steps(None, load_model(dir, dsl, ModelKind::NoSubgoal, backend)?),
        Method::Transformer => steps(None, load_model(dir, dsl, ModelKind::Transformer, backend)?),
        Method::LatentProgrammer => MethodModels::LatentProgrammer(load_latent(dir, dsl, backend)?),
    })
}

/// Runs a method on one task with oracle models built from its ground truth.
pub fn run_oracle<D: Domain>(
    domain: &D,
    task: &Task<D>,
    method: Method,
    config: &SearchConfig,
) -> Result<SearchOutcome<D>, ModelError> {
    let enc = encode_task(domain, task)
        .map_err(|e| ModelError::Input(format!("the task has no usable ground truth: {e}")))?;
    let sep = domain.io_vocab().separator().unwrap_or(0);
    let (io, prog) = (domain.io_vocab().len(), domain.program_vocab().len());
    let spec = task.spec();
    let oracle = |kind, v| OracleModel::new(kind, [&enc], v, sep);
    let mut control = Control::default();
    pollster::block_on(async {
        match method {
            Method::Exedec => {
                let (sub, syn) = (oracle(ModelKind::Subgoal, io), oracle(ModelKind::Synthesizer, prog));
                exedec_search(domain, &spec, Some(&sub), &syn, config, &mut control).await
            }
            Method::NoSubgoal => {
                exedec_search(
                    domain,
                    &spec,
                    None::<&OracleModel>,
                    &oracle(ModelKind::NoSubgoal, prog),
                    config,
                    &mut control,
                )
                .await
            }
            Method::Transformer => {
                transformer_search(domain, &spec, &oracle(ModelKind::Transformer, prog), config, &mut control).await
            }
            // Codes mean what a trained codebook makes them mean, so the oracle proposes a fixed
            // code sequence and the program oracle ignores it: this checks the two-level search.
            Method::LatentProgrammer => {
                let models = WithFixedCodes {
                    predictor: FixedCodes { codes: vec![3], vocab: 40, p: 0.9 },
                    programs: oracle(ModelKind::Transformer, prog),
                };
                latent_programmer_search(domain, &spec, &models, config, &mut control).await
            }
        }
    })
}

pub struct EvalArgs {
    pub dsl: Dsl,
    pub split: Split,
    pub method: Method,
    pub models: ModelsArg,
    pub beam: usize,
    pub data: Option<PathBuf>,
    pub limit: Option<usize>,
    pub threads: Option<usize>,
    pub out: PathBuf,
    pub quirks: Quirks,
    pub backend: Backend,
    pub quiet: bool,
    pub command: String,
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
    let config = SearchConfig { beam_size: args.beam, max_steps: None, quirks: args.quirks };
    let neural = match &args.models {
        ModelsArg::Oracle => None,
        ModelsArg::Dir(dir) => Some(load_method(dir, args.dsl, args.method, args.backend)?),
    };
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(tasks.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len} tasks  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let solved = Mutex::new(0usize);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.threads.unwrap_or(0)).build()?;
    let results: Vec<TaskResult> = pool.install(|| {
        tasks
            .par_iter()
            .map(|(index, task)| {
                let start = Instant::now();
                let outcome = match &neural {
                    None => run_oracle(&domain, task, args.method, &config),
                    Some(n) => pollster::block_on(n.search(
                        &domain,
                        &task.spec(),
                        args.method,
                        &config,
                        &mut Control::default(),
                    )),
                };
                let r = task_result(&domain, *index, task, outcome, start.elapsed().as_secs_f64() * 1000.0);
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
    Ok(report)
}

pub fn run(args: EvalArgs) -> Result<EvalReport> {
    if args.beam == 0 {
        bail!("--beam must be at least 1");
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
