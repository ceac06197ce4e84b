//! The ExeDec search and the No-Subgoal ablation (the paper's Section 3; the official
//! `spec_decomposition/end_to_end_predict.py`, prediction types `separate` and `joint`),
//! two entry points over one loop written once over the [`Domain`] abstraction.
//!
//! One beam of K elements is shared by both models. Each iteration:
//!
//! - **A. Subgoal step** (ExeDec only): the SubgoalModel predicts, for every live element,
//!   the next subgoal (the next step's output on every example). A subgoal with the wrong
//!   number of parts, all parts empty, an undecodable part or one inconsistent with the
//!   specification (RobustFill: not a prefix of the remaining output) makes its element
//!   invalid.
//! - **B. Synthesis step**: the SynthesizerModel (No-Subgoal: the combined model, reading the
//!   remaining specification instead of a subgoal) predicts the step that reaches it. The
//!   step is executed; a step that fails to decode or run, or whose outputs are
//!   inconsistent with the specification, makes its element invalid. The specification is
//!   updated by execution (the program does not have to reproduce the predicted subgoal),
//!   and among the elements processed, only the best-scored one of each functionality (the
//!   resulting specification) survives.
//!
//! Scores are cumulative log-probabilities of every subgoal and program token. Invalid
//! elements get a large penalty and stay in the beam as finished, as in the official code.
//! The task is solved if any final element's program reproduces every example.

use std::collections::HashSet;

use super::SearchConfig;
use super::beam::{
    Constraint, Free, Hypothesis, ListedSubgoals, Origin, PrefixSubgoals, beam_search, beam_search_constrained,
};
use super::control::{Control, Progress};
use super::method::Method;
use super::model::{EncoderInput, ModelError, StepModel};
use super::outcome::{BeamElement, ElementStatus, IterationBest, SearchOutcome, TraceStep};
use crate::data::{join, with_eos};
use crate::domain::{Domain, Dsl, Spec};
use crate::vocab::{BOS, EOS, PAD, Token};

/// The score penalty of an invalid element (the official `NEG_INF`).
pub const INVALID_PENALTY: f64 = -1e7;

use ElementStatus as Status;

#[derive(Debug, Clone)]
struct Element<D: Domain> {
    score: f64,
    status: Status,
    program: D::Program,
    spec: Spec<D>,
    subgoal: Option<Vec<D::Output>>,
    trace: Vec<TraceStep<D>>,
    /// Produced by the current synthesis step (the scope of functional de-duplication).
    fresh: bool,
}

impl<D: Domain> Element<D> {
    /// The search's first element: the empty program, live, before any step.
    fn start(domain: &D, spec: &Spec<D>) -> Result<Element<D>, ModelError> {
        let first_input =
            spec.inputs.first().ok_or_else(|| ModelError::Input("a task needs at least one example".into()))?;
        let program = domain.empty_program(first_input).map_err(|e| ModelError::Input(e.to_string()))?;
        Ok(Element {
            score: 0.0,
            status: Status::Live,
            program,
            spec: spec.clone(),
            subgoal: None,
            trace: Vec::new(),
            fresh: false,
        })
    }

    fn invalidate(&mut self) {
        if self.status != Status::Invalid {
            self.status = Status::Invalid;
            self.score += INVALID_PENALTY;
        }
    }
}

/// Encodes a specification for a model, or `None` if a sequence is longer than it accepts.
pub(crate) fn encode_spec<D: Domain>(
    domain: &D,
    inputs: &[D::Input],
    outputs: &[Vec<Token>],
    eos_on_inputs: bool,
    max_len: usize,
) -> Option<EncoderInput> {
    let mut enc = EncoderInput { inputs: Vec::with_capacity(inputs.len()), outputs: outputs.to_vec() };
    for i in inputs {
        let mut v = Vec::new();
        domain.encode_input(i, &mut v).ok()?;
        if eos_on_inputs {
            v.push(EOS);
        }
        enc.inputs.push(v);
    }
    let fits = enc.inputs.iter().chain(&enc.outputs).all(|s| s.len() <= max_len);
    fits.then_some(enc)
}

pub(crate) fn encode_outputs<D: Domain>(domain: &D, outputs: &[D::Output], eos: bool) -> Option<Vec<Vec<Token>>> {
    outputs
        .iter()
        .map(|o| {
            let mut v = Vec::new();
            domain.encode_output(o, &mut v).ok()?;
            if eos {
                v.push(EOS);
            }
            Some(v)
        })
        .collect()
}

/// Drops padding, BOS and EOS.
pub(crate) fn clean(tokens: &[Token]) -> Vec<Token> {
    tokens.iter().copied().filter(|&t| t != PAD && t != BOS && t != EOS).collect()
}

/// Decodes a predicted subgoal: strip separators at both ends, split at separators, decode
/// each part, then check it against the specification.
fn decode_subgoal<D: Domain>(domain: &D, spec: &Spec<D>, tokens: &[Token]) -> Option<Vec<D::Output>> {
    let sep = domain.io_vocab().separator()?;
    let t = clean(tokens);
    let start = t.iter().position(|&x| x != sep).unwrap_or(t.len());
    let end = t.iter().rposition(|&x| x != sep).map_or(start, |e| e + 1);
    let body = &t[start..end.max(start)];
    let parts: Vec<&[Token]> = body.split(|&x| x == sep).collect();
    if parts.len() != spec.num_examples() || parts.iter().all(|p| p.is_empty()) {
        return None;
    }
    let subgoal: Vec<D::Output> = parts.iter().map(|p| domain.decode_output(p).ok()).collect::<Option<_>>()?;
    domain.check_subgoal(spec, &subgoal).then_some(subgoal)
}

