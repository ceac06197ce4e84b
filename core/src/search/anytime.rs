//! The anytime search, for people waiting at a page or a terminal: search at the paper's beam
//! (10); if no program reproduces every example, search again from the start with a wider
//! beam, until one does, the time budget runs out, the widest beam has been tried or the
//! caller cancels.
//!
//! The first search always runs to its end (only a cancel stops it), so the anytime search
//! solves every task that the fixed beam solves; a wider search still running when the budget
//! runs out is stopped, and the outcome is that of the last search that finished. Time comes
//! from the caller's clock, so the same code runs natively and in a browser.
//!
//! By default it also decodes only valid subgoals ([`SearchConfig::constrain_subgoals`]):
//! RobustFill's SubgoalModel then chooses where to cut each output instead of spelling it out,
//! DeepCoder's among the values one statement computes.

use super::SearchConfig;
use super::control::{Control, Progress};
use super::latent::LatentModels;
use super::method::Models;
use super::model::{ModelError, StepModel};
use super::outcome::SearchOutcome;
use crate::domain::{Domain, Spec};

/// How long the anytime search may take and how it widens its beam.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnytimeConfig {
    /// Wall-clock budget of the whole search, in seconds.
    pub budget_seconds: f64,
    /// The first beam, always searched to its end.
    pub first_beam: usize,
    /// Each further search multiplies the beam by this.
    pub growth: usize,
    /// No search is wider than this.
    pub max_beam: usize,
    /// Step limit, quirks and subgoal decoding of every search (the beam size comes from the
    /// schedule).
    pub search: SearchConfig,
}

impl AnytimeConfig {
    /// The default budget of the page, the widget and `exedec synthesize`, in seconds.
    pub const DEFAULT_BUDGET_SECONDS: f64 = 5.0;

    /// The default schedule (beams 10, 20, 40, ... up to 320) with a budget.
    pub fn with_budget(budget_seconds: f64) -> Self {
        AnytimeConfig { budget_seconds, ..AnytimeConfig::default() }
    }

    /// The beams searched, in order: `first_beam`, then multiplied by `growth` while at most
    /// `max_beam` (at least the first beam, whatever the limits).
    pub fn beams(&self) -> Vec<usize> {
        let first = self.first_beam.max(1);
        let mut beams = vec![first];
        let growth = self.growth.max(2);
        while let Some(next) = beams.last().and_then(|b| b.checked_mul(growth)).filter(|&b| b <= self.max_beam) {
            beams.push(next);
        }
        beams
    }
}

impl Default for AnytimeConfig {
    fn default() -> Self {
        AnytimeConfig {
            budget_seconds: Self::DEFAULT_BUDGET_SECONDS,
            first_beam: 10,
            growth: 2,
            max_beam: 320,
            search: SearchConfig { constrain_subgoals: true, ..SearchConfig::default() },
        }
    }
}

/// Why the anytime search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// A program reproduces every example.
    Solved,
    /// The time budget ran out.
    Budget,
    /// The widest beam of the schedule was searched.
    WidestBeam,
    /// The caller cancelled a wider search (a cancel during the first is an error).
    Cancelled,
}

/// The result of an anytime search.
#[derive(Debug, Clone)]
pub struct AnytimeOutcome<D: Domain> {
    /// The solving search's outcome, or else the widest finished search's.
    pub outcome: SearchOutcome<D>,
    /// The beam of that search.
    pub beam_size: usize,
    /// Every beam searched, in order; the last was cut short when it is wider than `beam_size`.
    pub beams_tried: Vec<usize>,
    pub stop: StopReason,
    /// Time spent, by the caller's clock.
    pub seconds: f64,
}

/// Runs `models`' search with wider and wider beams. `clock` gives the time in seconds (any
/// origin); `control` cancels and receives [`Progress::Beam`] before each search, then the
/// searches' own progress.
pub async fn anytime_search<D: Domain, S: StepModel, L: LatentModels>(
    models: &Models<S, L>,
    domain: &D,
    spec: &Spec<D>,
    config: &AnytimeConfig,
    clock: &dyn Fn() -> f64,
    control: &mut Control<'_>,
) -> Result<AnytimeOutcome<D>, ModelError> {
    let start = clock();
    let out_of_time = || clock() - start >= config.budget_seconds;
    let cancelled = control.should_stop;
    let user_stop = || cancelled.is_some_and(|f| f());
    let mut best: Option<(SearchOutcome<D>, usize)> = None;
    let mut beams_tried = Vec::new();
    let mut stop = StopReason::WidestBeam;
    for (attempt, beam_size) in config.beams().into_iter().enumerate() {
        let first = attempt == 0;
        if !first && out_of_time() {
            stop = StopReason::Budget;
            break;
        }
        control.report(Progress::Beam { beam_size, attempt });
        beams_tried.push(beam_size);
        let should_stop = || user_stop() || (!first && out_of_time());
        let mut forward = |p: Progress| control.report(p);
        let mut inner = Control { should_stop: Some(&should_stop), progress: Some(&mut forward) };
        let search = SearchConfig { beam_size, ..config.search };
        match models.search(domain, spec, &search, &mut inner).await {
            Ok(outcome) => {
                let solved = outcome.solved;
                best = Some((outcome, beam_size));
                if solved {
                    stop = StopReason::Solved;
                    break;
                }
            }
            Err(ModelError::Cancelled) if !first => {
                stop = if user_stop() { StopReason::Cancelled } else { StopReason::Budget };
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let (outcome, beam_size) = best.ok_or(ModelError::Cancelled)?;
    Ok(AnytimeOutcome { outcome, beam_size, beams_tried, stop, seconds: clock() - start })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_doubles_up_to_the_widest_beam() {
        assert_eq!(AnytimeConfig::default().beams(), vec![10, 20, 40, 80, 160, 320]);
        let c = AnytimeConfig { first_beam: 3, growth: 3, max_beam: 30, ..AnytimeConfig::default() };
        assert_eq!(c.beams(), vec![3, 9, 27]);
        let c = AnytimeConfig { first_beam: 50, max_beam: 20, ..AnytimeConfig::default() };
        assert_eq!(c.beams(), vec![50]);
        let c = AnytimeConfig { first_beam: 0, growth: 0, max_beam: 4, ..AnytimeConfig::default() };
        assert_eq!(c.beams(), vec![1, 2, 4]);
    }
}
