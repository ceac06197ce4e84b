//! What a search returns: the program found, its step-by-step trace and the final beam.

use super::method::Method;
use crate::domain::Domain;

/// One step of a found program: the predicted subgoal (ExeDec), the step and what it
/// produced on the examples.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceStep<D: Domain> {
    pub subgoal: Option<Vec<D::Output>>,
    pub step: D::Step,
    pub outputs: Vec<D::Output>,
}

/// What the best element predicted in one iteration (for error attribution).
#[derive(Debug, Clone, PartialEq)]
pub struct IterationBest<D: Domain> {
    /// The best element's subgoal after step A, if it was live and valid.
    pub subgoal: Option<Vec<D::Output>>,
    /// The outputs of the best element's new step after step B, if it was processed.
    pub step_outputs: Option<Vec<D::Output>>,
}

/// The state of a beam element at the end of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementStatus {
    /// Could still be extended (the step limit was reached).
    Live,
    /// Its program produced the whole specification.
    Done,
    /// Pruned: an invalid prediction or a functional duplicate of a better element.
    Invalid,
}

/// One element of the final beam.
#[derive(Debug, Clone, PartialEq)]
pub struct BeamElement<D: Domain> {
    pub program: D::Program,
    pub score: f64,
    pub status: ElementStatus,
}

/// The result of a search.
#[derive(Debug, Clone)]
pub struct SearchOutcome<D: Domain> {
    /// The search that gave this outcome (a portfolio's member, for a portfolio).
    pub method: Method,
    pub solved: bool,
    /// The solving program, or the best-scored program found if none solves the task; `None`
    /// when no candidate with at least one step survived.
    pub program: Option<D::Program>,
    /// The decomposition of `program`, step by step.
    pub steps: Vec<TraceStep<D>>,
    pub score: f64,
    /// Iterations run (a final subgoal-only iteration counts as a half step, rounded up).
    pub iterations: usize,
    pub best_per_iteration: Vec<IterationBest<D>>,
    /// The final beam, best first.
    pub beam: Vec<BeamElement<D>>,
}
