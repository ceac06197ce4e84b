//! Search: beam search over a [`StepModel`], the ExeDec loop, the No-Subgoal ablation, the
//! Transformer baseline and the Latent Programmer, the anytime search that widens the beam
//! while time remains, plus oracle models for checking them.
//!
//! The search meets DSLs only through [`Domain`](crate::Domain) and models only through
//! [`StepModel`], so oracle models, neural models on any backend and the browser all drive
//! the same code. [`Models`] is the one place where a method meets the search it runs.

pub mod anytime;
pub mod beam;
pub mod config;
pub mod control;
pub mod exedec;
pub mod latent;
pub mod method;
pub mod model;
pub mod oracle;
pub mod outcome;
pub mod whole;

pub use anytime::{AnytimeConfig, AnytimeOutcome, StopReason, anytime_search};
pub use beam::{
    Constraint, Free, Hypothesis, ListedSubgoals, Origin, PrefixSubgoals, beam_search, beam_search_constrained,
};
pub use config::{Quirks, SearchConfig};
pub use control::{Control, Progress};
pub use exedec::{INVALID_PENALTY, exedec_search, no_subgoal_search};
pub use latent::{LatentCandidate, LatentModels, latent_candidates, latent_programmer_search};
pub use method::{Method, Models};
pub use model::{EncoderInput, ModelError, StepModel};
pub use oracle::{Distractors, OracleModel, OracleOr};
pub use outcome::{BeamElement, ElementStatus, IterationBest, SearchOutcome, TraceStep};
pub use whole::{transformer_search, whole_program_outcome};
