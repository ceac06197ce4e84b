//! The Latent Programmer's two-level beam search (the official
//! `latent_programmer/spec_decomposition/train_latent_programmer.py` in google-research).
//!
//! First a beam search of width 3 over latent code sequences (length penalty α = 0.6, as many codes
//! as the longest program has latents, plus one), then, for each code sequence, best first, a beam
//! search of width ⌊K / 3⌋ over programs (α = 0.6), so K = 10 yields 9 ranked programs. The task is
//! solved as for the Transformer baseline: if any of them satisfies every example.

use super::SearchConfig;
use super::beam::beam_search_penalized;
use super::control::{Control, Progress};
use super::method::Method;
use super::model::{EncoderInput, ModelError, StepModel};
use super::outcome::SearchOutcome;
use super::whole::{encode_whole_task, whole_program_outcome};
use crate::domain::{Domain, Spec};
use crate::vocab::{EOS, Token};

/// Width of the beam over latent code sequences.
pub const LATENT_BEAM: usize = 3;

/// The length penalty α of both beam searches.
pub const LATENT_ALPHA: f64 = 0.6;

/// The two models of the search: the latent predictor, and the program decoder given a code
/// sequence.
pub trait LatentModels {
    type Predictor: StepModel;
    type Programs<'a>: StepModel
    where
        Self: 'a;

    /// Predicts code sequences (codes are tokens of its target vocabulary) from a specification.
    fn predictor(&self) -> &Self::Predictor;

    /// Predicts programs from a specification and the given codes.
    fn programs(&self, codes: &[Token]) -> Self::Programs<'_>;
}

/// One of the ranked candidates of the search.
#[derive(Debug, Clone, PartialEq)]
pub struct LatentCandidate {
    /// The code sequence it was decoded from (without EOS).
    pub codes: Vec<Token>,
    /// The program tokens (without BOS and EOS).
    pub program: Vec<Token>,
    /// The program's length-penalized log-probability given the codes.
    pub score: f64,
}

/// How the beam of `beam_size` splits: (code sequences, programs per code sequence). A beam
/// of 1 decodes one code sequence and one program.
pub fn beam_split(beam_size: usize) -> (usize, usize) {
    let latent = if beam_size <= 1 { 1 } else { LATENT_BEAM.min(beam_size) };
    (latent, (beam_size / latent).max(1))
}

/// The ranked program candidates for a specification: code sequences best first, and within
/// each, programs best first (the order in which the original code checks them).
pub async fn latent_candidates<L: LatentModels>(
    models: &L,
    spec: &EncoderInput,
    beam_size: usize,
    control: &mut Control<'_>,
) -> Result<Vec<LatentCandidate>, ModelError> {
    let (latent_beam, per_latent) = beam_split(beam_size);
    control.report(Progress::Phase { iteration: 0, subgoal: true });
    let code_seqs =
        beam_search_penalized(models.predictor(), &[(spec.clone(), 0.0)], &[], latent_beam, LATENT_ALPHA, &|| {
            control.stopped()
        })
        .await?;
    control.report(Progress::Phase { iteration: 0, subgoal: false });
    let mut out = Vec::with_capacity(latent_beam * per_latent);
    for seq in code_seqs {
        let codes: Vec<Token> = seq.tokens.iter().copied().take_while(|&c| c != EOS).collect();
        let programs = models.programs(&codes);
        let hyps = beam_search_penalized(&programs, &[(spec.clone(), 0.0)], &[], per_latent, LATENT_ALPHA, &|| {
            control.stopped()
        })
        .await?;
        out.extend(hyps.into_iter().map(|h| LatentCandidate {
            codes: codes.clone(),
            program: h.tokens,
            score: h.score,
        }));
    }
    Ok(out)
}

/// The Latent Programmer baseline on one task.
pub async fn latent_programmer_search<D: Domain, L: LatentModels>(
    domain: &D,
    task: &Spec<D>,
    models: &L,
    config: &SearchConfig,
    control: &mut Control<'_>,
) -> Result<SearchOutcome<D>, ModelError> {
    let max_io = models.predictor().max_io_len().min(models.programs(&[]).max_io_len());
    let enc = encode_whole_task(domain, task, max_io)?;
    let candidates = latent_candidates(models, &enc, config.beam_size.max(1), control).await?;
    Ok(whole_program_outcome(
        Method::LatentProgrammer,
        domain,
        task,
        candidates.iter().map(|c| (c.program.as_slice(), c.score)),
    ))
}

