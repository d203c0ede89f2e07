//! Full-text search over the messages a user can see.

use uuid::Uuid;

use super::types::Message;
use crate::{Db, ModelError};

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
/// the messages of conversations `user_id` may read (not a group they are only invited to), best matches first, newest on ties.
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
           WHERE m.search @@ q AND (cm.status = 'active' OR c.kind = 'direct')
             AND m.seq > cm.history_from_seq
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
