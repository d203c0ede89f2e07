//! The training settings. Their own module because the model (which stores the settings it was
//! trained with), the training report and training itself all use them, and training uses the
//! other two.

use crate::features::FeatureConfig;
use serde::{Deserialize, Serialize};

/// Training settings; the default is exactly what the built-in model was trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Seed of the stratified train/test split.
    pub seed: u64,
    /// Share of the examples held out for evaluation.
    pub test_fraction: f64,
    /// L2 regularisation strength of the emotion model (linfa's `alpha`; the loss is summed over examples).
    pub emotion_alpha: f64,
    /// L2 regularisation strength of the intensity model (the ridge penalty λ when intensity is
    /// fitted as a regression, see `intensity_regression`).
    pub intensity_alpha: f64,
    /// L-BFGS iteration limit per model.
    pub max_iterations: u64,
    /// Minimum number of training documents an n-gram must occur in.
    pub min_df: u32,
    /// Size cap of the n-gram vocabulary (most frequent first).
    pub max_ngrams: usize,
    /// How many of the most frequent n-grams are also direct regression inputs.
    pub direct_ngrams: usize,
    /// Whether bigrams are n-grams too.
    pub bigrams: bool,
    /// Additive smoothing of the naive-Bayes evidence scorers.
    pub nb_alpha: f64,
    /// Folds used to cross-fit the naive-Bayes scores of training rows.
    pub nb_folds: usize,
    /// Fewest labelled examples a scale may be trained on.
    pub min_examples: usize,
    /// Whether the report includes the shipped chat evaluation set.
    pub evaluate_chat: bool,
    /// Share of the training part of a source without its own split held back as validation data
    /// for fitting the calibration temperatures (0 = no calibration for that source).
    pub validation_fraction: f64,
    /// Whether EmoBank's valence also labels emotion (a second emotion source).
    pub emobank_emotion: bool,
    /// Whether intensity is fitted as regress-then-bin (a ridge regression of the human arousal
    /// ratings, binned at the training labels' class shares) when every intensity-labelled training
    /// example has a rating; otherwise, or when false, as a multinomial logistic regression.
    /// Absent from reports and models written before format 3 (read as false: they were logistic).
    #[serde(default)]
    pub intensity_regression: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 20_261_101,
            test_fraction: 0.2,
            emotion_alpha: 10.0,
            intensity_alpha: 1.0,
            max_iterations: 50,
            min_df: 2,
            max_ngrams: 20_000,
            direct_ngrams: 300,
            bigrams: true,
            nb_alpha: 0.5,
            nb_folds: 5,
            min_examples: 50,
            evaluate_chat: true,
            validation_fraction: 0.1,
            emobank_emotion: false,
            intensity_regression: true,
        }
    }
}

impl TrainConfig {
    /// The feature-extraction part of the settings.
    pub(crate) fn features(&self) -> FeatureConfig {
        FeatureConfig {
            min_df: self.min_df,
            max_ngrams: self.max_ngrams,
            direct_ngrams: self.direct_ngrams,
            bigrams: self.bigrams,
            nb_alpha: self.nb_alpha,
            nb_folds: self.nb_folds,
            seed: self.seed,
        }
    }

    /// What makes these settings unusable, if anything (training refuses them with it).
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            Some("test_fraction must be between 0 and 1")
        } else if !(0.0..0.5).contains(&self.validation_fraction) {
            Some("validation_fraction must be at least 0 and below 0.5")
        } else if !positive(self.emotion_alpha) || !positive(self.intensity_alpha) {
            Some("alpha must be a positive number")
        } else if self.max_iterations == 0
            || self.max_ngrams == 0
            || self.min_df == 0
            || self.nb_folds < 2
        {
            Some("max_iterations, max_ngrams and min_df must be at least 1, nb_folds at least 2")
        } else if !positive(self.nb_alpha) {
            Some("nb_alpha must be a positive number")
        } else {
            None
        }
    }
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}
