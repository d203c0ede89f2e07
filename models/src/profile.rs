//! Validation and normalisation of the profile fields a person types in.
//!
//! Pure functions: the handlers call them before touching the database, and the schema's CHECK
//! constraints repeat the essentials so nothing invalid can be stored by another path.

use crate::validated::{self, InvalidValue};
use crate::{ModelError, deserialize_by_try_from};

/// Longest display name accepted, in characters.
pub const MAX_DISPLAY_NAME: usize = 80;
/// Longest email address accepted, in bytes (the most an SMTP path allows).
pub const MAX_EMAIL_BYTES: usize = 254;

/// An email address as an account's login: trimmed, lower-cased, shaped like `local@domain.tld`
/// and at most [`MAX_EMAIL_BYTES`] long.
///
/// Deliverability is not checked here; the shape check only stops obvious typos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl TryFrom<&str> for Email {
    type Error = InvalidValue;
    fn try_from(raw: &str) -> Result<Self, InvalidValue> {
        let email = raw.trim().to_lowercase();
        if is_email(&email) {
            Ok(Self(email))
        } else {
            Err(InvalidValue::new("email", "is not a valid email address"))
        }
    }
}

impl Email {
    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised address, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Normalises an email (trimmed, lower-cased) and checks its shape (see [`Email`]).
pub fn normalise_email(raw: &str) -> Result<String, ModelError> {
    Ok(Email::try_from(raw)?.into_string())
}

fn is_email(email: &str) -> bool {
    email.len() <= MAX_EMAIL_BYTES
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        }
}

/// The name shown to others: inner whitespace collapsed, no control characters, 1 to
/// [`MAX_DISPLAY_NAME`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl TryFrom<&str> for DisplayName {
    type Error = InvalidValue;
    fn try_from(raw: &str) -> Result<Self, InvalidValue> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(InvalidValue::new("display_name", "must not be empty"));
        }
        if name.chars().any(char::is_control) {
            return Err(InvalidValue::new(
                "display_name",
                "must not contain control characters",
            ));
        }
        if name.chars().count() > MAX_DISPLAY_NAME {
            return Err(InvalidValue::new(
                "display_name",
                format!("must be at most {MAX_DISPLAY_NAME} characters"),
            ));
        }
        Ok(Self(name))
    }
}

impl DisplayName {
    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

crate::try_from_string!(Email, DisplayName);
deserialize_by_try_from!(Email: String, DisplayName: String);

crate::schema_of!(Email => validated::text_schema(1, MAX_EMAIL_BYTES));

crate::schema_of!(DisplayName => validated::text_schema(1, MAX_DISPLAY_NAME));

/// Checks that a time zone is a known IANA name (e.g. `Europe/London`) and returns it canonical.
pub fn validate_time_zone(raw: &str) -> Result<String, ModelError> {
    raw.trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            ModelError::invalid(
                "time_zone",
                format!("'{}' is not an IANA time zone name", raw.trim()),
            )
        })
}

/// Checks an avatar colour in `#rrggbb` form and lower-cases it.
pub fn validate_avatar_color(raw: &str) -> Result<String, ModelError> {
    let colour = raw.trim().to_ascii_lowercase();
    let ok = colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(colour)
    } else {
        Err(ModelError::invalid(
            "avatar_color",
            "must be a colour like #3a7bd5",
        ))
    }
}

/// Up to two initials from a display name, shown in avatars ("Ada Lovelace" → "AL").
pub fn initials(display_name: &str) -> String {
    let words: Vec<&str> = display_name.split_whitespace().collect();
    let pick = match words.as_slice() {
        [] => vec![],
        [only] => vec![*only],
        [first, .., last] => vec![*first, *last],
    };
    pick.iter()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A pleasant default avatar colour, stable for the same seed (the email) so it never flickers.
pub fn default_avatar_color(seed: &str) -> String {
    const PALETTE: [&str; 10] = [
        "#3a7bd5", "#d5573a", "#2e9d6b", "#8e44ad", "#c0392b", "#16a085", "#d35400", "#2c3e50",
        "#b8860b", "#0077b6",
    ];
    let sum = seed.bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    PALETTE[(sum as usize) % PALETTE.len()].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_shape_checked() {
        assert_eq!(
            normalise_email("  Ada@Uni.AC.uk ").expect("valid"),
            "ada@uni.ac.uk"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@uni.ac.uk",
            "ada@uni",
            "a b@uni.ac.uk",
            "a@b@uni.ac.uk",
            "ada@.uk",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad} should be rejected");
        }
        let longest = format!("{}@uni.ac.uk", "a".repeat(MAX_EMAIL_BYTES - 10));
        assert!(Email::try_from(longest.as_str()).is_ok());
        assert!(Email::try_from(format!("a{longest}")).is_err());
    }

    #[test]
    fn display_names_collapse_whitespace_and_have_bounds() {
        assert_eq!(
            DisplayName::try_from("  Ada   Lovelace ")
                .expect("valid")
                .as_str(),
            "Ada Lovelace"
        );
        assert_eq!(
            DisplayName::try_from("   ").map_err(|e| e.to_string()),
            Err("display_name must not be empty".to_owned())
        );
        assert!(DisplayName::try_from("a\u{7}b").is_err());
        assert!(DisplayName::try_from("é".repeat(81)).is_err());
        assert!(DisplayName::try_from("é".repeat(80)).is_ok());
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(
            validate_time_zone("Europe/London").expect("valid"),
            "Europe/London"
        );
        assert!(validate_time_zone("Mars/Olympus").is_err());
        assert!(validate_time_zone("").is_err());
    }

    #[test]
    fn avatar_colours_are_hex() {
        assert_eq!(validate_avatar_color("#3A7BD5").expect("valid"), "#3a7bd5");
        for bad in ["3a7bd5", "#3a7bd", "#3a7bdz", "red"] {
            assert!(validate_avatar_color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("Ada King Lovelace"), "AL");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials("élodie durand"), "ÉD");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn default_colour_is_stable_and_valid() {
        let a = default_avatar_color("ada@uni.ac.uk");
        assert_eq!(a, default_avatar_color("ada@uni.ac.uk"));
        assert!(validate_avatar_color(&a).is_ok());
    }
}
