//! Lexicon valence of an analysed text, following VADER's main rules (boosters, dampeners, capitals,
//! negation, "but", exclamation emphasis); used as dense features and as the rule baseline.

use super::tokenize::{Analysis, TokenKind};

/// VADER's booster/dampener increment.
const BOOST: f64 = 0.293;
/// VADER's emphasis for a capitalised sentiment word in mixed-case text.
const CAPS_BOOST: f64 = 0.733;
/// VADER's negation scalar.
const NEGATION: f64 = -0.74;
/// VADER's per-'!' emphasis (up to four).
const EXCLAMATION: f64 = 0.292;

/// Lexicon-based summary of a text's valence.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LexiconScore {
    /// Sum of the adjusted word valences plus exclamation emphasis (VADER's raw score).
    pub sum: f64,
    /// Plain sum of lexicon valences with negated words flipped (×-0.74): the rule baseline.
    pub plain_sum: f64,
    /// Sum of the positive adjusted valences.
    pub positive: f64,
    /// Sum of the negative adjusted valences (≤ 0).
    pub negative: f64,
    /// Largest adjusted valence (0 if none).
    pub max: f64,
    /// Smallest adjusted valence (0 if none).
    pub min: f64,
    /// Number of words with positive adjusted valence.
    pub positive_hits: u32,
    /// Number of words with negative adjusted valence.
    pub negative_hits: u32,
    /// Adjusted valence of the last sentiment word (0 if none).
    pub last: f64,
}

impl LexiconScore {
    /// VADER's normalisation of the raw score into -1..1.
    pub fn compound(&self) -> f64 {
        self.sum / (self.sum * self.sum + 15.0).sqrt()
    }
}

/// Scores an analysed text with the VADER lexicon and VADER's main rules.
pub fn score(analysis: &Analysis) -> LexiconScore {
    let tokens = analysis.tokens();
    let but = tokens
        .iter()
        .position(|t| t.kind == TokenKind::Word && analysis.text(t) == "but");
    let mixed_case = analysis.mixed_case();
    let mut out = LexiconScore::default();
    for (i, token) in tokens.iter().enumerate() {
        if !matches!(token.kind, TokenKind::Word | TokenKind::Emoticon) {
            continue;
        }
        let Some(base) = token.info.valence else {
            continue;
        };
        if token.kind == TokenKind::Word && token.info.booster {
            continue;
        }
        let sign = base.signum();
        let plain = if token.negated { base * NEGATION } else { base };
        out.plain_sum += plain;
        let mut v = base;
        if token.caps && mixed_case {
            v += sign * CAPS_BOOST;
        }
        for (distance, before) in tokens[..i].iter().rev().take(3).enumerate() {
            if before.clause != token.clause || before.kind != TokenKind::Word {
                break;
            }
            let damping = [1.0, 0.95, 0.9][distance];
            if before.info.booster {
                v += sign * BOOST * damping;
            } else if before.info.dampener {
                v -= sign * BOOST * damping;
            }
        }
        if token.negated {
            v *= NEGATION;
        }
        match but {
            Some(b) if i < b => v *= 0.5,
            Some(b) if i > b => v *= 1.5,
            _ => {}
        }
        if v > 0.0 {
            out.positive += v;
            out.positive_hits += 1;
        } else if v < 0.0 {
            out.negative += v;
            out.negative_hits += 1;
        }
        out.max = if out.positive_hits + out.negative_hits == 1 {
            v
        } else {
            out.max.max(v)
        };
        out.min = if out.positive_hits + out.negative_hits == 1 {
            v
        } else {
            out.min.min(v)
        };
        out.last = v;
        out.sum += v;
    }
    let exclamations = f64::from(analysis.cues().exclamations.min(4));
    out.sum += out.sum.signum() * exclamations * EXCLAMATION;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> LexiconScore {
        score(&Analysis::of(text))
    }

    #[test]
    fn plain_sum_flips_negated_words() {
        assert!((of("good").plain_sum - 1.9).abs() < 1e-12);
        assert!((of("not good").plain_sum - 1.9 * NEGATION).abs() < 1e-12);
        // The scope ends at the comma, so "happy" counts positively.
        assert!((of("not good, happy").plain_sum - (1.9 * NEGATION + 2.7)).abs() < 1e-12);
        assert_eq!(of("see you at 3").plain_sum, 0.0);
    }

    #[test]
    fn boosters_caps_and_exclamations_raise_the_magnitude() {
        let plain = of("this is good").sum;
        assert!(of("this is very good").sum > plain);
        assert!(of("this is GOOD").sum > plain);
        assert!(of("this is good!!!").sum > plain);
        assert!(of("this is slightly good").sum < plain);
        assert!(of("this is bad").compound() < 0.0);
        assert!(of("good but awful").sum < 0.0);
    }
}
