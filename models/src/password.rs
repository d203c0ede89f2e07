//! Password hashing with Argon2id (the OWASP-recommended default parameters of the `argon2` crate).
//!
//! Hashing is deliberately slow, so callers on an async runtime run these in `spawn_blocking`.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

use crate::validated::{self, InvalidValue};
use crate::{ModelError, deserialize_by_try_from};

/// Shortest password accepted at signup.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted, so hashing cost stays bounded.
pub const MAX_PASSWORD_LEN: usize = 256;

/// A new account's password, [`MIN_PASSWORD_LEN`] to [`MAX_PASSWORD_LEN`] characters; content
/// rules beyond that only annoy people. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl TryFrom<String> for NewPassword {
    type Error = InvalidValue;
    fn try_from(password: String) -> Result<Self, InvalidValue> {
        let len = password.chars().count();
        if len < MIN_PASSWORD_LEN {
            return Err(InvalidValue::new(
                "password",
                format!("must be at least {MIN_PASSWORD_LEN} characters"),
            ));
        }
        if len > MAX_PASSWORD_LEN {
            return Err(InvalidValue::new(
                "password",
                format!("must be at most {MAX_PASSWORD_LEN} characters"),
            ));
        }
        Ok(Self(password))
    }
}

impl NewPassword {
    /// The password itself, to hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

deserialize_by_try_from!(NewPassword: String);

crate::schema_of!(NewPassword => validated::text_schema(MIN_PASSWORD_LEN, MAX_PASSWORD_LEN));

/// Hashes a password into a PHC string (algorithm, parameters and salt included).
pub fn hash_password(password: &str) -> Result<String, ModelError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ModelError::Hashing(e.to_string()))
}

/// Checks a password against a stored PHC string; a malformed stored hash counts as a mismatch.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A valid hash of a random password, verified against when an email is unknown so that a failed
/// login takes the same time whether or not the account exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password-0").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify_accepts_only_the_same_password() {
        let phc = hash_password("correct horse battery").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse battery!", &phc));
    }

    #[test]
    fn malformed_stored_hash_never_verifies() {
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn length_rules() {
        let new = |p: &str| NewPassword::try_from(p.to_owned());
        assert!(new("short").is_err());
        assert!(new("long enough!").is_ok());
        assert!(new(&"x".repeat(257)).is_err());
        let secret = NewPassword::try_from("long enough!".to_owned()).expect("valid");
        assert_eq!(format!("{secret:?}"), "NewPassword(..)");
        assert_eq!(
            NewPassword::try_from("short".to_owned()).map_err(|e| e.to_string()),
            Err("password must be at least 10 characters".to_owned())
        );
    }
}
