//! Cancellation and progress reporting, for interfaces that show a search as it runs.

/// Progress events, for interfaces that show the search as it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// The anytime search starts a search with this beam (`attempt` 0 is the first).
    Beam { beam_size: usize, attempt: usize },
    /// A portfolio starts its member's search ([`Method::Portfolio`](super::Method)).
    Method(super::Method),
    /// A model call is about to start.
    Phase { iteration: usize, subgoal: bool },
    /// An iteration ended with this many live elements.
    Iteration { iteration: usize, live: usize, best_score: f64 },
}

/// Cancellation and progress reporting for a search (both optional).
#[derive(Default)]
pub struct Control<'a> {
    /// Polled between decoding steps; the search ends with `ModelError::Cancelled`.
    pub should_stop: Option<&'a dyn Fn() -> bool>,
    pub progress: Option<&'a mut dyn FnMut(Progress)>,
}

impl Control<'_> {
    pub(crate) fn stopped(&self) -> bool {
        self.should_stop.is_some_and(|f| f())
    }

    pub(crate) fn report(&mut self, p: Progress) {
        if let Some(f) = self.progress.as_mut() {
            f(p);
        }
    }
}
