//! `exedec synthesize`: a program from a user's own examples, with its decomposition.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use exedec_core::search::{Control, SearchConfig, SearchOutcome};
use exedec_core::user::{deepcoder_spec, robustfill_spec, split_arrow, split_values};
use exedec_core::{DeepCoder, Domain, Dsl, Method, RobustFill, Spec};

use crate::device::{Backend, select};
use crate::eval::{ModelsArg, load_method};
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
    pub beam: usize,
    pub backend: Backend,
}

fn print_outcome<D: Domain>(domain: &D, spec: &Spec<D>, out: &SearchOutcome<D>, millis: f64, backend: &str) {
    let status = if out.solved { "solved" } else { "not solved" };
    println!("{status} in {} steps ({millis:.0} ms on {backend})", out.iterations);
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

/// Runs the search on a specification and prints the outcome; whether it solved the task.
fn solve<D: Domain>(
    domain: &D,
    spec: &Spec<D>,
    method: Method,
    neural: &MethodModels,
    config: &SearchConfig,
    backend: &str,
) -> Result<bool> {
    let start = Instant::now();
    let out = pollster::block_on(neural.search(domain, spec, method, config, &mut Control::default()))?;
    print_outcome(domain, spec, &out, start.elapsed().as_secs_f64() * 1000.0, backend);
    Ok(out.solved)
}

pub fn run(args: SynthArgs) -> Result<bool> {
    let models = match args.models {
        Some(m) => m,
        None => ModelsArg::Dir(
            default_models(args.dsl).context("no models given and no static/models folder found; pass --models")?,
        ),
    };
    let ModelsArg::Dir(dir) = models else { bail!("`synthesize` needs trained models (a folder of weight files)") };
    let neural = load_method(&dir, args.dsl, args.method, args.backend)?;
    let limits = neural.limits();
    let (_, backend) = select(args.backend)?;
    let config = SearchConfig { beam_size: args.beam, ..SearchConfig::default() };
    let lines: Vec<(usize, &String)> = args.examples.iter().enumerate().collect();
    let split =
        |i: usize, l: &str| split_arrow(l).with_context(|| format!("example {}: expected `INPUT -> OUTPUT`", i + 1));
    let solved = match args.dsl {
        Dsl::RobustFill => {
            let pairs = lines.iter().map(|(i, l)| split(*i, l)).collect::<Result<Vec<_>>>()?;
            solve(&RobustFill, &robustfill_spec(&pairs, limits)?, args.method, &neural, &config, backend)?
        }
        Dsl::DeepCoder => {
            let pairs = lines
                .iter()
                .map(|(i, l)| split(*i, l).map(|(a, b)| (split_values(&a), b.trim().to_string())))
                .collect::<Result<Vec<_>>>()?;
            solve(&DeepCoder, &deepcoder_spec(&pairs, limits)?, args.method, &neural, &config, backend)?
        }
    };
    Ok(solved)
}
