//! Which part (train, validation, test) each example of each training source belongs to.

use crate::example::Example;
use crate::source::{Part, Source};
use crate::split::{split_keys, stratified_split};
use crate::train::TrainError;
use crate::train_config::TrainConfig;

/// One example with the part it was assigned to.
pub(crate) struct Assigned<'a> {
    /// The example.
    pub example: &'a Example,
    /// Its part.
    pub part: Part,
    /// Index of its source.
    pub source: usize,
    /// Its human arousal rating, if any.
    pub arousal: Option<f64>,
}

/// Gives every example of every source its part: the source's own, or a stratified split.
pub(crate) fn assign_parts<'a>(
    sources: &'a [Source],
    config: &TrainConfig,
) -> Result<Vec<Assigned<'a>>, TrainError> {
    let mut out = Vec::new();
    for (s, source) in sources.iter().enumerate() {
        let n = source.examples.len();
        let parts = match &source.parts {
            Some(parts) if parts.len() == n => parts.clone(),
            Some(parts) => {
                return Err(TrainError::InvalidConfig(format!(
                    "source {} has {} parts for {n} examples",
                    source.info.name,
                    parts.len()
                )));
            }
            None => stratified_parts(&split_keys(&source.examples), config),
        };
        if source.arousal.as_ref().is_some_and(|a| a.len() != n) {
            return Err(TrainError::InvalidConfig(format!(
                "source {} has ratings that do not match its examples",
                source.info.name
            )));
        }
        for (i, example) in source.examples.iter().enumerate() {
            out.push(Assigned {
                example,
                part: parts[i],
                source: s,
                arousal: source.arousal.as_ref().map(|a| a[i]),
            });
        }
    }
    Ok(out)
}

/// Test by `test_fraction` (seed), then validation by `validation_fraction` of the rest (seed + 1).
pub fn stratified_parts<K: Ord + Copy>(keys: &[K], config: &TrainConfig) -> Vec<Part> {
    let (train_idx, test_idx) = stratified_split(keys, config.test_fraction, config.seed);
    let mut parts = vec![Part::Train; keys.len()];
    for &i in &test_idx {
        parts[i] = Part::Test;
    }
    if config.validation_fraction > 0.0 {
        let train_keys: Vec<K> = train_idx.iter().map(|&i| keys[i]).collect();
        let (_, validation) = stratified_split(
            &train_keys,
            config.validation_fraction,
            config.seed.wrapping_add(1),
        );
        for v in validation {
            parts[train_idx[v]] = Part::Validation;
        }
    }
    parts
}
