//! Evaluation of a model against the majority and lexicon-rule baselines, and the reports shown to
//! admins and printed by the CLI.

use crate::calibration::softmax;
use crate::dataset::chat_eval_examples;
use crate::example::Example;
use crate::features::SparseRow;
use crate::labels::{Emotion, Intensity};
use crate::metrics::Metrics;
use crate::model::{Model, Mood};
use crate::report_extra::{ArousalFit, CalibrationReport, SourceMetrics, pearson};
use crate::source::DataSource;
use crate::text::{Analysis, score};
use crate::train_config::TrainConfig;
use crate::weak_labels::{arousal_score, intensity_label};
use serde::{Deserialize, Serialize};

/// One scale's results after training: held-out metrics of the model and both baselines, the chat set,
/// and the data sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleReport {
    /// The trained model on the held-out split.
    pub model: Metrics,
    /// Always predicting the training split's most frequent class.
    pub majority: Metrics,
    /// The VADER-lexicon rule (see `docs/sentiment.md`).
    pub lexicon: Metrics,
    /// The model on the hand-labelled chat set, if evaluated.
    pub chat_eval: Option<Metrics>,
    /// The lexicon rule on the chat set, if evaluated.
    pub chat_eval_lexicon: Option<Metrics>,
    /// Labelled training examples.
    pub train: usize,
    /// Labelled held-out examples.
    pub test: usize,
    /// Labelled examples per class (train and test together).
    pub class_counts: [usize; 5],
    /// Held-out metrics per source that has labelled test examples of this scale.
    #[serde(default)]
    pub by_source: Vec<SourceMetrics>,
    /// Calibration on the held-out split.
    #[serde(default)]
    pub calibration: Option<CalibrationReport>,
    /// Correlation with human arousal ratings (intensity, when the test data has ratings).
    #[serde(default)]
    pub arousal: Option<ArousalFit>,
}

/// Time spent in each stage of a training run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Splitting, tokenising and building features.
    pub features_ms: u64,
    /// Fitting the emotion model.
    pub emotion_ms: u64,
    /// Fitting the intensity model.
    pub intensity_ms: u64,
    /// Evaluating.
    pub evaluation_ms: u64,
}

/// Everything an admin needs to judge a freshly trained model (stored as JSON with the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Model name.
    pub name: String,
    /// Examples given to training (train, validation and test together).
    pub examples: usize,
    /// Regression inputs of the model.
    pub features: usize,
    /// N-grams in the vocabulary.
    pub vocabulary: usize,
    /// Emotion scale.
    pub emotion: ScaleReport,
    /// Intensity scale.
    pub intensity: ScaleReport,
    /// The configuration used.
    pub config: TrainConfig,
    /// The data sources trained on.
    #[serde(default)]
    pub sources: Vec<DataSource>,
    /// Stage durations.
    pub timings: Timings,
}

/// One scale's results when evaluating an existing model on labelled examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleEval {
    /// The model.
    pub model: Metrics,
    /// Always predicting the most frequent class of these examples (an optimistic baseline).
    pub majority: Metrics,
    /// The VADER-lexicon rule.
    pub lexicon: Metrics,
    /// Labelled examples per class.
    pub class_counts: [usize; 5],
}

/// Evaluation of a model on labelled examples that are all treated as test data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Model name.
    pub name: String,
    /// Examples evaluated.
    pub examples: usize,
    /// Emotion results, if any example has an emotion label.
    pub emotion: Option<ScaleEval>,
    /// Intensity results, if any example has an intensity label.
    pub intensity: Option<ScaleEval>,
}

/// Predictions of the model and of the lexicon rule for one example.
struct Predicted {
    mood: Mood,
    /// Uncalibrated probabilities (temperature 1) of both scales.
    uncalibrated: [[f64; 5]; 2],
    lexicon: (usize, usize),
    lexicon_arousal: f64,
}

fn predict(model: &Model, analysis: &Analysis) -> Predicted {
    let s = score(analysis);
    let lexicon = (
        Emotion::from_valence(s.plain_sum).index(),
        intensity_label(s.plain_sum, analysis.cues()).index(),
    );
    let mut row = SparseRow::with_capacity(64);
    model.space().transform(analysis, &mut row);
    let [e, i] = model.scales();
    Predicted {
        mood: model.classify_row(&row),
        uncalibrated: [softmax(&e.logits(&row), 1.0), softmax(&i.logits(&row), 1.0)],
        lexicon,
        lexicon_arousal: arousal_score(s.plain_sum, analysis.cues()),
    }
}