/// Runs the ExeDec search on a task's examples: each iteration the SubgoalModel predicts the
/// next subgoal and the SynthesizerModel the step that reaches it.
pub async fn exedec_search<D: Domain, S: StepModel, Y: StepModel>(
    domain: &D,
    task: &Spec<D>,
    subgoal_model: &S,
    synthesizer: &Y,
    config: &SearchConfig,
    control: &mut Control<'_>,
) -> Result<SearchOutcome<D>, ModelError> {
    step_search(domain, task, &Predicted(subgoal_model), synthesizer, config, control).await
}

/// Runs the No-Subgoal ablation on a task's examples: each iteration one model predicts the
/// next step from the remaining specification.
pub async fn no_subgoal_search<D: Domain, M: StepModel>(
    domain: &D,
    task: &Spec<D>,
    model: &M,
    config: &SearchConfig,
    control: &mut Control<'_>,
) -> Result<SearchOutcome<D>, ModelError> {
    step_search(domain, task, &NoSubgoals, model, config, control).await
}

/// Step A of an iteration, as each search does it: ExeDec's SubgoalModel predicts every live
/// element's next subgoal ([`Predicted`]); the No-Subgoal ablation has no step A
/// ([`NoSubgoals`]): its model reads the remaining specification in step B.
trait SubgoalStep {
    /// The search this step A makes.
    const METHOD: Method;

    /// The beam after step A (an element whose subgoal is invalid becomes invalid), or `None`
    /// when the search has no step A.
    async fn predict<D: Domain>(
        &self,
        domain: &D,
        elems: &[Element<D>],
        at: &mut Iteration<'_, '_>,
    ) -> Option<Result<Vec<Element<D>>, ModelError>>;
}

/// What step A needs of the iteration it runs in, besides the beam.
struct Iteration<'c, 'a> {
    index: usize,
    beam_size: usize,
    /// The EOS quirk applies (after the first step, when enabled).
    quirk_eos: bool,
    /// Decode only valid subgoals ([`SearchConfig::constrain_subgoals`]).
    constrain_subgoals: bool,
    control: &'c mut Control<'a>,
}

/// ExeDec's step A: subgoals predicted by a SubgoalModel.
struct Predicted<'m, S>(&'m S);

/// The No-Subgoal ablation: no step A.
struct NoSubgoals;

impl<S: StepModel> SubgoalStep for Predicted<'_, S> {
    const METHOD: Method = Method::Exedec;

    async fn predict<D: Domain>(
        &self,
        domain: &D,
        elems: &[Element<D>],
        at: &mut Iteration<'_, '_>,
    ) -> Option<Result<Vec<Element<D>>, ModelError>> {
        let model = self.0;
        let is_dc = domain.dsl() == Dsl::DeepCoder;
        at.control.report(Progress::Phase { iteration: at.index, subgoal: true });
        let (rows, live_idx, carried) = split_beam(elems, |e| {
            let outs = encode_outputs(domain, &e.spec.outputs, at.quirk_eos)?;
            encode_spec(domain, &e.spec.inputs, &outs, at.quirk_eos && is_dc, model.max_io_len())
        });
        let valid: Option<Box<dyn Constraint>> = match at.constrain_subgoals {
            false => None,
            true if domain.subgoals_are_output_prefixes() => {
                prefix_constraint(domain, &rows, at.quirk_eos).map(|c| Box::new(c) as Box<dyn Constraint>)
            }
            true => reachable_constraint(domain, elems, &live_idx, model.max_target_len())
                .map(|c| Box::new(c) as Box<dyn Constraint>),
        };
        let constraint: &dyn Constraint = valid.as_deref().unwrap_or(&Free);
        let control = &*at.control;
        let stopped = || control.stopped();
        let hyps = match beam_search_constrained(model, &rows, &carried, at.beam_size, constraint, &stopped).await {
            Ok(hyps) => hyps,
            Err(e) => return Some(Err(e)),
        };
        Some(Ok(rebuild(elems, &live_idx, hyps, |e, h| match decode_subgoal(domain, &e.spec, &h.tokens) {
            Some(sg) => e.subgoal = Some(sg),
            None => e.invalidate(),
        })))
    }
}

/// The prefix constraint for the encoded live rows (their remaining outputs, without the EOS
/// the quirk appends), or `None` if the domain has no subgoal separator.
fn prefix_constraint<D: Domain>(domain: &D, rows: &[(EncoderInput, f64)], quirk_eos: bool) -> Option<PrefixSubgoals> {
    let separator = domain.io_vocab().separator()?;
    let unquirked = |o: &Vec<Token>| if quirk_eos { o.strip_suffix(&[EOS]).unwrap_or(o) } else { o }.to_vec();
    let outputs = rows.iter().map(|(enc, _)| enc.outputs.iter().map(unquirked).collect()).collect();
    Some(PrefixSubgoals { outputs, separator })
}

/// The reachable-subgoal constraint for the live rows (elements `live_idx`): the subgoals one
/// step reaches from each row's current inputs, encoded as the SubgoalModel's training targets
/// are, those that fit in `max_target_len` tokens (BOS and EOS included); `None` if the domain
/// cannot list them.
fn reachable_constraint<D: Domain>(
    domain: &D,
    elems: &[Element<D>],
    live_idx: &[usize],
    max_target_len: usize,
) -> Option<ListedSubgoals> {
    let separator = domain.io_vocab().separator()?;
    let mut rows = Vec::with_capacity(live_idx.len());
    for &i in live_idx {
        let reachable = domain.reachable_subgoals(&elems[i].spec)?;
        let encoded = reachable.iter().filter_map(|subgoal| {
            let tokens = with_eos(join(&encode_outputs(domain, subgoal, false)?, separator));
            (tokens.len() < max_target_len).then_some(tokens)
        });
        rows.push(encoded.collect());
    }
    Some(ListedSubgoals::new(rows))
}

