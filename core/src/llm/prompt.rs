//! The prompts of the LLM study, character for character as the official
//! `llm_utils.py` builds them:
//!
//! - a description of the DSL, then each few-shot problem as a `[BEGIN PROBLEM] ...
//!   [END PROBLEM]` block, then the test problem's block up to where the answer goes;
//! - baseline blocks show the test cases and the whole program;
//! - ExeDec blocks show, per step, what it computes on every case ("Step j computes:") and
//!   its code ("Step j code:"), then the whole program; the ablation puts the code first.
//!
//! For a test problem solved step by step, the steps written so far are re-rendered with
//! their *actual* execution results, and the prompt asks for the next step.

use crate::domain::Spec;
use crate::error::{DslError, Result};

use super::{LlmDsl, Problem, PyVersion, Style};

/// The header: what the `dsl` module is, its functions and constants.
pub fn description<D: LlmDsl>(d: &D, version: PyVersion, style: Style) -> String {
    let (purpose, functions, constants) = d.description_parts(version);
    let mut s = format!(
        "The `dsl` module is a custom library for {purpose}. It contains the following functions:\n\n{functions}\n\n"
    );
    if let Some(c) = constants {
        s.push_str(&format!("Additionally, the module defines the following constants:\n\n{c}\n\n"));
    }
    let behavior = if style == Style::Baseline {
        "illustrating their behavior."
    } else {
        "illustrating the program behavior step-by-step."
    };
    s.push_str(&format!(
        "Below are example programming problems using the `dsl` module, with input-output test cases {behavior}\n\n\
         Important: All programs begin with ```python and end with ``` alone.\n\n"
    ));
    s
}

fn cases<D: LlmDsl>(d: &D, inputs: &[D::Input], outputs: &[D::Output], step_by_step: bool) -> String {
    let mut s = String::from("[BEGIN PROBLEM]\nInput-output test cases:\n");
    for (i, (input, output)) in inputs.iter().zip(outputs).enumerate() {
        s.push_str(&format!("  Case {}. {}\n", i + 1, d.case_text(input, output, step_by_step)));
    }
    s
}

/// The Python lines of a problem's solution, one per step.
pub fn step_lines<D: LlmDsl>(d: &D, program: &D::Program, version: PyVersion) -> Result<Vec<String>> {
    d.steps(program).iter().map(|s| d.render_step(s, version)).collect()
}

fn suffix(python_program: &str) -> String {
    format!("{python_program}\n```\n[END PROBLEM]\n\n")
}

/// A baseline block: the test cases, then (for a few-shot problem) the program.
pub fn baseline_block<D: LlmDsl>(d: &D, p: &Problem<D>, version: PyVersion, solved: bool) -> Result<String> {
    let mut s = cases(d, &p.inputs, &p.outputs, false);
    s.push_str("\nProgram:\n```python\n");
    if solved {
        let lines = step_lines(d, &p.program, version)?;
        s.push_str(&suffix(&d.assemble(&p.inputs[0], &lines)));
    }
    Ok(s)
}

/// An ExeDec (or ablation) block up to, not including, "Putting the steps together": the
/// test cases and each step with what it computes on every case. `steps` are the steps'
/// code lines with the steps they parse to; with none, the block asks for step 1. Fails,
/// as the official prompt construction does, when a step does not run, is inconsistent with
/// the specification (RobustFill: not a prefix of what remains) or gives an object outside
/// the official limits.
pub fn exedec_steps<D: LlmDsl>(
    d: &D,
    inputs: &[D::Input],
    outputs: &[D::Output],
    steps: &[(String, D::Step)],
    ablation: bool,
) -> Result<String> {
    let mut s = cases(d, inputs, outputs, true);
    s.push_str("\nWe solve this problem step-by-step.\n\n");
    let mut spec: Spec<D> = Spec::new(inputs.to_vec(), outputs.to_vec());
    for (j, (code, step)) in steps.iter().enumerate() {
        let produced = d.run_step_all(step, &spec.inputs)?;
        if let Some(bad) = produced.iter().find(|o| !d.valid_object(o)) {
            return Err(DslError::invalid(format!("step {} computes {bad:?}, outside the DSL's limits", j + 1)));
        }
        let (next, _) = d
            .next_spec(&spec, step, &produced)
            .ok_or_else(|| DslError::run(format!("step {} does not fit the remaining outputs", j + 1)))?;
        let mut computes = format!("Step {} computes:\n", j + 1);
        for (i, (p, rest)) in produced.iter().zip(&next.outputs).enumerate() {
            computes.push_str(&format!("  Case {}. {}\n", i + 1, d.step_text(step, p, rest)));
        }
        let code = format!("Step {} code:\n```python\n{}\n```\n", j + 1, code.trim());
        if ablation {
            s.push_str(&format!("{code}\n{computes}\n"));
        } else {
            s.push_str(&format!("{computes}\n{code}\n"));
        }
        spec = next;
    }
    Ok(s)
}

