//! Evaluation: per-task results, success rates with confidence intervals, ExeDec's error
//! attribution, and the results table.
//!
//! Error attribution follows the official end-to-end script: at each step the best beam
//! element's predicted subgoal is compared with the ground truth's subgoal, then its new
//! step's outputs with the ground truth step's outputs; the first mismatch is blamed on the
//! SubgoalModel or the SynthesizerModel. With a beam, an unsolved task without a mismatch of
//! the best element counts as a synthesizer failure, as in the official code.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::data::{ModelKind, TrainingInfo};
use crate::domain::{Domain, Dsl, Spec, Task, decompose};
use crate::search::{Method, ModelError, SearchOutcome};
use crate::splits::Split;

/// Which model made the first wrong prediction of the best beam element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "model", content = "step", rename_all = "lowercase")]
pub enum FirstError {
    Subgoal(usize),
    Synthesizer(usize),
}

/// The result of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub index: usize,
    pub solved: bool,
    /// The program found (readable form), solving or not; `None` when the search kept no
    /// program of at least one step.
    pub program: Option<String>,
    /// Search iterations.
    pub steps: usize,
    pub ground_truth_steps: Option<usize>,
    pub millis: f64,
    pub first_error: Option<FirstError>,
    /// Why the search could not run (e.g. a specification too long for the model).
    pub error: Option<String>,
    /// The anytime search: the beam of the search that gave this result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beam: Option<usize>,
    /// Model calls the search made: one per beam search of a network over the beam (ExeDec
    /// makes two per step, No-Subgoal one, the Transformer baseline one in all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_calls: Option<usize>,
    /// A portfolio's solved task: the member whose search solved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved_by: Option<Method>,
}

impl TaskResult {
    /// A result that records only whether the task was solved and how long its one-step search
    /// took: no program, attribution or error (what reports built by hand, e.g. in tests,
    /// need).
    pub fn bare(index: usize, solved: bool, millis: f64) -> TaskResult {
        TaskResult {
            index,
            solved,
            program: None,
            steps: 1,
            ground_truth_steps: None,
            millis,
            first_error: None,
            error: None,
            beam: None,
            model_calls: None,
            solved_by: None,
        }
    }
}

/// The official A–F table: rows success/failure, columns no error / first error from the
/// SubgoalModel / from the SynthesizerModel (D, a failure without error, is impossible).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    pub a_success_no_error: usize,
    pub b_success_after_subgoal_error: usize,
    pub c_success_after_synthesizer_error: usize,
    pub e_failure_subgoal_error: usize,
    pub f_failure_synthesizer_error: usize,
}

/// A whole evaluation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub dsl: Dsl,
    pub split: Split,
    pub method: Method,
    /// What models were used (a folder, or `oracle`).
    pub models: String,
    pub beam: usize,
    pub num_tasks: usize,
    pub solved: usize,
    /// Percent.
    pub success_rate: f64,
    /// 95% Wilson score interval of the success rate, in percent.
    pub ci95: (f64, f64),
    pub mean_millis: f64,
    /// The 95th percentile of the search time per task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_millis: Option<f64>,
    /// Model calls per task, on average, where every task's were counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_model_calls: Option<f64>,
    pub attribution: Option<Attribution>,
    /// The command line that produced this report.
    pub command: Option<String>,
    /// The task file evaluated instead of the split's released test set, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks_file: Option<String>,
    /// The anytime search's budget per task in seconds (`beam` is then its first beam).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_seconds: Option<f64>,
    /// The trained networks searched with, as their weight files describe them (none for
    /// oracle models and for reports written before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<TrainedNetwork>,
    /// The network replaced by an oracle of each task's ground truth, the others trained
    /// (`exedec eval --oracle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oracle: Option<ModelKind>,
    pub tasks: Vec<TaskResult>,
}

/// One trained network of an evaluation: its model type and its weight file's training record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedNetwork {
    pub model: ModelKind,
    #[serde(flatten)]
    pub training: TrainingInfo,
}

impl EvalReport {
    /// Training examples seen per network, averaged over the networks searched with. A network
    /// whose weight file predates the record of examples counts its steps times
    /// `assumed_batch`; without one, `None` unless every network records its examples.
    pub fn examples_per_network(&self, assumed_batch: Option<u64>) -> Option<f64> {
        let seen: Option<Vec<u64>> =
            self.networks.iter().map(|n| n.training.examples.or(assumed_batch.map(|b| n.training.steps * b))).collect();
        seen.filter(|s| !s.is_empty()).map(|s| s.iter().sum::<u64>() as f64 / s.len() as f64)
    }
}

