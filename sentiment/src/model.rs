//! The trained mood model: both scales, the feature space and metadata; classification and the
//! versioned binary format.

use crate::features::{FeatureFile, FeatureSpace, SparseRow};
use crate::labels::{Emotion, Intensity};
use crate::linear::{Linear, LinearFile, argmax};
use crate::model_legacy::{v1, v2};
use crate::source::DataSource;
use crate::text::Analysis;
use crate::train_config::TrainConfig;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// First bytes of every model file.
const MAGIC: &[u8; 8] = b"CHATMOOD";
/// Version of the layout after the magic; bumped on any incompatible change. Version 2 added the
/// calibration temperatures and the training sources, version 3 the `intensity_regression` setting;
/// version 1 and 2 files still load (`crate::model_legacy`).
pub const FORMAT_VERSION: u16 = 3;
/// The committed built-in model, trained on the shipped VADER sentences with the default config.
const BUILTIN: &[u8] = include_bytes!("../models/builtin.model");

/// The mood of one message or one window of messages, with the class probabilities of both scales.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mood {
    /// Most likely emotion.
    pub emotion: Emotion,
    /// Most likely intensity.
    pub intensity: Intensity,
    /// Emotion probabilities indexed by [`Emotion::index`].
    pub emotion_probabilities: [f64; 5],
    /// Intensity probabilities indexed by [`Intensity::index`].
    pub intensity_probabilities: [f64; 5],
}

/// Why bytes could not be loaded as a model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The bytes do not start with the model header.
    #[error("not a Chatterly mood model (the header is missing)")]
    NotAModel,
    /// The model was written in a format this build cannot read.
    #[error(
        "mood model format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// Version found in the header.
        found: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// The body could not be decoded (truncated or damaged).
    #[error("mood model data is corrupt or truncated: {0}")]
    Corrupt(String),
    /// The body decoded but its parts do not fit together.
    #[error("mood model is inconsistent: {0}")]
    Inconsistent(String),
}

/// Descriptive data stored with a model, for the admin UI and reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Name/version given at training ("builtin-vader-2026.11").
    pub name: String,
    /// The configuration it was trained with.
    pub config: TrainConfig,
    /// Training examples per scale (emotion, intensity).
    pub trained_on: [usize; 2],
    /// The data it was trained on, one entry per source (empty for version 1 files).
    #[serde(default)]
    pub sources: Vec<DataSource>,
    /// Calibration temperatures (emotion, intensity) fitted on validation data; 1 = uncalibrated.
    #[serde(default = "unit_temperatures")]
    pub temperatures: [f64; 2],
}

pub(crate) fn unit_temperatures() -> [f64; 2] {
    [1.0, 1.0]
}

/// The body of a model file (current version).
#[derive(Serialize, Deserialize)]
pub(crate) struct ModelFile {
    pub(crate) info: ModelInfo,
    pub(crate) features: FeatureFile,
    pub(crate) emotion: LinearFile,
    pub(crate) intensity: LinearFile,
}

/// Both classifiers with their shared feature space: what the recognition job loads and calls.
#[derive(Debug, Clone)]
pub struct Model {
    info: ModelInfo,
    features: FeatureSpace,
    emotion: Linear,
    intensity: Linear,
}

impl Model {
    /// Assembles a model from its trained parts.
    pub(crate) fn from_parts(
        info: ModelInfo,
        features: FeatureSpace,
        emotion: Linear,
        intensity: Linear,
    ) -> Self {
        Model {
            info,
            features,
            emotion,
            intensity,
        }
    }

