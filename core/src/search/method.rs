//! The search methods: ExeDec, its No-Subgoal ablation, the two baselines and the portfolio of
//! ExeDec and No-Subgoal, and the one place that maps a method and its models to the search it
//! runs.

use super::SearchConfig;
use super::control::{Control, Progress};
use super::exedec::{exedec_search, no_subgoal_search};
use super::latent::{LatentModels, latent_programmer_search};
use super::model::{ModelError, StepModel};
use super::outcome::SearchOutcome;
use super::whole::transformer_search;
use crate::data::ModelKind;
use crate::domain::{Domain, Spec};

/// Which search to run. Ordered as in the results table (and [`Method::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// SubgoalModel + SynthesizerModel.
    Exedec,
    /// The ablation: one model predicts the next step directly.
    NoSubgoal,
    /// The Transformer baseline: one beam search for the whole program.
    Transformer,
    /// The Latent Programmer baseline: a beam search over latent codes, then over programs.
    LatentProgrammer,
    /// ExeDec, then No-Subgoal at the same beam if ExeDec finds nothing: the two solve
    /// different tasks, so a person waiting at the page gets either's answer.
    Portfolio,
}

impl Method {
    pub const ALL: [Method; 5] =
        [Method::Exedec, Method::NoSubgoal, Method::Transformer, Method::LatentProgrammer, Method::Portfolio];

    pub fn name(self) -> &'static str {
        match self {
            Method::Exedec => "exedec",
            Method::NoSubgoal => "no-subgoal",
            Method::Transformer => "transformer",
            Method::LatentProgrammer => "latent-programmer",
            Method::Portfolio => "portfolio",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "exedec" => Ok(Method::Exedec),
            "no-subgoal" | "nosubgoal" | "ablation" => Ok(Method::NoSubgoal),
            "transformer" | "baseline" => Ok(Method::Transformer),
            "latent-programmer" | "latent" | "lp" => Ok(Method::LatentProgrammer),
            "portfolio" | "exedec+no-subgoal" => Ok(Method::Portfolio),
            _ => Err(format!(
                "unknown method {s:?} (expected exedec, no-subgoal, transformer, latent-programmer or portfolio)"
            )),
        }
    }
}

impl Method {
    /// The networks the method searches with, in the order their weight files are read.
    pub fn networks(self) -> &'static [ModelKind] {
        match self {
            Method::Exedec => &[ModelKind::Subgoal, ModelKind::Synthesizer],
            Method::NoSubgoal => &[ModelKind::NoSubgoal],
            Method::Transformer => &[ModelKind::Transformer],
            Method::LatentProgrammer => &[ModelKind::LatentProgrammer],
            Method::Portfolio => &[ModelKind::Subgoal, ModelKind::Synthesizer, ModelKind::NoSubgoal],
        }
    }

    /// The methods a portfolio searches with, in order; a method on its own otherwise.
    pub fn members(self) -> &'static [Method] {
        match self {
            Method::Exedec => &[Method::Exedec],
            Method::NoSubgoal => &[Method::NoSubgoal],
            Method::Transformer => &[Method::Transformer],
            Method::LatentProgrammer => &[Method::LatentProgrammer],
            Method::Portfolio => &[Method::Exedec, Method::NoSubgoal],
        }
    }

    /// Whether the method searches with several others, so that a solution names the member
    /// that found it (`SearchOutcome::method`).
    pub fn has_members(self) -> bool {
        self.members().len() > 1
    }
}

/// A method with its models, trained or oracle: `S` a step model, `L` the Latent Programmer's.
pub enum Models<S, L> {
    /// ExeDec's SubgoalModel and SynthesizerModel.
    Exedec {
        subgoal: S,
        synthesizer: S,
    },
    /// The No-Subgoal ablation's combined model.
    NoSubgoal(S),
    /// The Transformer baseline's whole-program model.
    Transformer(S),
    LatentProgrammer(L),
    /// ExeDec's two networks and No-Subgoal's, searched in turn.
    Portfolio {
        subgoal: S,
        synthesizer: S,
        no_subgoal: S,
    },
}

