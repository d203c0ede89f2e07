//! Text processing: tokenisation with negation and arousal cues, English stemming, and lexicon scoring.

pub mod lexicon;
mod score;
mod tokenize;

#[cfg(test)]
mod tests;

pub use score::{LexiconScore, score};
pub use tokenize::{Analysis, Cues, Token, TokenKind};

use rust_stemmers::{Algorithm, Stemmer};
use std::borrow::Cow;
use std::sync::OnceLock;

/// English (Porter2) stem of a lower-case word; words without letters are returned unchanged.
pub fn stem(word: &str) -> Cow<'_, str> {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    if !word.chars().any(char::is_alphabetic) {
        return Cow::Borrowed(word);
    }
    STEMMER
        .get_or_init(|| Stemmer::create(Algorithm::English))
        .stem(word)
}