impl Predicted {
    fn probabilities(&self, scale: usize) -> [f64; 5] {
        if scale == 0 {
            self.mood.emotion_probabilities
        } else {
            self.mood.intensity_probabilities
        }
    }
}

/// One held-out example as the report needs it.
pub(crate) struct TestRow<'a> {
    /// The example.
    pub example: &'a Example,
    /// Its analysis.
    pub analysis: &'a Analysis,
    /// Name of its source.
    pub source: &'a str,
    /// Its human arousal rating, if it has one.
    pub arousal: Option<f64>,
}

/// What training knows beyond the rows: validation sizes and the arousal of each class.
pub(crate) struct ReportContext {
    /// Validation examples per scale the temperatures were fitted on.
    pub validation: [usize; 2],
    /// Mean training arousal per intensity class, if the training data had ratings.
    pub class_arousal: Option<[f64; 5]>,
}

/// Labelled (actual, predicted) pairs of one scale: (model, lexicon, majority constant).
fn pairs<P: std::borrow::Borrow<Predicted>>(
    labels: &[Option<usize>],
    predicted: &[P],
    scale: usize,
    majority: usize,
) -> (Metrics, Metrics, Metrics) {
    let labelled = || {
        labels
            .iter()
            .zip(predicted)
            .filter_map(|(l, p)| Some((l.as_ref().copied()?, p.borrow())))
    };
    let model = Metrics::from_pairs(labelled().map(|(a, p)| {
        (
            a,
            if scale == 0 {
                p.mood.emotion.index()
            } else {
                p.mood.intensity.index()
            },
        )
    }));
    let lexicon = Metrics::from_pairs(
        labelled().map(|(a, p)| (a, if scale == 0 { p.lexicon.0 } else { p.lexicon.1 })),
    );
    let majority = Metrics::from_pairs(labelled().map(|(a, _)| (a, majority)));
    (model, lexicon, majority)
}

fn counts(labels: impl Iterator<Item = Option<usize>>) -> [usize; 5] {
    let mut out = [0; 5];
    labels.flatten().for_each(|c| out[c] += 1);
    out
}

fn most_frequent(counts: &[usize; 5]) -> usize {
    (0..5).fold(0, |best, c| if counts[c] > counts[best] { c } else { best })
}

fn scale_labels(examples: &[&Example]) -> [Vec<Option<usize>>; 2] {
    [
        examples
            .iter()
            .map(|e| e.emotion.map(Emotion::index))
            .collect(),
        examples
            .iter()
            .map(|e| e.intensity.map(Intensity::index))
            .collect(),
    ]
}

