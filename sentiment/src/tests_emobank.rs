//! Training on a small slice of EmoBank read from `../shared` (or `$EMOBANK_CSV`): the intensity scale
//! learns human arousal ratings, is calibrated on EmoBank's dev part and evaluated on its test part.

use crate::*;
use std::sync::OnceLock;

/// EmoBank from `$EMOBANK_CSV` or `<workspace>/../shared/data/emobank/emobank.csv`. Missing data
/// fails the test (it is never skipped silently).
pub(crate) fn emobank() -> &'static [RatedSentence] {
    static DATA: OnceLock<Vec<RatedSentence>> = OnceLock::new();
    DATA.get_or_init(|| {
        let path = std::env::var("EMOBANK_CSV").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/data/emobank/emobank.csv"
            )
            .into()
        });
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!("EmoBank is read from {path} ({e}); set EMOBANK_CSV to its emobank.csv")
        });
        parse_emobank(&bytes).unwrap()
    })
}

fn slice_config_with(intensity_regression: bool) -> TrainConfig {
    TrainConfig {
        max_ngrams: 3_000,
        direct_ngrams: 100,
        max_iterations: 60,
        evaluate_chat: false,
        intensity_regression,
        ..TrainConfig::default()
    }
}

/// Every 5th EmoBank sentence (about 2,000, all three parts) and every 11th VADER sentence, with
/// intensity as regress-then-bin (the default).
fn slice_trained() -> &'static Trained {
    static TRAINED: OnceLock<Trained> = OnceLock::new();
    TRAINED.get_or_init(|| train_slice(true))
}

/// The same slice with intensity as a multinomial logistic regression.
fn slice_trained_logistic() -> &'static Trained {
    static TRAINED: OnceLock<Trained> = OnceLock::new();
    TRAINED.get_or_init(|| train_slice(false))
}

fn train_slice(intensity_regression: bool) -> Trained {
    {
        let config = slice_config_with(intensity_regression);
        let rated: Vec<RatedSentence> = emobank().iter().step_by(5).cloned().collect();
        let vader: Vec<Example> = builtin_examples()
            .into_iter()
            .step_by(11)
            .map(|e| Example {
                intensity: None,
                ..e
            })
            .collect();
        let sources = vec![
            Source::new("vader-slice", "", vader),
            emobank_source(&rated, false).0,
        ];
        train_sources(&sources, &config, "emobank-slice", &mut |_| {}).unwrap()
    }
}

#[test]
fn the_whole_file_parses_with_its_own_split() {
    let all = emobank();
    assert_eq!(all.len(), 10_062);
    let count = |p: Part| all.iter().filter(|s| s.part == p).count();
    assert_eq!(
        (
            count(Part::Train),
            count(Part::Validation),
            count(Part::Test)
        ),
        (8_062, 1_000, 1_000)
    );
    let (source, bins) = emobank_source(all, false);
    let mut counts = [0usize; 5];
    for (e, p) in source.examples.iter().zip(source.parts.as_ref().unwrap()) {
        if *p == Part::Train {
            counts[e.intensity.unwrap().index()] += 1;
        }
    }
    // Quintiles over heavily tied ratings: every class between 15 % and 30 % of the training part.
    assert!(
        counts.iter().all(|&c| (1_200..2_450).contains(&c)),
        "{counts:?} {bins:?}"
    );
    assert!(source.examples.iter().all(|e| e.emotion.is_none()));
}

#[test]
fn intensity_learns_human_arousal_from_a_slice() {
    for (trained, regression) in [(slice_trained(), true), (slice_trained_logistic(), false)] {
        assert_eq!(trained.model.info().config.intensity_regression, regression);
        let r = &trained.report.intensity;
        let test = emobank()
            .iter()
            .step_by(5)
            .filter(|s| s.part == Part::Test)
            .count();
        assert_eq!(
            r.test, test,
            "intensity is evaluated on EmoBank's own test part"
        );
        assert!(r.model.macro_f1 > r.majority.macro_f1, "{:?}", r.model);
        let arousal = r.arousal.as_ref().expect("test rows carry ratings");
        assert_eq!(arousal.n, test);
        assert!(arousal.model_r > 0.2, "Pearson r {}", arousal.model_r);
        assert!(arousal.class_arousal.windows(2).all(|w| w[0] < w[1]));
        let calibration = r.calibration.as_ref().unwrap();
        let dev = emobank()
            .iter()
            .step_by(5)
            .filter(|s| s.part == Part::Validation)
            .count();
        assert_eq!(
            calibration.validation, dev,
            "temperature fitted on EmoBank's dev part"
        );
        // The temperature is kept only if it lowers the dev ECE. On this slice's 200 held-out rows
        // that carries over for the logistic fit; for regress-then-bin it does not (0.017 before,
        // 0.038 after), while on the full data it does (docs/sentiment.md, "Calibration").
        if !regression {
            assert!(calibration.ece <= calibration.ece_uncalibrated + 1e-12);
        }
        assert_eq!(
            calibration
                .reliability
                .iter()
                .map(|b| b.count)
                .sum::<usize>(),
            test
        );
    }
    // Regress-then-bin cuts at the training class shares, so every class is predicted.
    let confusion = &slice_trained().report.intensity.model.confusion;
    assert!(
        (0..5).all(|c| confusion.iter().map(|row| row[c]).sum::<u32>() > 0),
        "{confusion:?}"
    );
}

#[test]
fn the_model_file_records_its_sources_and_temperatures() {
    let trained = slice_trained();
    let info = trained.model.info();
    let names: Vec<&str> = info.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["vader-slice", "emobank"]);
    assert!(info.sources[1].detail.contains("CC BY-SA 4.0"));
    assert_eq!(info.sources[1].intensity_labels, info.sources[1].examples);
    let loaded = Model::from_bytes(&trained.model.to_bytes()).unwrap();
    assert_eq!(loaded.info(), info);
    assert_eq!(trained.report.sources, info.sources);
    let text = "I can't believe it, we WON!!!";
    assert_eq!(loaded.classify(text), trained.model.classify(text));
}
