//! One fitted multinomial logistic regression, predicted without linfa: softmax(sparse x · W + b).

use crate::features::SparseRow;
use linfa_logistic::MultiFittedLogisticRegression;
use serde::{Deserialize, Serialize};

/// The stored form of one scale's model: weights, intercepts and the classes of its columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearFile {
    /// Scale position (0..=4) of each weight column, increasing.
    pub classes: Vec<u8>,
    /// One intercept per column.
    pub intercept: Vec<f64>,
    /// Row-major `n_features × classes.len()` weights.
    pub weights: Vec<f64>,
}

/// A scale's model ready to predict, with its calibration temperature (1 = as fitted).
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    file: LinearFile,
    temperature: f64,
}

impl Linear {
    /// Takes the weights and intercepts out of a linfa fit whose classes are scale positions.
    pub fn from_fitted(fitted: &MultiFittedLogisticRegression<f64, usize>) -> Self {
        Linear {
            file: LinearFile {
                classes: fitted.classes().iter().map(|&c| c as u8).collect(),
                intercept: fitted.intercept().to_vec(),
                weights: fitted.params().iter().copied().collect(),
            },
            temperature: 1.0,
        }
    }

    /// Checks a stored model against the feature count it will be used with.
    pub fn new(file: LinearFile, n_features: usize) -> Result<Self, String> {
        let k = file.classes.len();
        if k == 0
            || file.classes.iter().any(|&c| c > 4)
            || file.classes.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(format!("invalid class list {:?}", file.classes));
        }
        if file.intercept.len() != k || file.weights.len() != n_features * k {
            return Err(format!(
                "{} weights and {} intercepts for {n_features} features and {k} classes",
                file.weights.len(),
                file.intercept.len()
            ));
        }
        if file
            .weights
            .iter()
            .chain(&file.intercept)
            .any(|w| !w.is_finite())
        {
            return Err("non-finite weight".into());
        }
        Ok(Linear {
            file,
            temperature: 1.0,
        })
    }

    /// The same model with its probabilities softened (> 1) or sharpened (< 1) by `temperature`.
    pub fn with_temperature(mut self, temperature: f64) -> Result<Self, String> {
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(format!("invalid temperature {temperature}"));
        }
        self.temperature = temperature;
        Ok(self)
    }

    /// The calibration temperature.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    /// The weight of `feature` for each scale position (0 for classes the model never saw).
    pub fn weights_of(&self, feature: usize) -> [f64; 5] {
        let k = self.file.classes.len();
        let mut out = [0.0; 5];
        for (i, &class) in self.file.classes.iter().enumerate() {
            out[class as usize] = self.file.weights[feature * k + i];
        }
        out
    }

    /// The intercept for each scale position (`-inf` for classes the model never saw).
    pub fn intercepts(&self) -> [f64; 5] {
        let mut out = [f64::NEG_INFINITY; 5];
        for (i, &class) in self.file.classes.iter().enumerate() {
            out[class as usize] = self.file.intercept[i];
        }
        out
    }

    /// The stored form.
    pub fn file(&self) -> &LinearFile {
        &self.file
    }

    /// Uncalibrated logits x · W + b indexed by scale position (`-inf` for classes never seen).
    pub fn logits(&self, row: &SparseRow) -> [f64; 5] {
        let z = self.raw(row);
        let mut out = [f64::NEG_INFINITY; 5];
        for (i, &class) in self.file.classes.iter().enumerate() {
            out[class as usize] = z[i];
        }
        out
    }

    /// Logits by weight column.
    fn raw(&self, row: &SparseRow) -> [f64; 5] {
        let k = self.file.classes.len();
        let mut z = [0.0f64; 5];
        z[..k].copy_from_slice(&self.file.intercept);
        for &(column, value) in row {
            let w = &self.file.weights[column as usize * k..column as usize * k + k];
            for (zc, wc) in z[..k].iter_mut().zip(w) {
                *zc += value * wc;
            }
        }
        z
    }

    /// Calibrated class probabilities, softmax(logits / temperature), indexed by scale position
    /// (classes the model never saw get 0).
    pub fn probabilities(&self, row: &SparseRow) -> [f64; 5] {
        let k = self.file.classes.len();
        let mut z = self.raw(row);
        let max = z[..k].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for zc in &mut z[..k] {
            *zc = ((*zc - max) / self.temperature).exp();
            sum += *zc;
        }
        let mut out = [0.0; 5];
        for (i, &class) in self.file.classes.iter().enumerate() {
            out[class as usize] = z[i] / sum;
        }
        out
    }
}

/// The position of the largest probability (the first one on ties).
pub fn argmax(probabilities: &[f64; 5]) -> usize {
    let mut best = 0;
    for (i, &p) in probabilities.iter().enumerate() {
        if p > probabilities[best] {
            best = i;
        }
    }
    best
}
