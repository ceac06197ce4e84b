//! `exedec curve`: the learning curve. Each method's success against the training examples
//! its networks saw, one point per evaluation report (reports record their networks' training
//! from the weight files), beside the paper's scale of 64 M examples per network (500k steps at
//! batch 128).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use exedec_core::Method;
use exedec_core::eval::EvalReport;

use crate::plot::{COLORS, esc, open_svg, polyline, success_axes};

/// Training examples per network in the paper's runs.
pub const PAPER_EXAMPLES: f64 = 64e6;

/// One point of the curve: a report and the examples per network it was trained on.
#[derive(Debug, Clone)]
pub struct Point {
    pub file: PathBuf,
    pub examples: f64,
    pub report: EvalReport,
}

/// Reads the reports, which must all be fixed-beam evaluations of one DSL, split and beam whose
/// networks record their training examples (or, with `assumed_batch`, their steps); points
/// sorted by method, then examples.
pub fn read_points(files: &[PathBuf], assumed_batch: Option<u64>) -> Result<Vec<Point>> {
    let mut points = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let report: EvalReport =
            serde_json::from_str(&text).with_context(|| format!("{} is not an evaluation report", file.display()))?;
        let Some(examples) = report.examples_per_network(assumed_batch) else {
            bail!(
                "{} does not record its networks' training examples (oracle models, a report older \
                 than that record, or weight files older than it: give --assumed-batch-size)",
                file.display()
            );
        };
        if report.budget_seconds.is_some() {
            bail!("{} is an anytime search; the curve compares fixed beams", file.display());
        }
        if let Some(kind) = report.oracle {
            bail!("{} searched with an oracle {kind}; the curve is of trained networks", file.display());
        }
        points.push(Point { file: file.clone(), examples, report });
    }
    let Some(first) = points.first().map(|p| p.report.clone()) else { bail!("no reports given") };
    if let Some(p) = points.iter().find(|p| {
        (p.report.dsl, p.report.split, p.report.beam, p.report.num_tasks)
            != (first.dsl, first.split, first.beam, first.num_tasks)
    }) {
        bail!(
            "{} evaluates {} {} at beam {} on {} tasks, the first report {} {} at beam {} on {}: one curve is one test set",
            p.file.display(),
            p.report.dsl,
            p.report.split,
            p.report.beam,
            p.report.num_tasks,
            first.dsl,
            first.split,
            first.beam,
            first.num_tasks
        );
    }
    points.sort_by(|a, b| {
        (a.report.method as u8, a.examples).partial_cmp(&(b.report.method as u8, b.examples)).expect("finite")
    });
    Ok(points)
}

