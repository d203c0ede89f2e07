//! Named training sources: labelled examples with where they came from, an optional fixed
//! train/validation/test assignment, and a fingerprint, so a model file can say what it was trained on.

use crate::example::Example;
use serde::{Deserialize, Serialize};

/// Which part of the data an example belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Fitted on.
    Train,
    /// Used only to fit the calibration temperatures.
    Validation,
    /// Held out for the reported figures.
    Test,
}

/// What a model was trained on: one entry per source, stored in the model file and the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSource {
    /// Short name ("vader-sentences", "emobank", "upload 12").
    pub name: String,
    /// Where it comes from and its licence, or how its labels were made.
    pub detail: String,
    /// Examples given to training (all parts).
    pub examples: usize,
    /// Examples with an emotion label.
    pub emotion_labels: usize,
    /// Examples with an intensity label.
    pub intensity_labels: usize,
    /// FNV-1a 64 of every text and label in order, hex: equal data gives an equal fingerprint.
    pub fingerprint: String,
}

/// A source ready for training.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Its description (counts and fingerprint computed from the examples).
    pub info: DataSource,
    /// The examples.
    pub examples: Vec<Example>,
    /// A fixed part per example (EmoBank's own split), or `None` to split by stratification.
    pub parts: Option<Vec<Part>>,
    /// A human rating per example kept for reporting a regression's Pearson r (EmoBank arousal).
    pub arousal: Option<Vec<f64>>,
}

impl Source {
    /// A source split by stratification at training time.
    pub fn new(name: &str, detail: &str, examples: Vec<Example>) -> Self {
        Source {
            info: describe(name, detail, &examples),
            examples,
            parts: None,
            arousal: None,
        }
    }

    /// A source whose examples come with their own parts (`parts.len()` must equal the examples').
    pub fn with_parts(mut self, parts: Vec<Part>) -> Self {
        self.parts = Some(parts);
        self
    }
}

/// Counts and fingerprint of a list of examples.
pub fn describe(name: &str, detail: &str, examples: &[Example]) -> DataSource {
    let mut hash = Fnv::default();
    for e in examples {
        hash.write(e.text.as_bytes());
        hash.write(&[0, e.emotion.map_or(9, |c| c.index() as u8)]);
        hash.write(&[e.intensity.map_or(9, |c| c.index() as u8), b'\n']);
    }
    DataSource {
        name: name.to_string(),
        detail: detail.to_string(),
        examples: examples.len(),
        emotion_labels: examples.iter().filter(|e| e.emotion.is_some()).count(),
        intensity_labels: examples.iter().filter(|e| e.intensity.is_some()).count(),
        fingerprint: format!("{:016x}", hash.0),
    }
}

/// FNV-1a, 64 bits: fully specified, so a fingerprint is the same on every machine.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Emotion, Intensity};

    fn example(text: &str, emotion: Option<Emotion>) -> Example {
        Example {
            text: text.into(),
            emotion,
            intensity: Some(Intensity::Muted),
        }
    }

    #[test]
    fn fingerprint_follows_texts_and_labels() {
        let a = vec![example("fine", Some(Emotion::Happy))];
        let b = vec![example("fine", Some(Emotion::Sad))];
        let c = vec![example("fine ", Some(Emotion::Happy))];
        let fa = describe("a", "", &a);
        assert_eq!(fa.fingerprint, describe("other name", "", &a).fingerprint);
        assert_ne!(fa.fingerprint, describe("a", "", &b).fingerprint);
        assert_ne!(fa.fingerprint, describe("a", "", &c).fingerprint);
        assert_eq!(fa.fingerprint.len(), 16);
        assert_eq!(
            (fa.examples, fa.emotion_labels, fa.intensity_labels),
            (1, 1, 1)
        );
        let none = describe("n", "", &[example("x", None)]);
        assert_eq!(none.emotion_labels, 0);
    }
}
