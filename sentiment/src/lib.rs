//! Mood recognition: text normalisation, feature extraction and the two logistic-regression
//! classifiers (emotion and intensity). Pure code, no I/O: the shipped data and the built-in model
//! are embedded at compile time.

mod calibration;
mod dataset;
mod display;
mod emobank;
mod example;
mod explain;
mod features;
mod fxhash;
mod labels;
mod linear;
mod metrics;
mod model;
mod model_legacy;
mod parts;
mod report;
mod report_extra;
mod ridge;
mod scaling;
mod source;
mod split;
pub mod text;
mod train;
mod train_config;
mod upload;
mod weak_labels;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_emobank;

pub use calibration::{
    RELIABILITY_BINS, Reliability, ReliabilityBin, UNCERTAIN_BELOW, fit_temperature, reliability,
    softmax,
};
pub use dataset::{
    Sentence, builtin_examples, builtin_sentences, chat_eval_examples, label_sentence, vader_source,
};
pub use emobank::{
    ArousalBins, EMOBANK_ATTRIBUTION, EmoBankError, RatedSentence, emobank_source,
    emotion_from_emobank_valence, parse_emobank, standard_sources,
};
pub use example::Example;
pub use explain::{Contribution, ContributionKind, Explanation, ScaleExplanation};
pub use features::{DENSE_NAMES, N_DENSE};
pub use labels::{Emotion, Intensity, Scale, UnknownLabel};
pub use metrics::Metrics;
pub use model::{FORMAT_VERSION, Model, ModelError, ModelInfo, Mood};
pub use parts::stratified_parts;
pub use report::{EvalReport, ScaleEval, ScaleReport, Timings, TrainingReport, evaluate};
pub use report_extra::{ArousalFit, CalibrationReport, SourceMetrics, pearson};
pub use source::{DataSource, Part, Source, describe};
pub use split::{SplitMix64, split_keys, stratified_split};
pub use train::{TrainError, TrainStage, Trained, train, train_sources};
pub use train_config::TrainConfig;
pub use upload::{DatasetError, MAX_TEXT_CHARS, parse_examples};
pub use weak_labels::{INTENSITY_THRESHOLDS, arousal_score, cue_shift, intensity_label};

/// The training report of the built-in model (JSON of a [`TrainingReport`]), written with it.
pub const BUILTIN_REPORT: &str = include_str!("../models/builtin.report.json");
