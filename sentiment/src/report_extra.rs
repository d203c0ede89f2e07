//! The parts of a training report beyond accuracy: calibration on held-out data, the per-source
//! breakdown, and the Pearson correlation of a regression with human arousal ratings.

use crate::calibration::{ReliabilityBin, reliability};
use crate::metrics::Metrics;
use serde::{Deserialize, Serialize};

/// How well one scale's probabilities are calibrated on the held-out split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// Temperature fitted on the validation split (1 = none fitted or none helped).
    pub temperature: f64,
    /// Validation examples the temperature was fitted on.
    pub validation: usize,
    /// Held-out expected calibration error of the uncalibrated probabilities (temperature 1).
    pub ece_uncalibrated: f64,
    /// Held-out expected calibration error of the shipped (calibrated) probabilities.
    pub ece: f64,
    /// Held-out reliability table of the shipped probabilities.
    pub reliability: Vec<ReliabilityBin>,
}

impl CalibrationReport {
    /// The report from held-out (calibrated, uncalibrated, actual) triples.
    pub(crate) fn of(
        temperature: f64,
        validation: usize,
        held_out: &[([f64; 5], [f64; 5], usize)],
    ) -> Self {
        let after = reliability(held_out.iter().map(|(p, _, a)| (p, *a)));
        let before = reliability(held_out.iter().map(|(_, p, a)| (p, *a)));
        CalibrationReport {
            temperature,
            validation,
            ece_uncalibrated: before.ece,
            ece: after.ece,
            reliability: after.bins,
        }
    }
}

/// Held-out metrics restricted to one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceMetrics {
    /// Source name.
    pub source: String,
    /// The model.
    pub model: Metrics,
    /// The training split's most frequent class.
    pub majority: Metrics,
    /// The lexicon rule.
    pub lexicon: Metrics,
}

/// Pearson correlation with human arousal ratings on the held-out rows that have them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArousalFit {
    /// The model read as a regression: Σ p(class) × mean training arousal of the class.
    pub model_r: f64,
    /// The lexicon rule's arousal score (|lexicon valence| + cue shift).
    pub lexicon_r: f64,
    /// Rated held-out rows.
    pub n: usize,
    /// Mean training arousal of each intensity class (the values the regression is read with).
    pub class_arousal: [f64; 5],
}

/// Pearson's r of paired values (0 when either side is constant or there are fewer than 2 pairs).
pub fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return 0.0;
    }
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_by_hand() {
        assert!((pearson(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]) + 1.0).abs() < 1e-12);
        // x = 1,2,3,4; y = 1,3,2,4: r = 0.8.
        let r = pearson(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0), (4.0, 4.0)]);
        assert!((r - 0.8).abs() < 1e-12, "{r}");
        assert_eq!(pearson(&[(1.0, 1.0), (1.0, 2.0)]), 0.0);
        assert_eq!(pearson(&[]), 0.0);
    }
}
