//! One beam-search call (the official `spec_decomposition/decode.py`), batched over the beam, able
//! to start from carried state as ExeDec needs: some rows are live (their sequences start at BOS
//! with the row's accumulated score) and some beam elements are already finished and sit in the
//! finished pool with their scores.
//!
//! Each step takes the log-softmax over the full vocabulary, adds the parent's score, keeps
//! the best 2K (row, token) candidates, moves those ending in EOS to the finished pool
//! (length penalty α = 0: the raw sum of log-probabilities) and continues with the best K
//! others. The search stops at the maximum length, or once the pool is full and its worst
//! score beats the best live score (exact with α = 0, since scores only decrease).
//!
//! [`beam_search_penalized`] takes the length penalty α of the Latent Programmer (0.6): a
//! finished sequence of n tokens (EOS included) scores its log-probability divided by
//! ((5 + n) / 6)^α, and the stopping rule compares against the best live score divided by the
//! largest penalty, as in the Flax beam search the paper's code uses.
//!
//! [`beam_search_constrained`] restricts each live sequence's next token to those a
//! [`Constraint`] allows (an extension of the paper's search, used for valid subgoals: see
//! [`PrefixSubgoals`] for RobustFill's, [`ListedSubgoals`] for DeepCoder's). Allowed tokens keep
//! the model's log-probabilities, unrenormalized.

use super::model::{EncoderInput, ModelError, StepModel};
use crate::vocab::{BOS, EOS, Token};

/// Where a hypothesis comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An extension of live row `i` (an index into the `rows` of the call).
    Row(usize),
    /// A finished element carried through unchanged (its caller-given id).
    Carried(usize),
}

/// A result of a beam-search call.
#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    pub origin: Origin,
    /// The predicted tokens, without BOS and EOS.
    pub tokens: Vec<Token>,
    pub score: f64,
    /// Whether the sequence ended with EOS (false only when no sequence finished at all).
    pub ended: bool,
}

#[derive(Clone)]
struct Live {
    row: usize,
    tokens: Vec<Token>,
    score: f64,
}

/// Runs one beam search of width `k` over the live `rows` (specification and starting
/// score) with the finished elements `carried` (id and score) in the pool. Returns at most
/// `k` hypotheses, best first: the finished pool if it is not empty, else the live
/// sequences. `should_stop` is polled between decoding steps.
pub async fn beam_search<M: StepModel>(
    model: &M,
    rows: &[(EncoderInput, f64)],
    carried: &[(usize, f64)],
    k: usize,
    should_stop: &dyn Fn() -> bool,
) -> Result<Vec<Hypothesis>, ModelError> {
    beam_search_penalized(model, rows, carried, k, 0.0, should_stop).await
}

/// Which tokens a live sequence may take next.
pub trait Constraint {
    /// The tokens that row `row` (an index into the `rows` of the call) may take after
    /// `prefix` (its predicted tokens so far, without BOS), or `None` for any token.
    fn allowed(&self, row: usize, prefix: &[Token]) -> Option<Vec<Token>>;
}

/// No constraint: every token is allowed.
pub struct Free;

impl Constraint for Free {
    fn allowed(&self, _: usize, _: &[Token]) -> Option<Vec<Token>> {
        None
    }
}

/// Subgoals whose parts are prefixes of the remaining outputs (RobustFill's rule for a valid
/// subgoal, applied while decoding instead of after it): row `r` must produce
/// `p_1 SEP p_2 SEP … SEP p_n EOS`, each `p_i` a prefix of `outputs[r][i]`. The first and last
/// parts are not empty, since decoding strips separators from both ends of a subgoal (the
/// official code's `strip('|')`) and an empty end part would leave too few parts. The decoder
/// then only chooses where to cut each output.
pub struct PrefixSubgoals {
    /// Per row, the encoded remaining output of each example.
    pub outputs: Vec<Vec<Vec<Token>>>,
    pub separator: Token,
}

