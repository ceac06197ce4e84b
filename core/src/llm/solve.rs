//! One test problem end to end (the official `solve_problem_baseline` and
//! `solve_problem_exedec`).
//!
//! Baseline: one call; the answer's first code block is parsed and run; success when it
//! reproduces every test case. ExeDec and ablation: at most [`MAX_STEPS`] calls, each asking
//! for the next step; the step is appended to the program, which runs on the test cases;
//! success ends the loop. The loop also ends, as a failure, when a step is not in the
//! rendered Python subset, does not run, gives an object outside the official limits or
//! (RobustFill) is not a prefix of what remains — the official code ends there because the
//! next prompt cannot be built.

use serde::{Deserialize, Serialize};

use super::prompt::{baseline_prompt, cut_program, few_shot_prefix, test_step_part};
use super::{Llm, LlmDsl, LlmError, LlmTask, PyVersion, Style};

/// The most LLM calls per problem when solving step by step.
pub const MAX_STEPS: usize = 3;

/// One call: the prompt, the model's completion and the code taken from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmCall {
    pub prompt: String,
    pub completion: String,
    pub code: String,
}

/// The outcome of one test problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub success: bool,
    /// The program assembled from the answer(s), readable DSL form, if it parsed.
    pub program: Option<String>,
    /// Why the attempt ended without success, if it did not just run out of calls.
    pub error: Option<String>,
    pub calls: Vec<LlmCall>,
}