    /// The model shipped in the crate, trained on the VADER sentences (decoded once).
    pub fn builtin() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::from_bytes(BUILTIN)
                .expect("the committed builtin model decodes (checked by a unit test)")
        })
    }

    /// The name/version string stored in the model.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Name, training configuration and sizes.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The fitted scales (emotion, intensity), for explanations and calibration.
    pub(crate) fn scales(&self) -> [&Linear; 2] {
        [&self.emotion, &self.intensity]
    }

    /// The feature space, for explanations.
    pub(crate) fn space(&self) -> &FeatureSpace {
        &self.features
    }

    /// Number of regression inputs (direct n-grams, dense features, naive-Bayes scores).
    pub fn n_features(&self) -> usize {
        self.features.n_features()
    }

    /// Number of n-grams in the vocabulary behind the naive-Bayes scores.
    pub fn vocabulary_size(&self) -> usize {
        self.features.n_grams()
    }

    /// Classifies one message.
    pub fn classify(&self, text: &str) -> Mood {
        self.classify_analysis(&Analysis::of(text))
    }

    /// Classifies all the text one user sent in one conversation in one window, as one document.
    pub fn classify_many<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Mood {
        let mut analysis = Analysis::new();
        for text in texts {
            analysis.push_text(text);
        }
        self.classify_analysis(&analysis)
    }

    /// Classifies an already tokenised document.
    pub fn classify_analysis(&self, analysis: &Analysis) -> Mood {
        let mut row = SparseRow::with_capacity(64);
        self.features.transform(analysis, &mut row);
        self.classify_row(&row)
    }

    pub(crate) fn classify_row(&self, row: &SparseRow) -> Mood {
        let emotion_probabilities = self.emotion.probabilities(row);
        let intensity_probabilities = self.intensity.probabilities(row);
        Mood {
            emotion: Emotion::ALL[argmax(&emotion_probabilities)],
            intensity: Intensity::ALL[argmax(&intensity_probabilities)],
            emotion_probabilities,
            intensity_probabilities,
        }
    }

    #[cfg(test)]
    pub(crate) fn features(&self) -> &FeatureSpace {
        &self.features
    }

    /// Serialises the model: header, format version, then the postcard body (f64 stored exactly).
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = ModelFile {
            info: self.info.clone(),
            features: self.features.file(),
            emotion: self.emotion.file().clone(),
            intensity: self.intensity.file().clone(),
        };
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        postcard::to_extend(&file, bytes).expect("postcard writes into a Vec without failing")
    }

    /// Loads a model written by [`Model::to_bytes`], rejecting anything else with an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let body = bytes.strip_prefix(MAGIC).ok_or(ModelError::NotAModel)?;
        let (version, body) = body
            .split_first_chunk::<2>()
            .ok_or_else(|| ModelError::Corrupt("no format version".into()))?;
        let found = u16::from_le_bytes(*version);
        let corrupt = |e: postcard::Error| ModelError::Corrupt(e.to_string());
        let (file, rest): (ModelFile, _) = match found {
            FORMAT_VERSION => postcard::take_from_bytes(body).map_err(corrupt)?,
            1 => postcard::take_from_bytes::<v1::ModelFile>(body)
                .map(|(f, rest)| (f.into(), rest))
                .map_err(corrupt)?,
            2 => postcard::take_from_bytes::<v2::ModelFile>(body)
                .map(|(f, rest)| (f.into(), rest))
                .map_err(corrupt)?,
            _ => {
                return Err(ModelError::UnsupportedVersion {
                    found,
                    supported: FORMAT_VERSION,
                });
            }
        };
        if !rest.is_empty() {
            return Err(ModelError::Corrupt(format!(
                "{} unexpected bytes after the model",
                rest.len()
            )));
        }
        let features = FeatureSpace::new(file.features).map_err(ModelError::Inconsistent)?;
        let n = features.n_features();
        let [te, ti] = file.info.temperatures;
        let emotion = Linear::new(file.emotion, n)
            .and_then(|l| l.with_temperature(te))
            .map_err(|e| ModelError::Inconsistent(format!("emotion: {e}")))?;
        let intensity = Linear::new(file.intensity, n)
            .and_then(|l| l.with_temperature(ti))
            .map_err(|e| ModelError::Inconsistent(format!("intensity: {e}")))?;
        Ok(Model {
            info: file.info,
            features,
            emotion,
            intensity,
        })
    }
}
