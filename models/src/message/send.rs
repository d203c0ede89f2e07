//! Storing one message: seq taken and row inserted in one statement, retries recognised by
//! `(sender, client_id)`.

use uuid::Uuid;

use super::types::{Message, SendError, Sent, validate};
use crate::Db;

/// Stores a message: validates it, takes the conversation's next sequence number and inserts it,
/// in one statement (so a failure leaves no gap), provided the sender is an active member and a
/// pending request's cap is not reached (`conversations_request_cap`). A retried
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
                             WHERE conversation_id = $1 AND user_id = $2 AND status = 'active')
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
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("conversations_request_cap") => {
            Err(SendError::RequestPending)
        }
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
