//! Training both scales with linfa-logistic on a deterministic stratified split, then evaluating.

use crate::calibration::{fit_temperature, reliability, softmax};
use crate::example::Example;
use crate::features::{FeatureSpace, SparseRow};
use crate::labels::Intensity;
use crate::linear::Linear;
use crate::model::{Model, ModelInfo};
use crate::parts::assign_parts;
use crate::report::{ReportContext, TestRow, Timings, TrainingReport, training_report};
use crate::source::{Part, Source};
use crate::text::Analysis;
use crate::train_config::TrainConfig;
use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use std::time::Instant;

/// Progress of a training run, reported in this order. The two fits run concurrently on two threads:
/// `Intensity` is reported when the emotion fit is done and the intensity fit may still be running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainStage {
    /// Checking the data, splitting, extracting features.
    Preparing,
    /// Fitting the emotion model.
    Emotion,
    /// Fitting the intensity model.
    Intensity,
    /// Evaluating on the held-out split and the chat set.
    Evaluating,
}

/// Why training could not produce a model.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A scale has too few labelled examples.
    #[error("too few {scale} labels: {found} labelled examples, at least {needed} are needed")]
    TooFewExamples {
        /// "emotion" or "intensity".
        scale: &'static str,
        /// Labelled examples found.
        found: usize,
        /// The minimum.
        needed: usize,
    },
    /// A class of a scale has fewer than two examples, so it cannot be both trained on and tested.
    #[error("too few {scale} examples labelled {class}: {found}, at least 2 are needed")]
    TooFewInClass {
        /// "emotion" or "intensity".
        scale: &'static str,
        /// The class label.
        class: &'static str,
        /// Examples found.
        found: usize,
    },
    /// The configuration is unusable.
    #[error("invalid training configuration: {0}")]
    InvalidConfig(String),
    /// The vocabulary could not be built.
    #[error("feature extraction failed: {0}")]
    Features(String),
    /// linfa could not fit a model.
    #[error("fitting the {scale} model failed: {source}")]
    Fit {
        /// "emotion" or "intensity".
        scale: &'static str,
        /// linfa's error.
        source: linfa_logistic::error::Error,
    },
}

/// A trained model with its evaluation report.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model, trained on the training split.
    pub model: Model,
    /// Held-out and chat-set evaluation against the baselines.
    pub report: TrainingReport,
}

/// Trains both scales on a stratified split of `examples` (one unnamed source) and evaluates them on
/// the held-out part.
pub fn train(
    examples: &[Example],
    config: &TrainConfig,
    name: &str,
    progress: &mut dyn FnMut(TrainStage),
) -> Result<Trained, TrainError> {
    let source = Source::new("examples", "given examples", examples.to_vec());
    train_sources(&[source], config, name, progress)
}

