//! Naive-Bayes evidence features: a multinomial naive Bayes over the TF-IDF vocabulary condenses the
//! whole vocabulary into five per-class scores, which the logistic regression takes as inputs (as in
//! NBSVM, Wang & Manning 2012). Training rows get cross-fitted (out-of-fold) scores so the regression
//! does not learn to over-trust evidence that saw their own labels.

use super::SparseRow;
use crate::split::SplitMix64;
use serde::{Deserialize, Serialize};

/// A stored naive-Bayes scorer for one scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NbFile {
    /// Row-major `n_grams × 5` log word probabilities per class, centred over the classes.
    pub log_ratio: Vec<f32>,
    /// Log class priors (add-one smoothed), centred.
    pub prior: [f64; 5],
    /// Training mean of each raw score, for standardisation.
    pub mean: [f64; 5],
    /// Training standard deviation of each raw score (1 where it was 0).
    pub std: [f64; 5],
}

impl NbFile {
    /// Checks the sizes and values against the vocabulary size.
    pub fn check(&self, n_grams: usize) -> Result<(), String> {
        if self.log_ratio.len() != n_grams * 5 {
            return Err(format!(
                "{} naive-Bayes weights for {n_grams} n-grams",
                self.log_ratio.len()
            ));
        }
        let finite = self.log_ratio.iter().all(|v| v.is_finite())
            && self
                .prior
                .iter()
                .chain(&self.mean)
                .chain(&self.std)
                .all(|v| v.is_finite());
        if !finite || self.std.iter().any(|&s| s <= 0.0) {
            return Err("non-finite naive-Bayes weight or statistic".into());
        }
        Ok(())
    }

    /// The raw class scores of a TF-IDF row: centred log prior plus evidence.
    pub fn raw(&self, tfidf: &SparseRow) -> [f64; 5] {
        raw_scores(&self.prior, &self.log_ratio, tfidf)
    }

    /// Raw scores standardised with the training statistics.
    pub fn standardise(&self, raw: [f64; 5]) -> [f64; 5] {
        std::array::from_fn(|c| (raw[c] - self.mean[c]) / self.std[c])
    }
}

fn raw_scores<W: Copy + Into<f64>>(
    prior: &[f64; 5],
    log_ratio: &[W],
    tfidf: &SparseRow,
) -> [f64; 5] {
    let mut out = *prior;
    for &(j, x) in tfidf {
        let w = &log_ratio[j as usize * 5..j as usize * 5 + 5];
        for c in 0..5 {
            out[c] += x * w[c].into();
        }
    }
    out
}

/// Sums of TF-IDF mass per n-gram and class, and documents per class.
#[derive(Clone)]
struct Counts {
    mass: Vec<f64>,
    docs: [f64; 5],
}

impl Counts {
    fn new(n_grams: usize) -> Self {
        Counts {
            mass: vec![0.0; n_grams * 5],
            docs: [0.0; 5],
        }
    }

    fn add(&mut self, row: &SparseRow, class: usize) {
        self.docs[class] += 1.0;
        for &(j, x) in row {
            self.mass[j as usize * 5 + class] += x;
        }
    }

    fn minus(&self, other: &Counts) -> Counts {
        Counts {
            mass: self
                .mass
                .iter()
                .zip(&other.mass)
                .map(|(a, b)| a - b)
                .collect(),
            docs: std::array::from_fn(|c| self.docs[c] - other.docs[c]),
        }
    }

    /// Centred log priors and centred log word probabilities (additive smoothing `alpha`).
    fn model(&self, alpha: f64) -> ([f64; 5], Vec<f64>) {
        let n_grams = self.mass.len() / 5;
        let totals: [f64; 5] =
            std::array::from_fn(|c| (0..n_grams).map(|j| self.mass[j * 5 + c]).sum());
        let n_docs: f64 = self.docs.iter().sum();
        let prior = centred(std::array::from_fn(|c| {
            ((self.docs[c] + 1.0) / (n_docs + 5.0)).ln()
        }));
        let denominators: [f64; 5] =
            std::array::from_fn(|c| (totals[c] + alpha * n_grams as f64).ln());
        let mut log_ratio = Vec::with_capacity(self.mass.len());
        for j in 0..n_grams {
            let row = centred(std::array::from_fn(|c| {
                (self.mass[j * 5 + c] + alpha).ln() - denominators[c]
            }));
            log_ratio.extend_from_slice(&row);
        }
        (prior, log_ratio)
    }
}