impl<S, L> Models<S, L> {
    /// A method's models: each network it needs ([`Method::networks`]) made by `network`, the
    /// Latent Programmer's by `latent`.
    pub fn assemble<E>(
        method: Method,
        mut network: impl FnMut(ModelKind) -> Result<S, E>,
        latent: impl FnOnce() -> Result<L, E>,
    ) -> Result<Self, E> {
        Ok(match method {
            Method::Exedec => {
                Models::Exedec { subgoal: network(ModelKind::Subgoal)?, synthesizer: network(ModelKind::Synthesizer)? }
            }
            Method::NoSubgoal => Models::NoSubgoal(network(ModelKind::NoSubgoal)?),
            Method::Transformer => Models::Transformer(network(ModelKind::Transformer)?),
            Method::LatentProgrammer => Models::LatentProgrammer(latent()?),
            Method::Portfolio => Models::Portfolio {
                subgoal: network(ModelKind::Subgoal)?,
                synthesizer: network(ModelKind::Synthesizer)?,
                no_subgoal: network(ModelKind::NoSubgoal)?,
            },
        })
    }

    /// The step model of one network kind, where the method searches with one (none for the
    /// Latent Programmer's two-level models).
    pub fn network(&self, kind: ModelKind) -> Option<&S> {
        match (self, kind) {
            (Models::Exedec { subgoal, .. } | Models::Portfolio { subgoal, .. }, ModelKind::Subgoal) => Some(subgoal),
            (Models::Exedec { synthesizer, .. } | Models::Portfolio { synthesizer, .. }, ModelKind::Synthesizer) => {
                Some(synthesizer)
            }
            (Models::NoSubgoal(m) | Models::Portfolio { no_subgoal: m, .. }, ModelKind::NoSubgoal) => Some(m),
            (Models::Transformer(m), ModelKind::Transformer) => Some(m),
            _ => None,
        }
    }
}

impl<S: StepModel, L: LatentModels> Models<S, L> {
    pub fn method(&self) -> Method {
        match self {
            Models::Exedec { .. } => Method::Exedec,
            Models::NoSubgoal(_) => Method::NoSubgoal,
            Models::Transformer(_) => Method::Transformer,
            Models::LatentProgrammer(_) => Method::LatentProgrammer,
            Models::Portfolio { .. } => Method::Portfolio,
        }
    }

    /// Runs the method's search on a specification. A portfolio reports
    /// [`Progress::Method`] before each member's search and returns the first solving
    /// member's outcome, or else its first member's; [`SearchOutcome::method`] says which.
    pub async fn search<D: Domain>(
        &self,
        domain: &D,
        spec: &Spec<D>,
        config: &SearchConfig,
        control: &mut Control<'_>,
    ) -> Result<SearchOutcome<D>, ModelError> {
        match self {
            Models::Exedec { subgoal, synthesizer } => {
                exedec_search(domain, spec, subgoal, synthesizer, config, control).await
            }
            Models::NoSubgoal(model) => no_subgoal_search(domain, spec, model, config, control).await,
            Models::Transformer(model) => transformer_search(domain, spec, model, config, control).await,
            Models::LatentProgrammer(models) => latent_programmer_search(domain, spec, models, config, control).await,
            Models::Portfolio { subgoal, synthesizer, no_subgoal } => {
                control.report(Progress::Method(Method::Exedec));
                let exedec = exedec_search(domain, spec, subgoal, synthesizer, config, control).await?;
                if exedec.solved {
                    return Ok(exedec);
                }
                control.report(Progress::Method(Method::NoSubgoal));
                let alone = no_subgoal_search(domain, spec, no_subgoal, config, control).await?;
                Ok(if alone.solved { alone } else { exedec })
            }
        }
    }
}
