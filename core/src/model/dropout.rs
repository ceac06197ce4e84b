//! Dropout with masks drawn on the host from a seeded stream.
//!
//! burn's `Dropout` draws each mask element from the backend's own generator; on the CPU
//! backends that costs a generator call per element, which was a fifth of a `cpu`-preset
//! training step. Here a mask is filled from a ChaCha8 stream, 32 random bits per element,
//! and applied with one multiplication, so:
//!
//! - it is cheap on every backend (one fill of host memory and one element-wise product);
//! - the masks depend only on the stream's seed and the order of the dropout calls, not on the
//!   backend, its thread count or its own generator: a run draws the same masks on any
//!   backend, and a resumed run (which re-seeds the stream at every step) repeats them.
//!
//! The stream belongs to the calling thread ([`seed`] sets it), so parallel workers each have
//! their own. Dropout acts only on tensors of an autodiff device (training); evaluation and
//! search run on plain devices and pass through unchanged.

use std::cell::RefCell;

use burn::module::Module;
use burn::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

thread_local! {
    static STREAM: RefCell<ChaCha8Rng> = RefCell::new(ChaCha8Rng::seed_from_u64(0));
}

/// Restarts this thread's dropout stream from `seed`.
pub fn seed(seed: u64) {
    STREAM.with(|s| *s.borrow_mut() = ChaCha8Rng::seed_from_u64(seed));
}

/// Zeroes each element with probability `prob` (during training) and scales the others by
/// `1 / (1 − prob)`.
#[derive(Module, Debug)]
pub struct Dropout {
    pub prob: f64,
}

impl Dropout {
    /// # Panics
    /// When `prob` is not in `[0, 1)` (model configurations are validated before this).
    pub fn new(prob: f64) -> Self {
        assert!((0.0..1.0).contains(&prob), "dropout probability {prob} is not in [0, 1)");
        Dropout { prob }
    }

    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        let device = input.device();
        if self.prob == 0.0 || !device.is_autodiff() {
            return input;
        }
        let shape = input.shape();
        let mask = mask(shape.num_elements(), self.prob);
        input * Tensor::<D>::from_data(TensorData::new(mask, shape), &device)
    }
}

/// `n` mask values from this thread's stream: 0 with probability `prob` (to 2⁻³² precision),
/// else `1 / (1 − prob)`.
pub fn mask(n: usize, prob: f64) -> Vec<f32> {
    let threshold = (prob * 4_294_967_296.0).round() as u64;
    let keep = (1.0 / (1.0 - prob)) as f32;
    let mut bits = vec![0u32; n];
    STREAM.with(|s| s.borrow_mut().fill(&mut bits[..]));
    bits.into_iter().map(|b| if u64::from(b) < threshold { 0.0 } else { keep }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_drop_the_given_share_and_keep_the_mean() {
        seed(11);
        let m = mask(200_000, 0.1);
        let dropped = m.iter().filter(|&&x| x == 0.0).count() as f64 / m.len() as f64;
        assert!((dropped - 0.1).abs() < 0.005, "{dropped}");
        let mean = m.iter().map(|&x| f64::from(x)).sum::<f64>() / m.len() as f64;
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
        assert!(m.iter().all(|&x| x == 0.0 || (x - 1.0 / 0.9).abs() < 1e-6));
    }

    #[test]
    fn the_stream_repeats_from_a_seed_and_differs_between_seeds() {
        seed(5);
        let a = mask(1000, 0.3);
        let b = mask(1000, 0.3);
        seed(5);
        assert_eq!(mask(1000, 0.3), a);
        assert_eq!(mask(1000, 0.3), b);
        assert_ne!(a, b);
        seed(6);
        assert_ne!(mask(1000, 0.3), a);
    }

    #[test]
    fn threads_have_their_own_streams() {
        seed(5);
        let here = mask(100, 0.5);
        let there = std::thread::spawn(|| {
            seed(5);
            mask(100, 0.5)
        })
        .join()
        .unwrap();
        assert_eq!(here, there);
    }

    #[test]
    fn only_training_devices_drop() {
        #[allow(deprecated)]
        let plain = Device::ndarray();
        let x = Tensor::<2>::ones([4, 8], &plain);
        let d = Dropout::new(0.5);
        let same: f32 = d.forward(x.clone()).sum().into_scalar();
        assert_eq!(same, 32.0);
        let train = plain.autodiff();
        seed(1);
        let y =
            d.forward(Tensor::<2>::ones([40, 80], &train)).into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
        assert!(y.contains(&0.0) && y.contains(&2.0));
    }
}
