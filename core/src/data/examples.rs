//! Training examples of each model type, cut from a tokenized task (the official
//! `tasks/*/dataset/write_data.py`).
//!
//! | model | encoder inputs | encoder outputs | decoder target |
//! |---|---|---|---|
//! | SubgoalModel | spec inputs | remaining outputs | the subgoal, examples joined by the separator
//! |
//! | SynthesizerModel | spec inputs | the subgoal | the step's tokens |
//! | No-Subgoal (combined) | spec inputs | remaining outputs | the step's tokens |
//! | Transformer baseline | task inputs | task outputs | the whole program |
//! | Latent Programmer | task inputs | task outputs | the whole program |
//!
//! Every target ends with EOS.

use std::fmt;
use std::str::FromStr;

use super::encode::EncodedTask;
use crate::vocab::{EOS, Token};

/// The four model types of the paper, all built from one architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Predicts the next execution subgoal.
    Subgoal,
    /// Predicts the program step that reaches a subgoal.
    Synthesizer,
    /// The ablation: predicts the next step directly from the remaining specification.
    NoSubgoal,
    /// The Transformer baseline: predicts the whole program.
    Transformer,
    /// The Latent Programmer baseline: predicts discrete latent codes, then the whole
    /// program (trained on the Transformer baseline's data).
    LatentProgrammer,
}

/// What training produced a network: the record its weight file carries and evaluation
/// reports repeat (informational).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainingInfo {
    pub steps: u64,
    pub tokens: u64,
    pub split: Option<String>,
    pub validation_accuracy: Option<f64>,
    pub hardware: Option<String>,
    pub wall_seconds: Option<f64>,
    /// Training examples seen: the steps times the run's batch size (absent from files
    /// exported before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<u64>,
}

impl ModelKind {
    pub const ALL: [ModelKind; 5] = [
        ModelKind::Subgoal,
        ModelKind::Synthesizer,
        ModelKind::NoSubgoal,
        ModelKind::Transformer,
        ModelKind::LatentProgrammer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Subgoal => "subgoal",
            ModelKind::Synthesizer => "synthesizer",
            ModelKind::NoSubgoal => "no-subgoal",
            ModelKind::Transformer => "transformer",
            ModelKind::LatentProgrammer => "latent-programmer",
        }
    }

    /// Whether the decoder predicts I/O tokens (a subgoal) rather than program tokens.
    pub fn predicts_subgoals(self) -> bool {
        self == ModelKind::Subgoal
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "subgoal" | "subgoal-model" => Ok(ModelKind::Subgoal),
            "synthesizer" | "synthesizer-model" => Ok(ModelKind::Synthesizer),
            "no-subgoal" | "nosubgoal" | "combined" | "joint" => Ok(ModelKind::NoSubgoal),
            "transformer" | "baseline" => Ok(ModelKind::Transformer),
            "latent-programmer" | "latent" | "lp" => Ok(ModelKind::LatentProgrammer),
            _ => Err(format!(
                "unknown model {s:?} (expected subgoal, synthesizer, no-subgoal, transformer or latent-programmer)"
            )),
        }
    }
}

/// One training example: per-example encoder inputs and outputs, and the decoder target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub inputs: Vec<Vec<Token>>,
    pub outputs: Vec<Vec<Token>>,
    pub target: Vec<Token>,
}

/// Joins per-example sequences with a separator token.
pub fn join(parts: &[Vec<Token>], separator: Token) -> Vec<Token> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        out.extend_from_slice(p);
    }
    out
}

/// A target sequence: the tokens, then EOS.
pub(crate) fn with_eos(mut v: Vec<Token>) -> Vec<Token> {
    v.push(EOS);
    v
}

/// The examples of one model type in a task (one per step, or one per task for the
/// Transformer baseline). `separator` is the I/O vocabulary's example separator.
pub fn examples(kind: ModelKind, task: &EncodedTask, separator: Token) -> Vec<Example> {
    match kind {
        ModelKind::Transformer | ModelKind::LatentProgrammer => vec![Example {
            inputs: task.inputs.clone(),
            outputs: task.outputs.clone(),
            target: with_eos(task.program.clone()),
        }],
        _ => task
            .steps
            .iter()
            .map(|s| match kind {
                ModelKind::Subgoal => Example {
                    inputs: s.inputs.clone(),
                    outputs: s.outputs.clone(),
                    target: with_eos(join(&s.subgoal, separator)),
                },
                ModelKind::Synthesizer => {
                    Example { inputs: s.inputs.clone(), outputs: s.subgoal.clone(), target: with_eos(s.step.clone()) }
                }
                _ => Example { inputs: s.inputs.clone(), outputs: s.outputs.clone(), target: with_eos(s.step.clone()) },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::encode::EncodedStep;

    #[test]
    fn targets_per_model() {
        let task = EncodedTask {
            inputs: vec![vec![10], vec![11]],
            outputs: vec![vec![20, 21], vec![22, 23]],
            program: vec![5, 6, 7, 8],
            steps: vec![
                EncodedStep {
                    inputs: vec![vec![10], vec![11]],
                    outputs: vec![vec![20, 21], vec![22, 23]],
                    subgoal: vec![vec![20], vec![22]],
                    step: vec![5, 6],
                },
                EncodedStep {
                    inputs: vec![vec![10], vec![11]],
                    outputs: vec![vec![21], vec![23]],
                    subgoal: vec![vec![21], vec![23]],
                    step: vec![7, 8],
                },
            ],
        };
        let sub = examples(ModelKind::Subgoal, &task, 86);
        assert_eq!(sub.len(), 2);
        assert_eq!(sub[0].target, [20, 86, 22, 2]);
        let syn = examples(ModelKind::Synthesizer, &task, 86);
        assert_eq!(syn[1].outputs, [vec![21], vec![23]]);
        assert_eq!(syn[1].target, [7, 8, 2]);
        let ns = examples(ModelKind::NoSubgoal, &task, 86);
        assert_eq!(ns[1].outputs, [vec![21], vec![23]]);
        let tf = examples(ModelKind::Transformer, &task, 86);
        assert_eq!(tf.len(), 1);
        assert_eq!(tf[0].target, [5, 6, 7, 8, 2]);
        assert_eq!("combined".parse::<ModelKind>(), Ok(ModelKind::NoSubgoal));
    }
}