impl SubgoalStep for NoSubgoals {
    const METHOD: Method = Method::NoSubgoal;

    async fn predict<D: Domain>(
        &self,
        _: &D,
        _: &[Element<D>],
        _: &mut Iteration<'_, '_>,
    ) -> Option<Result<Vec<Element<D>>, ModelError>> {
        None
    }
}

/// The step-by-step search of both: step A by `subgoals`, step B by `step_model` (ExeDec's
/// SynthesizerModel, or No-Subgoal's combined model).
async fn step_search<D: Domain, A: SubgoalStep, Y: StepModel>(
    domain: &D,
    task: &Spec<D>,
    subgoals: &A,
    step_model: &Y,
    config: &SearchConfig,
    control: &mut Control<'_>,
) -> Result<SearchOutcome<D>, ModelError> {
    let k = config.beam_size.max(1);
    let mut elems: Vec<Element<D>> = vec![Element::start(domain, task)?];
    let max_steps = config.max_steps.unwrap_or_else(|| domain.max_steps(&task.inputs[0]));
    let is_dc = domain.dsl() == Dsl::DeepCoder;
    let mut best_per_iteration = Vec::new();
    let mut iterations = 0;

    for it in 0..max_steps {
        if !elems.iter().any(|e| e.status == Status::Live) {
            break;
        }
        if config.constrain_subgoals
            && let Some(best) = finish_by_listing(domain, &mut elems)
        {
            // An iteration without model calls: its step is the listed one.
            best_per_iteration.push(best);
            iterations = it + 1;
            break;
        }
        let quirk_eos = config.quirks.eos_after_first_step && it > 0;
        let mut best = IterationBest { subgoal: None, step_outputs: None };

        // A. Subgoal step.
        let constrain_subgoals = config.constrain_subgoals;
        let mut at = Iteration { index: it, beam_size: k, quirk_eos, constrain_subgoals, control: &mut *control };
        if let Some(next) = subgoals.predict(domain, &elems, &mut at).await {
            elems = next?;
            if let Some(e) = elems.first().filter(|e| e.status == Status::Live) {
                best.subgoal = e.subgoal.clone();
            }
            if !elems.iter().any(|e| e.status == Status::Live) {
                iterations = it + 1;
                best_per_iteration.push(best);
                break;
            }
        }

        // B. Synthesis step: listed steps where they reach the subgoals, the model elsewhere.
        if config.constrain_subgoals {
            take_listed_steps(domain, &mut elems);
        }
        let (rows, live_idx, carried) = split_beam(&elems, |e| {
            // Only step A sets subgoals (and each iteration ends by clearing them).
            let outs = match &e.subgoal {
                Some(sg) => {
                    let mut parts = encode_outputs(domain, sg, false)?;
                    if is_dc && config.quirks.deepcoder_subgoal_pads {
                        let n = parts.len();
                        for (j, p) in parts.iter_mut().enumerate() {
                            if j > 0 {
                                p.insert(0, PAD);
                            }
                            if j + 1 < n {
                                p.push(PAD);
                            }
                        }
                    }
                    parts
                }
                None => encode_outputs(domain, &e.spec.outputs, quirk_eos)?,
            };
            encode_spec(domain, &e.spec.inputs, &outs, quirk_eos && is_dc, step_model.max_io_len())
        });
        if !rows.is_empty() {
            control.report(Progress::Phase { iteration: it, subgoal: false });
        }
        let hyps = beam_search(step_model, &rows, &carried, k, &|| control.stopped()).await?;
        elems = rebuild(&elems, &live_idx, hyps, |e, h| {
            e.fresh = true;
            apply_step(domain, e, &h.tokens);
        });
        // Functional de-duplication among the elements processed in this step: the beam is
        // best first, so the first element of each resulting specification survives.
        let mut seen: HashSet<Option<Spec<D>>> = HashSet::new();
        for e in elems.iter_mut().filter(|e| e.fresh) {
            let key = (e.status != Status::Invalid).then(|| e.spec.clone());
            if !seen.insert(key) {
                e.invalidate();
            }
        }
        for e in elems.iter_mut() {
            e.subgoal = None;
            e.fresh = false;
        }
        elems.sort_by(|a, b| b.score.total_cmp(&a.score));
        if let Some(e) = elems.first()
            && e.status != Status::Invalid
        {
            best.step_outputs = e.trace.last().map(|s| s.outputs.clone());
        }
        best_per_iteration.push(best);
        iterations = it + 1;
        let live = elems.iter().filter(|e| e.status == Status::Live).count();
        let best_score = elems.first().map_or(f64::NEG_INFINITY, |e| e.score);
        control.report(Progress::Iteration { iteration: it, live, best_score });
    }

    Ok(finish(A::METHOD, domain, task, elems, iterations, best_per_iteration))
}