/// Trains both scales on the training parts of `sources`, fits each scale's calibration temperature
/// on the validation parts, and evaluates on the test parts. A source without its own parts is split
/// by stratification (`test_fraction`, then `validation_fraction` of the rest).
pub fn train_sources(
    sources: &[Source],
    config: &TrainConfig,
    name: &str,
    progress: &mut dyn FnMut(TrainStage),
) -> Result<Trained, TrainError> {
    let started = Instant::now();
    progress(TrainStage::Preparing);
    if let Some(problem) = config.problem() {
        return Err(TrainError::InvalidConfig(problem.into()));
    }
    let rows = assign_parts(sources, config)?;
    let examples: Vec<&Example> = rows.iter().map(|r| r.example).collect();
    check_labels(
        "emotion",
        examples
            .iter()
            .map(|e| e.emotion.map(|c| (c.index(), c.label()))),
        config,
    )?;
    check_labels(
        "intensity",
        examples
            .iter()
            .map(|e| e.intensity.map(|c| (c.index(), c.label()))),
        config,
    )?;
    let of_part =
        |part: Part| -> Vec<usize> { (0..rows.len()).filter(|&i| rows[i].part == part).collect() };
    let (train_idx, validation_idx, test_idx) = (
        of_part(Part::Train),
        of_part(Part::Validation),
        of_part(Part::Test),
    );
    let analyses: Vec<Analysis> = examples.iter().map(|e| Analysis::of(&e.text)).collect();
    let train_docs: Vec<&Analysis> = train_idx.iter().map(|&i| &analyses[i]).collect();
    let emotion_labels: Vec<Option<usize>> = train_idx
        .iter()
        .map(|&i| examples[i].emotion.map(|c| c.index()))
        .collect();
    let intensity_labels: Vec<Option<usize>> = train_idx
        .iter()
        .map(|&i| examples[i].intensity.map(|c| c.index()))
        .collect();
    let train_ratings: Vec<Option<f64>> = train_idx.iter().map(|&i| rows[i].arousal).collect();
    let (space, train_rows) = FeatureSpace::fit(
        &train_docs,
        [&emotion_labels, &intensity_labels],
        &config.features(),
    )
    .map_err(TrainError::Features)?;
    let features_ms = started.elapsed().as_millis() as u64;

    progress(TrainStage::Emotion);
    let labels = [emotion_labels.as_slice(), intensity_labels.as_slice()];
    let [
        (emotion, emotion_n, emotion_ms),
        (intensity, intensity_n, intensity_ms),
    ] = fit_both(&space, &train_rows, labels, &train_ratings, config, || {
        progress(TrainStage::Intensity)
    })?;

    progress(TrainStage::Evaluating);
    let t = Instant::now();
    let validation: Vec<(&Example, SparseRow)> = validation_idx
        .iter()
        .map(|&i| {
            let mut row = SparseRow::new();
            space.transform(&analyses[i], &mut row);
            (examples[i], row)
        })
        .collect();
    let temperatures = [
        temperature(&emotion, &validation, |e| e.emotion.map(|c| c.index())),
        temperature(&intensity, &validation, |e| e.intensity.map(|c| c.index())),
    ];
    let calibrate = |linear: Linear, t: f64| {
        linear
            .with_temperature(t)
            .map_err(|e| TrainError::Features(format!("calibration: {e}")))
    };
    let (emotion, intensity) = (
        calibrate(emotion, temperatures[0].0)?,
        calibrate(intensity, temperatures[1].0)?,
    );
    let info = ModelInfo {
        name: name.to_string(),
        config: config.clone(),
        trained_on: [emotion_n, intensity_n],
        sources: sources.iter().map(|s| s.info.clone()).collect(),
        temperatures: [temperatures[0].0, temperatures[1].0],
    };
    let model = Model::from_parts(info, space, emotion, intensity);
    let test: Vec<TestRow> = test_idx
        .iter()
        .map(|&i| TestRow {
            example: examples[i],
            analysis: &analyses[i],
            source: &sources[rows[i].source].info.name,
            arousal: rows[i].arousal,
        })
        .collect();
    let train: Vec<&Example> = train_idx.iter().map(|&i| examples[i]).collect();
    let train_arousal: Vec<(Intensity, f64)> = train_idx
        .iter()
        .filter_map(|&i| Some((examples[i].intensity?, rows[i].arousal?)))
        .collect();
    let context = ReportContext {
        validation: [temperatures[0].1, temperatures[1].1],
        class_arousal: class_means(&train_arousal),
    };
    let mut report = training_report(&model, &train, &test, &context, config.evaluate_chat);
    report.examples = rows.len();
    report.timings = Timings {
        features_ms,
        emotion_ms,
        intensity_ms,
        evaluation_ms: t.elapsed().as_millis() as u64,
    };
    Ok(Trained { model, report })
}

/// The temperature of a scale fitted on the validation rows that have its label, and their number.
fn temperature(
    linear: &Linear,
    validation: &[(&Example, SparseRow)],
    label: impl Fn(&Example) -> Option<usize>,
) -> (f64, usize) {
    let (logits, labels): (Vec<[f64; 5]>, Vec<usize>) = validation
        .iter()
        .filter_map(|(e, row)| Some((linear.logits(row), label(e)?)))
        .unzip();
    let fitted = fit_temperature(&logits, &labels);
    // Keep the temperature only if it also lowers the validation calibration error.
    let ece = |t: f64| {
        let p: Vec<[f64; 5]> = logits.iter().map(|z| softmax(z, t)).collect();
        reliability(p.iter().zip(labels.iter().copied())).ece
    };
    let t = if ece(fitted) < ece(1.0) { fitted } else { 1.0 };
    (t, labels.len())
}

/// Mean human arousal of the training examples of each intensity class (`None` without ratings).
fn class_means(rated: &[(Intensity, f64)]) -> Option<[f64; 5]> {
    let mut sums = [(0.0, 0usize); 5];
    for &(class, a) in rated {
        sums[class.index()].0 += a;
        sums[class.index()].1 += 1;
    }
    sums.iter()
        .all(|s| s.1 > 0)
        .then(|| sums.map(|(sum, n)| sum / n as f64))
}

/// A fitted scale, the number of rows it was fitted on, and how long the fit took in milliseconds.
type Fitted = (Linear, usize, u64);

