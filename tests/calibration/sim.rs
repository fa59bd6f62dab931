//! What the simulations share.

/// The level of the tests whose size and power are measured.
pub const ALPHA: f64 = 0.05;

/// The logistic function σ(t) = 1 / (1 + e^(−t)).
pub fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}