/// A predictor that proposes a fixed code sequence (with probability `p` per code, the rest
/// spread over the other codes): with a program oracle, it checks the search's plumbing
/// independently of what a trained codebook means.
pub struct FixedCodes {
    pub codes: Vec<Token>,
    pub vocab: usize,
    pub p: f32,
}

impl StepModel for FixedCodes {
    /// Each row's position.
    type State = Vec<usize>;

    fn vocab_size(&self) -> usize {
        self.vocab
    }
    fn max_target_len(&self) -> usize {
        self.codes.len() + 2
    }
    fn max_io_len(&self) -> usize {
        usize::MAX
    }
    fn start(&self, specs: &[EncoderInput]) -> Result<Vec<usize>, ModelError> {
        Ok(vec![0; specs.len()])
    }
    async fn next_log_probs(&self, state: &mut Vec<usize>, _tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
        let rest = ((1.0 - self.p) / (self.vocab.saturating_sub(1).max(1)) as f32).ln();
        let mut out = Vec::with_capacity(state.len() * self.vocab);
        for pos in state.iter_mut() {
            let next = self.codes.get(*pos).copied().unwrap_or(EOS) as usize;
            out.extend((0..self.vocab).map(|v| if v == next { self.p.ln() } else { rest }));
            *pos += 1;
        }
        Ok(out)
    }
    fn reorder(&self, state: &mut Vec<usize>, parents: &[usize]) -> Result<(), ModelError> {
        *state = parents.iter().map(|&p| state[p]).collect();
        Ok(())
    }
}

/// A fixed-code predictor with any program model that ignores the codes (an oracle).
pub struct WithFixedCodes<M> {
    pub predictor: FixedCodes,
    pub programs: M,
}

impl<M: StepModel> LatentModels for WithFixedCodes<M> {
    type Predictor = FixedCodes;
    type Programs<'a>
        = &'a M
    where
        M: 'a;

    fn predictor(&self) -> &FixedCodes {
        &self.predictor
    }
    fn programs(&self, _codes: &[Token]) -> &M {
        &self.programs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ModelKind, encode_task};
    use crate::dsl::robustfill::RobustFill;
    use crate::search::exedec::clean;
    use crate::search::oracle::OracleModel;

    #[test]
    fn the_beam_splits_into_three_code_sequences() {
        assert_eq!(beam_split(10), (3, 3));
        assert_eq!(beam_split(1), (1, 1));
        assert_eq!(beam_split(2), (2, 1));
        assert_eq!(beam_split(30), (3, 10));
    }

    #[test]
    fn oracle_programs_are_found_under_every_code_sequence() {
        let d = RobustFill;
        let p = d.parse_readable("GetToken(WORD, 1) | Const('.')").unwrap();
        let inputs: Vec<_> = ["ab cd", "ef gh"].iter().map(|s| d.parse_input(s).unwrap()).collect();
        let outputs: Vec<_> = inputs.iter().map(|i| d.execute(&p, i).unwrap()).collect();
        let task = crate::Task { inputs, outputs, program: Some(p) };
        let enc = encode_task(&d, &task).unwrap();
        let sep = d.io_vocab().separator().unwrap_or(0);
        let models = WithFixedCodes {
            predictor: FixedCodes { codes: vec![5, 9], vocab: 40, p: 0.9 },
            programs: OracleModel::new(ModelKind::Transformer, [&enc], d.program_vocab().len(), sep),
        };
        let spec = EncoderInput { inputs: enc.inputs.clone(), outputs: enc.outputs.clone() };
        let cands = pollster::block_on(latent_candidates(&models, &spec, 10, &mut Control::default())).unwrap();
        assert_eq!(cands.len(), 9);
        // Code sequences best first: the fixed one leads.
        assert_eq!(cands[0].codes, vec![5, 9]);
        assert_eq!(cands.iter().filter(|c| c.codes == vec![5, 9]).count(), 3);
        // The oracle's program is the best of each group.
        let truth = clean(&enc.program);
        for group in cands.chunks(3) {
            assert_eq!(clean(&group[0].program), truth);
            assert!(group.windows(2).all(|w| w[0].score >= w[1].score));
        }
        let out = pollster::block_on(latent_programmer_search(
            &d,
            &task.spec(),
            &models,
            &SearchConfig::default(),
            &mut Control::default(),
        ))
        .unwrap();
        assert!(out.solved);
    }
}
