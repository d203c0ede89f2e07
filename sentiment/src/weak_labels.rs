//! The documented weak-labelling rule for intensity: no sentence-level human arousal ratings are
//! available, so a text's intensity label is derived from its human valence magnitude and its
//! surface arousal cues, with weights and thresholds fixed before any training.

use crate::labels::Intensity;
use crate::text::Cues;

/// Upper bounds (exclusive) of the arousal score for Very Muted, Muted, Neutral and Excited.
pub const INTENSITY_THRESHOLDS: [f64; 4] = [0.5, 1.2, 2.0, 2.8];

/// How much the surface cues move the arousal score: the raising cues minus the lowering ones.
///
/// Raising: 0.35 per '!' (up to 3), 0.4 per capitalised word (up to 2), 0.4 per elongated word (up
/// to 2), 0.25 per booster (up to 2), 0.5 per strong emoticon/emoji (up to 2). Lowering: 0.4 per
/// hedge or dampener (up to 2), 0.3 per ellipsis (up to 2).
pub fn cue_shift(cues: &Cues) -> f64 {
    let capped = |count: u32, cap: u32| f64::from(count.min(cap));
    let raise = 0.35 * capped(cues.exclamations, 3)
        + 0.4 * capped(cues.caps_words, 2)
        + 0.4 * capped(cues.elongated, 2)
        + 0.25 * capped(cues.boosters, 2)
        + 0.5 * capped(cues.strong_emoticons, 2);
    let lower = 0.4 * capped(cues.hedges, 2) + 0.3 * capped(cues.ellipses, 2);
    raise - lower
}

/// The arousal score: valence magnitude (0..4, clamped) plus the cue shift.
pub fn arousal_score(valence: f64, cues: &Cues) -> f64 {
    valence.abs().min(4.0) + cue_shift(cues)
}

/// The weak intensity label of a text with human mean valence `valence` (-4..+4) and these cues.
pub fn intensity_label(valence: f64, cues: &Cues) -> Intensity {
    let score = arousal_score(valence, cues);
    let class = INTENSITY_THRESHOLDS
        .iter()
        .take_while(|&&upper| score >= upper)
        .count();
    Intensity::ALL[class]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Analysis;

    fn label(valence: f64, text: &str) -> Intensity {
        intensity_label(valence, Analysis::of(text).cues())
    }

    #[test]
    fn valence_magnitude_alone_sets_the_class_at_the_fixed_thresholds() {
        let plain = "a plain sentence";
        assert_eq!(label(0.0, plain), Intensity::VeryMuted);
        assert_eq!(label(0.49, plain), Intensity::VeryMuted);
        assert_eq!(label(-0.5, plain), Intensity::Muted);
        assert_eq!(label(1.19, plain), Intensity::Muted);
        assert_eq!(label(1.2, plain), Intensity::Neutral);
        assert_eq!(label(-1.99, plain), Intensity::Neutral);
        assert_eq!(label(2.0, plain), Intensity::Excited);
        assert_eq!(label(-2.79, plain), Intensity::Excited);
        assert_eq!(label(2.8, plain), Intensity::VeryExcited);
        assert_eq!(label(-9.0, plain), Intensity::VeryExcited);
    }

    #[test]
    fn arousal_cues_raise_and_hedges_lower() {
        assert_eq!(label(1.5, "this is nice"), Intensity::Neutral);
        // 1.5 + 3 × 0.35 = 2.55
        assert_eq!(label(1.5, "this is nice!!!"), Intensity::Excited);
        // 1.5 + 0.4 (caps) + 0.25 (so) + 0.4 (elongated) + 3 × 0.35 = 3.6
        assert_eq!(
            label(1.5, "this is NICE sooo nice!!!"),
            Intensity::VeryExcited
        );
        // 1.5 + 0.5 (strong emoticon)
        assert_eq!(label(1.5, "this is nice :D"), Intensity::Excited);
        // 1.5 - 0.4 (kind of) - 0.3 (ellipsis) = 0.8
        assert_eq!(label(1.5, "it was kind of nice..."), Intensity::Muted);
        // 0.6 - 0.8 (maybe, I guess): floors at the bottom class
        assert_eq!(label(0.6, "maybe, I guess"), Intensity::VeryMuted);
    }

    #[test]
    fn cue_contributions_are_capped() {
        let three = cue_shift(Analysis::of("wow!!!").cues());
        let ten = cue_shift(Analysis::of("wow!!!!!!!!!!").cues());
        assert!((three - 1.05).abs() < 1e-12);
        assert_eq!(three, ten);
    }
}
