//! Tasks with their execution decompositions, as token ids (what the shards store) and as
//! JSON (the released data's field names plus the decomposition records).

use serde::{Deserialize, Serialize};

use crate::domain::{Domain, Spec, Task, decompose};
use crate::error::{DslError, Result};
use crate::vocab::Token;

/// One step of a task's decomposition, tokenized: the specification before the step, the
/// subgoal and the step's program tokens (all without EOS).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncodedStep {
    pub inputs: Vec<Vec<Token>>,
    pub outputs: Vec<Vec<Token>>,
    pub subgoal: Vec<Vec<Token>>,
    pub step: Vec<Token>,
}

/// A task and its decomposition, tokenized.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncodedTask {
    pub inputs: Vec<Vec<Token>>,
    pub outputs: Vec<Vec<Token>>,
    /// The whole program (without EOS).
    pub program: Vec<Token>,
    pub steps: Vec<EncodedStep>,
}

fn encode_all<T>(items: &[T], mut f: impl FnMut(&T, &mut Vec<Token>) -> Result<()>) -> Result<Vec<Vec<Token>>> {
    items
        .iter()
        .map(|x| {
            let mut v = Vec::new();
            f(x, &mut v)?;
            Ok(v)
        })
        .collect()
}

/// Tokenizes a task (which must have a program) and its execution decomposition.
pub fn encode_task<D: Domain>(domain: &D, task: &Task<D>) -> Result<EncodedTask> {
    let program = task.program.as_ref().ok_or_else(|| DslError::parse("task has no program"))?;
    let mut program_ids = Vec::new();
    domain.encode_program(program, &mut program_ids)?;
    let steps = decompose(domain, program, Spec::new(task.inputs.clone(), task.outputs.clone()))?
        .iter()
        .map(|d| {
            let mut step = Vec::new();
            domain.encode_step(&d.step, &mut step)?;
            Ok(EncodedStep {
                inputs: encode_all(&d.spec.inputs, |x, v| domain.encode_input(x, v))?,
                outputs: encode_all(&d.spec.outputs, |x, v| domain.encode_output(x, v))?,
                subgoal: encode_all(&d.subgoal, |x, v| domain.encode_output(x, v))?,
                step,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(EncodedTask {
        inputs: encode_all(&task.inputs, |x, v| domain.encode_input(x, v))?,
        outputs: encode_all(&task.outputs, |x, v| domain.encode_output(x, v))?,
        program: program_ids,
        steps,
    })
}

/// One decomposition record in JSON (the official `decomposition_data` features).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub next_part: Vec<String>,
    pub program_part: String,
}

/// A generated task in JSON: the released data's fields plus its decomposition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskJson {
    pub index: usize,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub program: String,
    pub decomposition: Vec<StepRecord>,
}

/// The JSON record of a task (which must have a program).
pub fn task_json<D: Domain>(domain: &D, index: usize, task: &Task<D>) -> Result<TaskJson> {
    let program = task.program.as_ref().ok_or_else(|| DslError::parse("task has no program"))?;
    let decomposition = decompose(domain, program, Spec::new(task.inputs.clone(), task.outputs.clone()))?
        .iter()
        .map(|d| {
            let part = domain.push_step(&domain.empty_program(&d.spec.inputs[0])?, d.step.clone())?;
            Ok(StepRecord {
                inputs: d.spec.inputs.iter().map(|x| domain.format_input(x)).collect(),
                outputs: d.spec.outputs.iter().map(|x| domain.format_output(x)).collect(),
                next_part: d.subgoal.iter().map(|x| domain.format_output(x)).collect(),
                program_part: step_text(domain, &part)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(TaskJson {
        index,
        inputs: task.inputs.iter().map(|x| domain.format_input(x)).collect(),
        outputs: task.outputs.iter().map(|x| domain.format_output(x)).collect(),
        program: domain.format_program(program)?,
        decomposition,
    })
}

/// The official text of one step: RobustFill its token ids, DeepCoder the statement (the
/// program of one step, without its input lines).
fn step_text<D: Domain>(domain: &D, one_step: &D::Program) -> Result<String> {
    let text = domain.format_program(one_step)?;
    Ok(text.rsplit(" | ").next().unwrap_or(&text).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::deepcoder::DeepCoder;
    use crate::dsl::robustfill::RobustFill;
    use crate::task::TaskRecord;

    #[test]
    fn robustfill_records() {
        let d = RobustFill;
        let r = TaskRecord {
            index: 0,
            inputs: vec!["ab 12".into(), "cd 3".into()],
            outputs: vec!["AB.12".into(), "CD.3".into()],
            program: Some("3 8 111 7 103 216|4 83|7 102 216".into()),
        };
        let task = r.parse(&d).unwrap();
        let enc = encode_task(&d, &task).unwrap();
        assert_eq!(enc.program, [3, 8, 111, 7, 103, 216, 4, 83, 7, 102, 216]);
        assert_eq!(enc.steps.len(), 3);
        assert_eq!(enc.steps[1].step, [4, 83]);
        let j = task_json(&d, 0, &task).unwrap();
        assert_eq!(j.decomposition[0].program_part, "3 8 111 7 103 216");
        assert_eq!(j.decomposition[1].outputs, [".12", ".3"]);
        assert_eq!(j.decomposition[1].next_part, [".", "."]);
    }

    #[test]
    fn deepcoder_records() {
        let d = DeepCoder;
        let r = TaskRecord {
            index: 0,
            inputs: vec!["x0 = [ 1 2 ]".into(), "x0 = [ 3 ]".into()],
            outputs: vec!["6".into(), "6".into()],
            program: Some("x0 = INPUT | x1 = Map (*2) x0 | x2 = Sum x1".into()),
        };
        let task = r.parse(&d).unwrap();
        let j = task_json(&d, 3, &task).unwrap();
        assert_eq!(j.decomposition[0].program_part, "x1 = Map (*2) x0");
        assert_eq!(j.decomposition[1].inputs, ["x0 = [ 1 2 ] | x1 = [ 2 4 ]", "x0 = [ 3 ] | x1 = [ 6 ]"]);
        assert_eq!(j.decomposition[1].next_part, ["6", "6"]);
        let enc = encode_task(&d, &task).unwrap();
        assert_eq!(enc.steps[1].step, [17, 43]); // Sum x1
    }
}