fn centred(v: [f64; 5]) -> [f64; 5] {
    let mean = v.iter().sum::<f64>() / 5.0;
    v.map(|x| x - mean)
}

/// Fits the scorer on labelled TF-IDF rows and returns it with the raw score of every row: out-of-fold
/// for labelled rows (`folds` folds, stratified by class, shuffled with `seed`), the full model for
/// unlabelled ones.
pub fn fit(
    rows: &[SparseRow],
    labels: &[Option<usize>],
    n_grams: usize,
    alpha: f64,
    folds: usize,
    seed: u64,
) -> (NbFile, Vec<[f64; 5]>) {
    let folds = folds.max(2);
    let mut fold_of = vec![usize::MAX; rows.len()];
    let mut rng = SplitMix64::new(seed);
    for class in 0..5 {
        let mut members: Vec<usize> = (0..rows.len())
            .filter(|&i| labels[i] == Some(class))
            .collect();
        rng.shuffle(&mut members);
        for (position, &i) in members.iter().enumerate() {
            fold_of[i] = position % folds;
        }
    }
    let mut per_fold = vec![Counts::new(n_grams); folds];
    let mut total = Counts::new(n_grams);
    for (i, row) in rows.iter().enumerate() {
        if let Some(class) = labels[i] {
            per_fold[fold_of[i]].add(row, class);
            total.add(row, class);
        }
    }
    let (prior, full) = total.model(alpha);
    let log_ratio: Vec<f32> = full.iter().map(|&v| v as f32).collect();
    let mut raw: Vec<[f64; 5]> = rows
        .iter()
        .map(|row| raw_scores(&prior, &log_ratio, row))
        .collect();
    for (f, held_out) in per_fold.iter().enumerate() {
        let (fold_prior, fold_ratio) = total.minus(held_out).model(alpha);
        for (i, row) in rows.iter().enumerate() {
            if fold_of[i] == f {
                raw[i] = raw_scores(&fold_prior, &fold_ratio, row);
            }
        }
    }
    let n = rows.len().max(1) as f64;
    let mean: [f64; 5] = std::array::from_fn(|c| raw.iter().map(|r| r[c]).sum::<f64>() / n);
    let std = std::array::from_fn(|c| {
        let var = raw.iter().map(|r| (r[c] - mean[c]).powi(2)).sum::<f64>() / n;
        if var > 1e-12 { var.sqrt() } else { 1.0 }
    });
    (
        NbFile {
            log_ratio,
            prior,
            mean,
            std,
        },
        raw,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_points_to_the_class_a_word_belongs_to() {
        // n-gram 0 occurs in class-0 documents, n-gram 1 in class-4 documents.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..20 {
            rows.push(vec![(if i % 2 == 0 { 0 } else { 1 }, 1.0)]);
            labels.push(Some(if i % 2 == 0 { 0 } else { 4 }));
        }
        rows.push(vec![(0, 1.0)]);
        labels.push(None);
        let (nb, raw) = fit(&rows, &labels, 2, 0.5, 5, 1);
        nb.check(2).unwrap();
        let s = nb.raw(&vec![(0, 1.0)]);
        assert!(s[0] > s[4] && s[0] > s[2], "{s:?}");
        let s = nb.raw(&vec![(1, 1.0)]);
        assert!(s[4] > s[0], "{s:?}");
        // The unlabelled row gets the full model's score; labelled rows get out-of-fold scores.
        assert_eq!(raw[20], nb.raw(&rows[20]));
        assert!(raw[0][0] > raw[0][4]);
        let standardised = nb.standardise(nb.mean);
        assert!(standardised.iter().all(|v| v.abs() < 1e-12));
    }
}
