//! `exedec synthesize`: a program from a user's own examples, with its decomposition.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use exedec_core::search::{AnytimeConfig, AnytimeOutcome, Control, Progress, anytime_search};
use exedec_core::user::{deepcoder_spec, robustfill_spec, split_arrow, split_values};
use exedec_core::{DeepCoder, Domain, Dsl, Method, RobustFill, Spec};

use crate::device::{Backend, select};
use crate::models::{Manifest, ModelsArg, load_method};
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

/// The options of `exedec synthesize`.
#[derive(Debug, Clone, clap::Args)]
pub struct SynthArgs {
    #[arg(long)]
    pub dsl: Dsl,
    /// A folder of weight files (default: the project's static/models/<dsl>).
    #[arg(long)]
    pub models: Option<ModelsArg>,
    /// One example `INPUT -> OUTPUT`; repeat for each example.
    #[arg(long = "example", required = true)]
    pub examples: Vec<String>,
    /// exedec, no-subgoal, transformer, latent-programmer or portfolio (ExeDec, then
    /// No-Subgoal at the same beam; default: the one the models folder's manifest.json names,
    /// else exedec).
    #[arg(long)]
    pub method: Option<Method>,
    /// The first beam: if it finds no program that reproduces every example, the search
    /// starts again with twice the beam, while the budget lasts (up to beam 320).
    #[arg(long, default_value_t = 10)]
    pub beam: usize,
    /// Seconds the search may take in all (0: the first beam only). The first beam always
    /// runs to its end.
    #[arg(long, value_name = "SECONDS", default_value_t = AnytimeConfig::DEFAULT_BUDGET_SECONDS)]
    pub budget: f64,
    /// Decode subgoals freely and prune the invalid ones afterwards, as the paper does,
    /// instead of decoding only valid ones (RobustFill: prefixes of the remaining outputs;
    /// DeepCoder: values one statement computes), reached by listed steps where one computes
    /// them (DeepCoder: a statement; RobustFill: an expression without Compose) and finished
    /// by one wherever it computes the remaining outputs.
    #[arg(long)]
    pub free_subgoals: bool,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    pub backend: Backend,
    /// No progress lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// The loaded models and the search settings of one `exedec synthesize` run.
struct Synthesizer {
    neural: MethodModels,
    method: Method,
    config: AnytimeConfig,
    backend: &'static str,
    quiet: bool,
}

impl Synthesizer {
    /// Runs the anytime search on a specification and prints the outcome; whether it solved
    /// the task.
    fn solve<D: Domain>(&self, domain: &D, spec: &Spec<D>) -> Result<bool> {
        let start = Instant::now();
        let clock = || start.elapsed().as_secs_f64();
        let mut report = |p: Progress| {
            if let Progress::Beam { beam_size, attempt } = p
                && attempt > 0
                && !self.quiet
            {
                eprintln!("not solved yet after {:.1} s; searching at beam {beam_size}", clock());
            }
        };
        let mut control = Control { should_stop: None, progress: Some(&mut report) };
        let out = pollster::block_on(anytime_search(&self.neural, domain, spec, &self.config, &clock, &mut control))?;
        let text = self.outcome_text(domain, spec, &out, start.elapsed().as_secs_f64() * 1000.0);
        // A reader that stops early (`| head`) is not an error.
        match std::io::stdout().write_all(text.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing the outcome"),
            _ => Ok(out.outcome.solved),
        }
    }

    /// The outcome as printed: a verdict line, the method (and a portfolio's member that
    /// found the program), the program, its steps and what it computes.
    fn outcome_text<D: Domain>(&self, domain: &D, spec: &Spec<D>, anytime: &AnytimeOutcome<D>, millis: f64) -> String {
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
        let mut text = format!(
            "{status} ({found}; {iterations}, {millis:.0} ms on {}; beam {}, beams tried: {tried})\n",
            self.backend, anytime.beam_size
        );
        let mut line = |l: String| {
            text.push_str(&l);
            text.push('\n');
        };
        line(format!("method: {}", self.method));
        if self.method.has_members() && out.solved {
            line(format!("found by: {}", out.method));
        }
        let program = out.program.as_ref();
        line(match program {
            Some(p) => format!("program: {}", domain.format_readable(p)),
            None => "program: (none)".to_string(),
        });
        let show = |vals: &[D::Output]| {
            vals.iter().map(|v| format!("{:?}", domain.format_output(v))).collect::<Vec<_>>().join(", ")
        };
        for (i, s) in out.steps.iter().enumerate() {
            line(format!("step {}:", i + 1));
            if let Some(sg) = &s.subgoal {
                line(format!("  subgoal:    {}", show(sg)));
            }
            line(format!("  subprogram: {}", domain.format_step(&s.step)));
            line(format!("  result:     {}", show(&s.outputs)));
        }
        if let Some(p) = program {
            let outputs: Vec<String> = spec
                .inputs
                .iter()
                .map(|i| domain.execute(p, i).map(|o| domain.format_output(&o)).unwrap_or_else(|e| format!("<{e}>")))
                .collect();
            line(format!("outputs: {}", outputs.join(" | ")));
        }
        text
    }
}

pub fn run(args: SynthArgs) -> Result<bool> {
    let models = match args.models.clone() {
        Some(m) => m,
        None => ModelsArg::Dir(
            default_models(args.dsl).context("no models given and no static/models folder found; pass --models")?,
        ),
    };
    let ModelsArg::Dir(dir) = models else { bail!("`synthesize` needs trained models (a folder of weight files)") };
    let method = match args.method {
        Some(m) => m,
        None => Manifest::read(&dir, args.dsl)?.map_or(Method::Exedec, |m| m.default_method),
    };
    if !(args.budget.is_finite() && args.budget >= 0.0) {
        bail!("--budget must be a number of seconds, at least 0");
    }
    let mut config = AnytimeConfig { budget_seconds: args.budget, first_beam: args.beam, ..AnytimeConfig::default() };
    config.search.constrain_subgoals = !args.free_subgoals;
    let neural = load_method(&dir, args.dsl, method, args.backend)?;
    let limits = neural.limits();
    let (_, backend) = select(args.backend)?;
    let synthesizer = Synthesizer { neural, method, config, backend, quiet: args.quiet };
    let lines: Vec<(usize, &String)> = args.examples.iter().enumerate().collect();
    let split =
        |i: usize, l: &str| split_arrow(l).with_context(|| format!("example {}: expected `INPUT -> OUTPUT`", i + 1));
    let solved = match args.dsl {
        Dsl::RobustFill => {
            let pairs = lines.iter().map(|(i, l)| split(*i, l)).collect::<Result<Vec<_>>>()?;
            synthesizer.solve(&RobustFill, &robustfill_spec(&pairs, limits)?)?
        }
        Dsl::DeepCoder => {
            let pairs = lines
                .iter()
                .map(|(i, l)| split(*i, l).map(|(a, b)| (split_values(&a), b.trim().to_string())))
                .collect::<Result<Vec<_>>>()?;
            synthesizer.solve(&DeepCoder, &deepcoder_spec(&pairs, limits)?)?
        }
    };
    Ok(solved)
}
