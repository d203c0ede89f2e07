//! Tests across modules: training a small model, the binary format, prediction against linfa, and the
//! built-in model on obvious messages.

use crate::linear::Linear;
use crate::model::Model;
use crate::text::Analysis;
use crate::train::{dense_matrix, fit_linfa};
use crate::*;
use ndarray::Array1;
use std::sync::OnceLock;

/// Every 11th shipped sentence: about 2,150 examples across all sources and classes.
fn subset() -> Vec<Example> {
    builtin_examples().into_iter().step_by(11).collect()
}

fn small_config() -> TrainConfig {
    TrainConfig {
        max_ngrams: 3_000,
        direct_ngrams: 100,
        max_iterations: 60,
        evaluate_chat: false,
        ..TrainConfig::default()
    }
}

/// One small model shared by the tests (training it once keeps the suite fast).
fn small() -> &'static Trained {
    static TRAINED: OnceLock<Trained> = OnceLock::new();
    TRAINED.get_or_init(|| train(&subset(), &small_config(), "small-test", &mut |_| {}).unwrap())
}

#[test]
fn training_a_subset_reports_sane_figures_and_stages() {
    let mut stages = Vec::new();
    let examples = subset();
    let trained = train(&examples[..800], &small_config(), "stages", &mut |s| {
        stages.push(s)
    })
    .unwrap();
    assert_eq!(
        stages,
        [
            TrainStage::Preparing,
            TrainStage::Emotion,
            TrainStage::Intensity,
            TrainStage::Evaluating
        ]
    );
    assert_eq!(trained.model.name(), "stages");

    let report = &small().report;
    assert_eq!(report.examples, examples.len());
    for scale in [&report.emotion, &report.intensity] {
        let validation = scale.calibration.as_ref().map_or(0, |c| c.validation);
        assert!(
            validation > 0,
            "a validation part is held back for calibration"
        );
        assert_eq!(scale.train + validation + scale.test, examples.len());
        let share = scale.test as f64 / examples.len() as f64;
        assert!((0.18..0.22).contains(&share), "test share {share}");
        assert_eq!(scale.model.n, scale.test);
        assert!(
            scale.model.accuracy > scale.majority.accuracy,
            "{:?}",
            scale.model
        );
        assert!(scale.chat_eval.is_none());
    }
    assert!(
        report.emotion.model.accuracy > 0.4,
        "{:?}",
        report.emotion.model
    );
    let text = report.to_string();
    assert!(
        text.contains("Emotion") && text.contains("majority class") && text.contains("Very Happy"),
        "{text}"
    );
}

#[test]
fn training_is_deterministic() {
    let examples: Vec<Example> = subset().into_iter().take(600).collect();
    let config = TrainConfig {
        max_iterations: 30,
        ..small_config()
    };
    let one = train(&examples, &config, "det", &mut |_| {}).unwrap();
    let two = train(&examples, &config, "det", &mut |_| {}).unwrap();
    assert_eq!(one.model.to_bytes(), two.model.to_bytes());
}

#[test]
fn bytes_round_trip_bit_identically() {
    let model = &small().model;
    let bytes = model.to_bytes();
    let loaded = Model::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.to_bytes(), bytes);
    assert_eq!(loaded.name(), "small-test");
    for text in [
        "I love it!!",
        "this is awful",
        "see you at 3",
        "meh... whatever",
    ] {
        assert_eq!(loaded.classify(text), model.classify(text), "{text}");
    }
}

#[test]
fn garbage_truncated_and_foreign_bytes_are_rejected() {
    let bytes = small().model.to_bytes();
    assert_eq!(Model::from_bytes(b"").unwrap_err(), ModelError::NotAModel);
    assert_eq!(
        Model::from_bytes(b"hello world, not a model").unwrap_err(),
        ModelError::NotAModel
    );
    let mut other_version = bytes.clone();
    other_version[8] = 99;
    assert_eq!(
        Model::from_bytes(&other_version).unwrap_err(),
        ModelError::UnsupportedVersion {
            found: 99,
            supported: FORMAT_VERSION
        }
    );
    for cut in [9, 10, 50, bytes.len() / 2, bytes.len() - 1] {
        let err = Model::from_bytes(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err, ModelError::Corrupt(_) | ModelError::Inconsistent(_)),
            "cut at {cut}: {err:?}"
        );
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        Model::from_bytes(&trailing),
        Err(ModelError::Corrupt(_))
    ));
    // Random bodies after a valid header never panic.
    let mut rng = SplitMix64::new(5);
    for len in [0, 1, 7, 100, 5_000] {
        let mut garbage = bytes[..10].to_vec();
        garbage.extend((0..len).map(|_| rng.next_u64() as u8));
        assert!(Model::from_bytes(&garbage).is_err());
    }
}

