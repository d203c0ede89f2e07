//! Validated values of the consultation commands. Each limit is a named constant, and a value
//! exists only once it is within it (`TryFrom`), so a use case holding a [`Topic`] never checks a
//! length again. Requests deserialize straight into these values (`models::validated`), and the
//! OpenAPI document shows their bounds. The same numbers are in the schema's CHECK constraints;
//! a test reads those constraints and compares them with these constants.

use models::deserialize_by_try_from;
use models::validated;

use super::error::Invalid;

/// Longest topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 200;
/// Longest notes or reason, in characters.
pub const MAX_NOTES_CHARS: usize = 4000;
/// Shortest and longest appointment a lecturer makes, in minutes.
pub const DURATION_MINUTES: std::ops::RangeInclusive<i64> = 5..=480;
/// Fewest and most places of a consultation.
pub const CAPACITY: std::ops::RangeInclusive<i32> = 1..=100;

/// Text of `min..=max` characters (surrounding space removed, and not counted towards `min`).
fn bounded(field: &str, value: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.chars().count() < min || value.chars().count() > max {
        return Err(Invalid::Field(if min > 0 {
            format!("{field} must be {min} to {max} characters")
        } else {
            format!("{field} must be at most {max} characters")
        }));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl TryFrom<&str> for $name {
            type Error = Invalid;
            fn try_from(value: &str) -> Result<Self, Invalid> {
                bounded($field, value, $min, $max).map(Self)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(value: String) -> Result<Self, Invalid> {
                Self::try_from(value.as_str())
            }
        }

        deserialize_by_try_from!($name: String);

        models::schema_of!($name => validated::text_schema($min, $max));

        impl $name {
            /// The text, trimmed.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text!(
    /// What a consultation is about: 1 to [`MAX_TOPIC_CHARS`] characters.
    Topic, "topic", 1, MAX_TOPIC_CHARS
);
text!(
    /// Notes shared by everyone taking part: at most [`MAX_NOTES_CHARS`] characters.
    Notes, "notes", 0, MAX_NOTES_CHARS
);
impl Default for Notes {
    /// No notes.
    fn default() -> Self {
        Self(String::new())
    }
}

text!(
    /// The lecturer's own notes: at most [`MAX_NOTES_CHARS`] characters.
    PrivateNotes, "private_notes", 0, MAX_NOTES_CHARS
);
text!(
    /// Why something is cancelled: 1 to [`MAX_NOTES_CHARS`] characters.
    Reason, "reason", 1, MAX_NOTES_CHARS
);

/// The places of a consultation, within [`CAPACITY`]; above 1 it is a group session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity(i32);

impl TryFrom<i32> for Capacity {
    type Error = Invalid;
    fn try_from(value: i32) -> Result<Self, Invalid> {
        validated::within("capacity", value, &CAPACITY)
            .map(Self)
            .map_err(|refused| Invalid::Field(refused.to_string()))
    }
}

impl Capacity {
    /// The number of places.
    pub fn get(self) -> i32 {
        self.0
    }
}

models::schema_of!(Capacity => validated::int32_schema(&CAPACITY));

/// The length of an appointment in minutes, within [`DURATION_MINUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationMinutes(i64);

impl TryFrom<i64> for DurationMinutes {
    type Error = Invalid;
    fn try_from(value: i64) -> Result<Self, Invalid> {
        validated::within("duration_minutes", value, &DURATION_MINUTES)
            .map(Self)
            .map_err(|refused| Invalid::Field(refused.to_string()))
    }
}

impl DurationMinutes {
    /// As a duration.
    pub fn duration(self) -> chrono::Duration {
        chrono::Duration::minutes(self.0)
    }
}

models::schema_of!(DurationMinutes => validated::int64_schema(&DURATION_MINUTES));

deserialize_by_try_from!(Capacity: i32, DurationMinutes: i64);

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(
            Topic::try_from("  Essay plan ").map(|t| t.as_str().to_owned()),
            Ok("Essay plan".to_owned())
        );
        assert!(Topic::try_from("   ").is_err(), "blank is not a topic");
        assert!(Topic::try_from("é".repeat(MAX_TOPIC_CHARS).as_str()).is_ok());
        let long = Topic::try_from("é".repeat(MAX_TOPIC_CHARS + 1).as_str());
        assert_eq!(
            long,
            Err(Invalid::Field("topic must be 1 to 200 characters".into()))
        );
        assert!(Notes::try_from("").is_ok(), "notes may be empty");
        assert!(Reason::try_from("").is_err(), "a reason may not");
        assert_eq!(
            PrivateNotes::try_from("x".repeat(MAX_NOTES_CHARS + 1).as_str()),
            Err(Invalid::Field(
                "private_notes must be at most 4000 characters".into()
            ))
        );
    }

    #[test]
    fn requests_deserialize_into_the_values_and_a_refusal_keeps_its_message() {
        let (topic, refusal) =
            validated::collecting(|| serde_json::from_str::<Topic>(r#"" Essay ""#));
        assert_eq!(
            topic.ok().map(|t| t.as_str().to_owned()),
            Some("Essay".to_owned())
        );
        assert_eq!(refusal, None);
        let (topic, refusal) = validated::collecting(|| serde_json::from_str::<Topic>(r#""  ""#));
        assert!(topic.is_err());
        assert_eq!(
            refusal.as_deref(),
            Some("topic must be 1 to 200 characters")
        );
        let (capacity, refusal) = validated::collecting(|| serde_json::from_str::<Capacity>("0"));
        assert!(capacity.is_err());
        assert_eq!(
            refusal.as_deref(),
            Some("capacity must be between 1 and 100")
        );
        let (wrong, refusal) = validated::collecting(|| serde_json::from_str::<Capacity>("\"2\""));
        assert!(wrong.is_err());
        assert_eq!(refusal, None, "a wrong type is not a refusal");
    }

    #[test]
    fn schemas_show_the_limits() {
        let topic = serde_json::to_value(Topic::schema()).expect("json");
        assert_eq!(
            (topic["minLength"].as_u64(), topic["maxLength"].as_u64()),
            (Some(1), Some(200))
        );
        let notes = serde_json::to_value(Notes::schema()).expect("json");
        assert!(notes.get("minLength").is_none());
        let minutes = serde_json::to_value(DurationMinutes::schema()).expect("json");
        assert_eq!(
            (minutes["minimum"].as_i64(), minutes["maximum"].as_i64()),
            (Some(5), Some(480))
        );
    }

    #[test]
    fn numbers_stay_within_their_ranges() {
        assert_eq!(Capacity::try_from(1).map(Capacity::get), Ok(1));
        assert_eq!(Capacity::try_from(100).map(Capacity::get), Ok(100));
        assert!(Capacity::try_from(0).is_err());
        assert!(Capacity::try_from(101).is_err());
        assert!(DurationMinutes::try_from(4).is_err());
        assert_eq!(
            DurationMinutes::try_from(480).map(DurationMinutes::duration),
            Ok(chrono::Duration::hours(8))
        );
        assert!(DurationMinutes::try_from(481).is_err());
    }
}
