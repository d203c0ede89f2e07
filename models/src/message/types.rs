//! The shared vocabulary of messages: the stored [`Message`], what a send returns ([`Sent`]) or
//! refuses ([`SendError`]), the request a batch carries ([`Outgoing`]), and the checks made
//! before any of them reaches the database. Every other file of this module builds on these.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 100_000;
/// Longest client-chosen message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Server-assigned id.
    pub id: Uuid,
    /// The conversation it belongs to.
    pub conversation_id: Uuid,
    /// Position in the conversation: 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Who sent it.
    pub sender_id: Uuid,
    /// The sender's idempotency key.
    pub client_id: String,
    /// The text.
    pub body: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// Why a message was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The body is empty (after nothing: whitespace-only bodies count as empty).
    #[error("message body must not be empty")]
    BodyEmpty,
    /// The body has more than [`MAX_BODY_CHARS`] characters.
    #[error("message body must be at most {MAX_BODY_CHARS} characters (got {0})")]
    BodyTooLong(usize),
    /// The client id is empty or longer than [`MAX_CLIENT_ID_CHARS`].
    #[error("client_id must be 1 to {MAX_CLIENT_ID_CHARS} characters")]
    InvalidClientId,
    /// The body holds a NUL character, which text storage cannot keep.
    #[error("message body must not contain NUL characters")]
    BodyHasNul,
    /// The conversation does not exist or the sender is not a member.
    #[error("you are not a member of this conversation")]
    NotMember,
    /// A contact request holds at most `REQUEST_MESSAGE_CAP` messages until it is accepted.
    #[error("wait until they accept your request before writing more")]
    RequestPending,
    /// The client id was already used by this sender for a different message (another body or
    /// conversation): a retry must resend exactly the same message.
    #[error("client_id was already used for a different message; choose a new one")]
    ClientIdReused,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Checks a message before it goes near the database.
pub fn validate(client_id: &str, body: &str) -> Result<(), SendError> {
    let id_len = client_id.chars().count();
    if id_len == 0 || id_len > MAX_CLIENT_ID_CHARS {
        return Err(SendError::InvalidClientId);
    }
    if client_id.contains('\0') {
        return Err(SendError::InvalidClientId);
    }
    if body.trim().is_empty() {
        return Err(SendError::BodyEmpty);
    }
    if body.contains('\0') {
        return Err(SendError::BodyHasNul);
    }
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(SendError::BodyTooLong(chars));
    }
    Ok(())
}

/// The result of a send: the stored message, and whether it had been stored before (a retry).
#[derive(Debug, Clone)]
pub struct Sent {
    /// The message as stored.
    pub message: Message,
    /// True when this `client_id` had already been stored; nothing new was written.
    pub duplicate: bool,
}

/// A message a client asked to send, waiting to be stored with others in one transaction.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Target conversation.
    pub conversation_id: Uuid,
    /// Sender.
    pub sender_id: Uuid,
    /// Sender's idempotency key.
    pub client_id: String,
    /// Text.
    pub body: String,
}

impl Outgoing {
    /// The message as stored, once the database has given it an id, a seq and a time.
    pub(super) fn stored(&self, id: Uuid, seq: i64, created_at: DateTime<Utc>) -> Message {
        Message {
            id,
            conversation_id: self.conversation_id,
            seq,
            sender_id: self.sender_id,
            client_id: self.client_id.clone(),
            body: self.body.clone(),
            created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_non_empty_and_within_the_limit() {
        assert!(validate("c1", "hello").is_ok());
        assert!(matches!(validate("c1", ""), Err(SendError::BodyEmpty)));
        assert!(matches!(validate("c1", " \n\t"), Err(SendError::BodyEmpty)));
        assert!(
            validate("c1", &"é".repeat(MAX_BODY_CHARS)).is_ok(),
            "the limit counts characters, not bytes"
        );
        assert!(matches!(
            validate("c1", &"a".repeat(MAX_BODY_CHARS + 1)),
            Err(SendError::BodyTooLong(100_001))
        ));
        assert!(matches!(validate("c1", "a\0b"), Err(SendError::BodyHasNul)));
        assert!(matches!(
            validate("c\0x", "fine"),
            Err(SendError::InvalidClientId)
        ));
    }

    #[test]
    fn client_ids_are_bounded() {
        assert!(matches!(
            validate("", "hi"),
            Err(SendError::InvalidClientId)
        ));
        assert!(matches!(
            validate(&"x".repeat(65), "hi"),
            Err(SendError::InvalidClientId)
        ));
        assert!(validate(&"x".repeat(64), "hi").is_ok());
    }
}
