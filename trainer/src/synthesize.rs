//! `exedec synthesize`: a program from a user's own examples, with its decomposition.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use exedec_core::search::{AnytimeConfig, AnytimeOutcome, Control, Progress, anytime_search};
use exedec_core::user::{deepcoder_spec, robustfill_spec, split_arrow, split_values};
use exedec_core::{DeepCoder, Domain, Dsl, Method, RobustFill, Spec};

use crate::device::{Backend, select};
use crate::models::{ModelsArg, load_method};
use exedec_core::model::neural::MethodModels;

/// The default models folder: `static/models/<dsl>` of the project, found from the current
/// folder or from the executable's location.
pub fn default_models(dsl: Dsl) -> Option<PathBuf> {
    let mut starts = vec![std::env::current_dir().ok()];
    starts.push(std::env::current_exe().ok());
    for start in starts.into_iter().flatten() {
        for dir in start.ancestors() {
            let candidate = dir.join("static/models").join(dsl.name());
            if candidate.is_dir() {
                return Some(candidate);
            }
        }
    }
    None
}

pub struct SynthArgs {
    pub dsl: Dsl,
    pub models: Option<ModelsArg>,
    pub examples: Vec<String>,
    pub method: Method,
    /// The first beam of the anytime search.
    pub beam: usize,
    /// Seconds the anytime search may take (0: the first beam only).
    pub budget: f64,
    /// Decode subgoals freely and prune afterwards (the paper's search) instead of decoding
    /// only valid ones.
    pub free_subgoals: bool,
    pub backend: Backend,
    /// No progress lines on stderr.
    pub quiet: bool,
}

fn print_outcome<D: Domain>(domain: &D, spec: &Spec<D>, anytime: &AnytimeOutcome<D>, millis: f64, backend: &str) {
    let out = &anytime.outcome;
    let status = if out.solved { "solved" } else { "not solved" };
    let found = match (&out.program, out.steps.len()) {
        (None, _) => "no program".to_string(),
        (Some(_), 1) => "a 1-step program".to_string(),
        (Some(_), n) => format!("a {n}-step program"),
    };
    let iterations = match out.iterations {
        1 => "1 search iteration".to_string(),
        n => format!("{n} search iterations"),
    };
    let tried = anytime.beams_tried.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    println!(
        "{status} ({found}; {iterations}, {millis:.0} ms on {backend}; beam {}, beams tried: {tried})",
        anytime.beam_size
    );
    let program = out.program.as_ref();
    match program {
        Some(p) => println!("program: {}", domain.format_readable(p)),
        None => println!("program: (none)"),
    }
    let show = |vals: &[D::Output]| {
        vals.iter().map(|v| format!("{:?}", domain.format_output(v))).collect::<Vec<_>>().join(", ")
    };
    for (i, s) in out.steps.iter().enumerate() {
        println!("step {}:", i + 1);
        if let Some(sg) = &s.subgoal {
            println!("  subgoal:    {}", show(sg));
        }
        println!("  subprogram: {}", domain.format_step(&s.step));
        println!("  result:     {}", show(&s.outputs));
    }
    if let Some(p) = program {
        let outputs: Vec<String> = spec
            .inputs
            .iter()
            .map(|i| domain.execute(p, i).map(|o| domain.format_output(&o)).unwrap_or_else(|e| format!("<{e}>")))
            .collect();
        println!("outputs: {}", outputs.join(" | "));
    }
}

/// Runs the anytime search on a specification and prints the outcome; whether it solved the
/// task.
fn solve<D: Domain>(
    domain: &D,
    spec: &Spec<D>,
    neural: &MethodModels,
    config: &AnytimeConfig,
    args: &SynthArgs,
    backend: &str,
) -> Result<bool> {
    let start = Instant::now();
    let clock = || start.elapsed().as_secs_f64();
    let mut report = |p: Progress| {
        if let Progress::Beam { beam_size, attempt } = p
            && attempt > 0
            && !args.quiet
        {
            eprintln!("not solved yet after {:.1} s; searching at beam {beam_size}", clock());
        }
    };
    let mut control = Control { should_stop: None, progress: Some(&mut report) };
    let out = pollster::block_on(anytime_search(neural, domain, spec, config, &clock, &mut control))?;
    print_outcome(domain, spec, &out, start.elapsed().as_secs_f64() * 1000.0, backend);
    Ok(out.outcome.solved)
}

pub fn run(args: SynthArgs) -> Result<bool> {
    let models = match args.models.clone() {
        Some(m) => m,
        None => ModelsArg::Dir(
            default_models(args.dsl).context("no models given and no static/models folder found; pass --models")?,
        ),
    };
    let ModelsArg::Dir(dir) = models else { bail!("`synthesize` needs trained models (a folder of weight files)") };
    let neural = load_method(&dir, args.dsl, args.method, args.backend)?;
    let limits = neural.limits();
    let (_, backend) = select(args.backend)?;
    if !(args.budget.is_finite() && args.budget >= 0.0) {
        bail!("--budget must be a number of seconds, at least 0");
    }
    let mut config = AnytimeConfig { budget_seconds: args.budget, first_beam: args.beam, ..AnytimeConfig::default() };
    config.search.constrain_subgoals = !args.free_subgoals;
    let lines: Vec<(usize, &String)> = args.examples.iter().enumerate().collect();
    let split =
        |i: usize, l: &str| split_arrow(l).with_context(|| format!("example {}: expected `INPUT -> OUTPUT`", i + 1));
    let solved = match args.dsl {
        Dsl::RobustFill => {
            let pairs = lines.iter().map(|(i, l)| split(*i, l)).collect::<Result<Vec<_>>>()?;
            solve(&RobustFill, &robustfill_spec(&pairs, limits)?, &neural, &config, &args, backend)?
        }
        Dsl::DeepCoder => {
            let pairs = lines
                .iter()
                .map(|(i, l)| split(*i, l).map(|(a, b)| (split_values(&a), b.trim().to_string())))
                .collect::<Result<Vec<_>>>()?;
            solve(&DeepCoder, &deepcoder_spec(&pairs, limits)?, &neural, &config, &args, backend)?
        }
    };
    Ok(solved)
}
