//! Reading a conversation's history by seq: ranges for catch-up and gap filling, and pages
//! forward or backward for scrolling.

use uuid::Uuid;

use super::types::Message;
use crate::{Db, ModelError};

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

/// A page of history, oldest first, and whether there is more beyond it: the `limit` messages
/// after `after` (paging forward), or else the `limit` latest before `before` (or the latest of
/// all); never a message at or below `floor` (the reader's `history_from_seq`).
pub async fn history_page(
    db: &Db,
    conversation_id: Uuid,
    floor: i64,
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> Result<(Vec<Message>, bool), ModelError> {
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    match after {
        Some(after) => {
            let mut messages =
                range(db, conversation_id, after.max(floor), i64::MAX, limit + 1).await?;
            let has_more = messages.len() > page;
            messages.truncate(page);
            Ok((messages, has_more))
        }
        None => {
            let mut messages = page_before(db, conversation_id, floor, before, limit + 1).await?;
            let has_more = messages.len() > page;
            if has_more {
                messages.remove(0);
            }
            Ok((messages, has_more))
        }
    }
}

/// A page of history ending just before `before` (or the latest page) and after `floor`,
/// oldest first.
pub async fn page_before(
    db: &Db,
    conversation_id: Uuid,
    floor: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>, ModelError> {
    let mut rows = sqlx::query_as!(
        Message,
        "SELECT id, conversation_id, seq, sender_id, client_id, body, created_at
         FROM messages WHERE conversation_id = $1 AND seq < COALESCE($2, 9223372036854775807)
           AND seq > $4
         ORDER BY seq DESC LIMIT $3",
        conversation_id,
        before,
        limit,
        floor,
    )
    .fetch_all(db)
    .await?;
    rows.reverse();
    Ok(rows)
}
