//! The n-gram vocabulary: stemmed words (marked when negated) and adjacent-word bigrams, chosen by
//! document frequency, with TF-IDF weighting.

use super::SparseRow;
use crate::fxhash::FxHashMap;
use crate::text::{Analysis, Token, TokenKind, stem};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::HashMap;

/// Marks a unigram key (bigram keys never have the top bit set, as term ids are < 2^31).
const UNIGRAM: u64 = 1 << 63;

/// The stored vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VocabFile {
    /// Stems (and special tokens such as "<num>" or ":)") used by the n-grams, sorted.
    pub terms: Vec<String>,
    /// Surface words seen in training whose stem is a term, with that term: saves stemming at run time.
    pub surfaces: Vec<(String, u32)>,
    /// N-gram keys, most frequent first (ties by key).
    pub grams: Vec<u64>,
    /// Inverse document frequency of each n-gram.
    pub idf: Vec<f64>,
    /// Whether bigrams are extracted.
    pub bigrams: bool,
}

/// The vocabulary with its lookup tables.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    file: VocabFile,
    term_ids: FxHashMap<Box<str>, u32>,
    surface_ids: FxHashMap<Box<str>, u32>,
    gram_ids: FxHashMap<u64, u32>,
}

impl Vocabulary {
    /// Builds the lookup tables, checking that every id points at something.
    pub fn new(file: VocabFile) -> Result<Self, String> {
        let n_terms = file.terms.len() as u64;
        if file.idf.len() != file.grams.len() {
            return Err(format!(
                "{} IDF weights for {} n-grams",
                file.idf.len(),
                file.grams.len()
            ));
        }
        if file.idf.iter().any(|v| !v.is_finite()) {
            return Err("non-finite IDF weight".into());
        }
        let in_range = |id: u64| id < n_terms;
        for &key in &file.grams {
            if !key_terms(key).iter().all(|&t| in_range(u64::from(t))) {
                return Err(format!("n-gram key {key:#x} names a missing term"));
            }
        }
        if file
            .surfaces
            .iter()
            .any(|&(_, id)| !in_range(u64::from(id)))
        {
            return Err("surface cache names a missing term".into());
        }
        let term_ids = file
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str().into(), i as u32))
            .collect();
        let surface_ids = file
            .surfaces
            .iter()
            .map(|(s, id)| (s.as_str().into(), *id))
            .collect();
        let gram_ids: FxHashMap<u64, u32> = file
            .grams
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        if gram_ids.len() != file.grams.len() {
            return Err("duplicate n-gram".into());
        }
        Ok(Self {
            file,
            term_ids,
            surface_ids,
            gram_ids,
        })
    }

    /// The stored form.
    pub fn file(&self) -> &VocabFile {
        &self.file
    }

    /// Number of n-grams.
    pub fn len(&self) -> usize {
        self.file.grams.len()
    }

    /// Learns the vocabulary: n-grams in at least `min_df` documents, the `max_ngrams` most frequent.
    pub fn fit(
        docs: &[&Analysis],
        min_df: u32,
        max_ngrams: usize,
        bigrams: bool,
    ) -> Result<Self, String> {
        let mut interner = Interner::default();
        let mut df: FxHashMap<u64, u32> = FxHashMap::default();
        let mut keys = Vec::new();
        for doc in docs {
            keys.clear();
            grams(
                doc,
                bigrams,
                |token, text| Some(interner.intern(token, text)),
                |k| keys.push(k),
            );
            keys.sort_unstable();
            keys.dedup();
            for &k in &keys {
                *df.entry(k).or_default() += 1;
            }
        }
        let mut selected: Vec<(u64, u32)> = df.into_iter().filter(|&(_, n)| n >= min_df).collect();
        selected.sort_unstable_by_key(|&(k, n)| (Reverse(n), k));
        selected.truncate(max_ngrams);

        // Renumber the surviving terms alphabetically so the stored model does not depend on hash order.
        let mut used: Vec<u32> = selected.iter().flat_map(|&(k, _)| key_terms(k)).collect();
        used.sort_unstable_by(|&a, &b| interner.names[a as usize].cmp(&interner.names[b as usize]));
        used.dedup();
        let mut renumber = vec![u32::MAX; interner.names.len()];
        for (new, &old) in used.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        let remap = |k: u64| -> u64 {
            let t = key_terms(k).map(|old| u64::from(renumber[old as usize]));
            if k & UNIGRAM != 0 {
                UNIGRAM | (t[0] << 1) | (k & 1)
            } else {
                (t[0] << 32) | t[1]
            }
        };
        let mut grams_df: Vec<(u64, u32)> = selected.iter().map(|&(k, n)| (remap(k), n)).collect();
        grams_df.sort_unstable_by_key(|&(k, n)| (Reverse(n), k));
        let n_docs = docs.len() as f64;
        let mut surfaces: Vec<(String, u32)> = interner
            .surfaces
            .into_iter()
            .filter_map(|(s, old)| {
                Some((
                    s,
                    *renumber.get(old as usize).filter(|&&id| id != u32::MAX)?,
                ))
            })
            .collect();
        surfaces.sort_unstable();
        Self::new(VocabFile {
            terms: used
                .iter()
                .map(|&old| interner.names[old as usize].clone())
                .collect(),
            surfaces,
            grams: grams_df.iter().map(|&(k, _)| k).collect(),
            idf: grams_df
                .iter()
                .map(|&(_, n)| ((1.0 + n_docs) / (1.0 + f64::from(n))).ln() + 1.0)
                .collect(),
            bigrams,
        })
    }

    /// The L2-normalised TF-IDF vector of a document (sublinear term frequency), by increasing n-gram id.
    pub fn tfidf(&self, doc: &Analysis, row: &mut SparseRow) {
        row.clear();
        let mut ids: Vec<u32> = Vec::with_capacity(doc.tokens().len() * 2);
        grams(
            doc,
            self.file.bigrams,
            |token, text| self.term_of(token, text),
            |k| {
                if let Some(&id) = self.gram_ids.get(&k) {
                    ids.push(id);
                }
            },
        );
        ids.sort_unstable();
        let mut norm = 0.0;
        for run in ids.chunk_by(|a, b| a == b) {
            let value = (1.0 + (run.len() as f64).ln()) * self.file.idf[run[0] as usize];
            norm += value * value;
            row.push((run[0], value));
        }
        if norm > 0.0 {
            let scale = 1.0 / norm.sqrt();
            row.iter_mut().for_each(|(_, v)| *v *= scale);
        }
    }

    /// The words of `doc` behind each of its n-grams in the vocabulary, as written ("not loved",
    /// "so happy"), for explanations; the first occurrence names an n-gram.
    pub fn surfaces(&self, doc: &Analysis) -> Vec<(u32, String)> {
        let mut out: Vec<(u32, String)> = Vec::new();
        let mut previous: Option<(u32, u32, &str)> = None;
        let mut add = |key: u64, name: String| {
            if let Some(&id) = self.gram_ids.get(&key)
                && !out.iter().any(|(i, _)| *i == id)
            {
                out.push((id, name));
            }
        };
        for token in doc.tokens() {
            let text = doc.text(token);
            let term = self.term_of(token, text);
            if let Some(t) = term {
                let name = if token.negated {
                    format!("not … {text}")
                } else {
                    text.to_string()
                };
                add(
                    UNIGRAM | (u64::from(t) << 1) | u64::from(token.negated),
                    name,
                );
                if self.file.bigrams
                    && let Some((p, clause, before)) = previous
                    && clause == token.clause
                {
                    add(
                        (u64::from(p) << 32) | u64::from(t),
                        format!("{before} {text}"),
                    );
                }
            }
            previous = term.map(|t| (t, token.clause, text));
        }
        out
    }

    fn term_of(&self, token: &Token, text: &str) -> Option<u32> {
        if token.kind != TokenKind::Word {
            return self.term_ids.get(text).copied();
        }
        if let Some(&id) = self.surface_ids.get(text) {
            return Some(id);
        }
        self.term_ids.get(&*stem(text)).copied()
    }
}

