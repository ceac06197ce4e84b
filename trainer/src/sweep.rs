//! `exedec sweep`: success, search time and model calls against the beam size, for several
//! methods on one DSL and split (the paper's beam-size experiment).
//!
//! Each point is an `exedec eval` run, written as its own report with the `exedec eval`
//! command that reproduces it. A point whose report already exists is kept, so an
//! interrupted sweep continues where it stopped. At the end the sweep's reports in the folder
//! are summed up in a Markdown table and an SVG plot of success against mean search time per
//! task, one line per method.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use exedec_core::eval::EvalReport;
use exedec_core::{Dsl, Method, Split};

use crate::device::Backend;
use crate::eval::{self, EvalArgs};
use crate::models::ModelsArg;

/// A method and the folder of its weight files (`METHOD=DIR` on the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodModels {
    pub method: Method,
    pub models: PathBuf,
}

impl std::str::FromStr for MethodModels {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (method, dir) = s.split_once('=').ok_or_else(|| format!("expected METHOD=DIR, got `{s}`"))?;
        Ok(MethodModels { method: method.parse()?, models: PathBuf::from(dir) })
    }
}

pub struct SweepArgs {
    pub dsl: Dsl,
    pub split: Split,
    pub methods: Vec<MethodModels>,
    pub beams: Vec<usize>,
    /// The first N test tasks of the split.
    pub limit: Option<usize>,
    pub threads: Option<usize>,
    pub backend: Backend,
    /// The folder of the reports, the table and the plot.
    pub out: PathBuf,
    pub quiet: bool,
}

/// The report file of one point.
fn point_file(out: &Path, dsl: Dsl, split: Split, method: Method, beam: usize) -> PathBuf {
    out.join(format!("{dsl}-{}-{method}-beam{beam}.json", split.name()))
}

/// The `exedec eval` command line of one point.
fn point_command(args: &SweepArgs, m: &MethodModels, beam: usize, file: &Path) -> String {
    let mut c = format!(
        "exedec eval --dsl {} --split {} --method {} --models {} --beam {beam}",
        args.dsl,
        args.split.name(),
        m.method,
        m.models.display()
    );
    if let Some(n) = args.limit {
        let _ = write!(c, " --limit {n}");
    }
    if let Some(t) = args.threads {
        let _ = write!(c, " --threads {t}");
    }
    let _ = write!(c, " --out {} --quiet", file.display());
    c
}

/// Runs the points not yet in `out`, then writes the table and the plot; returns the table.
pub fn run(args: &SweepArgs) -> Result<String> {
    if args.methods.is_empty() || args.beams.is_empty() {
        bail!("give at least one --method METHOD=DIR and one beam");
    }
    if args.beams.contains(&0) {
        bail!("beam sizes must be at least 1");
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    for m in &args.methods {
        for &beam in &args.beams {
            let file = point_file(&args.out, args.dsl, args.split, m.method, beam);
            if file.exists() {
                continue;
            }
            let report = eval::run(EvalArgs {
                beam,
                limit: args.limit,
                threads: args.threads,
                backend: args.backend,
                quiet: true,
                command: point_command(args, m, beam, &file),
                ..EvalArgs::new(args.dsl, args.split, m.method, ModelsArg::Dir(m.models.clone()), file.clone())
            })?;
            if !args.quiet {
                eprintln!(
                    "{} beam {beam}: {:.1}% of {} tasks, {:.0} ms per task",
                    m.method, report.success_rate, report.num_tasks, report.mean_millis
                );
            }
        }
    }
    write_summary(&args.out, args.dsl, args.split)
}

/// The sweep's reports of one DSL and split in `dir`, by method then beam.
fn read_points(dir: &Path, dsl: Dsl, split: Split) -> Result<Vec<EvalReport>> {
    let prefix = format!("{dsl}-{}-", split.name());
    let mut reports = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !(name.starts_with(&prefix) && name.ends_with(".json") && name.contains("-beam")) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let r: EvalReport =
            serde_json::from_slice(&bytes).with_context(|| format!("{} is not an eval report", path.display()))?;
        reports.push(r);
    }
    reports.sort_by_key(|r| (r.method, r.beam));
    Ok(reports)
}

/// Writes `DSL-SPLIT.md` (the table) and `DSL-SPLIT.svg` (the plot) from the reports in `dir`.
pub fn write_summary(dir: &Path, dsl: Dsl, split: Split) -> Result<String> {
    let reports = read_points(dir, dsl, split)?;
    if reports.is_empty() {
        bail!("no sweep reports of {dsl} {} in {}", split.name(), dir.display());
    }
    let table = table(&reports);
    let stem = format!("{dsl}-{}", split.name());
    std::fs::write(dir.join(format!("{stem}.md")), &table)?;
    std::fs::write(dir.join(format!("{stem}.svg")), plot(&reports, &format!("{dsl} {}", split.name())))?;
    Ok(table)
}