/// The 95% Wilson score interval of `k` successes in `n` trials, in percent.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let z = 1.959_963_984_540_054f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    (100.0 * (center - half).max(0.0), 100.0 * (center + half).min(1.0))
}

/// The ground truth's subgoals, step by step, if the task has a program that decomposes.
fn ground_truth<D: Domain>(domain: &D, task: &Task<D>) -> Option<Vec<Vec<D::Output>>> {
    let p = task.program.as_ref()?;
    decompose(domain, p, Spec::new(task.inputs.clone(), task.outputs.clone()))
        .ok()
        .map(|d| d.into_iter().map(|s| s.subgoal).collect())
}

/// The result of one search on one task.
pub fn task_result<D: Domain>(
    domain: &D,
    index: usize,
    task: &Task<D>,
    outcome: Result<SearchOutcome<D>, ModelError>,
    millis: f64,
) -> TaskResult {
    let truth = ground_truth(domain, task);
    match outcome {
        Err(e) => TaskResult {
            index,
            solved: false,
            program: None,
            steps: 0,
            ground_truth_steps: truth.as_ref().map(Vec::len),
            millis,
            first_error: None,
            error: Some(e.to_string()),
            beam: None,
            model_calls: None,
            solved_by: None,
        },
        Ok(out) => {
            let mut first_error = None;
            if let Some(truth) = &truth {
                for (i, best) in out.best_per_iteration.iter().enumerate() {
                    let expected = truth.get(i);
                    if let Some(sg) = &best.subgoal
                        && expected != Some(sg)
                    {
                        first_error = Some(FirstError::Subgoal(i + 1));
                        break;
                    }
                    if let Some(outs) = &best.step_outputs
                        && expected != Some(outs)
                    {
                        first_error = Some(FirstError::Synthesizer(i + 1));
                        break;
                    }
                }
            }
            TaskResult {
                index,
                solved: out.solved,
                program: out.program.as_ref().map(|p| domain.format_readable(p)),
                steps: out.iterations,
                ground_truth_steps: truth.as_ref().map(Vec::len),
                millis,
                first_error,
                error: None,
                beam: None,
                model_calls: None,
                solved_by: None,
            }
        }
    }
}

/// Summarizes task results into a report.
pub fn summarize(
    dsl: Dsl,
    split: Split,
    method: Method,
    models: String,
    beam: usize,
    mut tasks: Vec<TaskResult>,
) -> EvalReport {
    tasks.sort_by_key(|t| t.index);
    let n = tasks.len();
    let solved = tasks.iter().filter(|t| t.solved).count();
    // The attribution blames one model's prediction of one decomposition: none for a whole
    // program, nor for a portfolio whose tasks two different searches decomposed.
    let attribution = (!matches!(method, Method::Transformer | Method::Portfolio)).then(|| {
        let mut a = Attribution::default();
        for t in &tasks {
            match (t.solved, t.first_error) {
                (true, None) => a.a_success_no_error += 1,
                (true, Some(FirstError::Subgoal(_))) => a.b_success_after_subgoal_error += 1,
                (true, Some(FirstError::Synthesizer(_))) => a.c_success_after_synthesizer_error += 1,
                (false, Some(FirstError::Subgoal(_))) => a.e_failure_subgoal_error += 1,
                (false, _) => a.f_failure_synthesizer_error += 1,
            }
        }
        a
    });
    EvalReport {
        dsl,
        split,
        method,
        models,
        beam,
        num_tasks: n,
        solved,
        success_rate: if n == 0 { 0.0 } else { 100.0 * solved as f64 / n as f64 },
        ci95: wilson(solved, n),
        mean_millis: if n == 0 { 0.0 } else { tasks.iter().map(|t| t.millis).sum::<f64>() / n as f64 },
        p95_millis: percentile(tasks.iter().map(|t| t.millis).collect(), 0.95),
        mean_model_calls: (n > 0)
            .then(|| tasks.iter().map(|t| t.model_calls.map(|c| c as f64)).sum::<Option<f64>>())
            .flatten()
            .map(|c| c / n as f64),
        attribution,
        command: None,
        tasks_file: None,
        budget_seconds: None,
        networks: Vec::new(),
        oracle: None,
        tasks,
    }
}

