//! The one error type of the data layer.

/// What can go wrong when reading or writing domain data.
///
/// Variants a client can cause (duplicates, invalid input) are kept apart from database failures
/// so the HTTP edge can answer them precisely and log only the real faults.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A field failed validation; `field` names it and `message` says why, for the client.
    #[error("{field}: {message}")]
    Invalid {
        /// The offending field's name as the client sent it.
        field: &'static str,
        /// A human-readable explanation.
        message: String,
    },
    /// A unique constraint refused the write.
    #[error("{message}")]
    Conflict {
        /// Stable machine-readable code, e.g. `email_taken`.
        code: &'static str,
        /// A human-readable explanation.
        message: std::borrow::Cow<'static, str>,
    },
    /// A consultation would double-book someone (an exclusion constraint refused it).
    #[error("{0}")]
    Clash(crate::clash::Clash),
    /// The caller may not do this; the message says why.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The row does not exist (or is not visible to the caller).
    #[error("not found")]
    NotFound,
    /// Password hashing failed; never caused by user input.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The database could not be reached or refused the query.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl ModelError {
    /// Shorthand for a validation failure.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}

/// Maps a violation of the named constraint to [`ModelError::Conflict`], passing other errors on.
pub(crate) fn on_constraint(
    err: sqlx::Error,
    constraint: &str,
    code: &'static str,
    message: &'static str,
) -> ModelError {
    match &err {
        sqlx::Error::Database(db) if db.constraint() == Some(constraint) => ModelError::Conflict {
            code,
            message: message.into(),
        },
        _ => ModelError::Database(err),
    }
}