const PUTTING_TOGETHER: &str = "Putting the steps together, the problem is solved with the program:\n```python\n";

/// A whole ExeDec (or ablation) block of a solved few-shot problem.
pub fn exedec_block<D: LlmDsl>(d: &D, p: &Problem<D>, version: PyVersion, ablation: bool) -> Result<String> {
    let lines = step_lines(d, &p.program, version)?;
    let steps: Vec<(String, D::Step)> = lines.iter().cloned().zip(d.steps(&p.program)).collect();
    let mut s = exedec_steps(d, &p.inputs, &p.outputs, &steps, ablation)?;
    s.push_str(PUTTING_TOGETHER);
    s.push_str(&suffix(&d.assemble(&p.inputs[0], &lines)));
    Ok(s)
}

/// The few-shot part shared by every call for one test problem: the description and the
/// solved few-shot problems, each followed by the blank line the official `'\n'.join` adds.
pub fn few_shot_prefix<D: LlmDsl>(d: &D, few_shot: &[Problem<D>], style: Style, version: PyVersion) -> Result<String> {
    let mut s = description(d, version, style);
    s.push('\n');
    for p in few_shot {
        match style {
            Style::Baseline => s.push_str(&baseline_block(d, p, version, true)?),
            Style::Exedec | Style::Ablation => s.push_str(&exedec_block(d, p, version, style == Style::Ablation)?),
        }
        s.push('\n');
    }
    Ok(s)
}

/// The baseline prompt for a test problem.
pub fn baseline_prompt<D: LlmDsl>(
    d: &D,
    few_shot: &[Problem<D>],
    test: &Problem<D>,
    version: PyVersion,
) -> Result<String> {
    let mut s = few_shot_prefix(d, few_shot, Style::Baseline, version)?;
    s.push_str(&baseline_block(d, test, version, false)?);
    Ok(s)
}

/// The test problem's part of the prompt asking for step `steps.len() + 1`, after the given
/// steps (with their actual results); it follows [`few_shot_prefix`], which is the same for
/// every step of one problem.
pub fn test_step_part<D: LlmDsl>(
    d: &D,
    test: &Problem<D>,
    steps: &[(String, D::Step)],
    style: Style,
) -> Result<String> {
    let ablation = style == Style::Ablation;
    let mut s = exedec_steps(d, &test.inputs, &test.outputs, steps, ablation)?;
    let what = if ablation { "code" } else { "computes" };
    s.push_str(&format!("Step {} {what}:\n", steps.len() + 1));
    Ok(s)
}

/// The whole prompt asking for step `steps.len() + 1` of a test problem.
pub fn step_prompt<D: LlmDsl>(
    d: &D,
    few_shot: &[Problem<D>],
    test: &Problem<D>,
    steps: &[(String, D::Step)],
    style: Style,
    version: PyVersion,
) -> Result<String> {
    Ok(few_shot_prefix(d, few_shot, style, version)? + &test_step_part(d, test, steps, style)?)
}

/// The program in an answer: what follows the first "```python" line, up to the next
/// "```" (the official `cut_program_from_sample`).
pub fn cut_program(sample: &str) -> &str {
    let mut s = sample;
    if let Some((_, after)) = s.split_once("```python\n") {
        s = after;
    }
    if let Some((before, _)) = s.split_once("```") {
        s = before;
    }
    s
}