/// The `q` quantile of `values` (the nearest rank), `None` when there are none.
pub fn percentile(mut values: Vec<f64>, q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = (q * values.len() as f64).ceil().max(1.0) as usize;
    Some(values[rank.min(values.len()) - 1])
}

/// A report's row name in the table: the method, how its models were made (trained, an oracle,
/// an LLM), and the task file when it is not the released test set.
fn row_label(r: &EvalReport) -> String {
    let mut label = if r.models == "oracle" {
        format!("{} (oracle)", r.method)
    } else if let Some(model) = r.models.strip_prefix("llm:") {
        match crate::llm::Style::of_method(r.method) {
            Some(style) => format!("LLM {style} ({model})"),
            None => format!("LLM ({model})"),
        }
    } else {
        r.method.to_string()
    };
    if let Some(kind) = r.oracle {
        let _ = write!(label, " with an oracle {kind}");
    }
    if let Some(budget) = r.budget_seconds {
        let _ = write!(label, " anytime ({budget} s)");
    }
    if let Some(file) = &r.tasks_file {
        let name = std::path::Path::new(file).file_name().map_or(file.as_str(), |n| n.to_str().unwrap_or(file));
        let _ = write!(label, " on {name}");
    }
    label
}

/// A Markdown table per DSL: splits as columns, methods as rows, success rate (95% CI), and
/// the average over the five generalization splits; then, where both were evaluated, ExeDec's
/// gap over the Transformer baseline per split, beside the paper's headline gap.
pub fn report_table(reports: &[EvalReport]) -> String {
    let mut out = String::new();
    let mut by_dsl: BTreeMap<&str, Vec<&EvalReport>> = BTreeMap::new();
    for r in reports {
        by_dsl.entry(r.dsl.name()).or_default().push(r);
    }
    for (name, rs) in by_dsl {
        let dsl = rs[0].dsl;
        let _ = writeln!(out, "### {name}\n");
        let _ = write!(out, "| method |");
        for s in Split::ALL {
            let _ = write!(out, " {} |", s.short_name());
        }
        let _ = writeln!(out, " generalization average |");
        let _ = writeln!(out, "|---|{}---|", "---|".repeat(Split::ALL.len()));
        // One row per method: the paper trains each split's models on that split, so a row
        // gathers reports of different model folders. A second report for a filled cell
        // (another folder, another beam) opens a row of its own, named by its folder. Reports on
        // the released test sets come before those on other task files.
        let mut rs = rs;
        rs.sort_by_key(|r| (r.method, r.tasks_file.is_some()));
        let mut rows: Vec<(String, BTreeMap<Split, &EvalReport>)> = Vec::new();
        for r in rs {
            let label = row_label(r);
            match rows.iter_mut().find(|(l, cells)| *l == label && !cells.contains_key(&r.split)) {
                Some((_, cells)) => {
                    cells.insert(r.split, r);
                }
                None => {
                    let taken = rows.iter().any(|(l, _)| *l == label);
                    let label = if taken { format!("{label} ({})", r.models) } else { label };
                    rows.push((label, BTreeMap::from([(r.split, r)])));
                }
            }
        }
        for (label, cells) in &rows {
            let _ = write!(out, "| {label} |");
            for s in Split::ALL {
                match cells.get(&s) {
                    Some(r) => {
                        let _ = write!(out, " {:.1} ({:.1}–{:.1}) |", r.success_rate, r.ci95.0, r.ci95.1);
                    }
                    None => out.push_str(" – |"),
                }
            }
            match generalization_average(|s| cells.get(&s).map(|r| r.success_rate)) {
                Some(avg) => _ = writeln!(out, " {avg:.1} |"),
                None => _ = writeln!(out, " – |"),
            }
        }
        // The paper's headline: ExeDec's gain over the Transformer baseline, both trained on each
        // split, on the released test sets.
        let rate = |label: &str, s: Split| {
            rows.iter().find(|(l, _)| l == label).and_then(|(_, cells)| cells.get(&s)).map(|r| r.success_rate)
        };
        let gap = |s: Split| Some(rate(Method::Exedec.name(), s)? - rate(Method::Transformer.name(), s)?);
        if Split::ALL.into_iter().any(|s| gap(s).is_some()) {
            let _ = write!(out, "| exedec − transformer (points) |");
            for s in Split::ALL {
                match gap(s) {
                    Some(g) => _ = write!(out, " {g:+.1} |"),
                    None => out.push_str(" – |"),
                }
            }
            match generalization_average(gap) {
                Some(avg) => _ = writeln!(out, " {avg:+.1} |"),
                None => _ = writeln!(out, " – |"),
            }
            let _ = writeln!(
                out,
                "\nThe paper: ExeDec about {:+} points over the Transformer, averaged over {name}'s five generalization splits.",
                paper_gap(dsl)
            );
        }
        out.push('\n');
    }
    out
}