/// Solves one task with a prompting style. `Err` only when the model could not be queried.
pub fn solve<D: LlmDsl>(
    d: &D,
    task: &LlmTask<D>,
    style: Style,
    version: PyVersion,
    llm: &dyn Llm,
) -> Result<Attempt, LlmError> {
    let test = &task.test;
    let max_tokens = d.max_output_tokens(style);
    let mut attempt = Attempt { success: false, program: None, error: None, calls: Vec::new() };
    let Some(first_input) = test.inputs.first() else {
        attempt.error = Some("the problem has no test cases".into());
        return Ok(attempt);
    };

    if style == Style::Baseline {
        let prompt = match baseline_prompt(d, &task.few_shot, test, version) {
            Ok(p) => p,
            Err(e) => {
                attempt.error = Some(format!("building the prompt: {e}"));
                return Ok(attempt);
            }
        };
        let completion = llm.complete(&prompt, max_tokens)?;
        let code = cut_program(&completion).to_string();
        match d.parse_python_program(&code, first_input) {
            Ok(p) => {
                attempt.success = d.satisfies(&p, &test.inputs, &test.outputs);
                attempt.program = Some(d.format_readable(&p));
            }
            Err(e) => attempt.error = Some(format!("the answer is not a program of the DSL: {e}")),
        }
        attempt.calls.push(LlmCall { prompt, completion, code });
        return Ok(attempt);
    }

    // The description and the few-shot problems are the same in every call's prompt.
    let prefix = match few_shot_prefix(d, &task.few_shot, style, version) {
        Ok(p) => p,
        Err(e) => {
            attempt.error = Some(format!("building the prompt: {e}"));
            return Ok(attempt);
        }
    };
    let mut steps: Vec<(String, D::Step)> = Vec::new();
    let mut program = match d.empty_program(first_input) {
        Ok(p) => p,
        Err(e) => {
            attempt.error = Some(e.to_string());
            return Ok(attempt);
        }
    };
    for _ in 0..MAX_STEPS {
        let prompt = match test_step_part(d, test, &steps, style) {
            Ok(p) => format!("{prefix}{p}"),
            Err(e) => {
                attempt.error = Some(format!("after step {}: {e}", steps.len()));
                break;
            }
        };
        let completion = llm.complete(&prompt, max_tokens)?;
        let code = cut_program(&completion).trim().to_string();
        attempt.calls.push(LlmCall { prompt, completion, code: code.clone() });
        let step = match d.parse_step(&code) {
            Ok(s) => s,
            Err(e) => {
                attempt.error = Some(format!("step {} is not a step of the DSL: {e}", steps.len() + 1));
                break;
            }
        };
        program = match d.push_step(&program, step.clone()) {
            Ok(p) => p,
            Err(e) => {
                attempt.error = Some(format!("step {}: {e}", steps.len() + 1));
                break;
            }
        };
        steps.push((code, step));
        attempt.program = Some(d.format_readable(&program));
        if d.satisfies(&program, &test.inputs, &test.outputs) {
            attempt.success = true;
            break;
        }
    }
    Ok(attempt)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::llm::read_tasks;
    use crate::{DeepCoder, RobustFill};

    /// Answers from a list, recording the prompts.
    struct Scripted {
        answers: Mutex<Vec<String>>,
        prompts: Mutex<Vec<String>>,
    }

    impl Scripted {
        fn new(answers: &[&str]) -> Scripted {
            Scripted {
                answers: Mutex::new(answers.iter().rev().map(|s| s.to_string()).collect()),
                prompts: Mutex::new(Vec::new()),
            }
        }
    }

    impl Llm for Scripted {
        fn complete(&self, prompt: &str, _max_tokens: usize) -> Result<String, LlmError> {
            self.prompts.lock().unwrap().push(prompt.to_string());
            self.answers.lock().unwrap().pop().ok_or_else(|| LlmError::Transport("no more answers".into()))
        }
    }

    const DC_TASK: &str = r#"{"index": 0, "test_problem": {"inputs": {"x0": [[5, 8, 1], [2], [5, 2]]}, "outputs": [[6, 2], [], [6]], "program": "x0 = INPUT | x1 = Filter (%2==1) x0 | x2 = Map (+1) x1"}, "few_shot_examples": [{"inputs": {"x0": [[2, -4, -3], [0, -2, -2], [-6]]}, "outputs": [2, 0, -6], "program": "x0 = INPUT | x1 = Head x0"}]}"#;

    #[test]
    fn exedec_feeds_back_actual_results_and_stops_on_success() {
        let tasks = read_tasks(&DeepCoder, DC_TASK).unwrap();
        let llm = Scripted::new(&[
            "x1 = [5, 1], ...\n```python\nx1 = dsl.Filter(dsl.IS_ODD, x0)\n```\nmore text",
            "```python\nx2 = dsl.Map(dsl.PLUS_ONE, x1)\n```",
            "never asked",
        ]);
        let a = solve(&DeepCoder, &tasks[0], Style::Exedec, PyVersion::V1, &llm).unwrap();
        assert!(a.success, "{a:?}");
        assert_eq!(a.calls.len(), 2);
        let prompts = llm.prompts.lock().unwrap();
        assert!(prompts[0].ends_with("We solve this problem step-by-step.\n\nStep 1 computes:\n"));
        assert!(prompts[1].ends_with(
            "Step 1 computes:\n  Case 1. x1 = [5, 1]\n  Case 2. x1 = []\n  Case 3. x1 = [5]\n\n\
             Step 1 code:\n```python\nx1 = dsl.Filter(dsl.IS_ODD, x0)\n```\n\nStep 2 computes:\n"
        ));
    }

    #[test]
    fn exedec_stops_on_a_step_outside_the_dsl_and_after_three_calls() {
        let tasks = read_tasks(&DeepCoder, DC_TASK).unwrap();
        let llm = Scripted::new(&["```python\nx1 = x0.pop()\n```"]);
        let a = solve(&DeepCoder, &tasks[0], Style::Exedec, PyVersion::V1, &llm).unwrap();
        assert!(!a.success && a.calls.len() == 1 && a.error.as_deref().unwrap().contains("step 1"));

        let wrong = "```python\nx1 = dsl.Sort(x0)\n```";
        let llm = Scripted::new(&[wrong, "```python\nx2 = dsl.Reverse(x1)\n```", "```python\nx3 = dsl.Sort(x2)\n```"]);
        let a = solve(&DeepCoder, &tasks[0], Style::Ablation, PyVersion::V1, &llm).unwrap();
        assert!(!a.success && a.calls.len() == MAX_STEPS && a.error.is_none(), "{a:?}");
        assert!(llm.prompts.lock().unwrap()[2].ends_with("Step 3 code:\n"));
    }

    #[test]
    fn baseline_runs_the_whole_answer() {
        let tasks = read_tasks(&DeepCoder, DC_TASK).unwrap();
        let answer = "```python\ndef program(x0):\n  x1 = [x for x in x0 if x % 2 == 1]\n  x2 = [x + 1 for x in x1]\n  return x2\n```";
        let a = solve(&DeepCoder, &tasks[0], Style::Baseline, PyVersion::V4, &Scripted::new(&[answer])).unwrap();
        assert!(a.success, "{a:?}");
        let a = solve(&DeepCoder, &tasks[0], Style::Baseline, PyVersion::V4, &Scripted::new(&["no code"])).unwrap();
        assert!(!a.success && a.error.is_some());
        assert!(solve(&DeepCoder, &tasks[0], Style::Baseline, PyVersion::V4, &Scripted::new(&[])).is_err());
    }

    #[test]
    fn robustfill_steps_must_be_prefixes_of_what_remains() {
        let first = include_str!("../../../data/llm_data/robustfill/NONE.jsonl").lines().next().unwrap();
        let tasks = read_tasks(&RobustFill, first).unwrap();
        assert!(
            tasks[0].test.outputs[0].as_str().starts_with(':') && !tasks[0].test.outputs[1].as_str().starts_with(':')
        );
        // A first step whose result is not a prefix: the next prompt cannot be built.
        let llm = Scripted::new(&["```python\ndsl.Const(':')\n```", "unused"]);
        let a = solve(&RobustFill, &tasks[0], Style::Exedec, PyVersion::V1, &llm).unwrap();
        assert!(!a.success && a.calls.len() == 1, "{a:?}");
        assert!(a.error.as_deref().unwrap().contains("after step 1"), "{a:?}");
    }
}
