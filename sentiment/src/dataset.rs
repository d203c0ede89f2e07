//! Labelled examples: the shipped VADER sentences with their derived labels, and the hand-labelled
//! chat evaluation set.

use crate::example::Example;
use crate::labels::Emotion;
use crate::parts::stratified_parts;
use crate::source::Source;
use crate::split::split_keys;
use crate::text::Analysis;
use crate::train_config::TrainConfig;
use crate::upload::parse_examples;
use crate::weak_labels::intensity_label;

/// The VADER ground-truth sentences (source, id, mean valence, text), see `data/README.md`.
const VADER_SENTENCES: &str = include_str!("../data/vader_sentences.tsv");
/// The hand-labelled chat-style evaluation set (text, emotion, intensity); never trained on.
const CHAT_EVAL: &[u8] = include_bytes!("../data/chat_eval.tsv");

/// One human-rated sentence of the VADER data set (Hutto & Gilbert 2014).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sentence {
    /// "tweets", "movie_reviews", "amazon_reviews" or "nyt_editorials".
    pub source: &'static str,
    /// Identifier within its source file.
    pub id: &'static str,
    /// Mean valence of at least 20 human raters, -4..+4.
    pub valence: f64,
    /// The sentence.
    pub text: &'static str,
}

/// The 23,703 shipped VADER sentences with their human mean valence.
pub fn builtin_sentences() -> Vec<Sentence> {
    VADER_SENTENCES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.splitn(4, '\t');
            let source = fields.next()?;
            let id = fields.next()?;
            let valence = fields.next()?.parse().ok()?;
            let text = fields.next()?;
            Some(Sentence {
                source,
                id,
                valence,
                text,
            })
        })
        .collect()
}

/// Labels a human-rated sentence: emotion by the fixed valence bins, intensity by the weak-label rule.
pub fn label_sentence(sentence: &Sentence) -> Example {
    Example {
        text: sentence.text.to_string(),
        emotion: Some(Emotion::from_valence(sentence.valence)),
        intensity: Some(intensity_label(
            sentence.valence,
            Analysis::of(sentence.text).cues(),
        )),
    }
}

/// The shipped VADER sentences with their derived labels: the built-in model's training data.
pub fn builtin_examples() -> Vec<Example> {
    builtin_sentences().iter().map(label_sentence).collect()
}

/// The VADER sentences as a training source for **emotion only** (intensity comes from human arousal
/// ratings now). The parts are the same stratified split as before (stratified over the emotion and
/// the old rule-made intensity class), so held-out emotion figures stay comparable across versions.
pub fn vader_source(config: &TrainConfig) -> Source {
    let labelled = builtin_examples();
    let parts = stratified_parts(&split_keys(&labelled), config);
    let examples = labelled
        .into_iter()
        .map(|e| Example {
            intensity: None,
            ..e
        })
        .collect();
    Source::new(
        "vader-sentences",
        "VADER 3.3.2 sentences (Hutto & Gilbert 2014, MIT): emotion from human mean valence, fixed bins",
        examples,
    )
    .with_parts(parts)
}

/// The hand-labelled chat-style evaluation set (about 150 university chat messages).
pub fn chat_eval_examples() -> Vec<Example> {
    parse_examples(CHAT_EVAL, usize::MAX).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Intensity;

    #[test]
    fn all_vader_sentences_are_embedded() {
        let sentences = builtin_sentences();
        assert_eq!(sentences.len(), 23_703);
        let count = |source: &str| sentences.iter().filter(|s| s.source == source).count();
        assert_eq!(count("tweets"), 4_200);
        assert_eq!(count("movie_reviews"), 10_605);
        assert_eq!(count("amazon_reviews"), 3_708);
        assert_eq!(count("nyt_editorials"), 5_190);
        assert!(
            sentences
                .iter()
                .all(|s| (-4.0..=4.0).contains(&s.valence) && !s.text.is_empty())
        );
        assert_eq!(sentences[1].text, "Yay. Another good phone interview.");
    }

    #[test]
    fn builtin_labels_follow_the_rules() {
        let s = Sentence {
            source: "tweets",
            id: "2",
            valence: 1.443298969,
            text: "Yay. Another good phone interview.",
        };
        let e = label_sentence(&s);
        assert_eq!(e.emotion, Some(Emotion::Happy));
        assert_eq!(e.intensity, Some(Intensity::Neutral));
        let examples = builtin_examples();
        for class in Emotion::ALL {
            assert!(
                examples.iter().filter(|e| e.emotion == Some(class)).count() > 1000,
                "{class}"
            );
        }
        for class in Intensity::ALL {
            assert!(
                examples
                    .iter()
                    .filter(|e| e.intensity == Some(class))
                    .count()
                    > 500,
                "{class}"
            );
        }
    }

    #[test]
    fn chat_eval_set_is_complete_and_disjoint_from_training() {
        let chat = chat_eval_examples();
        assert!(chat.len() >= 140, "{} chat examples", chat.len());
        for class in Emotion::ALL {
            assert!(
                chat.iter().filter(|e| e.emotion == Some(class)).count() >= 10,
                "{class}"
            );
        }
        for class in Intensity::ALL {
            assert!(
                chat.iter().filter(|e| e.intensity == Some(class)).count() >= 10,
                "{class}"
            );
        }
        let training: std::collections::HashSet<&str> =
            builtin_sentences().iter().map(|s| s.text).collect();
        assert!(chat.iter().all(|e| !training.contains(e.text.as_str())));
    }
}
