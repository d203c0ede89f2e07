//! The sentiment tokeniser on any text (`sentiment::text::Analysis`), stemming and lexicon
//! scoring of its tokens, and the whole classification path of the built-in model, one message
//! and one window of several (what the mood job runs on chat messages).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sentiment::Model;
use sentiment::text::{Analysis, TokenKind, score, stem};

fuzz_target!(|text: &str| {
    let analysis = Analysis::of(text);
    let mut words = 0;
    for token in analysis.tokens() {
        let normalised = analysis.text(token);
        assert!(!normalised.is_empty());
        if token.kind == TokenKind::Word {
            words += 1;
            let _ = stem(normalised);
        }
    }
    assert_eq!(analysis.cues().words, words);
    assert!(score(&analysis).compound().is_finite());

    let model = Model::builtin();
    for mood in [
        model.classify(text),
        model.classify_many(text.split('\u{1e}')),
    ] {
        for p in mood
            .emotion_probabilities
            .iter()
            .chain(&mood.intensity_probabilities)
        {
            assert!(p.is_finite() && (0.0..=1.0).contains(p), "probability {p}");
        }
        let sum: f64 = mood.emotion_probabilities.iter().sum();
        assert!(
            (sum - 1.0).abs() < 1e-6,
            "emotion probabilities sum to {sum}"
        );
        let sum: f64 = mood.intensity_probabilities.iter().sum();
        assert!(
            (sum - 1.0).abs() < 1e-6,
            "intensity probabilities sum to {sum}"
        );
    }
});
