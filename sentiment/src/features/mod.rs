//! Feature extraction. A document becomes one sparse row for the logistic regressions:
//! the TF-IDF values of the most frequent n-grams, the standardised dense lexicon/cue features, and
//! the standardised naive-Bayes evidence scores of both scales computed over the whole vocabulary.

mod dense;
mod nb;
mod vocab;

pub use dense::{DENSE_NAMES, N_DENSE, dense_raw};
pub use nb::NbFile;
pub use vocab::{VocabFile, Vocabulary};

use crate::text::Analysis;
use serde::{Deserialize, Serialize};

/// A sparse feature row: (column, value) pairs in increasing column order.
pub type SparseRow = Vec<(u32, f64)>;

/// Columns after the direct n-grams: dense features, then five naive-Bayes scores per scale.
const N_TAIL: usize = N_DENSE + 10;

/// A document's regression inputs in parts (see [`FeatureSpace::parts`]).
#[derive(Debug, Clone)]
pub struct DocumentParts {
    /// TF-IDF value of each vocabulary n-gram in the document.
    pub tfidf: SparseRow,
    /// The words behind each n-gram id.
    pub surfaces: Vec<(u32, String)>,
    /// Standardised dense features.
    pub dense: [f64; N_DENSE],
}

/// How features are built; part of the training configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Minimum number of training documents an n-gram must occur in.
    pub min_df: u32,
    /// Size cap of the n-gram vocabulary (the most frequent are kept).
    pub max_ngrams: usize,
    /// How many of the most frequent n-grams are also direct regression inputs.
    pub direct_ngrams: usize,
    /// Whether adjacent-word bigrams are n-grams too.
    pub bigrams: bool,
    /// Additive smoothing of the naive-Bayes scorers.
    pub nb_alpha: f64,
    /// Folds used to cross-fit the naive-Bayes scores of training rows.
    pub nb_folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
}

/// The stored feature space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureFile {
    /// The n-gram vocabulary with IDF weights.
    pub vocab: VocabFile,
    /// Number of leading n-grams that are direct regression inputs.
    pub direct: u32,
    /// Training mean of each dense feature.
    pub dense_mean: Vec<f64>,
    /// Training standard deviation of each dense feature.
    pub dense_std: Vec<f64>,
    /// Naive-Bayes scorers: emotion, then intensity.
    pub nb: [NbFile; 2],
}

/// The feature space ready for extraction.
#[derive(Debug, Clone)]
pub struct FeatureSpace {
    vocab: Vocabulary,
    direct: u32,
    dense_mean: Vec<f64>,
    dense_std: Vec<f64>,
    nb: [NbFile; 2],
}

impl FeatureSpace {
    /// Builds a space from its stored form, checking that the parts fit together.
    pub fn new(file: FeatureFile) -> Result<Self, String> {
        let vocab = Vocabulary::new(file.vocab)?;
        if file.direct as usize > vocab.len() {
            return Err(format!(
                "{} direct n-grams but only {} in the vocabulary",
                file.direct,
                vocab.len()
            ));
        }
        if file.dense_mean.len() != N_DENSE || file.dense_std.len() != N_DENSE {
            return Err(format!(
                "dense statistics for {} features, expected {N_DENSE}",
                file.dense_mean.len()
            ));
        }
        let stats = file.dense_mean.iter().chain(&file.dense_std);
        if stats.clone().any(|v| !v.is_finite()) || file.dense_std.iter().any(|&s| s <= 0.0) {
            return Err("non-finite dense statistic".into());
        }
        for nb in &file.nb {
            nb.check(vocab.len())?;
        }
        Ok(FeatureSpace {
            vocab,
            direct: file.direct,
            dense_mean: file.dense_mean,
            dense_std: file.dense_std,
            nb: file.nb,
        })
    }

    /// The stored form.
    pub fn file(&self) -> FeatureFile {
        FeatureFile {
            vocab: self.vocab.file().clone(),
            direct: self.direct,
            dense_mean: self.dense_mean.clone(),
            dense_std: self.dense_std.clone(),
            nb: self.nb.clone(),
        }
    }

