//! EmoBank (Buechel & Hahn 2017, CC BY-SA 4.0): 10,062 sentences rated by people for valence, arousal
//! and dominance on 1..5. Intensity is trained on its arousal ratings. The file is never embedded or
//! copied: callers read `emobank.csv` (by default from `../shared/data/emobank/`) and pass the bytes.
//!
//! Arousal is compressed (mean 3.04, sd 0.26), so the five intensity classes are the arousal
//! quintiles of EmoBank's own training split (see `docs/sentiment.md`, "Intensity labels").

use crate::example::Example;
use crate::labels::{Emotion, Intensity};
use crate::source::{Part, Source};
use crate::train_config::TrainConfig;
use crate::upload::Records;
use serde::{Deserialize, Serialize};

/// Attribution shown wherever a model trained on EmoBank is described.
pub const EMOBANK_ATTRIBUTION: &str = "EmoBank (Buechel & Hahn, EACL 2017; JULIELab/EmoBank corpus/emobank.csv \
     at 248ce2a), CC BY-SA 4.0: human valence/arousal ratings";

/// One rated EmoBank sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct RatedSentence {
    /// EmoBank's identifier.
    pub id: String,
    /// EmoBank's own split (train, dev = validation, test).
    pub part: Part,
    /// Mean valence, 1 (negative) .. 5 (positive).
    pub valence: f64,
    /// Mean arousal, 1 (calm) .. 5 (excited).
    pub arousal: f64,
    /// The sentence.
    pub text: String,
}

/// Why bytes could not be read as EmoBank's CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmoBankError {
    /// Not UTF-8.
    #[error("EmoBank file is not valid UTF-8")]
    InvalidUtf8,
    /// The header is not EmoBank's.
    #[error("EmoBank header must start with id,split,V,A,D,text; found {0:?}")]
    Header(String),
    /// A row is malformed.
    #[error("EmoBank line {line}: {problem}")]
    Row {
        /// Line where the row starts.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The CSV quoting is broken.
    #[error("EmoBank {0}")]
    Csv(String),
    /// A split has no rows.
    #[error("EmoBank has no {0} rows")]
    MissingPart(&'static str),
}

/// Parses EmoBank's `emobank.csv` (`id,split,V,A,D,text`).
pub fn parse_emobank(bytes: &[u8]) -> Result<Vec<RatedSentence>, EmoBankError> {
    let text = std::str::from_utf8(bytes).map_err(|_| EmoBankError::InvalidUtf8)?;
    let mut records = Records::new(text.strip_prefix('\u{FEFF}').unwrap_or(text), ',');
    let malformed = |e: crate::DatasetError| EmoBankError::Csv(e.to_string());
    let header = records
        .next_record()
        .map_err(malformed)?
        .unwrap_or_default()
        .1;
    if header.len() != 6 || header[..5] != ["id", "split", "V", "A", "D"] || header[5] != "text" {
        return Err(EmoBankError::Header(header.join(",")));
    }
    let mut out = Vec::new();
    while let Some((line, fields)) = records.next_record().map_err(malformed)? {
        if fields.len() == 1 && fields[0].is_empty() {
            continue;
        }
        let row = |problem: String| EmoBankError::Row { line, problem };
        if fields.len() != 6 {
            return Err(row(format!("{} fields, expected 6", fields.len())));
        }
        let part = match fields[1].as_str() {
            "train" => Part::Train,
            "dev" => Part::Validation,
            "test" => Part::Test,
            other => return Err(row(format!("unknown split {other:?}"))),
        };
        let rating = |i: usize, name: &str| {
            fields[i]
                .parse::<f64>()
                .ok()
                .filter(|v| (1.0..=5.0).contains(v))
                .ok_or_else(|| row(format!("{name} {:?} is not a rating 1..5", fields[i])))
        };
        if fields[5].trim().is_empty() {
            return Err(row("empty text".into()));
        }
        out.push(RatedSentence {
            id: fields[0].clone(),
            part,
            valence: rating(2, "V")?,
            arousal: rating(3, "A")?,
            text: fields[5].clone(),
        });
    }
    for (part, name) in [(Part::Train, "train"), (Part::Test, "test")] {
        if !out.iter().any(|s| s.part == part) {
            return Err(EmoBankError::MissingPart(name));
        }
    }
    Ok(out)
}

/// The four arousal cut-offs between the five intensity classes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ArousalBins {
    /// Increasing cut-offs; a rating above `cuts[k]` is in class k + 1 or higher.
    pub cuts: [f64; 4],
}