/// Builds the report of a training run from the train and held-out examples.
pub(crate) fn training_report(
    model: &Model,
    train: &[&Example],
    test: &[TestRow<'_>],
    context: &ReportContext,
    evaluate_chat: bool,
) -> TrainingReport {
    let test_examples: Vec<&Example> = test.iter().map(|r| r.example).collect();
    let predicted: Vec<Predicted> = test.iter().map(|r| predict(model, r.analysis)).collect();
    let chat = evaluate_chat.then(chat_eval_examples);
    let chat_refs: Vec<&Example> = chat.iter().flatten().collect();
    let chat_predicted: Vec<Predicted> = chat_refs
        .iter()
        .map(|e| predict(model, &Analysis::of(&e.text)))
        .collect();
    let train_labels = scale_labels(train);
    let test_labels = scale_labels(&test_examples);
    let chat_labels = scale_labels(&chat_refs);
    let scale = |s: usize| {
        let train_counts = counts(train_labels[s].iter().copied());
        let test_counts = counts(test_labels[s].iter().copied());
        let majority = most_frequent(&train_counts);
        let (model_m, lexicon, majority_m) = pairs(&test_labels[s], &predicted, s, majority);
        let chat_metrics = chat
            .as_ref()
            .map(|_| pairs(&chat_labels[s], &chat_predicted, s, majority));
        let held_out: Vec<([f64; 5], [f64; 5], usize)> = test_labels[s]
            .iter()
            .zip(&predicted)
            .filter_map(|(l, p)| Some((p.probabilities(s), p.uncalibrated[s], (*l)?)))
            .collect();
        let calibration = (!held_out.is_empty()).then(|| {
            CalibrationReport::of(
                model.info().temperatures[s],
                context.validation[s],
                &held_out,
            )
        });
        ScaleReport {
            by_source: by_source(test, &test_labels[s], &predicted, s, majority),
            calibration,
            arousal: if s == 1 {
                arousal_fit(test, &predicted, context.class_arousal)
            } else {
                None
            },
            model: model_m,
            majority: majority_m,
            lexicon,
            chat_eval: chat_metrics.as_ref().map(|m| m.0.clone()),
            chat_eval_lexicon: chat_metrics.map(|m| m.1),
            train: train_counts.iter().sum(),
            test: test_counts.iter().sum(),
            class_counts: std::array::from_fn(|c| train_counts[c] + test_counts[c]),
        }
    };
    TrainingReport {
        name: model.name().to_string(),
        examples: train.len() + test.len(),
        features: model.n_features(),
        vocabulary: model.vocabulary_size(),
        emotion: scale(0),
        intensity: scale(1),
        config: model.info().config.clone(),
        sources: model.info().sources.clone(),
        timings: Timings::default(),
    }
}

/// Held-out metrics of each source with labelled test examples of scale `s`.
fn by_source(
    test: &[TestRow<'_>],
    labels: &[Option<usize>],
    predicted: &[Predicted],
    s: usize,
    majority: usize,
) -> Vec<SourceMetrics> {
    let mut names: Vec<&str> = test.iter().map(|r| r.source).collect();
    names.dedup();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (l, p): (Vec<Option<usize>>, Vec<&Predicted>) = test
                .iter()
                .zip(labels.iter().zip(predicted))
                .filter(|(r, (l, _))| r.source == name && l.is_some())
                .map(|(_, (l, p))| (*l, p))
                .unzip();
            if l.is_empty() {
                return None;
            }
            let (model, lexicon, majority) = pairs(&l, &p, s, majority);
            Some(SourceMetrics {
                source: name.to_string(),
                model,
                majority,
                lexicon,
            })
        })
        .collect()
}

/// Pearson r with human arousal of the model read as a regression and of the lexicon rule.
fn arousal_fit(
    test: &[TestRow<'_>],
    predicted: &[Predicted],
    class_arousal: Option<[f64; 5]>,
) -> Option<ArousalFit> {
    let class_arousal = class_arousal?;
    let rated: Vec<(f64, &Predicted)> = test
        .iter()
        .zip(predicted)
        .filter_map(|(r, p)| Some((r.arousal?, p)))
        .collect();
    if rated.len() < 2 {
        return None;
    }
    let expected = |p: &Predicted| -> f64 {
        (0..5)
            .map(|c| p.mood.intensity_probabilities[c] * class_arousal[c])
            .sum()
    };
    let model: Vec<(f64, f64)> = rated.iter().map(|(a, p)| (expected(p), *a)).collect();
    let lexicon: Vec<(f64, f64)> = rated.iter().map(|(a, p)| (p.lexicon_arousal, *a)).collect();
    Some(ArousalFit {
        model_r: pearson(&model),
        lexicon_r: pearson(&lexicon),
        n: rated.len(),
        class_arousal,
    })
}

/// Evaluates an existing model on labelled examples (all of them are test data), with baselines.
pub fn evaluate(model: &Model, examples: &[Example]) -> EvalReport {
    let refs: Vec<&Example> = examples.iter().collect();
    let predicted: Vec<Predicted> = refs
        .iter()
        .map(|e| predict(model, &Analysis::of(&e.text)))
        .collect();
    let labels = scale_labels(&refs);
    let scale = |s: usize| {
        let class_counts = counts(labels[s].iter().copied());
        if class_counts.iter().sum::<usize>() == 0 {
            return None;
        }
        let (model, lexicon, majority) =
            pairs(&labels[s], &predicted, s, most_frequent(&class_counts));
        Some(ScaleEval {
            model,
            majority,
            lexicon,
            class_counts,
        })
    };
    EvalReport {
        name: model.name().to_string(),
        examples: examples.len(),
        emotion: scale(0),
        intensity: scale(1),
    }
}