/// Splits the beam into live rows (encoded by `encode`; an element that cannot be encoded
/// becomes invalid and finished) and carried elements: finished ones, and those that already
/// took this iteration's step ([`take_listed_steps`]).
#[allow(clippy::type_complexity)]
fn split_beam<D: Domain>(
    elems: &[Element<D>],
    mut encode: impl FnMut(&Element<D>) -> Option<EncoderInput>,
) -> (Vec<(EncoderInput, f64)>, Vec<usize>, Vec<(usize, f64)>) {
    let mut rows = Vec::new();
    let mut live_idx = Vec::new();
    let mut carried = Vec::new();
    for (i, e) in elems.iter().enumerate() {
        if e.fresh {
            carried.push((i, e.score));
            continue;
        }
        match (e.status, encode(e)) {
            (Status::Live, Some(enc)) => {
                rows.push((enc, e.score));
                live_idx.push(i);
            }
            (Status::Live, None) => carried.push((i, e.score + INVALID_PENALTY)),
            _ => carried.push((i, e.score)),
        }
    }
    (rows, live_idx, carried)
}

/// The new beam from a beam search's hypotheses: carried elements unchanged (or newly
/// invalid if they could not be encoded), extensions of live rows updated by `update`.
fn rebuild<D: Domain>(
    elems: &[Element<D>],
    live_idx: &[usize],
    hyps: Vec<Hypothesis>,
    mut update: impl FnMut(&mut Element<D>, &Hypothesis),
) -> Vec<Element<D>> {
    let mut out = Vec::with_capacity(hyps.len());
    for h in hyps {
        match h.origin {
            Origin::Carried(id) => {
                let mut e = elems[id].clone();
                if e.status == Status::Live && !e.fresh {
                    // A live element whose specification the model cannot read.
                    e.invalidate();
                }
                out.push(e);
            }
            Origin::Row(r) => {
                let mut e = elems[live_idx[r]].clone();
                e.score = h.score;
                update(&mut e, &h);
                out.push(e);
            }
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// Completes every live element whose outputs one listed step computes
/// ([`Domain::step_reaching`]) with that step. If one was completed (the search then has its
/// answer), the iteration's record: the outputs of the best completed element's step, and no
/// subgoal (none was predicted).
fn finish_by_listing<D: Domain>(domain: &D, elems: &mut [Element<D>]) -> Option<IterationBest<D>> {
    let mut best = None;
    for e in elems.iter_mut().filter(|e| e.status == Status::Live) {
        if let Some(step) = domain.step_reaching(&e.spec, &e.spec.outputs) {
            take_step(domain, e, step);
            if e.status == Status::Done && best.is_none() {
                best = Some(IterationBest { subgoal: None, step_outputs: e.trace.last().map(|s| s.outputs.clone()) });
            }
        }
    }
    best
}

/// Step B without the model where the DSL lists a step that reaches an element's subgoal
/// ([`Domain::step_reaching`]): every live element with such a subgoal takes that step, scored
/// as certain (the element keeps its score), and is carried through the model's beam search.
/// The model's steps for it could only score lower, and reach the same subgoal or miss it.
fn take_listed_steps<D: Domain>(domain: &D, elems: &mut [Element<D>]) {
    for e in elems.iter_mut().filter(|e| e.status == Status::Live) {
        if let Some(step) = e.subgoal.as_ref().and_then(|sg| domain.step_reaching(&e.spec, sg)) {
            e.fresh = true;
            take_step(domain, e, step);
        }
    }
}

/// Decodes a predicted step and takes it ([`take_step`]).
fn apply_step<D: Domain>(domain: &D, e: &mut Element<D>, tokens: &[Token]) {
    let ids = clean(tokens);
    let Some(first) = e.spec.inputs.first() else { return e.invalidate() };
    let Ok(step) = domain.decode_step(&ids, first) else { return e.invalidate() };
    take_step(domain, e, step);
}

/// Appends a step to the element's program, executes it and updates the specification.
fn take_step<D: Domain>(domain: &D, e: &mut Element<D>, step: D::Step) {
    let Ok(program) = domain.push_step(&e.program, step.clone()) else { return e.invalidate() };
    let Ok(produced) = domain.run_step_all(&step, &e.spec.inputs) else { return e.invalidate() };
    let Some((spec, done)) = domain.next_spec(&e.spec, &step, &produced) else { return e.invalidate() };
    e.program = program;
    e.spec = spec;
    e.trace.push(TraceStep { subgoal: e.subgoal.clone(), step, outputs: produced });
    if done {
        e.status = Status::Done;
    }
}

fn finish<D: Domain>(
    method: Method,
    domain: &D,
    task: &Spec<D>,
    elems: Vec<Element<D>>,
    iterations: usize,
    best_per_iteration: Vec<IterationBest<D>>,
) -> SearchOutcome<D> {
    // An element with no step holds the empty program, which is no answer (even where it
    // would reproduce the examples, as DeepCoder's does when an output is the last input).
    let mut answers = elems.iter().filter(|e| !e.trace.is_empty());
    let solving = answers.clone().find(|e| domain.satisfies(&e.program, &task.inputs, &task.outputs));
    let chosen = solving.or_else(|| answers.find(|e| e.status != Status::Invalid));
    SearchOutcome {
        method,
        solved: solving.is_some(),
        program: chosen.map(|e| e.program.clone()),
        steps: chosen.map(|e| e.trace.clone()).unwrap_or_default(),
        score: chosen.map_or(f64::NEG_INFINITY, |e| e.score),
        iterations,
        best_per_iteration,
        beam: elems
            .iter()
            .map(|e| BeamElement { program: e.program.clone(), score: e.score, status: e.status })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ModelKind, encode_task};
    use crate::dsl::deepcoder::{DeepCoder, State, Value, Var};
    use crate::dsl::robustfill::RobustFill;
    use crate::search::oracle::OracleModel;
    use crate::search::whole::transformer_search;
    use crate::task::TaskRecord;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn rf_task(program: &str, inputs: &[&str]) -> (Spec<RobustFill>, crate::data::EncodedTask) {
        let d = RobustFill;
        let p = d.parse_readable(program).unwrap();
        let inputs: Vec<_> = inputs.iter().map(|s| d.parse_input(s).unwrap()).collect();
        let outputs: Vec<_> = inputs.iter().map(|i| d.execute(&p, i).unwrap()).collect();
        let task = crate::Task { inputs: inputs.clone(), outputs: outputs.clone(), program: Some(p) };
        (Spec::new(inputs, outputs), encode_task(&d, &task).unwrap())
    }

    /// Step A of a search's first iteration at beam `beam`: the beam of first subgoals.
    fn first_subgoals<D: Domain, S: StepModel>(
        d: &D,
        model: &S,
        spec: &Spec<D>,
        beam: usize,
        constrain_subgoals: bool,
    ) -> Vec<Element<D>> {
        let start = Element::start(d, spec).unwrap();
        let mut control = Control::default();
        let mut at =
            Iteration { index: 0, beam_size: beam, quirk_eos: false, constrain_subgoals, control: &mut control };
        pollster::block_on(Predicted(model).predict(d, std::slice::from_ref(&start), &mut at)).unwrap().unwrap()
    }

    fn tokens(program: &str) -> Vec<Token> {
        let d = RobustFill;
        let mut v = Vec::new();
        d.encode_step(&d.parse_readable(program).unwrap().exprs[0], &mut v).unwrap();
        v
    }

    #[test]
    fn functional_duplicates_and_invalid_steps_are_pruned() {
        let d = RobustFill;
        let (spec, enc) = rf_task("GetToken(WORD, 1) | Const('.')", &["ab cd", "ef gh"]);
        let sep = d.io_vocab().separator().unwrap();
        let subgoal = OracleModel::new(ModelKind::Subgoal, [&enc], 87, sep);
        let mut synth = OracleModel::new(ModelKind::Synthesizer, [&enc], 316, sep);
        // For the first step: a functional duplicate (the first of two words is the second
        // from the end), an ill-typed step and one whose output is not a prefix.
        let first = EncoderInput { inputs: enc.steps[0].inputs.clone(), outputs: enc.steps[0].subgoal.clone() };
        synth.add_candidate(&first, tokens("GetToken(WORD, -2)"), 0.5);
        synth.add_candidate(
            &first,
            tokens("GetToken(WORD, 1)").into_iter().map(|t| if t == 103 { 111 } else { t }).collect(),
            0.4,
        );
        synth.add_candidate(&first, tokens("GetToken(WORD, 2)"), 0.3);
        let config = SearchConfig { beam_size: 5, max_steps: Some(1), ..SearchConfig::default() };
        let out =
            pollster::block_on(exedec_search(&d, &spec, &subgoal, &synth, &config, &mut Control::default())).unwrap();
        let live: Vec<_> = out.beam.iter().filter(|e| e.status == Status::Live).collect();
        assert_eq!(live.len(), 1, "only one element per functionality survives: {:?}", out.beam);
        assert_eq!(d.format_readable(&live[0].program), "GetToken(WORD, 1)");
        let dup = out.beam.iter().find(|e| d.format_readable(&e.program) == "GetToken(WORD, -2)").unwrap();
        assert_eq!(dup.status, Status::Invalid);
        assert!(dup.score < INVALID_PENALTY / 2.0);
        // Ill-typed and non-prefix predictions never extend a program.
        assert!(out.beam.iter().all(|e| e.program.len() <= 1 && !d.format_readable(&e.program).contains("WORD, 2")));
        assert!(check_reported(&d, &out));
        // With more steps the task is solved.
        let config = SearchConfig { beam_size: 5, ..SearchConfig::default() };
        let out =
            pollster::block_on(exedec_search(&d, &spec, &subgoal, &synth, &config, &mut Control::default())).unwrap();
        assert!(out.solved);
    }

    #[test]
    fn invalid_subgoals_are_pruned() {
        let d = RobustFill;
        let (spec, enc) = rf_task("GetToken(WORD, 1) | Const('.')", &["ab cd", "ef gh"]);
        let sep = d.io_vocab().separator().unwrap();
        let mut subgoal = OracleModel::new(ModelKind::Subgoal, [&enc], 87, sep);
        let synth = OracleModel::new(ModelKind::Synthesizer, [&enc], 316, sep);
        let first = EncoderInput { inputs: enc.steps[0].inputs.clone(), outputs: enc.steps[0].outputs.clone() };
        let text = |s: &str| {
            let mut v = Vec::new();
            for (j, part) in s.split('|').enumerate() {
                if j > 0 {
                    v.push(sep);
                }
                d.encode_output(&d.parse_output(part).unwrap(), &mut v).unwrap();
            }
            v
        };
        subgoal.add_candidate(&first, text("cd|ef"), 0.9); // not prefixes
        subgoal.add_candidate(&first, text("ab"), 0.8); // wrong number of parts
        subgoal.add_candidate(&first, text("|"), 0.7); // all parts empty
        let config = SearchConfig { beam_size: 4, max_steps: Some(1), ..SearchConfig::default() };
        let out =
            pollster::block_on(exedec_search(&d, &spec, &subgoal, &synth, &config, &mut Control::default())).unwrap();
        let live: Vec<_> = out.beam.iter().filter(|e| e.status != Status::Invalid).collect();
        assert_eq!(live.len(), 1);
        assert_eq!(d.format_readable(&live[0].program), "GetToken(WORD, 1)");
        assert_eq!(out.beam.len(), 4, "the invalid subgoals stay in the beam as finished elements");

        // Decoding only valid subgoals: the beam after step A holds valid subgoals only, and
        // the best is the true one.
        let predict = |constrain_subgoals: bool| first_subgoals(&d, &subgoal, &spec, 4, constrain_subgoals);
        let free = predict(false);
        assert_eq!(free.iter().filter(|e| e.status == Status::Invalid).count(), 3);
        let constrained = predict(true);
        assert_eq!(constrained.len(), 4);
        for e in &constrained {
            assert_eq!(e.status, Status::Live);
            assert!(d.check_subgoal(&spec, e.subgoal.as_ref().unwrap()));
        }
        assert_eq!(constrained[0].subgoal, Some(vec![d.parse_output("ab").unwrap(), d.parse_output("ef").unwrap()]));
    }

    /// DeepCoder's valid subgoals are those one statement reaches: decoding only them, even a
    /// model that says anything proposes nothing else, while its free subgoals are mostly invalid.
    /// A value some variable already holds is no subgoal.
    #[test]
    fn deepcoder_decodes_only_subgoals_one_statement_reaches() {
        let d = DeepCoder;
        let program = d.parse_program("x0 = INPUT | x1 = Sort x0 | x2 = Map (*2) x1").unwrap();
        let inputs: Vec<_> =
            ["x0 = [ 3 1 2 ]", "x0 = [ -5 4 ]", "x0 = [ 7 ]"].iter().map(|s| d.parse_input(s).unwrap()).collect();
        let outputs: Vec<_> = inputs.iter().map(|i| d.execute(&program, i).unwrap()).collect();
        let spec = Spec::new(inputs, outputs);
        let model = RandomModel {
            vocab: d.io_vocab().len(),
            max_len: 40,
            rng: std::cell::RefCell::new(ChaCha8Rng::seed_from_u64(5)),
        };
        let predict = |constrain_subgoals: bool| first_subgoals(&d, &model, &spec, 8, constrain_subgoals);
        let reachable = d.reachable_subgoals(&spec).unwrap();
        let sorted: Vec<Value> = spec.inputs.iter().map(|s| d.run_step(&program.statements()[0], s).unwrap()).collect();
        assert!(reachable.contains(&sorted), "the true first subgoal is reachable");
        assert!(!reachable.contains(&spec.inputs.iter().map(|s| s.entries[0].1.clone()).collect::<Vec<_>>()));
        let constrained = predict(true);
        assert_eq!(constrained.len(), 8);
        for e in &constrained {
            assert_eq!(e.status, Status::Live);
            assert!(reachable.contains(e.subgoal.as_ref().unwrap()), "{:?}", e.subgoal);
        }
        let free = predict(false);
        let valid_free = free.iter().filter(|e| e.status == Status::Live).count();
        assert!(valid_free < constrained.len(), "{valid_free} valid free subgoals");
    }

    /// With valid subgoals, an element whose outputs one DeepCoder statement computes is
    /// completed with that statement before any model speaks: models that say anything solve a
    /// one-statement task at once, in both searches; without, they do not.
    #[test]
    fn deepcoder_finishes_with_a_listed_statement() {
        let d = DeepCoder;
        let inputs: Vec<_> = ["x0 = [ 3 1 2 ] | x1 = 2", "x0 = [ -5 4 ] | x1 = 1", "x0 = [ 7 ] | x1 = 0"]
            .iter()
            .map(|s| d.parse_input(s).unwrap())
            .collect();
        let task = |text: &str| {
            let program = d.parse_program(text).unwrap();
            let outputs: Vec<_> = inputs.iter().map(|i| d.execute(&program, i).unwrap()).collect();
            (program, Spec::new(inputs.clone(), outputs))
        };
        let search = |spec: &Spec<DeepCoder>, no_subgoal: bool, constrain_subgoals: bool| {
            let model = |seed| RandomModel {
                vocab: d.program_vocab().len().max(d.io_vocab().len()),
                max_len: 40,
                rng: std::cell::RefCell::new(ChaCha8Rng::seed_from_u64(seed)),
            };
            let (subgoal, synthesizer) = (model(1), model(2));
            let config = SearchConfig { beam_size: 4, constrain_subgoals, ..SearchConfig::default() };
            let mut calls = 0;
            let mut count = |p: Progress| calls += usize::from(matches!(p, Progress::Phase { .. }));
            let mut control = Control { progress: Some(&mut count), ..Control::default() };
            let out = pollster::block_on(async {
                match no_subgoal {
                    true => no_subgoal_search(&d, spec, &synthesizer, &config, &mut control).await,
                    false => exedec_search(&d, spec, &subgoal, &synthesizer, &config, &mut control).await,
                }
            })
            .unwrap();
            (out, calls)
        };
        let (_, one) = task("x0 = INPUT | x1 = INPUT | x2 = Map (*2) x0");
        for no_subgoal in [false, true] {
            let (out, calls) = search(&one, no_subgoal, true);
            assert!(out.solved, "{out:?}");
            assert_eq!((calls, out.steps.len()), (0, 1), "found before any model call");
            assert!(d.satisfies(out.program.as_ref().unwrap(), &one.inputs, &one.outputs));
            // The listed step's iteration is recorded like a predicted one, with no subgoal.
            assert_eq!(out.iterations, 1);
            assert_eq!(out.best_per_iteration.len(), 1);
            assert_eq!(out.best_per_iteration[0].subgoal, None);
            assert_eq!(out.best_per_iteration[0].step_outputs.as_ref(), Some(&one.outputs));
            assert!(!search(&one, no_subgoal, false).0.solved, "random models alone do not solve it");
        }
        // Two statements: none reaches the outputs from the inputs, one does after the first.
        let (program, two) = task("x0 = INPUT | x1 = INPUT | x2 = Take x1 x0 | x3 = Map (*2) x2");
        assert!(d.step_reaching(&two, &two.outputs).is_none());
        let taken: Vec<State> = two
            .inputs
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.push(Var::new(2), d.run_step(&program.statements()[0], &s).unwrap()).unwrap();
                s
            })
            .collect();
        let one_away = Spec::new(taken, two.outputs.clone());
        let step = d.step_reaching(&one_away, &one_away.outputs).expect("Map (*2) x2 reaches the outputs");
        let reached: Vec<Value> = one_away.inputs.iter().map(|s| d.run_step(&step, s).unwrap()).collect();
        assert_eq!(reached, two.outputs);
    }

    /// With valid subgoals, a subgoal that a listed expression computes is reached by it
    /// without the SynthesizerModel, which here says nothing useful.
    #[test]
    fn listed_steps_reach_the_subgoals() {
        let d = RobustFill;
        let (spec, enc) = rf_task("GetToken(WORD, 1) | Const('.') | GetToken(WORD, -1)", &["ab cd", "ef gh xy"]);
        let sep = d.io_vocab().separator().unwrap();
        let subgoal = OracleModel::new(ModelKind::Subgoal, [&enc], 87, sep);
        let synthesizer =
            RandomModel { vocab: 316, max_len: 12, rng: std::cell::RefCell::new(ChaCha8Rng::seed_from_u64(5)) };
        let search = |constrain_subgoals: bool| {
            let mut phases = Vec::new();
            let mut record = |p: Progress| {
                if let Progress::Phase { subgoal, .. } = p {
                    phases.push(subgoal);
                }
            };
            let mut control = Control { progress: Some(&mut record), ..Control::default() };
            // One element: the oracle's subgoal (a wider beam adds others, some not listed).
            let config = SearchConfig { beam_size: 1, constrain_subgoals, ..SearchConfig::default() };
            let out = pollster::block_on(exedec_search(&d, &spec, &subgoal, &synthesizer, &config, &mut control));
            (out.unwrap(), phases)
        };
        let (out, phases) = search(true);
        assert!(out.solved, "{out:?}");
        assert_eq!(out.steps.len(), 3);
        // Two subgoals predicted and reached by listed steps, then the last step listed as
        // the one that finishes the outputs: no synthesis step ran.
        assert_eq!(phases, [true, true]);
        assert_eq!(out.iterations, 3);
        assert_eq!(out.best_per_iteration[2].subgoal, None);
        for (best, step) in out.best_per_iteration.iter().zip(&out.steps) {
            assert_eq!(best.step_outputs.as_ref(), Some(&step.outputs));
        }
        let (free, phases) = search(false);
        assert!(!free.solved, "the random SynthesizerModel alone does not solve it");
        assert!(phases.contains(&false));
    }

    /// A model with random log-probabilities: the search must never panic on anything it says.
    struct RandomModel {
        vocab: usize,
        max_len: usize,
        rng: std::cell::RefCell<ChaCha8Rng>,
    }

    impl StepModel for RandomModel {
        type State = usize;
        fn vocab_size(&self) -> usize {
            self.vocab
        }
        fn max_target_len(&self) -> usize {
            self.max_len
        }
        fn max_io_len(&self) -> usize {
            60
        }
        fn start(&self, specs: &[EncoderInput]) -> Result<usize, ModelError> {
            Ok(specs.len())
        }
        async fn next_log_probs(&self, rows: &mut usize, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
            assert_eq!(*rows, tokens.len());
            let mut rng = self.rng.borrow_mut();
            let mut out = Vec::new();
            for _ in 0..*rows {
                let logits: Vec<f32> = (0..self.vocab).map(|_| rng.random_range(-4.0..4.0f32)).collect();
                let lse = logits.iter().map(|x| x.exp()).sum::<f32>().ln();
                out.extend(logits.iter().map(|x| x - lse));
            }
            Ok(out)
        }
        fn reorder(&self, rows: &mut usize, parents: &[usize]) -> Result<(), ModelError> {
            *rows = parents.len();
            Ok(())
        }
    }

    /// A reported program has at least one step; without one, nothing is reported as found.
    /// Returns whether a program was reported.
    fn check_reported<D: Domain>(d: &D, out: &SearchOutcome<D>) -> bool {
        match &out.program {
            Some(p) => assert!(!d.steps(p).is_empty(), "the empty program reported"),
            None => assert!(!out.solved && out.steps.is_empty()),
        }
        out.program.is_some()
    }

    fn random_searches<D: Domain>(d: D, records: &[TaskRecord]) {
        let mut reported = [0usize; 2];
        for (seed, r) in records.iter().enumerate() {
            let task = r.parse(&d).unwrap();
            let spec = task.spec();
            let m = |v: usize, s: u64| RandomModel {
                vocab: v,
                max_len: 10,
                rng: std::cell::RefCell::new(ChaCha8Rng::seed_from_u64(s)),
            };
            let io = d.io_vocab().len();
            let prog = d.program_vocab().len();
            let config = SearchConfig { beam_size: 6, ..SearchConfig::default() };
            for s in 0..5u64 {
                let seed = seed as u64 * 10 + s;
                let out = pollster::block_on(exedec_search(
                    &d,
                    &spec,
                    &m(io, seed),
                    &m(prog, seed + 1),
                    &config,
                    &mut Control::default(),
                ))
                .unwrap();
                if out.solved {
                    assert!(d.satisfies(out.program.as_ref().unwrap(), &task.inputs, &task.outputs));
                }
                reported[usize::from(check_reported(&d, &out))] += 1;
                let out = pollster::block_on(no_subgoal_search(
                    &d,
                    &spec,
                    &m(prog, seed + 2),
                    &config,
                    &mut Control::default(),
                ))
                .unwrap();
                reported[usize::from(check_reported(&d, &out))] += 1;
                let out = pollster::block_on(transformer_search(
                    &d,
                    &spec,
                    &m(prog, seed + 3),
                    &config,
                    &mut Control::default(),
                ))
                .unwrap();
                reported[usize::from(check_reported(&d, &out))] += 1;
            }
        }
        // Random models mostly leave no candidate: the case where no program may be reported.
        assert!(reported[0] > 0, "searches without / with a program: {reported:?}");
    }

    #[test]
    fn random_models_never_break_the_search() {
        let rf = vec![
            TaskRecord {
                index: 0,
                inputs: vec!["ab cd".into(), "x".into()],
                outputs: vec!["a".into(), "x".into()],
                program: None,
            },
            TaskRecord { index: 1, inputs: vec!["Ab.1".into()], outputs: vec!["..".into()], program: None },
        ];
        random_searches(RobustFill, &rf);
        let dc = vec![
            TaskRecord {
                index: 0,
                inputs: vec!["x0 = [ 1 2 ] | x1 = 3".into(), "x0 = [ ] | x1 = 0".into()],
                outputs: vec!["3".into(), "0".into()],
                program: None,
            },
            TaskRecord { index: 1, inputs: vec!["x0 = 4".into()], outputs: vec!["[ 1 ]".into()], program: None },
        ];
        random_searches(DeepCoder, &dc);
    }

    /// An oracle that accepts only short sequences.
    struct ShortSighted(OracleModel, usize);

    impl StepModel for ShortSighted {
        type State = <OracleModel as StepModel>::State;
        fn vocab_size(&self) -> usize {
            self.0.vocab_size()
        }
        fn max_target_len(&self) -> usize {
            self.0.max_target_len()
        }
        fn max_io_len(&self) -> usize {
            self.1
        }
        fn start(&self, specs: &[EncoderInput]) -> Result<Self::State, ModelError> {
            assert!(specs.iter().all(|s| s.inputs.iter().chain(&s.outputs).all(|x| x.len() <= self.1)));
            self.0.start(specs)
        }
        async fn next_log_probs(&self, state: &mut Self::State, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
            self.0.next_log_probs(state, tokens).await
        }
        fn reorder(&self, state: &mut Self::State, parents: &[usize]) -> Result<(), ModelError> {
            self.0.reorder(state, parents)
        }
    }

    /// ExeDec on a RobustFill task at the default settings.
    fn exedec_at_defaults<S: StepModel, Y: StepModel>(
        spec: &Spec<RobustFill>,
        subgoal: &S,
        synth: &Y,
    ) -> SearchOutcome<RobustFill> {
        let config = SearchConfig::default();
        pollster::block_on(exedec_search(&RobustFill, spec, subgoal, synth, &config, &mut Control::default())).unwrap()
    }

    #[test]
    fn specifications_longer_than_the_model_reads_are_not_fed_to_it() {
        let d = RobustFill;
        let (spec, enc) = rf_task("GetToken(WORD, 1) | GetToken(WORD, 2)", &["abcdef ghijkl"]);
        let sep = d.io_vocab().separator().unwrap();
        let subgoal = ShortSighted(OracleModel::new(ModelKind::Subgoal, [&enc], 87, sep), 13);
        let synth = ShortSighted(OracleModel::new(ModelKind::Synthesizer, [&enc], 316, sep), 13);
        // The input fits (13 characters); the full output "abcdefghijkl" (12) fits too.
        let out = exedec_at_defaults(&spec, &subgoal, &synth);
        assert!(out.solved);
        // A model that reads at most 5 tokens cannot read this task at all.
        let subgoal = ShortSighted(OracleModel::new(ModelKind::Subgoal, [&enc], 87, sep), 5);
        let out = exedec_at_defaults(&spec, &subgoal, &synth);
        assert!(!out.solved);
        assert!(out.beam.iter().all(|e| e.status == Status::Invalid));
        let tf = ShortSighted(OracleModel::new(ModelKind::Transformer, [&enc], 316, sep), 5);
        assert!(matches!(
            pollster::block_on(transformer_search(&d, &spec, &tf, &SearchConfig::default(), &mut Control::default())),
            Err(ModelError::Input(_))
        ));
    }

    #[test]
    fn cancellation_stops_the_search() {
        let d = RobustFill;
        let (spec, enc) = rf_task("GetToken(WORD, 1)", &["ab cd"]);
        let sep = d.io_vocab().separator().unwrap();
        let subgoal = OracleModel::new(ModelKind::Subgoal, [&enc], 87, sep);
        let synth = OracleModel::new(ModelKind::Synthesizer, [&enc], 316, sep);
        let stop = || true;
        let mut control = Control { should_stop: Some(&stop), progress: None };
        let err =
            pollster::block_on(exedec_search(&d, &spec, &subgoal, &synth, &SearchConfig::default(), &mut control))
                .unwrap_err();
        assert_eq!(err, ModelError::Cancelled);
    }
}