impl Constraint for PrefixSubgoals {
    fn allowed(&self, row: usize, prefix: &[Token]) -> Option<Vec<Token>> {
        let Some(outputs) = self.outputs.get(row) else { return Some(Vec::new()) };
        let part = prefix.iter().filter(|&&t| t == self.separator).count();
        let at = prefix.iter().rev().take_while(|&&t| t != self.separator).count();
        let mut allowed = Vec::with_capacity(2);
        if let Some(&next) = outputs.get(part).and_then(|o| o.get(at)) {
            allowed.push(next);
        }
        let last = part + 1 >= outputs.len();
        let first_and_empty = part == 0 && at == 0;
        if last {
            if at > 0 {
                allowed.push(EOS);
            }
        } else if !first_and_empty {
            allowed.push(self.separator);
        }
        Some(allowed)
    }
}

/// Subgoals from a list (DeepCoder's: the values one statement computes from the current
/// variables, [`crate::Domain::reachable_subgoals`]): row `r` must produce one of its listed
/// token sequences (a subgoal's parts joined by the separator, then EOS). The decoder then
/// only ranks what one step can reach.
pub struct ListedSubgoals {
    /// Per row, the allowed sequences (EOS included), sorted, so that those that continue a
    /// prefix are one run of them.
    sequences: Vec<Vec<Vec<Token>>>,
}

impl ListedSubgoals {
    pub fn new(mut sequences: Vec<Vec<Vec<Token>>>) -> ListedSubgoals {
        for row in &mut sequences {
            row.sort_unstable();
            row.dedup();
        }
        ListedSubgoals { sequences }
    }
}

impl Constraint for ListedSubgoals {
    fn allowed(&self, row: usize, prefix: &[Token]) -> Option<Vec<Token>> {
        let Some(sequences) = self.sequences.get(row) else { return Some(Vec::new()) };
        let start = sequences.partition_point(|s| s.as_slice() < prefix);
        let mut allowed: Vec<Token> = Vec::new();
        for next in sequences[start..].iter().take_while(|s| s.starts_with(prefix)).filter_map(|s| s.get(prefix.len()))
        {
            if allowed.last() != Some(next) {
                allowed.push(*next);
            }
        }
        Some(allowed)
    }
}

/// The brevity penalty ((5 + n) / 6)^α of a sequence of n tokens.
pub fn brevity_penalty(alpha: f64, n: usize) -> f64 {
    ((5.0 + n as f64) / 6.0).powf(alpha)
}

/// [`beam_search`] with length penalty `alpha`: finished scores are divided by
/// [`brevity_penalty`]; the hypotheses' scores are those normalized scores.
pub async fn beam_search_penalized<M: StepModel>(
    model: &M,
    rows: &[(EncoderInput, f64)],
    carried: &[(usize, f64)],
    k: usize,
    alpha: f64,
    should_stop: &dyn Fn() -> bool,
) -> Result<Vec<Hypothesis>, ModelError> {
    search(model, rows, carried, Settings { k, alpha, constraint: &Free }, should_stop).await
}

/// [`beam_search`] where each live sequence's next token is one that `constraint` allows.
pub async fn beam_search_constrained<M: StepModel>(
    model: &M,
    rows: &[(EncoderInput, f64)],
    carried: &[(usize, f64)],
    k: usize,
    constraint: &dyn Constraint,
    should_stop: &dyn Fn() -> bool,
) -> Result<Vec<Hypothesis>, ModelError> {
    search(model, rows, carried, Settings { k, alpha: 0.0, constraint }, should_stop).await
}

/// The width, length penalty and constraint of one call.
struct Settings<'c> {
    k: usize,
    alpha: f64,
    constraint: &'c dyn Constraint,
}