impl ArousalBins {
    /// Quintile cut-offs of `ratings` (the training split's): each cut sits halfway between two
    /// adjacent distinct ratings, at the boundary whose cumulative share is nearest to 20/40/60/80 %
    /// (ratings repeat a lot, so exact quintiles do not exist).
    pub fn quintiles(ratings: &[f64]) -> Self {
        let mut sorted: Vec<f64> = ratings.iter().copied().filter(|r| r.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len() as f64;
        // (value, share of ratings <= value, next distinct value)
        let mut edges: Vec<(f64, f64, f64)> = Vec::new();
        for (i, w) in sorted.windows(2).enumerate() {
            if w[1] > w[0] {
                edges.push((w[0], (i + 1) as f64 / n, w[1]));
            }
        }
        let mut cuts = [0.0; 4];
        let mut from = 0;
        for (k, cut) in cuts.iter_mut().enumerate() {
            let target = (k + 1) as f64 / 5.0;
            let best = (from..edges.len())
                .min_by(|&a, &b| {
                    (edges[a].1 - target)
                        .abs()
                        .total_cmp(&(edges[b].1 - target).abs())
                })
                .unwrap_or(from);
            if let Some(&(low, _, high)) = edges.get(best) {
                *cut = (low + high) / 2.0;
            } else {
                *cut = sorted.last().copied().unwrap_or(3.0) + k as f64;
            }
            from = best + 1;
        }
        ArousalBins { cuts }
    }

    /// The intensity class of an arousal rating.
    pub fn class(&self, arousal: f64) -> Intensity {
        let above = self.cuts.iter().filter(|&&c| arousal > c).count();
        Intensity::ALL[above]
    }
}

/// EmoBank valence (1..5) on VADER's −4..+4 scale (both are bipolar rating scales with a neutral
/// midpoint), then the fixed emotion bins.
pub fn emotion_from_emobank_valence(valence: f64) -> Emotion {
    Emotion::from_valence((valence - 3.0) * 2.0)
}

/// EmoBank as a training source with its own split: intensity from the arousal quintiles of its
/// training part; emotion from its valence only if `with_emotion`.
pub fn emobank_source(sentences: &[RatedSentence], with_emotion: bool) -> (Source, ArousalBins) {
    let train: Vec<f64> = sentences
        .iter()
        .filter(|s| s.part == Part::Train)
        .map(|s| s.arousal)
        .collect();
    let bins = ArousalBins::quintiles(&train);
    let examples: Vec<Example> = sentences
        .iter()
        .map(|s| Example {
            text: s.text.clone(),
            emotion: with_emotion.then(|| emotion_from_emobank_valence(s.valence)),
            intensity: Some(bins.class(s.arousal)),
        })
        .collect();
    let c = bins.cuts;
    let detail = format!(
        "{EMOBANK_ATTRIBUTION}; intensity = arousal quintiles of its train split, cuts {:.3}/{:.3}/{:.3}/{:.3}{}",
        c[0],
        c[1],
        c[2],
        c[3],
        if with_emotion {
            "; emotion = valence mapped to -4..+4, fixed bins"
        } else {
            ""
        }
    );
    let mut source = Source::new("emobank", &detail, examples)
        .with_parts(sentences.iter().map(|s| s.part).collect());
    source.arousal = Some(sentences.iter().map(|s| s.arousal).collect());
    (source, bins)
}

/// The shipped training data: the VADER sentences (emotion) and EmoBank (intensity, and emotion too
/// when `config.emobank_emotion`).
pub fn standard_sources(config: &TrainConfig, emobank: &[RatedSentence]) -> Vec<Source> {
    vec![
        crate::dataset::vader_source(config),
        emobank_source(emobank, config.emobank_emotion).0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "id,split,V,A,D,text\n\
        a,train,3.0,2.5,3.0,The meeting is at noon.\n\
        b,dev,4.2,3.8,3.0,\"I won, \"\"really\"\"!\"\n\
        c,test,1.8,3.3,2.0,\"Two\nlines\"\n";

    #[test]
    fn parses_quoting_parts_and_ratings() {
        let s = parse_emobank(SAMPLE.as_bytes()).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].text, "I won, \"really\"!");
        assert_eq!(s[2].text, "Two\nlines");
        assert_eq!(
            s.iter().map(|s| s.part).collect::<Vec<_>>(),
            [Part::Train, Part::Validation, Part::Test]
        );
        assert_eq!((s[1].valence, s[1].arousal), (4.2, 3.8));
    }

    #[test]
    fn refuses_what_is_not_emobank() {
        assert!(matches!(
            parse_emobank(b"text,emotion\nx,happy\n"),
            Err(EmoBankError::Header(_))
        ));
        let bad = SAMPLE.replace("2.5", "7");
        assert!(matches!(
            parse_emobank(bad.as_bytes()),
            Err(EmoBankError::Row { line: 2, .. })
        ));
        let no_test = SAMPLE.replace("c,test", "c,dev");
        assert_eq!(
            parse_emobank(no_test.as_bytes()),
            Err(EmoBankError::MissingPart("test"))
        );
    }

    #[test]
    fn quintiles_balance_tied_ratings() {
        // 100 ratings: 10 each of 2.0..2.9 except 2.5, which has 20 (ratings tie a lot in EmoBank).
        let mut ratings = Vec::new();
        for i in 0..10 {
            let v = 2.0 + f64::from(i) / 10.0;
            let n = if i == 5 { 20 } else { 10 };
            ratings.extend(std::iter::repeat_n(v, n));
        }
        ratings.truncate(100);
        let bins = ArousalBins::quintiles(&ratings);
        let mut counts = [0; 5];
        for &r in &ratings {
            counts[bins.class(r).index()] += 1;
        }
        assert_eq!(counts.iter().sum::<usize>(), 100);
        assert!(bins.cuts.windows(2).all(|w| w[0] < w[1]), "{:?}", bins.cuts);
        assert!(counts.iter().all(|&c| (10..=30).contains(&c)), "{counts:?}");
        assert_eq!(bins.class(1.0), Intensity::VeryMuted);
        assert_eq!(bins.class(5.0), Intensity::VeryExcited);
    }

    #[test]
    fn valence_maps_onto_the_emotion_bins() {
        assert_eq!(emotion_from_emobank_valence(3.0), Emotion::Neutral);
        assert_eq!(emotion_from_emobank_valence(4.0), Emotion::VeryHappy);
        assert_eq!(emotion_from_emobank_valence(2.6), Emotion::Sad);
        assert_eq!(emotion_from_emobank_valence(1.5), Emotion::VerySad);
    }
}
