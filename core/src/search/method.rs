//! The search methods: ExeDec, its No-Subgoal ablation and the two baselines, and the one
//! place that maps a method and its models to the search it runs.

use super::SearchConfig;
use super::control::Control;
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
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Exedec, Method::NoSubgoal, Method::Transformer, Method::LatentProgrammer];

    pub fn name(self) -> &'static str {
        match self {
            Method::Exedec => "exedec",
            Method::NoSubgoal => "no-subgoal",
            Method::Transformer => "transformer",
            Method::LatentProgrammer => "latent-programmer",
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
            _ => Err(format!("unknown method {s:?} (expected exedec, no-subgoal, transformer or latent-programmer)")),
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
        }
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
        })
    }
}

impl<S: StepModel, L: LatentModels> Models<S, L> {
    pub fn method(&self) -> Method {
        match self {
            Models::Exedec { .. } => Method::Exedec,
            Models::NoSubgoal(_) => Method::NoSubgoal,
            Models::Transformer(_) => Method::Transformer,
            Models::LatentProgrammer(_) => Method::LatentProgrammer,
        }
    }

    /// Runs the method's search on a specification.
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
        }
    }
}
