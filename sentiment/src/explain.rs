//! Exact explanations of a reading: the linear models make the predicted class's (centred,
//! calibrated) logit a sum of one baseline and one contribution per word n-gram and per cue. The
//! naive-Bayes inputs are linear in the n-grams too, so their share goes to the words behind them.

use crate::features::{DENSE_NAMES, N_DENSE};
use crate::labels::{Emotion, Intensity};
use crate::linear::{Linear, argmax};
use crate::model::Model;
use crate::text::Analysis;
use serde::{Deserialize, Serialize};

/// What a contribution is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionKind {
    /// A word or pair of words of the text.
    Words,
    /// A lexicon or cue feature (exclamation marks, capitals, the lexicon score, ...).
    Cue,
}

/// How much one feature pushed the reading towards (positive) or away from (negative) its class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The words as written ("so happy", "not … like") or the cue's name.
    pub feature: String,
    /// Words or cue.
    pub kind: ContributionKind,
    /// For a cue: whether it occurs in the text (an absent cue can push too, by its absence).
    pub present: bool,
    /// Contribution to the logit, in logit units.
    pub value: f64,
}

/// One scale's explanation: `baseline + Σ contributions = logit` exactly (up to rounding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleExplanation {
    /// Position of the predicted class on the scale.
    pub class: usize,
    /// Its probability.
    pub probability: f64,
    /// Its logit, centred over the classes and divided by the calibration temperature.
    pub logit: f64,
    /// The part that does not depend on the text's words or cues (intercepts and constants).
    pub baseline: f64,
    /// Every contribution, largest magnitude first.
    pub contributions: Vec<Contribution>,
}

impl ScaleExplanation {
    /// The `n` largest contributions of words and of cues that occur in the text.
    pub fn top(&self, n: usize) -> Vec<&Contribution> {
        self.contributions
            .iter()
            .filter(|c| c.kind == ContributionKind::Words || c.present)
            .take(n)
            .collect()
    }
}

/// Explanations of both scales of one reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Emotion (the class is an [`Emotion`] position).
    pub emotion: ScaleExplanation,
    /// Intensity (the class is an [`Intensity`] position).
    pub intensity: ScaleExplanation,
}

impl Explanation {
    /// The predicted emotion.
    pub fn emotion_class(&self) -> Emotion {
        Emotion::ALL[self.emotion.class]
    }

    /// The predicted intensity.
    pub fn intensity_class(&self) -> Intensity {
        Intensity::ALL[self.intensity.class]
    }
}

/// Readable names of the dense features, in column order.
const CUE_NAMES: [&str; N_DENSE] = [
    "sentiment words (sum)",
    "sentiment words (overall)",
    "positive words",
    "negative words",
    "most positive word",
    "most negative word",
    "strength of sentiment",
    "number of positive words",
    "number of negative words",
    "sentiment words (plain sum)",
    "last sentiment word",
    "average sentiment word",
    "exclamation marks",
    "question marks",
    "words in capitals",
    "stretched words (\"soooo\")",
    "intensifiers (very, so, ...)",
    "hedges (a bit, maybe, ...)",
    "ellipses (...)",
    "positive emoticons",
    "negative emoticons",
    "strong emoticons",
    "negations",
    "length",
    "emphasis overall",
];

impl Model {
    /// Explains the reading of all the texts read as one document (as [`Model::classify_many`]).
    pub fn explain_many<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Explanation {
        let mut analysis = Analysis::new();
        for text in texts {
            analysis.push_text(text);
        }
        let [emotion, intensity] = self
            .scales()
            .map(|scale| self.explain_scale(scale, &analysis));
        Explanation { emotion, intensity }
    }

