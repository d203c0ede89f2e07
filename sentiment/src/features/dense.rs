//! Dense features from the VADER lexicon score and the arousal cues.

use crate::text::{Analysis, score};
use crate::weak_labels::cue_shift;

/// Number of dense (lexicon and cue) features.
pub const N_DENSE: usize = 25;

/// Names of the dense features, in column order (for reports and debugging).
pub const DENSE_NAMES: [&str; N_DENSE] = [
    "lexicon_sum",
    "lexicon_compound",
    "lexicon_positive",
    "lexicon_negative",
    "lexicon_max",
    "lexicon_min",
    "lexicon_abs_compound",
    "lexicon_positive_hits",
    "lexicon_negative_hits",
    "lexicon_plain_sum",
    "lexicon_last",
    "lexicon_mean",
    "exclamations",
    "questions",
    "caps_words",
    "elongated",
    "boosters",
    "hedges",
    "ellipses",
    "emoticons_positive",
    "emoticons_negative",
    "strong_emoticons",
    "negations",
    "words",
    "cue_shift",
];

/// The dense features of a document before standardisation (order of [`DENSE_NAMES`]).
pub fn dense_raw(doc: &Analysis) -> [f64; N_DENSE] {
    let s = score(doc);
    let c = doc.cues();
    let log = |n: u32| f64::from(n).ln_1p();
    let hits = s.positive_hits + s.negative_hits;
    let mean = if hits == 0 {
        0.0
    } else {
        (s.positive + s.negative) / f64::from(hits)
    };
    [
        s.sum,
        s.compound(),
        s.positive,
        s.negative,
        s.max,
        s.min,
        s.compound().abs(),
        log(s.positive_hits),
        log(s.negative_hits),
        s.plain_sum,
        s.last,
        mean,
        log(c.exclamations),
        log(c.questions),
        log(c.caps_words),
        log(c.elongated),
        log(c.boosters),
        log(c.hedges),
        log(c.ellipses),
        log(c.emoticons_positive),
        log(c.emoticons_negative),
        log(c.strong_emoticons),
        log(c.negations),
        log(c.words),
        cue_shift(c),
    ]
}

/// Mean and standard deviation (1 where it is 0) of each dense feature over training rows.
pub fn statistics(rows: &[[f64; N_DENSE]]) -> (Vec<f64>, Vec<f64>) {
    let n = rows.len().max(1) as f64;
    let mean: Vec<f64> = (0..N_DENSE)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    let std = (0..N_DENSE)
        .map(|j| {
            let var = rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
            if var > 1e-12 { var.sqrt() } else { 1.0 }
        })
        .collect();
    (mean, std)
}