/// Assigns provisional term ids while fitting, and remembers which surface word gave which stem.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
    surfaces: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, token: &Token, text: &str) -> u32 {
        let word = token.kind == TokenKind::Word;
        if word && let Some(&id) = self.surfaces.get(text) {
            return id;
        }
        let stemmed = if word { stem(text) } else { text.into() };
        let id = match self.ids.get(&*stemmed) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.ids.insert(stemmed.to_string(), id);
                self.names.push(stemmed.into_owned());
                id
            }
        };
        if word {
            self.surfaces.insert(text.to_string(), id);
        }
        id
    }
}

/// The term ids inside an n-gram key (a unigram repeats its term).
fn key_terms(key: u64) -> [u32; 2] {
    if key & UNIGRAM != 0 {
        let t = ((key & !UNIGRAM) >> 1) as u32;
        [t, t]
    } else {
        [(key >> 32) as u32, key as u32]
    }
}

/// Emits the n-gram keys of a document: each term (marked if negated) and each adjacent pair of terms
/// in the same clause.
fn grams(
    doc: &Analysis,
    bigrams: bool,
    mut term_of: impl FnMut(&Token, &str) -> Option<u32>,
    mut emit: impl FnMut(u64),
) {
    let mut previous: Option<(u32, u32)> = None;
    for token in doc.tokens() {
        let term = term_of(token, doc.text(token));
        if let Some(t) = term {
            emit(UNIGRAM | (u64::from(t) << 1) | u64::from(token.negated));
            if bigrams
                && let Some((p, clause)) = previous
                && clause == token.clause
            {
                emit((u64::from(p) << 32) | u64::from(t));
            }
        }
        previous = term.map(|t| (t, token.clause));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(texts: &[&str]) -> Vec<Analysis> {
        texts.iter().map(|t| Analysis::of(t)).collect()
    }

    #[test]
    fn keeps_frequent_ngrams_and_marks_negation() {
        let analyses = docs(&[
            "I like it",
            "I don't like it",
            "like it a lot",
            "rare words here",
        ]);
        let refs: Vec<&Analysis> = analyses.iter().collect();
        let vocab = Vocabulary::fit(&refs, 2, 100, true).unwrap();
        let names: Vec<String> = vocab
            .file()
            .grams
            .iter()
            .map(|&k| {
                let [a, b] = key_terms(k);
                let t = &vocab.file().terms;
                if k & UNIGRAM != 0 {
                    format!("{}{}", if k & 1 == 1 { "NOT_" } else { "" }, t[a as usize])
                } else {
                    format!("{} {}", t[a as usize], t[b as usize])
                }
            })
            .collect();
        assert_eq!(
            names[0], "like it",
            "most frequent first: bigrams ignore negation, so df 3"
        );
        assert!(names.contains(&"like it".to_string()));
        assert!(names.contains(&"i".to_string()));
        assert!(
            !names.iter().any(|n| n.contains("rare")),
            "df 1 is below min_df"
        );
        // "like" occurs plain twice and negated once: only the plain form reaches min_df.
        assert!(names.contains(&"like".to_string()) && !names.contains(&"NOT_like".to_string()));

        let mut row = SparseRow::new();
        vocab.tfidf(&Analysis::of("I like it, I like it"), &mut row);
        let norm: f64 = row.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-12);
        assert!(row.windows(2).all(|w| w[0].0 < w[1].0));
        vocab.tfidf(&Analysis::of("nothing known"), &mut row);
        assert!(row.is_empty());
    }

    #[test]
    fn fitting_is_deterministic() {
        let analyses = docs(&["a b c", "b c d", "c d e", "a c e"]);
        let refs: Vec<&Analysis> = analyses.iter().collect();
        let one = Vocabulary::fit(&refs, 1, 5, true).unwrap();
        let two = Vocabulary::fit(&refs, 1, 5, true).unwrap();
        assert_eq!(one.file(), two.file());
        assert_eq!(one.len(), 5);
    }
}
