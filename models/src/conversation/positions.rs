//! Receipts: each member's delivered and read positions, stored in batches as the gateway
//! coalesces them.

use uuid::Uuid;

use crate::{Db, ModelError};

/// A member's new delivered/read positions, as coalesced by the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Conversation.
    pub conversation_id: Uuid,
    /// Member.
    pub user_id: Uuid,
    /// Highest seq delivered to any of their devices.
    pub delivered_seq: i64,
    /// Highest seq read.
    pub read_seq: i64,
}

/// Stores positions in one statement; positions only move forward and never past the
/// conversation's last message. Returns the stored values (after both rules) of the rows that
/// exist, i.e. whose user is still an active member (an invited person's reading stays private).
pub async fn store_positions(db: &Db, positions: &[Position]) -> Result<Vec<Position>, ModelError> {
    let conversations: Vec<Uuid> = positions.iter().map(|p| p.conversation_id).collect();
    let users: Vec<Uuid> = positions.iter().map(|p| p.user_id).collect();
    let delivered: Vec<i64> = positions.iter().map(|p| p.delivered_seq).collect();
    let read: Vec<i64> = positions.iter().map(|p| p.read_seq).collect();
    let rows = sqlx::query_as!(
        Position,
        r#"UPDATE conversation_members cm SET
               read_seq = GREATEST(cm.read_seq, LEAST(p.read_seq, c.last_seq)),
               delivered_seq = GREATEST(cm.delivered_seq, LEAST(GREATEST(p.delivered_seq, p.read_seq), c.last_seq))
           FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[])
                    AS p(conversation_id, user_id, delivered_seq, read_seq),
                conversations c
           WHERE cm.conversation_id = p.conversation_id AND cm.user_id = p.user_id
             AND cm.status = 'active' AND c.id = p.conversation_id
           RETURNING cm.conversation_id, cm.user_id, cm.delivered_seq, cm.read_seq"#,
        &conversations[..],
        &users[..],
        &delivered[..],
        &read[..],
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}
