//! The two five-class mood scales and the fixed rules that turn a human valence into a label.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A label text that names none of the five classes of a scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {scale} label {value:?}; valid labels: {valid}")]
pub struct UnknownLabel {
    /// Which scale was being parsed ("emotion" or "intensity").
    pub scale: &'static str,
    /// The text that did not match.
    pub value: String,
    /// The accepted codes, comma separated.
    pub valid: &'static str,
}

macro_rules! five_class_scale {
    (
        $(#[$meta:meta])*
        $name:ident, $scale:literal, $valid:literal,
        [$($(#[$vmeta:meta])* $variant:ident = ($label:literal, $code:literal)),+ $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every class, in index order (most negative/muted first).
            pub const ALL: [$name; 5] = [$($name::$variant),+];

            /// Position on the scale, 0..=4; the column in probability arrays and confusion matrices.
            pub fn index(self) -> usize {
                self as usize
            }

            /// The class at a scale position, if the position is 0..=4.
            pub fn from_index(index: usize) -> Option<Self> {
                Self::ALL.get(index).copied()
            }

            /// Human-readable name for tables and the UI ("Very Sad").
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// Stable machine code used in JSON and uploads ("very_sad").
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl FromStr for $name {
            type Err = UnknownLabel;

            /// Accepts the code or the label, case-insensitively, with `_`, `-` or spaces between words.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted: String = s
                    .trim()
                    .chars()
                    .map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() })
                    .collect();
                Self::ALL
                    .into_iter()
                    .find(|class| class.code() == wanted)
                    .ok_or_else(|| UnknownLabel {
                        scale: $scale,
                        value: s.to_string(),
                        valid: $valid,
                    })
            }
        }
    };
}

five_class_scale!(
    /// How positive or negative a message feels.
    Emotion, "emotion", "very_sad, sad, neutral, happy, very_happy",
    [
        /// Strongly negative.
        VerySad = ("Very Sad", "very_sad"),
        /// Negative.
        Sad = ("Sad", "sad"),
        /// Neither clearly positive nor negative.
        Neutral = ("Neutral", "neutral"),
        /// Positive.
        Happy = ("Happy", "happy"),
        /// Strongly positive.
        VeryHappy = ("Very Happy", "very_happy"),
    ]
);

five_class_scale!(
    /// How much emotional energy a message carries, whatever its direction.
    Intensity, "intensity", "very_muted, muted, neutral, excited, very_excited",
    [
        /// Flat or explicitly subdued.
        VeryMuted = ("Very Muted", "very_muted"),
        /// Low energy.
        Muted = ("Muted", "muted"),
        /// Moderate energy.
        Neutral = ("Neutral", "neutral"),
        /// Clearly charged.
        Excited = ("Excited", "excited"),
        /// Strongly charged, usually with emphatic cues.
        VeryExcited = ("Very Excited", "very_excited"),
    ]
);

impl Emotion {
    /// The fixed binning of a human mean valence (-4..=+4) into an emotion class, decided before any training.
    pub fn from_valence(valence: f64) -> Emotion {
        if valence <= -2.0 {
            Emotion::VerySad
        } else if valence <= -0.5 {
            Emotion::Sad
        } else if valence < 0.5 {
            Emotion::Neutral
        } else if valence < 2.0 {
            Emotion::Happy
        } else {
            Emotion::VeryHappy
        }
    }
}

/// Implemented by both scales so metrics and reports can be written once.
pub trait Scale: Copy + Eq + fmt::Debug + 'static {
    /// Position on the scale, 0..=4.
    fn position(self) -> usize;
    /// The class at a position.
    fn at(index: usize) -> Option<Self>;
    /// Human-readable class name.
    fn name(self) -> &'static str;
}

impl Scale for Emotion {
    fn position(self) -> usize {
        self.index()
    }
    fn at(index: usize) -> Option<Self> {
        Self::from_index(index)
    }
    fn name(self) -> &'static str {
        self.label()
    }
}

impl Scale for Intensity {
    fn position(self) -> usize {
        self.index()
    }
    fn at(index: usize) -> Option<Self> {
        Self::from_index(index)
    }
    fn name(self) -> &'static str {
        self.label()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_labels_and_spaces_case_insensitively() {
        assert_eq!("very_sad".parse::<Emotion>().unwrap(), Emotion::VerySad);
        assert_eq!("Very Sad".parse::<Emotion>().unwrap(), Emotion::VerySad);
        assert_eq!("VERY SAD".parse::<Emotion>().unwrap(), Emotion::VerySad);
        assert_eq!(" happy ".parse::<Emotion>().unwrap(), Emotion::Happy);
        assert_eq!(
            "Very Excited".parse::<Intensity>().unwrap(),
            Intensity::VeryExcited
        );
        assert_eq!("muted".parse::<Intensity>().unwrap(), Intensity::Muted);
        let err = "glad".parse::<Emotion>().unwrap_err();
        assert_eq!(err.value, "glad");
        assert!(err.to_string().contains("\"glad\""));
        assert!(err.to_string().contains("very_happy"));
        assert!("happy".parse::<Intensity>().is_err());
    }

    #[test]
    fn index_round_trips_and_orders() {
        for (i, e) in Emotion::ALL.into_iter().enumerate() {
            assert_eq!(e.index(), i);
            assert_eq!(Emotion::from_index(i), Some(e));
            assert_eq!(e.code().parse::<Emotion>().unwrap(), e);
            assert_eq!(e.label().parse::<Emotion>().unwrap(), e);
        }
        assert_eq!(Emotion::from_index(5), None);
        assert!(Emotion::VerySad < Emotion::VeryHappy);
        assert!(Intensity::VeryMuted < Intensity::Neutral);
    }

    #[test]
    fn serde_uses_snake_case_codes() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        for e in Emotion::ALL {
            let de: StrDeserializer<'_, Error> = e.code().into_deserializer();
            assert_eq!(Emotion::deserialize(de).unwrap(), e);
        }
        let de: StrDeserializer<'_, Error> = "very_excited".into_deserializer();
        assert_eq!(Intensity::deserialize(de).unwrap(), Intensity::VeryExcited);
        let de: StrDeserializer<'_, Error> = "VerySad".into_deserializer();
        assert!(Emotion::deserialize(de).is_err());
    }

    #[test]
    fn valence_thresholds_are_the_documented_ones() {
        assert_eq!(Emotion::from_valence(-4.0), Emotion::VerySad);
        assert_eq!(Emotion::from_valence(-2.0), Emotion::VerySad);
        assert_eq!(Emotion::from_valence(-1.99), Emotion::Sad);
        assert_eq!(Emotion::from_valence(-0.5), Emotion::Sad);
        assert_eq!(Emotion::from_valence(-0.49), Emotion::Neutral);
        assert_eq!(Emotion::from_valence(0.49), Emotion::Neutral);
        assert_eq!(Emotion::from_valence(0.5), Emotion::Happy);
        assert_eq!(Emotion::from_valence(1.99), Emotion::Happy);
        assert_eq!(Emotion::from_valence(2.0), Emotion::VeryHappy);
    }
}