#[test]
fn own_prediction_matches_linfa() {
    let model = &small().model;
    let examples = subset();
    let rows: Vec<_> = examples[..400]
        .iter()
        .map(|e| {
            let mut row = Vec::new();
            model.features().transform(&Analysis::of(&e.text), &mut row);
            row
        })
        .collect();
    let n = model.n_features();
    let x = dense_matrix(rows.iter(), rows.len(), n);
    let y = Array1::from_iter(examples[..400].iter().map(|e| e.emotion.unwrap().index()));
    let fitted = fit_linfa(x.clone(), y, 1.0, 50).unwrap();
    let ours = Linear::from_fitted(&fitted);
    let theirs = fitted.predict_probabilities(&x);
    assert_eq!(fitted.classes(), &[0, 1, 2, 3, 4]);
    for (i, row) in rows.iter().enumerate() {
        let p = ours.probabilities(row);
        for c in 0..5 {
            assert!(
                (p[c] - theirs[[i, c]]).abs() < 1e-9,
                "row {i} class {c}: {} vs {}",
                p[c],
                theirs[[i, c]]
            );
        }
    }
}

#[test]
fn too_few_labels_are_refused_with_the_scale_and_class() {
    let examples = subset();
    let err = train(&examples[..30], &small_config(), "x", &mut |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::TooFewExamples {
                scale: "emotion",
                found: 30,
                needed: 50
            }
        ),
        "{err}"
    );
    let no_very_happy: Vec<Example> = examples
        .iter()
        .filter(|e| e.emotion != Some(Emotion::VeryHappy))
        .take(300)
        .cloned()
        .collect();
    let err = train(&no_very_happy, &small_config(), "x", &mut |_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "too few emotion examples labelled Very Happy: 0, at least 2 are needed"
    );
    let intensity_only: Vec<Example> = examples
        .iter()
        .take(300)
        .map(|e| Example {
            emotion: None,
            ..e.clone()
        })
        .collect();
    let err = train(&intensity_only, &small_config(), "x", &mut |_| {}).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("too few emotion labels: 0 labelled"),
        "{err}"
    );
    let bad = TrainConfig {
        test_fraction: 1.5,
        ..small_config()
    };
    assert!(matches!(
        train(&examples, &bad, "x", &mut |_| {}),
        Err(TrainError::InvalidConfig(_))
    ));
}

#[test]
fn partly_labelled_examples_train_only_their_scale() {
    let mut examples = subset();
    for e in examples.iter_mut().skip(1).step_by(3) {
        e.intensity = None;
    }
    let trained = train(&examples, &small_config(), "partial", &mut |_| {}).unwrap();
    let r = &trained.report;
    let validation = |s: &ScaleReport| s.calibration.as_ref().map_or(0, |c| c.validation);
    assert_eq!(
        r.emotion.train + validation(&r.emotion) + r.emotion.test,
        examples.len()
    );
    let with_intensity = examples.iter().filter(|e| e.intensity.is_some()).count();
    assert_eq!(
        r.intensity.train + validation(&r.intensity) + r.intensity.test,
        with_intensity
    );
    assert_eq!(
        trained.model.info().trained_on,
        [r.emotion.train, r.intensity.train]
    );
}

