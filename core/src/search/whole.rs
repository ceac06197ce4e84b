//! The searches that predict whole programs: the Transformer baseline's beam search and the
//! outcome shared with the Latent Programmer.

use super::SearchConfig;
use super::beam::beam_search;
use super::control::{Control, Progress};
use super::exedec::{clean, encode_outputs, encode_spec};
use super::method::Method;
use super::model::{EncoderInput, ModelError, StepModel};
use super::outcome::{BeamElement, ElementStatus as Status, SearchOutcome, TraceStep};
use crate::domain::{Domain, Spec};
use crate::vocab::Token;

/// The Transformer baseline (the official `spec_decomposition/train.py` predict step): one beam search for whole programs; solved if any beam
/// element reproduces every example.
pub async fn transformer_search<D: Domain, M: StepModel>(
    domain: &D,
    task: &Spec<D>,
    model: &M,
    config: &SearchConfig,
    control: &mut Control<'_>,
) -> Result<SearchOutcome<D>, ModelError> {
    let enc = encode_whole_task(domain, task, model.max_io_len())?;
    control.report(Progress::Phase { iteration: 0, subgoal: false });
    let hyps = beam_search(model, &[(enc, 0.0)], &[], config.beam_size.max(1), &|| control.stopped()).await?;
    Ok(whole_program_outcome(Method::Transformer, domain, task, hyps.iter().map(|h| (h.tokens.as_slice(), h.score))))
}

/// A task's examples as a whole-program model reads them.
pub(crate) fn encode_whole_task<D: Domain>(
    domain: &D,
    task: &Spec<D>,
    max_io_len: usize,
) -> Result<EncoderInput, ModelError> {
    let outs = encode_outputs(domain, &task.outputs, false)
        .ok_or_else(|| ModelError::Input("outputs do not encode".into()))?;
    encode_spec(domain, &task.inputs, &outs, false, max_io_len)
        .ok_or_else(|| ModelError::Input("the examples are longer than the model accepts".into()))
}

/// The outcome of a search that predicts whole programs (the Transformer baseline and the
/// Latent Programmer), from its ranked token sequences: those that decode to a program of at
/// least one step are the candidates (the others are dropped); solved if any candidate
/// satisfies every example; the reported program is the first that does, else the best ranked.
pub fn whole_program_outcome<'a, D: Domain>(
    method: Method,
    domain: &D,
    task: &Spec<D>,
    hypotheses: impl IntoIterator<Item = (&'a [Token], f64)>,
) -> SearchOutcome<D> {
    let programs: Vec<(D::Program, f64, bool)> = hypotheses
        .into_iter()
        .filter_map(|(tokens, score)| domain.decode_program(&clean(tokens)).ok().map(|p| (p, score)))
        .filter(|(p, _)| !domain.steps(p).is_empty())
        .map(|(p, score)| {
            let done = domain.satisfies(&p, &task.inputs, &task.outputs);
            (p, score, done)
        })
        .collect();
    let solving = programs.iter().find(|(_, _, done)| *done);
    let chosen = solving.or(programs.first());
    let steps = chosen
        .map(|(p, _, _)| {
            let mut spec = task.clone();
            let mut trace = Vec::new();
            for step in domain.steps(p) {
                let Ok(outputs) = domain.run_step_all(&step, &spec.inputs) else { break };
                let next = domain.next_spec(&spec, &step, &outputs);
                trace.push(TraceStep { subgoal: None, step, outputs });
                match next {
                    Some((s, _)) => spec = s,
                    None => break,
                }
            }
            trace
        })
        .unwrap_or_default();
    let beam = programs
        .iter()
        .map(|(p, s, done)| BeamElement {
            program: p.clone(),
            score: *s,
            status: if *done { Status::Done } else { Status::Live },
        })
        .collect();
    SearchOutcome {
        method,
        solved: solving.is_some(),
        program: chosen.map(|(p, _, _)| p.clone()),
        steps,
        score: chosen.map_or(f64::NEG_INFINITY, |(_, s, _)| *s),
        iterations: 1,
        best_per_iteration: Vec::new(),
        beam,
    }
}
