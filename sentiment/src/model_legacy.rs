//! Model file layouts of earlier format versions, still readable: version 1 (before calibration and
//! training sources) and version 2 (before the `intensity_regression` setting). Each converts to the
//! current [`ModelFile`]; what the old layout lacks takes the value that describes how such a
//! model was trained.

use crate::features::FeatureFile;
use crate::linear::LinearFile;
use crate::model::{ModelFile, ModelInfo};
use crate::source::DataSource;
use crate::train_config::TrainConfig;
use serde::{Deserialize, Serialize};

/// The version 1 layout.
pub(crate) mod v1 {
    use super::*;

    /// A version 1 model file body.
    #[derive(Deserialize)]
    pub struct ModelFile {
        pub info: Info,
        pub features: FeatureFile,
        pub emotion: LinearFile,
        pub intensity: LinearFile,
    }

    /// Version 1 model information.
    #[derive(Deserialize)]
    pub struct Info {
        pub name: String,
        pub config: Config,
        pub trained_on: [usize; 2],
    }

    /// Version 1 training settings.
    #[derive(Deserialize)]
    pub struct Config {
        pub seed: u64,
        pub test_fraction: f64,
        pub emotion_alpha: f64,
        pub intensity_alpha: f64,
        pub max_iterations: u64,
        pub min_df: u32,
        pub max_ngrams: usize,
        pub direct_ngrams: usize,
        pub bigrams: bool,
        pub nb_alpha: f64,
        pub nb_folds: usize,
        pub min_examples: usize,
        pub evaluate_chat: bool,
    }

    impl From<ModelFile> for super::ModelFile {
        fn from(f: ModelFile) -> Self {
            let c = f.info.config;
            let config = TrainConfig {
                seed: c.seed,
                test_fraction: c.test_fraction,
                emotion_alpha: c.emotion_alpha,
                intensity_alpha: c.intensity_alpha,
                max_iterations: c.max_iterations,
                min_df: c.min_df,
                max_ngrams: c.max_ngrams,
                direct_ngrams: c.direct_ngrams,
                bigrams: c.bigrams,
                nb_alpha: c.nb_alpha,
                nb_folds: c.nb_folds,
                min_examples: c.min_examples,
                evaluate_chat: c.evaluate_chat,
                validation_fraction: 0.0,
                emobank_emotion: false,
                intensity_regression: false,
            };
            super::ModelFile {
                info: ModelInfo {
                    name: f.info.name,
                    config,
                    trained_on: f.info.trained_on,
                    sources: Vec::new(),
                    temperatures: crate::model::unit_temperatures(),
                },
                features: f.features,
                emotion: f.emotion,
                intensity: f.intensity,
            }
        }
    }
}

/// The version 2 layout: intensity was always a multinomial logistic regression.
pub(crate) mod v2 {
    use super::*;

    /// A version 2 model file body.
    #[derive(Serialize, Deserialize)]
    pub struct ModelFile {
        pub info: Info,
        pub features: FeatureFile,
        pub emotion: LinearFile,
        pub intensity: LinearFile,
    }

    /// Version 2 model information.
    #[derive(Serialize, Deserialize)]
    pub struct Info {
        pub name: String,
        pub config: Config,
        pub trained_on: [usize; 2],
        pub sources: Vec<DataSource>,
        pub temperatures: [f64; 2],
    }

    /// Version 2 training settings.
    #[derive(Serialize, Deserialize)]
    pub struct Config {
        pub seed: u64,
        pub test_fraction: f64,
        pub emotion_alpha: f64,
        pub intensity_alpha: f64,
        pub max_iterations: u64,
        pub min_df: u32,
        pub max_ngrams: usize,
        pub direct_ngrams: usize,
        pub bigrams: bool,
        pub nb_alpha: f64,
        pub nb_folds: usize,
        pub min_examples: usize,
        pub evaluate_chat: bool,
        pub validation_fraction: f64,
        pub emobank_emotion: bool,
    }

    impl From<ModelFile> for super::ModelFile {
        fn from(f: ModelFile) -> Self {
            let c = f.info.config;
            let config = TrainConfig {
                seed: c.seed,
                test_fraction: c.test_fraction,
                emotion_alpha: c.emotion_alpha,
                intensity_alpha: c.intensity_alpha,
                max_iterations: c.max_iterations,
                min_df: c.min_df,
                max_ngrams: c.max_ngrams,
                direct_ngrams: c.direct_ngrams,
                bigrams: c.bigrams,
                nb_alpha: c.nb_alpha,
                nb_folds: c.nb_folds,
                min_examples: c.min_examples,
                evaluate_chat: c.evaluate_chat,
                validation_fraction: c.validation_fraction,
                emobank_emotion: c.emobank_emotion,
                intensity_regression: false,
            };
            super::ModelFile {
                info: ModelInfo {
                    name: f.info.name,
                    config,
                    trained_on: f.info.trained_on,
                    sources: f.info.sources,
                    temperatures: f.info.temperatures,
                },
                features: f.features,
                emotion: f.emotion,
                intensity: f.intensity,
            }
        }
    }

    /// The version 2 form of a current body (for the test that version 2 files still load).
    #[cfg(test)]
    impl From<super::ModelFile> for ModelFile {
        fn from(f: super::ModelFile) -> Self {
            let c = f.info.config;
            ModelFile {
                info: Info {
                    name: f.info.name,
                    config: Config {
                        seed: c.seed,
                        test_fraction: c.test_fraction,
                        emotion_alpha: c.emotion_alpha,
                        intensity_alpha: c.intensity_alpha,
                        max_iterations: c.max_iterations,
                        min_df: c.min_df,
                        max_ngrams: c.max_ngrams,
                        direct_ngrams: c.direct_ngrams,
                        bigrams: c.bigrams,
                        nb_alpha: c.nb_alpha,
                        nb_folds: c.nb_folds,
                        min_examples: c.min_examples,
                        evaluate_chat: c.evaluate_chat,
                        validation_fraction: c.validation_fraction,
                        emobank_emotion: c.emobank_emotion,
                    },
                    trained_on: f.info.trained_on,
                    sources: f.info.sources,
                    temperatures: f.info.temperatures,
                },
                features: f.features,
                emotion: f.emotion,
                intensity: f.intensity,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Model;

    #[test]
    fn version_2_files_still_load_and_predict_the_same() {
        let model = Model::builtin();
        let bytes = model.to_bytes();
        let body: super::ModelFile = postcard::from_bytes(&bytes[10..]).unwrap();
        let old: super::v2::ModelFile = body.into();
        let mut v2 = b"CHATMOOD".to_vec();
        v2.extend_from_slice(&2u16.to_le_bytes());
        let v2 = postcard::to_extend(&old, v2).unwrap();
        let loaded = Model::from_bytes(&v2).unwrap();
        assert!(!loaded.info().config.intensity_regression);
        assert_eq!(loaded.info().sources, model.info().sources);
        for text in [
            "I PASSED!!! 🎉",
            "ok see you at 3",
            "my dog died this morning",
        ] {
            assert_eq!(loaded.classify(text), model.classify(text), "{text}");
        }
    }
}