    /// Number of regression inputs.
    pub fn n_features(&self) -> usize {
        self.direct as usize + N_TAIL
    }

    /// Size of the n-gram vocabulary.
    pub fn n_grams(&self) -> usize {
        self.vocab.len()
    }

    /// Fits the space on training documents and returns it with their regression rows (whose
    /// naive-Bayes scores are cross-fitted). `labels` are the emotion and intensity labels.
    pub fn fit(
        docs: &[&Analysis],
        labels: [&[Option<usize>]; 2],
        config: &FeatureConfig,
    ) -> Result<(Self, Vec<SparseRow>), String> {
        let vocab = Vocabulary::fit(docs, config.min_df, config.max_ngrams, config.bigrams)?;
        let tfidf: Vec<SparseRow> = docs
            .iter()
            .map(|doc| {
                let mut row = SparseRow::new();
                vocab.tfidf(doc, &mut row);
                row
            })
            .collect();
        let dense: Vec<[f64; N_DENSE]> = docs.iter().map(|doc| dense_raw(doc)).collect();
        let (dense_mean, dense_std) = dense::statistics(&dense);
        let n = vocab.len();
        let (nb_emotion, raw_emotion) = nb::fit(
            &tfidf,
            labels[0],
            n,
            config.nb_alpha,
            config.nb_folds,
            config.seed,
        );
        let (nb_intensity, raw_intensity) = nb::fit(
            &tfidf,
            labels[1],
            n,
            config.nb_alpha,
            config.nb_folds,
            config.seed.wrapping_add(1),
        );
        let direct = config.direct_ngrams.min(n) as u32;
        let space = FeatureSpace {
            vocab,
            direct,
            dense_mean,
            dense_std,
            nb: [nb_emotion, nb_intensity],
        };
        let rows = (0..docs.len())
            .map(|i| {
                let mut row = SparseRow::new();
                space.assemble(
                    &tfidf[i],
                    &dense[i],
                    [raw_emotion[i], raw_intensity[i]],
                    &mut row,
                );
                row
            })
            .collect();
        Ok((space, rows))
    }

    /// The regression row of a document.
    pub fn transform(&self, doc: &Analysis, row: &mut SparseRow) {
        let mut tfidf = SparseRow::with_capacity(doc.tokens().len() * 2);
        self.vocab.tfidf(doc, &mut tfidf);
        let raw = [self.nb[0].raw(&tfidf), self.nb[1].raw(&tfidf)];
        self.assemble(&tfidf, &dense_raw(doc), raw, row);
    }

    /// A document's regression inputs in parts, for explanations: its TF-IDF n-grams, the words
    /// behind them, and the standardised dense features.
    pub fn parts(&self, doc: &Analysis) -> DocumentParts {
        let mut tfidf = SparseRow::with_capacity(doc.tokens().len() * 2);
        self.vocab.tfidf(doc, &mut tfidf);
        let raw = dense_raw(doc);
        DocumentParts {
            tfidf,
            surfaces: self.vocab.surfaces(doc),
            dense: std::array::from_fn(|j| (raw[j] - self.dense_mean[j]) / self.dense_std[j]),
        }
    }

    /// Number of direct n-gram columns (the first columns of a row).
    pub fn direct(&self) -> usize {
        self.direct as usize
    }

    /// The naive-Bayes scorers (emotion, intensity).
    pub fn nb(&self) -> &[NbFile; 2] {
        &self.nb
    }

    /// Direct n-grams, then standardised dense features, then standardised naive-Bayes scores.
    fn assemble(
        &self,
        tfidf: &SparseRow,
        dense: &[f64; N_DENSE],
        nb_raw: [[f64; 5]; 2],
        row: &mut SparseRow,
    ) {
        row.clear();
        row.extend(tfidf.iter().copied().filter(|&(j, _)| j < self.direct));
        let mut column = self.direct;
        for (j, &raw) in dense.iter().enumerate() {
            row.push((column, (raw - self.dense_mean[j]) / self.dense_std[j]));
            column += 1;
        }
        for (nb, raw) in self.nb.iter().zip(nb_raw) {
            for value in nb.standardise(raw) {
                row.push((column, value));
                column += 1;
            }
        }
    }
}