async fn search<M: StepModel>(
    model: &M,
    rows: &[(EncoderInput, f64)],
    carried: &[(usize, f64)],
    settings: Settings<'_>,
    should_stop: &dyn Fn() -> bool,
) -> Result<Vec<Hypothesis>, ModelError> {
    let Settings { k, alpha, constraint } = settings;
    let mut pool: Vec<Hypothesis> = carried
        .iter()
        .map(|&(id, score)| Hypothesis { origin: Origin::Carried(id), tokens: Vec::new(), score, ended: true })
        .collect();
    sort_best_first(&mut pool);
    pool.truncate(k);
    if rows.is_empty() || k == 0 {
        return Ok(pool);
    }
    let vocab = model.vocab_size();
    let max_new_tokens = model.max_target_len().saturating_sub(1).max(1);
    let max_penalty = brevity_penalty(alpha, max_new_tokens);
    let specs: Vec<EncoderInput> = rows.iter().map(|(s, _)| s.clone()).collect();
    let mut state = model.start(&specs)?;
    let mut live: Vec<Live> =
        rows.iter().enumerate().map(|(i, (_, s))| Live { row: i, tokens: Vec::new(), score: *s }).collect();
    let mut last: Vec<Token> = vec![BOS; live.len()];

    for t in 0..max_new_tokens {
        if should_stop() {
            return Err(ModelError::Cancelled);
        }
        let log_probs = model.next_log_probs(&mut state, &last).await?;
        if log_probs.len() != live.len() * vocab {
            return Err(ModelError::Backend(format!(
                "model returned {} log-probabilities for {} rows of {vocab}",
                log_probs.len(),
                live.len()
            )));
        }
        // The best 2K (row, token) candidates over all rows.
        let mut cands: Vec<(f64, usize, Token)> = Vec::with_capacity(live.len() * vocab);
        for (r, l) in live.iter().enumerate() {
            let row_log_probs = &log_probs[r * vocab..(r + 1) * vocab];
            match constraint.allowed(l.row, &l.tokens) {
                None => {
                    for (v, &lp) in row_log_probs.iter().enumerate() {
                        if lp.is_finite() {
                            cands.push((l.score + f64::from(lp), r, v as Token));
                        }
                    }
                }
                Some(allowed) => {
                    for v in allowed {
                        if let Some(&lp) = row_log_probs.get(v as usize)
                            && lp.is_finite()
                        {
                            cands.push((l.score + f64::from(lp), r, v));
                        }
                    }
                }
            }
        }
        let keep = (2 * k).min(cands.len());
        if keep == 0 {
            break;
        }
        let by_score = |a: &(f64, usize, Token), b: &(f64, usize, Token)| {
            b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
        };
        if keep < cands.len() {
            cands.select_nth_unstable_by(keep - 1, by_score);
            cands.truncate(keep);
        }
        cands.sort_by(by_score);

        let mut next_live: Vec<Live> = Vec::with_capacity(k);
        let mut parents: Vec<usize> = Vec::with_capacity(k);
        let penalty = brevity_penalty(alpha, t + 1);
        for &(score, r, v) in &cands {
            if v == EOS {
                pool.push(Hypothesis {
                    origin: Origin::Row(live[r].row),
                    tokens: live[r].tokens.clone(),
                    score: score / penalty,
                    ended: true,
                });
            } else if next_live.len() < k {
                let mut tokens = live[r].tokens.clone();
                tokens.push(v);
                next_live.push(Live { row: live[r].row, tokens, score });
                parents.push(r);
            }
        }
        sort_best_first(&mut pool);
        pool.truncate(k);

        let full = pool.len() >= k;
        let best_live = next_live.first().map(|l| l.score / max_penalty).unwrap_or(f64::NEG_INFINITY);
        let worst_finished = pool.last().map(|h| h.score).unwrap_or(f64::NEG_INFINITY);
        let at_end = t + 1 >= max_new_tokens;
        if next_live.is_empty() || (full && worst_finished > best_live) || at_end {
            live = next_live;
            break;
        }
        model.reorder(&mut state, &parents)?;
        last = next_live.iter().map(|l| *l.tokens.last().unwrap_or(&BOS)).collect();
        live = next_live;
    }

    if pool.is_empty() {
        let mut out: Vec<Hypothesis> = live
            .into_iter()
            .map(|l| Hypothesis { origin: Origin::Row(l.row), tokens: l.tokens, score: l.score, ended: false })
            .collect();
        sort_best_first(&mut out);
        out.truncate(k);
        return Ok(out);
    }
    Ok(pool)
}