/// The average over the five generalization splits, if every one has a value.
fn generalization_average(value: impl Fn(Split) -> Option<f64>) -> Option<f64> {
    let values: Option<Vec<f64>> = Split::GENERALIZATION.into_iter().map(value).collect();
    values.map(|v| v.iter().sum::<f64>() / v.len() as f64)
}

/// The paper's headline gap of ExeDec over the Transformer baseline, in points of success rate
/// averaged over the generalization splits (about +44 on RobustFill, +18 on DeepCoder).
pub fn paper_gap(dsl: Dsl) -> i32 {
    match dsl {
        Dsl::RobustFill => 44,
        Dsl::DeepCoder => 18,
    }
}

/// Success by the length of the ground-truth program (its number of steps), one row per
/// report: where each method's skill ends. Length-Generalization tests on programs longer than
/// any in training, so its test rates read best beside the same models' rates by length on
/// their training distribution. Tasks without a known ground truth are left out.
pub fn length_table(reports: &[EvalReport]) -> String {
    // Per report: solved and total tasks by ground-truth length.
    type ByLength = BTreeMap<usize, (usize, usize)>;
    let mut rows: Vec<(&EvalReport, ByLength)> = reports
        .iter()
        .map(|r| {
            let mut by_length = BTreeMap::new();
            for t in &r.tasks {
                if let Some(length) = t.ground_truth_steps {
                    let (solved, n) = by_length.entry(length).or_insert((0, 0));
                    *solved += usize::from(t.solved);
                    *n += 1;
                }
            }
            (r, by_length)
        })
        .collect();
    rows.retain(|(_, by_length)| !by_length.is_empty());
    rows.sort_by_key(|(r, _)| (r.dsl.name(), r.split, r.tasks_file.is_some(), r.method));
    let mut out = String::new();
    if rows.is_empty() {
        return out;
    }
    let lengths: BTreeSet<usize> = rows.iter().flat_map(|(_, b)| b.keys().copied()).collect();
    let _ = write!(out, "| DSL | split | method |");
    for l in &lengths {
        let _ = write!(out, " length {l} |");
    }
    let _ = writeln!(out, "\n|---|---|---|{}", "---|".repeat(lengths.len()));
    for (r, by_length) in rows {
        let _ = write!(out, "| {} | {} | {} |", r.dsl.name(), r.split.short_name(), row_label(r));
        for l in &lengths {
            match by_length.get(l) {
                Some(&(solved, n)) => {
                    let _ = write!(out, " {:.1} ({solved}/{n}) |", 100.0 * solved as f64 / n as f64);
                }
                None => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval() {
        let (lo, hi) = wilson(50, 100);
        assert!((lo - 40.4).abs() < 0.1 && (hi - 59.6).abs() < 0.1, "{lo} {hi}");
        assert_eq!(wilson(0, 0), (0.0, 0.0));
        let (lo, hi) = wilson(1000, 1000);
        assert!(hi <= 100.0 && lo > 99.0);
    }

    /// A report of 10 DeepCoder tasks, the first `solved` of them solved.
    fn report_of(split: Split, method: Method, models: &str, solved: usize) -> EvalReport {
        let tasks = (0..10).map(|i| TaskResult::bare(i, i < solved, 1.0));
        summarize(Dsl::DeepCoder, split, method, models.into(), 10, tasks.collect())
    }

    #[test]
    fn percentiles_and_model_calls_are_summarized() {
        assert_eq!(percentile(vec![], 0.95), None);
        assert_eq!(percentile(vec![3.0], 0.95), Some(3.0));
        let values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(values.clone(), 0.95), Some(95.0));
        assert_eq!(percentile(values, 0.5), Some(50.0));
        let mut r = report_of(Split::None, Method::Exedec, "m", 3);
        assert_eq!(r.mean_model_calls, None, "calls not counted");
        for (i, t) in r.tasks.iter_mut().enumerate() {
            t.model_calls = Some(i);
        }
        let r = summarize(r.dsl, r.split, r.method, r.models, r.beam, r.tasks);
        assert_eq!(r.mean_model_calls, Some(4.5));
        assert_eq!(r.p95_millis, Some(1.0));
    }

    #[test]
    fn table_has_splits_as_columns() {
        let mk = |split, method, rate| report_of(split, method, "m", rate);
        let mut reports = vec![];
        for s in Split::ALL {
            reports.push(mk(s, Method::Exedec, 8));
        }
        reports.push(mk(Split::None, Method::Transformer, 5));
        let t = report_table(&reports);
        assert!(t.contains("| exedec | 80.0"), "{t}");
        assert!(t.contains("| transformer | 50.0"), "{t}");
        assert!(t.contains("| 80.0 |"), "average column: {t}");
        // The gap row: only NONE has both methods, so no average gap.
        assert!(t.contains("| exedec − transformer (points) | +30.0 | – |"), "{t}");
        assert!(t.contains("| – |\n\nThe paper: ExeDec about +18 points"), "{t}");
        for s in Split::GENERALIZATION {
            reports.push(mk(s, Method::Transformer, 2 + s as usize % 2));
        }
        let t = report_table(&reports);
        // Gaps 50, 60, 50, 60, 50 points: average +54.0.
        assert!(t.contains("| +50.0 | +60.0 | +50.0 | +60.0 | +50.0 | +54.0 |"), "{t}");
        let only_exedec = report_table(&reports[..6]);
        assert!(!only_exedec.contains("transformer"), "{only_exedec}");
        assert_eq!(reports[0].attribution.unwrap().a_success_no_error, 8);
        assert_eq!(reports[0].attribution.unwrap().f_failure_synthesizer_error, 2);
    }

    #[test]
    fn length_table_counts_each_length() {
        let mut r = report_of(Split::LengthGeneralization, Method::Exedec, "m", 3);
        // Tasks 0..3 are solved; lengths 1, 1, 2, 2, 2, ... and one task without ground truth.
        for (i, t) in r.tasks.iter_mut().enumerate() {
            t.ground_truth_steps = if i == 9 { None } else { Some(if i < 2 { 1 } else { 2 }) };
        }
        let t = length_table(&[r]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert_eq!(lines[0], "| DSL | split | method | length 1 | length 2 |");
        assert_eq!(lines[2], "| deepcoder | Length-Gen | exedec | 100.0 (2/2) | 14.3 (1/7) |");
        assert_eq!(length_table(&[report_of(Split::None, Method::Exedec, "m", 3)]), "");
    }

    #[test]
    fn table_rows_gather_each_splits_models() {
        let mk = |split, models, rate, file: Option<&str>| EvalReport {
            tasks_file: file.map(String::from),
            ..report_of(split, Method::Transformer, models, rate)
        };
        let reports = vec![
            mk(Split::ComposeDifferentConcepts, "models/cdc", 4, Some("runs/valid.jsonl")),
            mk(Split::None, "models/none", 5, None),
            mk(Split::ComposeDifferentConcepts, "models/cdc", 1, None),
            mk(Split::ComposeDifferentConcepts, "models/other", 2, None),
        ];
        let t = report_table(&reports);
        let rows: Vec<&str> = t.lines().filter(|l| l.starts_with("| transformer")).collect();
        assert_eq!(rows.len(), 3, "{t}");
        assert!(rows[0].starts_with("| transformer | 50.0") && rows[0].contains("| – | 10.0"), "{t}");
        assert!(rows[1].starts_with("| transformer (models/other) | – | – | 20.0"), "{t}");
        assert!(rows[2].starts_with("| transformer on valid.jsonl | – | – | 40.0"), "{t}");
        // Reports written before the field existed still read.
        let mut json = serde_json::to_value(&reports[1]).unwrap();
        json.as_object_mut().unwrap().remove("tasks_file");
        assert_eq!(serde_json::from_value::<EvalReport>(json).unwrap().tasks_file, None);
    }
}
