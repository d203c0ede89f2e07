//! Evaluation of a model against the majority and lexicon-rule baselines, and the reports shown to
//! admins and printed by the CLI.

use crate::dataset::chat_eval_examples;
use crate::example::Example;
use crate::labels::{Emotion, Intensity};
use crate::metrics::Metrics;
use crate::model::{Model, Mood};
use crate::text::{Analysis, score};
use crate::train_config::TrainConfig;
use crate::weak_labels::intensity_label;
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
    /// Examples given to training (train and test together).
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
    lexicon: (usize, usize),
}

fn predict(model: &Model, analysis: &Analysis) -> Predicted {
    let s = score(analysis);
    let lexicon = (
        Emotion::from_valence(s.plain_sum).index(),
        intensity_label(s.plain_sum, analysis.cues()).index(),
    );
    Predicted {
        mood: model.classify_analysis(analysis),
        lexicon,
    }
}

/// Labelled (actual, predicted) pairs of one scale: (model, lexicon, majority constant).
fn pairs(
    labels: &[Option<usize>],
    predicted: &[Predicted],
    scale: usize,
    majority: usize,
) -> (Metrics, Metrics, Metrics) {
    let labelled = || {
        labels
            .iter()
            .zip(predicted)
            .filter_map(|(l, p)| Some((l.as_ref().copied()?, p)))
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
    test: &[(&Example, &Analysis)],
    evaluate_chat: bool,
) -> TrainingReport {
    let test_examples: Vec<&Example> = test.iter().map(|(e, _)| *e).collect();
    let predicted: Vec<Predicted> = test.iter().map(|(_, a)| predict(model, a)).collect();
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
        ScaleReport {
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
        timings: Timings::default(),
    }
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