#[test]
fn builtin_model_loads_and_classifies_obvious_messages() {
    let model = Model::builtin();
    assert!(
        model.name().starts_with("builtin-vader"),
        "{}",
        model.name()
    );
    let mood = model.classify("I love this, thank you so much!!! :)");
    assert!(
        matches!(mood.emotion, Emotion::Happy | Emotion::VeryHappy),
        "{mood:?}"
    );
    assert!(
        matches!(mood.intensity, Intensity::Excited | Intensity::VeryExcited),
        "{mood:?}"
    );
    let mood = model.classify("I failed the exam and I feel awful");
    assert!(
        matches!(mood.emotion, Emotion::Sad | Emotion::VerySad),
        "{mood:?}"
    );
    for text in [
        "the meeting is at 3",
        "ok",
        "the lecture is in room B12 tomorrow",
    ] {
        assert_eq!(model.classify(text).emotion, Emotion::Neutral, "{text}");
    }
    for p in [mood.emotion_probabilities, mood.intensity_probabilities] {
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9 && p.iter().all(|&x| x > 0.0));
    }
    assert_eq!(
        Model::from_bytes(&model.to_bytes()).unwrap().to_bytes(),
        model.to_bytes()
    );
}

/// A known limitation, pinned so a change is noticed: VADER's raters scored friendly sign-offs as mildly
/// positive ("See you tonight, @anonymous!" has mean valence +1.18), and "ok" has lexicon valence +1.2,
/// so the model reads "ok see you at 3" as Happy, with Neutral the runner-up (see docs/sentiment.md).
#[test]
fn ok_see_you_at_3_reads_as_mildly_happy_like_the_vader_raters() {
    let mood = Model::builtin().classify("ok see you at 3");
    assert_eq!(mood.emotion, Emotion::Happy, "{mood:?}");
    let p = mood.emotion_probabilities;
    assert!(
        p[Emotion::Neutral.index()] > p[Emotion::VeryHappy.index()]
            && p[Emotion::Neutral.index()] > p[Emotion::Sad.index()]
    );
    // Since regress-then-bin (format 3) the intensity reads Neutral (uncertain); the chat set labels
    // it Very Muted, and the logistic fit had read it so (docs/sentiment.md, "Intensity").
    assert_eq!(mood.intensity, Intensity::Neutral, "{mood:?}");
    assert!(
        mood.intensity_probabilities
            .iter()
            .all(|&p| p < UNCERTAIN_BELOW)
    );
}

#[test]
fn classify_many_reads_the_window_as_one_document() {
    let model = Model::builtin();
    let window = [
        "the lecture starts at 10",
        "I'm so happy with my results!!",
        "thanks a lot :)",
    ];
    let many = model.classify_many(window);
    assert_eq!(many, model.classify_many(window.iter().copied()));
    assert!(
        matches!(many.emotion, Emotion::Happy | Emotion::VeryHappy),
        "{many:?}"
    );
    assert_ne!(many, model.classify(window[0]));
    assert_eq!(
        model.classify_many(["just one"]),
        model.classify("just one")
    );
}

#[test]
fn builtin_report_is_the_json_of_the_builtin_training() {
    let report: TrainingReport = serde_json::from_str(BUILTIN_REPORT).unwrap();
    assert_eq!(report.name, Model::builtin().name());
    assert_eq!(&report.config, &Model::builtin().info().config);
    assert_eq!(
        report.config,
        TrainConfig::default(),
        "the builtin model uses the default config"
    );
    assert!(report.emotion.chat_eval.is_some());
}

#[test]
fn evaluate_reports_each_labelled_scale() {
    let chat = chat_eval_examples();
    let report = evaluate(Model::builtin(), &chat);
    assert_eq!(report.examples, chat.len());
    let emotion = report.emotion.as_ref().unwrap();
    assert_eq!(emotion.model.n, chat.len());
    assert_eq!(emotion.class_counts.iter().sum::<usize>(), chat.len());
    assert!(report.to_string().contains("Intensity"));
    let only_emotion = vec![Example {
        text: "great".into(),
        emotion: Some(Emotion::Happy),
        intensity: None,
    }];
    let report = evaluate(Model::builtin(), &only_emotion);
    assert!(report.intensity.is_none() && report.emotion.is_some());
}

#[test]
fn public_types_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Model>();
    send_sync::<Trained>();
    send_sync::<TrainError>();
    send_sync::<ModelError>();
    send_sync::<DatasetError>();
    send_sync::<Mood>();
}
