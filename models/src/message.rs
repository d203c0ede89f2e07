//! Messages: stored durably with a gap-free per-conversation sequence number before anyone is
//! told about them, idempotent per `(sender, client_id)`, pageable and searchable.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, ModelError};

/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 100_000;
/// Longest client-chosen message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Largest page of history or search results.
pub const MAX_PAGE: i64 = 100;

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
    /// The conversation does not exist or the sender is not a member.
    #[error("you are not a member of this conversation")]
    NotMember,
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
    if body.trim().is_empty() {
        return Err(SendError::BodyEmpty);
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

/// Stores a message: validates it, takes the conversation's next sequence number and inserts it,
/// in one statement (so a failure leaves no gap), provided the sender is a member. A retried
/// `client_id` returns the original message.
pub async fn send(
    db: &Db,
    conversation_id: Uuid,
    sender_id: Uuid,
    client_id: &str,
    body: &str,
) -> Result<Sent, SendError> {
    validate(client_id, body)?;
    let inserted = sqlx::query_as!(
        Message,
        r#"WITH next AS (
               UPDATE conversations SET last_seq = last_seq + 1, updated_at = now()
               WHERE id = $1
                 AND EXISTS (SELECT 1 FROM conversation_members
                             WHERE conversation_id = $1 AND user_id = $2)
               RETURNING last_seq)
           INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body)
           SELECT $3, $1, last_seq, $2, $4, $5 FROM next
           RETURNING id, conversation_id, seq, sender_id, client_id, body, created_at"#,
        conversation_id,
        sender_id,
        Uuid::now_v7(),
        client_id,
        body,
    )
    .fetch_optional(db)
    .await;
    match inserted {
        Ok(Some(message)) => Ok(Sent {
            message,
            duplicate: false,
        }),
        Ok(None) => Err(SendError::NotMember),
        Err(sqlx::Error::Database(e))
            if e.constraint() == Some("messages_sender_client_id_key") =>
        {
            let existing = find_by_client_id(db, sender_id, client_id)
                .await?
                .ok_or(SendError::NotMember)?;
            if existing.conversation_id == conversation_id && existing.body == body {
                Ok(Sent {
                    message: existing,
                    duplicate: true,
                })
            } else {
                Err(SendError::ClientIdReused)
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn find_by_client_id(
    db: &Db,
    sender_id: Uuid,
    client_id: &str,
) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        "SELECT id, conversation_id, seq, sender_id, client_id, body, created_at
         FROM messages WHERE sender_id = $1 AND client_id = $2",
        sender_id,
        client_id,
    )
    .fetch_optional(db)
    .await
}

/// Messages with `after < seq <= up_to`, oldest first, at most `limit`: catch-up and gap filling.
pub async fn range(
    db: &Db,
    conversation_id: Uuid,
    after: i64,
    up_to: i64,
    limit: i64,
) -> Result<Vec<Message>, ModelError> {
    let rows = sqlx::query_as!(
        Message,
        "SELECT id, conversation_id, seq, sender_id, client_id, body, created_at
         FROM messages WHERE conversation_id = $1 AND seq > $2 AND seq <= $3
         ORDER BY seq LIMIT $4",
        conversation_id,
        after,
        up_to,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// A page of history ending just before `before` (or the latest page), oldest first.
pub async fn page_before(
    db: &Db,
    conversation_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>, ModelError> {
    let mut rows = sqlx::query_as!(
        Message,
        "SELECT id, conversation_id, seq, sender_id, client_id, body, created_at
         FROM messages WHERE conversation_id = $1 AND seq < COALESCE($2, 9223372036854775807)
         ORDER BY seq DESC LIMIT $3",
        conversation_id,
        before,
        limit,
    )
    .fetch_all(db)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The message.
    pub message: Message,
    /// Who sent it.
    pub sender_name: String,
    /// The conversation's title for the searcher: the group name or the other person's name.
    pub conversation_title: String,
    /// A short excerpt with the matches between `[` and `]`.
    pub snippet: String,
}

/// Full-text search (English stemming, web-search syntax: words, "phrases", -exclusions) over
/// the messages of conversations `user_id` belongs to, best matches first, newest on ties.
pub async fn search(
    db: &Db,
    user_id: Uuid,
    query: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<SearchHit>, ModelError> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.created_at,
                  u.display_name AS sender_name,
                  COALESCE(c.name, (SELECT o.display_name FROM conversation_members om
                                    JOIN users o ON o.id = om.user_id
                                    WHERE om.conversation_id = m.conversation_id AND om.user_id <> $1
                                    LIMIT 1), 'Conversation') AS "conversation_title!",
                  ts_headline('english', left(m.body, 5000), q,
                              'StartSel=[, StopSel=], MaxWords=20, MinWords=8, MaxFragments=1') AS "snippet!"
           FROM messages m
           JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = $1
           JOIN conversations c ON c.id = m.conversation_id
           JOIN users u ON u.id = m.sender_id,
                websearch_to_tsquery('english', $2) q
           WHERE m.search @@ q
           ORDER BY ts_rank(m.search, q) DESC, m.created_at DESC, m.id
           LIMIT $3 OFFSET $4"#,
        user_id,
        query,
        limit,
        offset,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SearchHit {
            message: Message {
                id: r.id,
                conversation_id: r.conversation_id,
                seq: r.seq,
                sender_id: r.sender_id,
                client_id: r.client_id,
                body: r.body,
                created_at: r.created_at,
            },
            sender_name: r.sender_name,
            conversation_title: r.conversation_title,
            snippet: r.snippet,
        })
        .collect())
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
