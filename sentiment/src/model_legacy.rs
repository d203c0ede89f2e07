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

/// The training settings every layout has, in the order they are written. Postcard writes a
/// struct as its fields one after another, with no framing, so a later layout's settings read as
/// this struct followed by the fields that layout added.
#[derive(Serialize, Deserialize)]
pub(crate) struct BaseConfig {
    seed: u64,
    test_fraction: f64,
    emotion_alpha: f64,
    intensity_alpha: f64,
    max_iterations: u64,
    min_df: u32,
    max_ngrams: usize,
    direct_ngrams: usize,
    bigrams: bool,
    nb_alpha: f64,
    nb_folds: usize,
    min_examples: usize,
    evaluate_chat: bool,
}

impl BaseConfig {
    /// The current settings of a model trained with these, before `validation_fraction`,
    /// `emobank_emotion` (given by version 2) and `intensity_regression` (never, before version 3).
    fn into_config(self, validation_fraction: f64, emobank_emotion: bool) -> TrainConfig {
        TrainConfig {
            seed: self.seed,
            test_fraction: self.test_fraction,
            emotion_alpha: self.emotion_alpha,
            intensity_alpha: self.intensity_alpha,
            max_iterations: self.max_iterations,
            min_df: self.min_df,
            max_ngrams: self.max_ngrams,
            direct_ngrams: self.direct_ngrams,
            bigrams: self.bigrams,
            nb_alpha: self.nb_alpha,
            nb_folds: self.nb_folds,
            min_examples: self.min_examples,
            evaluate_chat: self.evaluate_chat,
            validation_fraction,
            emobank_emotion,
            intensity_regression: false,
        }
    }

    /// The settings of `c` that every layout has.
    #[cfg(test)]
    fn of(c: &TrainConfig) -> Self {
        Self {
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
        }
    }
}

/// A body of an earlier layout: its model information `I`, then the parts every layout has.
#[derive(Serialize, Deserialize)]
pub(crate) struct OldModelFile<I> {
    info: I,
    features: FeatureFile,
    emotion: LinearFile,
    intensity: LinearFile,
}

impl<I> OldModelFile<I> {
    /// The current body, with the model information converted by `info`.
    fn into_current(self, info: impl FnOnce(I) -> ModelInfo) -> ModelFile {
        ModelFile {
            info: info(self.info),
            features: self.features,
            emotion: self.emotion,
            intensity: self.intensity,
        }
    }
}

/// The version 1 layout (before calibration and training sources).
pub(crate) mod v1 {
    use super::*;

    /// A version 1 model file body.
    pub type ModelFile = OldModelFile<Info>;

    /// Version 1 model information.
    #[derive(Serialize, Deserialize)]
    pub struct Info {
        name: String,
        config: BaseConfig,
        trained_on: [usize; 2],
    }

    /// The version 1 form of a current body (for the test that version 1 files still load).
    #[cfg(test)]
    impl From<super::ModelFile> for ModelFile {
        fn from(f: super::ModelFile) -> Self {
            OldModelFile {
                info: Info {
                    config: BaseConfig::of(&f.info.config),
                    name: f.info.name,
                    trained_on: f.info.trained_on,
                },
                features: f.features,
                emotion: f.emotion,
                intensity: f.intensity,
            }
        }
    }

    impl From<ModelFile> for super::ModelFile {
        fn from(f: ModelFile) -> Self {
            f.into_current(|info| ModelInfo {
                name: info.name,
                config: info.config.into_config(0.0, false),
                trained_on: info.trained_on,
                sources: Vec::new(),
                temperatures: crate::model::unit_temperatures(),
            })
        }
    }
}

/// The version 2 layout: intensity was always a multinomial logistic regression.
pub(crate) mod v2 {
    use super::*;

    /// A version 2 model file body.
    pub type ModelFile = OldModelFile<Info>;

    /// Version 2 model information.
    #[derive(Serialize, Deserialize)]
    pub struct Info {
        name: String,
        config: Config,
        trained_on: [usize; 2],
        sources: Vec<DataSource>,
        temperatures: [f64; 2],
    }

    /// Version 2 training settings: version 1's and two more.
    #[derive(Serialize, Deserialize)]
    pub struct Config {
        base: BaseConfig,
        validation_fraction: f64,
        emobank_emotion: bool,
    }

    impl From<ModelFile> for super::ModelFile {
        fn from(f: ModelFile) -> Self {
            f.into_current(|info| ModelInfo {
                name: info.name,
                config: info
                    .config
                    .base
                    .into_config(info.config.validation_fraction, info.config.emobank_emotion),
                trained_on: info.trained_on,
                sources: info.sources,
                temperatures: info.temperatures,
            })
        }
    }

    /// The version 2 form of a current body (for the test that version 2 files still load).
    #[cfg(test)]
    impl From<super::ModelFile> for ModelFile {
        fn from(f: super::ModelFile) -> Self {
            let c = &f.info.config;
            OldModelFile {
                info: Info {
                    config: Config {
                        base: BaseConfig::of(c),
                        validation_fraction: c.validation_fraction,
                        emobank_emotion: c.emobank_emotion,
                    },
                    name: f.info.name,
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

    /// The built-in model written in layout `version` by `convert`.
    fn written_as<T: serde::Serialize>(
        version: u16,
        convert: impl FnOnce(super::ModelFile) -> T,
    ) -> Vec<u8> {
        let body: super::ModelFile =
            postcard::from_bytes(&Model::builtin().to_bytes()[10..]).unwrap();
        let mut bytes = b"CHATMOOD".to_vec();
        bytes.extend_from_slice(&version.to_le_bytes());
        postcard::to_extend(&convert(body), bytes).unwrap()
    }

    #[test]
    fn version_1_files_still_load_uncalibrated_and_choose_the_same_classes() {
        let model = Model::builtin();
        let loaded = Model::from_bytes(&written_as(1, super::v1::ModelFile::from)).unwrap();
        let config = &loaded.info().config;
        assert!(!config.intensity_regression && !config.emobank_emotion);
        assert_eq!(config.seed, model.info().config.seed);
        assert!(
            loaded.info().sources.is_empty(),
            "version 1 recorded no sources"
        );
        for text in [
            "I PASSED!!! 🎉",
            "ok see you at 3",
            "my dog died this morning",
        ] {
            // Without its temperatures the probabilities differ, never the winning classes.
            let (old, new) = (loaded.classify(text), model.classify(text));
            assert_eq!(
                (old.emotion, old.intensity),
                (new.emotion, new.intensity),
                "{text}"
            );
        }
    }

    #[test]
    fn version_2_files_still_load_and_predict_the_same() {
        let model = Model::builtin();
        let loaded = Model::from_bytes(&written_as(2, super::v2::ModelFile::from)).unwrap();
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
