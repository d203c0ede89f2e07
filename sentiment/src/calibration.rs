//! Probability calibration: temperature scaling (Guo et al. 2017) fitted on a validation split, and the
//! expected calibration error with its reliability table, so a shown "70 %" means right about 70 % of
//! the time.

use serde::{Deserialize, Serialize};

/// A reading whose class probability (calibrated) is below this is shown as uncertain: the model is
/// then more likely wrong than right about that scale.
pub const UNCERTAIN_BELOW: f64 = 0.5;

/// Number of equal-width confidence bins of the reliability table.
pub const RELIABILITY_BINS: usize = 10;

/// One row of a reliability table: predictions whose top probability fell in `low..high`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the confidence bin.
    pub low: f64,
    /// Upper edge.
    pub high: f64,
    /// Predictions in the bin.
    pub count: usize,
    /// Mean top probability in the bin (0 when empty).
    pub confidence: f64,
    /// Share of those predictions that were right (0 when empty).
    pub accuracy: f64,
}

/// Expected calibration error and its table for one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// Σ over bins of (count / n) · |accuracy − confidence|.
    pub ece: f64,
    /// The bins, lowest confidence first.
    pub bins: Vec<ReliabilityBin>,
}

/// Softmax of `logits / temperature`; `-inf` logits (classes a model never saw) get probability 0.
pub fn softmax(logits: &[f64; 5], temperature: f64) -> [f64; 5] {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut out = [0.0; 5];
    if !max.is_finite() {
        return out;
    }
    let mut sum = 0.0;
    for (o, &z) in out.iter_mut().zip(logits) {
        *o = ((z - max) / temperature).exp();
        sum += *o;
    }
    out.iter_mut().for_each(|o| *o /= sum);
    out
}

/// Mean negative log-likelihood of the labels under `softmax(logits / temperature)`.
pub fn mean_nll(logits: &[[f64; 5]], labels: &[usize], temperature: f64) -> f64 {
    let n = logits.len().max(1) as f64;
    logits
        .iter()
        .zip(labels)
        .map(|(z, &y)| -softmax(z, temperature)[y].max(1e-300).ln())
        .sum::<f64>()
        / n
}

/// The temperature in 0.05..20 minimising the validation NLL (golden-section search over its log;
/// the NLL is convex in 1 / temperature). 1.0 when there is nothing to fit on.
pub fn fit_temperature(logits: &[[f64; 5]], labels: &[usize]) -> f64 {
    if logits.is_empty() {
        return 1.0;
    }
    let f = |log_t: f64| mean_nll(logits, labels, log_t.exp());
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    let t = ((a + b) / 2.0).exp();
    // Keep 1.0 unless the fitted temperature is measurably better on the validation data.
    if f(t.ln()) < f(0.0) - 1e-9 { t } else { 1.0 }
}

/// Reliability of (probabilities, actual class) pairs over [`RELIABILITY_BINS`] confidence bins.
pub fn reliability<'a>(
    predictions: impl IntoIterator<Item = (&'a [f64; 5], usize)>,
) -> Reliability {
    let mut count = [0usize; RELIABILITY_BINS];
    let mut confidence = [0.0f64; RELIABILITY_BINS];
    let mut correct = [0usize; RELIABILITY_BINS];
    let mut n = 0usize;
    for (p, actual) in predictions {
        let (best, top) =
            p.iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |b, (i, v)| if v > b.1 { (i, v) } else { b },
                );
        let bin = ((top * RELIABILITY_BINS as f64) as usize).min(RELIABILITY_BINS - 1);
        count[bin] += 1;
        confidence[bin] += top;
        correct[bin] += usize::from(best == actual);
        n += 1;
    }
    let mut ece = 0.0;
    let bins = (0..RELIABILITY_BINS)
        .map(|b| {
            let (conf, acc) = if count[b] == 0 {
                (0.0, 0.0)
            } else {
                let c = count[b] as f64;
                (confidence[b] / c, correct[b] as f64 / c)
            };
            if n > 0 {
                ece += count[b] as f64 / n as f64 * (acc - conf).abs();
            }
            ReliabilityBin {
                low: b as f64 / RELIABILITY_BINS as f64,
                high: (b + 1) as f64 / RELIABILITY_BINS as f64,
                count: count[b],
                confidence: conf,
                accuracy: acc,
            }
        })
        .collect();
    Reliability { ece, bins }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::SplitMix64;

    fn uniform(rng: &mut SplitMix64) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Labels drawn from softmax(z) with z known: the true temperature is 1; logits scaled by 3
    /// are over-confident and need a temperature near 3.
    fn sample(scale: f64, n: usize) -> (Vec<[f64; 5]>, Vec<usize>) {
        let mut rng = SplitMix64::new(42);
        let mut logits = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..n {
            let z: [f64; 5] = std::array::from_fn(|_| uniform(&mut rng) * 4.0 - 2.0);
            let p = softmax(&z, 1.0);
            let u = uniform(&mut rng);
            let mut acc = 0.0;
            let y = (0..5)
                .find(|&c| {
                    acc += p[c];
                    u < acc
                })
                .unwrap_or(4);
            logits.push(z.map(|v| v * scale));
            labels.push(y);
        }
        (logits, labels)
    }

    #[test]
    fn temperature_undoes_overconfidence() {
        let (logits, labels) = sample(3.0, 4000);
        let t = fit_temperature(&logits, &labels);
        assert!((2.5..3.5).contains(&t), "temperature {t}");
        assert!(mean_nll(&logits, &labels, t) < mean_nll(&logits, &labels, 1.0));
        let before = reliability(
            logits
                .iter()
                .map(|z| softmax(z, 1.0))
                .collect::<Vec<_>>()
                .iter()
                .zip(labels.iter().copied()),
        );
        let calibrated: Vec<[f64; 5]> = logits.iter().map(|z| softmax(z, t)).collect();
        let after = reliability(calibrated.iter().zip(labels.iter().copied()));
        assert!(
            after.ece < before.ece / 2.0,
            "{} -> {}",
            before.ece,
            after.ece
        );
        assert!(after.ece < 0.05, "{}", after.ece);
    }

    #[test]
    fn calibrated_logits_keep_temperature_one() {
        let (logits, labels) = sample(1.0, 4000);
        let t = fit_temperature(&logits, &labels);
        assert!((0.85..1.15).contains(&t), "temperature {t}");
        assert_eq!(fit_temperature(&[], &[]), 1.0);
    }

    #[test]
    fn reliability_table_by_hand() {
        let p = |top: f64| {
            let rest = (1.0 - top) / 4.0;
            [top, rest, rest, rest, rest]
        };
        let preds = [p(0.95), p(0.95), p(0.35), p(0.35)];
        // 0.95 bin: one right, one wrong (acc 0.5); 0.35 bin: both wrong (acc 0).
        let labels = [0, 1, 2, 3];
        let r = reliability(preds.iter().zip(labels));
        assert_eq!(r.bins.len(), RELIABILITY_BINS);
        assert_eq!(r.bins[9].count, 2);
        assert_eq!(r.bins[3].count, 2);
        assert!((r.bins[9].accuracy - 0.5).abs() < 1e-12);
        let expected = 0.5 * (0.95 - 0.5) + 0.5 * 0.35;
        assert!((r.ece - expected).abs() < 1e-12, "{}", r.ece);
    }

    #[test]
    fn softmax_ignores_unseen_classes() {
        let p = softmax(&[1.0, f64::NEG_INFINITY, 1.0, 0.0, 0.0], 2.0);
        assert_eq!(p[1], 0.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[0] - p[2]).abs() < 1e-15);
    }
}
