//! Classification metrics over a five-class confusion matrix.

use serde::{Deserialize, Serialize};

/// Accuracy, macro-F1, within-one-class accuracy and the confusion matrix of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Share of exact matches.
    pub accuracy: f64,
    /// Mean F1 over the classes that occur as actual or predicted labels.
    pub macro_f1: f64,
    /// Share of predictions at most one class away from the actual one.
    pub within_one: f64,
    /// Counts indexed `[actual][predicted]`.
    pub confusion: [[u32; 5]; 5],
    /// Number of evaluated examples.
    pub n: usize,
}

impl Metrics {
    /// Metrics of (actual, predicted) class index pairs; indices must be below 5.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let mut confusion = [[0u32; 5]; 5];
        for (actual, predicted) in pairs {
            confusion[actual][predicted] += 1;
        }
        Self::from_confusion(confusion)
    }

    /// Metrics computed from a confusion matrix (`[actual][predicted]`).
    pub fn from_confusion(confusion: [[u32; 5]; 5]) -> Self {
        let n: u32 = confusion.iter().flatten().sum();
        let ratio = |part: u32, whole: u32| {
            if whole == 0 {
                0.0
            } else {
                f64::from(part) / f64::from(whole)
            }
        };
        let correct: u32 = (0..5).map(|i| confusion[i][i]).sum();
        let near: u32 = (0..5)
            .flat_map(|a: usize| (0..5usize).map(move |p| (a, p)))
            .filter(|&(a, p)| a.abs_diff(p) <= 1)
            .map(|(a, p)| confusion[a][p])
            .sum();
        let mut f1_sum = 0.0;
        let mut classes = 0;
        for (c, row) in confusion.iter().enumerate() {
            let actual: u32 = row.iter().sum();
            let predicted: u32 = confusion.iter().map(|r| r[c]).sum();
            if actual + predicted == 0 {
                continue;
            }
            classes += 1;
            f1_sum += ratio(2 * row[c], actual + predicted);
        }
        Metrics {
            accuracy: ratio(correct, n),
            macro_f1: if classes == 0 {
                0.0
            } else {
                f1_sum / f64::from(classes)
            },
            within_one: ratio(near, n),
            confusion,
            n: n as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_matrix() {
        // actual 0: 3 right, 1 predicted as 1; actual 1: 2 right, 2 predicted as 3;
        // actual 2: 1 right; actual 3: 1 right, 1 predicted as 0; actual 4: none.
        let mut m = [[0u32; 5]; 5];
        m[0][0] = 3;
        m[0][1] = 1;
        m[1][1] = 2;
        m[1][3] = 2;
        m[2][2] = 1;
        m[3][3] = 1;
        m[3][0] = 1;
        let metrics = Metrics::from_confusion(m);
        assert_eq!(metrics.n, 11);
        assert!((metrics.accuracy - 7.0 / 11.0).abs() < 1e-12);
        // Far misses: 1→3 (2) and 3→0 (1).
        assert!((metrics.within_one - 8.0 / 11.0).abs() < 1e-12);
        // F1 = 2tp / (actual + predicted): class0 6/(4+4), class1 4/(4+3), class2 2/(1+1), class3 2/(2+3).
        let expected = (6.0 / 8.0 + 4.0 / 7.0 + 1.0 + 2.0 / 5.0) / 4.0;
        assert!(
            (metrics.macro_f1 - expected).abs() < 1e-12,
            "{}",
            metrics.macro_f1
        );
    }

    #[test]
    fn from_pairs_fills_actual_by_predicted() {
        let metrics = Metrics::from_pairs([(0, 0), (4, 0), (4, 4)]);
        assert_eq!(metrics.confusion[4][0], 1);
        assert_eq!(metrics.confusion[0][4], 0);
        assert!((metrics.within_one - 2.0 / 3.0).abs() < 1e-12);
        let empty = Metrics::from_pairs([]);
        assert_eq!((empty.n, empty.accuracy, empty.macro_f1), (0, 0.0, 0.0));
    }
}