    fn explain_scale(&self, linear: &Linear, doc: &Analysis) -> ScaleExplanation {
        let space = self.space();
        let parts = space.parts(doc);
        let mut row = Vec::new();
        space.transform(doc, &mut row);
        let probabilities = linear.probabilities(&row);
        let class = argmax(&probabilities);
        let seen: Vec<usize> = (0..5)
            .filter(|&c| linear.intercepts()[c].is_finite())
            .collect();
        let t = linear.temperature();
        // Weight of column j for the class, centred over the classes the model has, over T.
        let centred = |w: [f64; 5]| {
            let mean = seen.iter().map(|&c| w[c]).sum::<f64>() / seen.len() as f64;
            (w[class] - mean) / t
        };
        let mut baseline = centred(linear.intercepts());
        let direct = space.direct();
        let mut words: Vec<(u32, f64)> = parts
            .tfidf
            .iter()
            .map(|&(j, x)| {
                let direct_part = if (j as usize) < direct {
                    x * centred(linear.weights_of(j as usize))
                } else {
                    0.0
                };
                (j, direct_part)
            })
            .collect();
        let mut cues = Vec::with_capacity(N_DENSE);
        for (i, &x) in parts.dense.iter().enumerate() {
            cues.push(x * centred(linear.weights_of(direct + i)));
        }
        for (s, nb) in space.nb().iter().enumerate() {
            for c in 0..5 {
                let w = centred(linear.weights_of(direct + N_DENSE + 5 * s + c)) / nb.std[c];
                baseline += w * (nb.prior[c] - nb.mean[c]);
                for (j, value) in words.iter_mut() {
                    let x = parts
                        .tfidf
                        .iter()
                        .find(|(k, _)| k == j)
                        .map_or(0.0, |p| p.1);
                    *value += w * x * f64::from(nb.log_ratio[*j as usize * 5 + c]);
                }
            }
        }
        let raw = crate::features::dense_raw(doc);
        let mut contributions: Vec<Contribution> = words
            .iter()
            .map(|&(j, value)| Contribution {
                feature: parts
                    .surfaces
                    .iter()
                    .find(|(id, _)| *id == j)
                    .map_or_else(|| format!("n-gram {j}"), |(_, s)| s.clone()),
                kind: ContributionKind::Words,
                present: true,
                value,
            })
            .chain(cues.iter().enumerate().map(|(i, &value)| Contribution {
                feature: CUE_NAMES[i].to_string(),
                kind: ContributionKind::Cue,
                present: raw[i] != 0.0 && DENSE_NAMES[i] != "words",
                value,
            }))
            .collect();
        contributions.sort_by(|a, b| b.value.abs().total_cmp(&a.value.abs()));
        let logit = baseline + contributions.iter().map(|c| c.value).sum::<f64>();
        ScaleExplanation {
            class,
            probability: probabilities[class],
            logit,
            baseline,
            contributions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The predicted class's logit computed directly: (z_c − mean z) / T.
    fn direct_logit(model: &Model, scale: usize, text: &str) -> (usize, f64) {
        let mut row = Vec::new();
        model.space().transform(&Analysis::of(text), &mut row);
        let linear = model.scales()[scale];
        let z = linear.logits(&row);
        let p = linear.probabilities(&row);
        let c = argmax(&p);
        let seen: Vec<f64> = z.iter().copied().filter(|v| v.is_finite()).collect();
        let mean = seen.iter().sum::<f64>() / seen.len() as f64;
        (c, (z[c] - mean) / linear.temperature())
    }

    #[test]
    fn contributions_sum_to_the_logit() {
        let model = Model::builtin();
        for text in [
            "I love this, thank you so much!!! :)",
            "I don't like the new schedule at all",
            "ok see you at 3",
            "I'm so stressed I can't sleep, PLEASE help",
            "zzzz qqqq",
        ] {
            let e = model.explain_many([text]);
            for (scale, x) in [(0, &e.emotion), (1, &e.intensity)] {
                let (class, logit) = direct_logit(model, scale, text);
                assert_eq!(x.class, class, "{text}");
                let sum = x.baseline + x.contributions.iter().map(|c| c.value).sum::<f64>();
                assert!((sum - logit).abs() < 1e-9, "{text}: {sum} vs {logit}");
                assert!((x.logit - logit).abs() < 1e-9);
            }
            let mood = model.classify(text);
            assert_eq!(e.emotion_class(), mood.emotion);
            assert_eq!(e.intensity_class(), mood.intensity);
            assert_eq!(
                e.emotion.probability,
                mood.emotion_probabilities[mood.emotion.index()]
            );
        }
    }

    #[test]
    fn the_words_that_carry_the_feeling_come_first() {
        let e = Model::builtin().explain_many(["the lecture was wonderful"]);
        assert!(matches!(
            e.emotion_class(),
            Emotion::Happy | Emotion::VeryHappy
        ));
        let top = e.emotion.top(3);
        assert!(
            top.iter()
                .any(|c| c.feature.contains("wonderful") && c.value > 0.0),
            "{top:?}"
        );
        let sorted = e
            .emotion
            .contributions
            .windows(2)
            .all(|w| w[0].value.abs() >= w[1].value.abs());
        assert!(sorted);
        let negated = Model::builtin().explain_many(["I do not like it"]);
        assert!(
            negated
                .emotion
                .contributions
                .iter()
                .any(|c| c.feature == "not … like"),
            "{:?}",
            negated.emotion.top(5)
        );
    }
}