/// One row per point: success with its 95% interval, mean and 95th-percentile search time per
/// task, model calls per task.
pub fn table(reports: &[EvalReport]) -> String {
    let mut t = String::from(
        "| method | beam | tasks | success % (95% CI) | mean ms/task | p95 ms/task | model calls/task |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in reports {
        let opt = |v: Option<f64>, digits: usize| v.map_or("–".to_string(), |x| format!("{x:.digits$}"));
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.1} ({:.1}–{:.1}) | {:.0} | {} | {} |",
            r.method,
            r.beam,
            r.num_tasks,
            r.success_rate,
            r.ci95.0,
            r.ci95.1,
            r.mean_millis,
            opt(r.p95_millis, 0),
            opt(r.mean_model_calls, 1),
        );
    }
    t
}

/// Success (%) against mean search time per task (log scale), one line per method, each point
/// labelled with its beam.
pub fn plot(reports: &[EvalReport], title: &str) -> String {
    const W: f64 = 720.0;
    const H: f64 = 400.0;
    const PAD: f64 = 60.0;
    let times: Vec<f64> = reports.iter().map(|r| r.mean_millis.max(0.1).log10()).collect();
    let (lo, hi) = times.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| (a.min(t), b.max(t)));
    let (lo, hi) = (lo.floor(), hi.ceil().max(lo.floor() + 1.0));
    let top = reports.iter().map(|r| r.ci95.1).fold(10.0f64, f64::max).min(100.0);
    let top = (top / 10.0).ceil() * 10.0;
    let x = |ms: f64| PAD + (W - 2.0 * PAD) * (ms.max(0.1).log10() - lo) / (hi - lo);
    let y = |pct: f64| H - PAD - (H - 2.0 * PAD) * pct / top;
    let mut s = crate::plot::open_svg(W, H, PAD, &format!("{title} — success against search time"));
    for e in (lo as i32)..=(hi as i32) {
        let ms = 10f64.powi(e);
        let label = if ms >= 1000.0 { format!("{} s", ms / 1000.0) } else { format!("{ms} ms") };
        let _ = writeln!(s, r#"<text x="{:.1}" y="{}" text-anchor="middle">{label}</text>"#, x(ms), H - PAD + 16.0);
    }
    crate::plot::success_axes(&mut s, (W, H, PAD), "mean search time per task (log scale)", top, y);
    let mut methods: Vec<Method> = reports.iter().map(|r| r.method).collect();
    methods.dedup();
    for (i, method) in methods.iter().enumerate() {
        let color = crate::plot::COLORS[i % crate::plot::COLORS.len()];
        let points: Vec<&EvalReport> = reports.iter().filter(|r| r.method == *method).collect();
        let coords: Vec<(f64, f64)> = points.iter().map(|r| (x(r.mean_millis), y(r.success_rate))).collect();
        crate::plot::polyline(&coords, color, &mut s);
        for r in &points {
            let (px, py) = (x(r.mean_millis), y(r.success_rate));
            let _ = writeln!(s, r#"<circle cx="{px:.1}" cy="{py:.1}" r="3" fill="{color}"/>"#);
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="10" fill="{color}">{}</text>"#,
                px + 4.0,
                py - 4.0,
                r.beam
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" fill="{color}">{method}</text>"#,
            PAD + 8.0,
            PAD + 16.0 + 16.0 * i as f64
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use exedec_core::eval::{TaskResult, summarize};

    fn point(method: Method, beam: usize, solved: usize, millis: f64) -> EvalReport {
        let tasks = (0..20)
            .map(|i| TaskResult { model_calls: Some(2 * beam), ..TaskResult::bare(i, i < solved, millis) })
            .collect();
        summarize(Dsl::DeepCoder, Split::None, method, "m".into(), beam, tasks)
    }

    #[test]
    fn table_and_plot_show_every_point() {
        let reports = vec![
            point(Method::Exedec, 1, 4, 20.0),
            point(Method::Exedec, 10, 8, 200.0),
            point(Method::Transformer, 1, 2, 5.0),
        ];
        let t = table(&reports);
        assert!(t.contains("| exedec | 10 | 20 | 40.0 ("), "{t}");
        assert!(t.contains("| 200 | 200 | 20.0 |"), "{t}");
        let svg = plot(&reports, "deepcoder NONE");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<polyline").count(), 2);
    }

    #[test]
    fn method_models_parse() {
        let m: MethodModels = "no-subgoal=models/baselines/deepcoder".parse().unwrap();
        assert_eq!((m.method, m.models), (Method::NoSubgoal, PathBuf::from("models/baselines/deepcoder")));
        assert!("exedec".parse::<MethodModels>().is_err());
    }
}