/// A count of examples as the plot and the table write it: "64 M", "1.28 M", "640 k".
fn examples_label(n: f64) -> String {
    if n >= 1e6 {
        let m = format!("{:.2}", n / 1e6);
        format!("{} M", m.trim_end_matches('0').trim_end_matches('.'))
    } else if n >= 1e3 {
        format!("{:.0} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// The points as a Markdown table.
pub fn table(points: &[Point]) -> String {
    let mut t = String::from(
        "| method | training examples per network | steps per network | success (95% CI) | report |\n|---|---|---|---|---|\n",
    );
    for p in points {
        let steps: Vec<String> = p.report.networks.iter().map(|n| n.training.steps.to_string()).collect();
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.1}% ({:.1}–{:.1}) | `{}` |",
            p.report.method,
            examples_label(p.examples),
            steps.join(" / "),
            p.report.success_rate,
            p.report.ci95.0,
            p.report.ci95.1,
            p.file.display()
        );
    }
    t
}

/// Success (%, with its 95% interval) against training examples per network (log scale), one
/// line per method, and the paper's scale as a dashed line.
pub fn plot(points: &[Point], title: &str) -> String {
    const W: f64 = 720.0;
    const H: f64 = 400.0;
    const PAD: f64 = 60.0;
    let logs = points.iter().map(|p| p.examples.max(1.0).log10()).chain([PAPER_EXAMPLES.log10()]);
    let (lo, hi) = logs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), l| (a.min(l), b.max(l)));
    let (lo, hi) = (lo.floor(), hi.ceil().max(lo.floor() + 1.0));
    let top = points.iter().map(|p| p.report.ci95.1).fold(10.0f64, f64::max).min(100.0);
    // A multiple of 20, so that the axis's quarters are whole percentages.
    let top = (top / 20.0).ceil() * 20.0;
    let x = |n: f64| PAD + (W - 2.0 * PAD) * (n.max(1.0).log10() - lo) / (hi - lo);
    let y = |pct: f64| H - PAD - (H - 2.0 * PAD) * pct / top;
    let mut s = open_svg(W, H, PAD, title);
    for e in (lo as i32)..=(hi as i32) {
        let n = 10f64.powi(e);
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x(n),
            H - PAD + 16.0,
            examples_label(n)
        );
    }
    let x_title = "training examples seen per network (log scale; ExeDec: the mean of its two)";
    success_axes(&mut s, (W, H, PAD), x_title, top, y);
    let px = x(PAPER_EXAMPLES);
    let _ = writeln!(
        s,
        r##"<line x1="{px:.1}" y1="{PAD}" x2="{px:.1}" y2="{}" stroke="#777" stroke-dasharray="4 3"/>"##,
        H - PAD
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{}" text-anchor="end" fill="#555">the paper: 64 M</text>"##,
        px - 4.0,
        PAD + 14.0
    );
    let mut methods: Vec<Method> = points.iter().map(|p| p.report.method).collect();
    methods.dedup();
    for (i, method) in methods.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let line: Vec<&Point> = points.iter().filter(|p| p.report.method == *method).collect();
        polyline(&line.iter().map(|p| (x(p.examples), y(p.report.success_rate))).collect::<Vec<_>>(), color, &mut s);
        for p in &line {
            let (cx, (low, high)) = (x(p.examples), p.report.ci95);
            let _ = writeln!(
                s,
                r#"<line x1="{cx:.1}" y1="{:.1}" x2="{cx:.1}" y2="{:.1}" stroke="{color}" stroke-opacity="0.5"/>"#,
                y(low),
                y(high)
            );
            let _ = writeln!(s, r#"<circle cx="{cx:.1}" cy="{:.1}" r="3" fill="{color}"/>"#, y(p.report.success_rate));
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" fill="{color}">{}</text>"#,
            PAD + 8.0,
            PAD + 16.0 + 16.0 * i as f64,
            esc(&method.to_string())
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Reads the reports, writes the plot to `out` and the table beside it (`.md`), and returns
/// the table.
pub fn run(files: &[PathBuf], assumed_batch: Option<u64>, out: &Path) -> Result<String> {
    let points = read_points(files, assumed_batch)?;
    let r = &points[0].report;
    let title = format!("{} {}: success at beam {} against training", r.dsl, r.split.name(), r.beam);
    let table = table(&points);
    exedec_core::data::shard::write_atomic(out, plot(&points, &title).as_bytes())?;
    exedec_core::data::shard::write_atomic(&out.with_extension("md"), table.as_bytes())?;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use exedec_core::data::TrainingInfo;
    use exedec_core::eval::{TaskResult, TrainedNetwork, summarize};
    use exedec_core::{Dsl, Split};

    fn report(method: Method, solved: usize, examples: &[Option<u64>]) -> EvalReport {
        let tasks = (0..10).map(|i| TaskResult::bare(i, i < solved, 1.0)).collect();
        let mut r = summarize(Dsl::DeepCoder, Split::None, method, "m".into(), 10, tasks);
        r.networks = method
            .networks()
            .iter()
            .zip(examples)
            .map(|(&model, &examples)| TrainedNetwork {
                model,
                training: TrainingInfo {
                    steps: examples.map_or(10_000, |e| e / 64),
                    examples,
                    ..TrainingInfo::default()
                },
            })
            .collect();
        r
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("exedec-curve-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(dir: &Path, name: &str, r: &EvalReport) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(r).unwrap()).unwrap();
        path
    }

    #[test]
    fn points_are_the_reports_at_their_mean_examples_per_network() {
        let dir = scratch("points");
        let files = [
            write(&dir, "a.json", &report(Method::Exedec, 5, &[Some(640_000), Some(1_280_000)])),
            write(&dir, "b.json", &report(Method::Exedec, 2, &[Some(64_000), Some(128_000)])),
            write(&dir, "c.json", &report(Method::Transformer, 1, &[Some(500_000)])),
        ];
        let points = read_points(&files, None).unwrap();
        let seen: Vec<(Method, f64)> = points.iter().map(|p| (p.report.method, p.examples)).collect();
        assert_eq!(seen, [(Method::Exedec, 96_000.0), (Method::Exedec, 960_000.0), (Method::Transformer, 500_000.0)]);
        let t = table(&points);
        assert!(t.contains("| exedec | 960 k | 10000 / 20000 | 50.0% ("), "{t}");
        let svg = plot(&points, "deepcoder NONE");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("the paper: 64 M"));
    }

    #[test]
    fn reports_without_examples_or_of_another_test_set_are_refused() {
        let dir = scratch("refused");
        let old = write(&dir, "old.json", &report(Method::Exedec, 5, &[Some(640_000), None]));
        let err = read_points(std::slice::from_ref(&old), None).unwrap_err().to_string();
        assert!(err.contains("does not record its networks' training examples"), "{err}");
        // The network without a record counts its steps (10000) at the assumed batch size.
        let points = read_points(&[old], Some(32)).unwrap();
        assert_eq!(points[0].examples, (640_000.0 + 320_000.0) / 2.0);
        let good = write(&dir, "good.json", &report(Method::Transformer, 1, &[Some(500_000)]));
        let mut other = report(Method::Transformer, 1, &[Some(900_000)]);
        other.beam = 1;
        let other = write(&dir, "other.json", &other);
        let err = read_points(&[good, other], None).unwrap_err().to_string();
        assert!(err.contains("one curve is one test set"), "{err}");
        assert!(read_points(&[], None).is_err());
    }
}