/// Fits the emotion and intensity models concurrently on two threads (each fit is deterministic on its
/// own); `emotion_done` runs when the emotion fit has finished. Intensity is regress-then-bin on the
/// human ratings (`ratings`, per training row) when `config.intensity_regression` is set and every
/// intensity-labelled row has one; otherwise both are multinomial logistic regressions.
fn fit_both(
    space: &FeatureSpace,
    rows: &[SparseRow],
    labels: [&[Option<usize>]; 2],
    ratings: &[Option<f64>],
    config: &TrainConfig,
    emotion_done: impl FnOnce(),
) -> Result<[Fitted; 2], TrainError> {
    let timed_fit = |scale, labels: &[Option<usize>], alpha| {
        let t = Instant::now();
        fit_scale(scale, space, rows, labels, alpha, config)
            .map(|(linear, n)| (linear, n, t.elapsed().as_millis() as u64))
    };
    let rated = labels[1]
        .iter()
        .zip(ratings)
        .all(|(l, a)| l.is_none() || a.is_some());
    let fit_intensity = || {
        if !(config.intensity_regression && rated) {
            return timed_fit("intensity", labels[1], config.intensity_alpha);
        }
        let t = Instant::now();
        crate::ridge::fit_arousal(space, rows, labels[1], ratings, config.intensity_alpha)
            .map(|(linear, n)| (linear, n, t.elapsed().as_millis() as u64))
            .map_err(|e| TrainError::Features(format!("intensity regression: {e}")))
    };
    let (emotion, intensity) = std::thread::scope(|scope| {
        let intensity = scope.spawn(fit_intensity);
        let emotion = timed_fit("emotion", labels[0], config.emotion_alpha);
        emotion_done();
        (emotion, intensity.join())
    });
    let intensity = match intensity {
        Ok(fit) => fit?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    Ok([emotion?, intensity])
}

/// Refuses a scale with too few labels overall or a class with fewer than two.
fn check_labels(
    scale: &'static str,
    labels: impl Iterator<Item = Option<(usize, &'static str)>>,
    config: &TrainConfig,
) -> Result<(), TrainError> {
    let mut counts = [(0usize, ""); 5];
    for (index, label) in labels.flatten() {
        counts[index] = (counts[index].0 + 1, label);
    }
    let found: usize = counts.iter().map(|c| c.0).sum();
    let needed = config.min_examples.max(10);
    if found < needed {
        return Err(TrainError::TooFewExamples {
            scale,
            found,
            needed,
        });
    }
    let names = match scale {
        "emotion" => crate::Emotion::ALL.map(|c| c.label()),
        _ => crate::Intensity::ALL.map(|c| c.label()),
    };
    for (i, &(count, _)) in counts.iter().enumerate() {
        if count < 2 {
            return Err(TrainError::TooFewInClass {
                scale,
                class: names[i],
                found: count,
            });
        }
    }
    Ok(())
}

/// Fits one scale on the training rows that have its label; returns the model and how many rows it saw.
fn fit_scale(
    scale: &'static str,
    space: &FeatureSpace,
    rows: &[SparseRow],
    labels: &[Option<usize>],
    alpha: f64,
    config: &TrainConfig,
) -> Result<(Linear, usize), TrainError> {
    let labelled: Vec<(&SparseRow, usize)> = rows
        .iter()
        .zip(labels)
        .filter_map(|(r, l)| Some((r, (*l)?)))
        .collect();
    let x = dense_matrix(
        labelled.iter().map(|(r, _)| *r),
        labelled.len(),
        space.n_features(),
    );
    let y = Array1::from_iter(labelled.iter().map(|(_, l)| *l));
    let fitted = fit_linfa(x, y, alpha, config.max_iterations)
        .map_err(|source| TrainError::Fit { scale, source })?;
    Ok((Linear::from_fitted(&fitted), labelled.len()))
}

/// The dense matrix linfa needs, filled from sparse rows.
pub(crate) fn dense_matrix<'a>(
    rows: impl Iterator<Item = &'a SparseRow>,
    n_rows: usize,
    n_features: usize,
) -> Array2<f64> {
    let mut x = Array2::<f64>::zeros((n_rows, n_features));
    for (r, row) in rows.enumerate() {
        for &(c, v) in row {
            x[[r, c as usize]] = v;
        }
    }
    x
}

/// Fits linfa-logistic's multinomial logistic regression (L-BFGS, L2 penalty `alpha`).
pub(crate) fn fit_linfa(
    x: Array2<f64>,
    y: Array1<usize>,
    alpha: f64,
    max_iterations: u64,
) -> Result<MultiFittedLogisticRegression<f64, usize>, linfa_logistic::error::Error> {
    MultiLogisticRegression::default()
        .alpha(alpha)
        .max_iterations(max_iterations)
        .fit(&DatasetBase::new(x, y))
}