fn sort_best_first(h: &mut [Hypothesis]) {
    h.sort_by(|a, b| b.score.total_cmp(&a.score));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bigram-free toy model: the log-probabilities depend only on the prefix length.
    struct Toy {
        table: Vec<Vec<f32>>,
    }

    impl StepModel for Toy {
        type State = Vec<usize>;
        fn vocab_size(&self) -> usize {
            self.table[0].len()
        }
        fn max_target_len(&self) -> usize {
            self.table.len() + 1
        }
        fn max_io_len(&self) -> usize {
            10
        }
        fn start(&self, specs: &[EncoderInput]) -> Result<Vec<usize>, ModelError> {
            Ok(vec![0; specs.len()])
        }
        async fn next_log_probs(&self, state: &mut Vec<usize>, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
            assert_eq!(state.len(), tokens.len());
            let mut out = Vec::new();
            for pos in state.iter_mut() {
                out.extend(self.table[(*pos).min(self.table.len() - 1)].iter().map(|p| p.ln()));
                *pos += 1;
            }
            Ok(out)
        }
        fn reorder(&self, state: &mut Vec<usize>, parents: &[usize]) -> Result<(), ModelError> {
            *state = parents.iter().map(|&p| state[p]).collect();
            Ok(())
        }
    }

    fn never() -> bool {
        false
    }

    #[test]
    fn finds_the_most_probable_sequences() {
        // vocab: 0 pad, 1 BOS, 2 EOS, 3, 4
        let model = Toy {
            table: vec![vec![0.0, 0.0, 0.1, 0.6, 0.3], vec![0.0, 0.0, 0.7, 0.2, 0.1], vec![0.0, 0.0, 1.0, 0.0, 0.0]],
        };
        let out = pollster::block_on(beam_search(&model, &[(EncoderInput::default(), 0.0)], &[], 3, &never)).unwrap();
        let seqs: Vec<Vec<Token>> = out.iter().map(|h| h.tokens.clone()).collect();
        // P([3]) = .42, P([4]) = .21, P([3,3]) = .12, P([]) = .1
        assert_eq!(seqs, vec![vec![3], vec![4], vec![3, 3]]);
        assert!((out[0].score - (0.6f64 * 0.7).ln()).abs() < 1e-5);
        assert!(out.iter().all(|h| h.ended));
    }

    #[test]
    fn carried_elements_compete_with_new_ones() {
        let model = Toy { table: vec![vec![0.0, 0.0, 0.5, 0.5, 0.0], vec![0.0, 0.0, 1.0, 0.0, 0.0]] };
        let rows = [(EncoderInput::default(), -1.0)];
        let out = pollster::block_on(beam_search(&model, &rows, &[(7, -0.1), (8, -50.0)], 2, &never)).unwrap();
        assert_eq!(out[0].origin, Origin::Carried(7));
        assert_eq!(out[1].origin, Origin::Row(0));
        assert!((out[1].score - (-1.0 + 0.5f64.ln())).abs() < 1e-5);
    }

    #[test]
    fn returns_live_sequences_when_nothing_finishes() {
        let model = Toy { table: vec![vec![0.0, 0.0, 0.0, 0.5, 0.5]; 3] };
        let out = pollster::block_on(beam_search(&model, &[(EncoderInput::default(), 0.0)], &[], 2, &never)).unwrap();
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|h| !h.ended && h.tokens.len() == 3));
    }

    #[test]
    fn length_penalty_favours_longer_sequences() {
        // P([]) = .3 beats P([3]) = .7 · .4 = .28 without a penalty; with α = 0.6 the longer
        // sequence wins: ln .28 / (7/6)^.6 > ln .3 / 1.
        let model = Toy {
            table: vec![vec![0.0, 0.0, 0.3, 0.7, 0.0], vec![0.0, 0.0, 0.4, 0.05, 0.0], vec![0.0, 0.0, 1.0, 0.0, 0.0]],
        };
        let rows = [(EncoderInput::default(), 0.0)];
        let plain = pollster::block_on(beam_search(&model, &rows, &[], 2, &never)).unwrap();
        assert_eq!(plain[0].tokens, Vec::<Token>::new());
        let penalized = pollster::block_on(beam_search_penalized(&model, &rows, &[], 2, 0.6, &never)).unwrap();
        assert_eq!(penalized[0].tokens, vec![3]);
        assert!((penalized[0].score - 0.28f64.ln() / (7.0f64 / 6.0).powf(0.6)).abs() < 1e-5);
        assert!((penalized[1].score - 0.3f64.ln()).abs() < 1e-5);
    }

    #[test]
    fn prefix_subgoals_allow_only_cuts_of_the_outputs() {
        const SEP: Token = 9;
        let c = PrefixSubgoals { outputs: vec![vec![vec![5, 6], vec![7]]], separator: SEP };
        let allowed = |prefix: &[Token]| c.allowed(0, prefix).unwrap();
        // Neither the first nor the last part may be empty.
        assert_eq!(allowed(&[]), [5]);
        assert_eq!(allowed(&[5]), [6, SEP]);
        assert_eq!(allowed(&[5, 6]), [SEP]);
        assert_eq!(allowed(&[5, SEP]), [7]);
        assert_eq!(allowed(&[5, SEP, 7]), [EOS]);
        // A middle part may be empty.
        let c = PrefixSubgoals { outputs: vec![vec![vec![5], vec![6], vec![7]]], separator: SEP };
        assert_eq!(c.allowed(0, &[5, SEP]), Some(vec![6, SEP]));
        assert_eq!(c.allowed(0, &[5, SEP, SEP]), Some(vec![7]));
        assert_eq!(c.allowed(1, &[]), Some(vec![]), "a row it does not know gets nothing");
    }

    #[test]
    fn listed_subgoals_allow_only_continuations_of_a_listed_sequence() {
        const SEP: Token = 9;
        let c = ListedSubgoals::new(vec![
            vec![
                vec![5, SEP, 7, EOS],
                vec![5, 6, SEP, 7, EOS],
                vec![4, EOS],
                vec![5, SEP, 7, EOS],
                vec![5, SEP, 8, EOS],
            ],
            vec![],
        ]);
        let allowed = |prefix: &[Token]| c.allowed(0, prefix).unwrap();
        assert_eq!(allowed(&[]), [4, 5]);
        assert_eq!(allowed(&[5]), [6, SEP]);
        assert_eq!(allowed(&[5, SEP]), [7, 8]);
        assert_eq!(allowed(&[5, SEP, 7]), [EOS]);
        assert_eq!(allowed(&[4]), [EOS]);
        assert_eq!(allowed(&[3]), Vec::<Token>::new(), "no listed sequence goes on from here");
        assert_eq!(allowed(&[5, 6, SEP, 7]), [EOS]);
        assert_eq!(c.allowed(1, &[]), Some(vec![]), "a row with nothing listed gets nothing");
        assert_eq!(c.allowed(2, &[]), Some(vec![]), "a row it does not know gets nothing");
    }

    #[test]
    fn constrained_search_keeps_the_best_allowed_sequences() {
        // Unconstrained, [3] (.42) and [4] (.21) win; allowing only 4 then EOS leaves [4].
        let model = Toy {
            table: vec![vec![0.0, 0.0, 0.1, 0.6, 0.3], vec![0.0, 0.0, 0.7, 0.2, 0.1], vec![0.0, 0.0, 1.0, 0.0, 0.0]],
        };
        struct OnlyFour;
        impl Constraint for OnlyFour {
            fn allowed(&self, _: usize, prefix: &[Token]) -> Option<Vec<Token>> {
                Some(if prefix.is_empty() { vec![4] } else { vec![EOS] })
            }
        }
        let rows = [(EncoderInput::default(), 0.0)];
        let out = pollster::block_on(beam_search_constrained(&model, &rows, &[], 3, &OnlyFour, &never)).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tokens, vec![4]);
        assert!((out[0].score - (0.3f64 * 0.7).ln()).abs() < 1e-5, "the model's own log-probabilities");
        let free = pollster::block_on(beam_search_constrained(&model, &rows, &[], 3, &Free, &never)).unwrap();
        assert_eq!(free, pollster::block_on(beam_search(&model, &rows, &[], 3, &never)).unwrap());
    }

    #[test]
    fn cancellation_is_reported() {
        let model = Toy { table: vec![vec![0.0, 0.0, 0.5, 0.5, 0.0]] };
        let err =
            pollster::block_on(beam_search(&model, &[(EncoderInput::default(), 0.0)], &[], 2, &|| true)).unwrap_err();
        assert_eq!(err, ModelError::Cancelled);
    }
}
