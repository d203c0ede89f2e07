//! A consultation's video room as stored: whether the lecturer opened it early or ended it, and
//! the group conversation shown beside the video. The rules about when a room is open are
//! `scheduler::room`'s; this module only loads and stores.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::conversation::{add_group_members, insert_group};
use crate::{Db, ModelError};

/// The stored state of a room (all empty until the lecturer acts or someone opens the room).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredRoom {
    /// When the lecturer opened it ahead of time.
    pub opened_early_at: Option<DateTime<Utc>>,
    /// When the lecturer ended it.
    pub closed_at: Option<DateTime<Utc>>,
    /// The conversation beside the video, once made.
    pub conversation_id: Option<Uuid>,
}

/// The room of consultation `id` (defaults when nothing was stored yet).
pub async fn get(db: &Db, id: Uuid) -> Result<StoredRoom, ModelError> {
    let row = sqlx::query_as!(
        StoredRoom,
        "SELECT opened_early_at, closed_at, conversation_id
           FROM consultation_rooms WHERE consultation_id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.unwrap_or_default())
}

/// The stored rooms of the consultations `ids` (those with nothing stored are missing).
pub async fn get_many(
    db: &Db,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, StoredRoom>, ModelError> {
    let rows = sqlx::query!(
        "SELECT consultation_id, opened_early_at, closed_at, conversation_id
           FROM consultation_rooms WHERE consultation_id = ANY($1)",
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let stored = StoredRoom {
                opened_early_at: r.opened_early_at,
                closed_at: r.closed_at,
                conversation_id: r.conversation_id,
            };
            (r.consultation_id, stored)
        })
        .collect())
}

/// Opens the room at `at` (the lecturer opening early, or re-opening one they ended).
pub async fn open(db: &Db, id: Uuid, at: DateTime<Utc>) -> Result<StoredRoom, ModelError> {
    let row = sqlx::query_as!(
        StoredRoom,
        "INSERT INTO consultation_rooms (consultation_id, opened_early_at)
         VALUES ($1, $2)
         ON CONFLICT (consultation_id) DO UPDATE
            SET opened_early_at = LEAST(COALESCE(consultation_rooms.opened_early_at, $2), $2),
                closed_at = NULL, updated_at = now()
         RETURNING opened_early_at, closed_at, conversation_id",
        id,
        at
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// Ends the room at `at` for everyone.
pub async fn close(db: &Db, id: Uuid, at: DateTime<Utc>) -> Result<StoredRoom, ModelError> {
    let row = sqlx::query_as!(
        StoredRoom,
        "INSERT INTO consultation_rooms (consultation_id, closed_at)
         VALUES ($1, $2)
         ON CONFLICT (consultation_id) DO UPDATE SET closed_at = $2, updated_at = now()
         RETURNING opened_early_at, closed_at, conversation_id",
        id,
        at
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// The room's conversation of consultation `id`, if it was made.
pub async fn conversation_of(db: &Db, id: Uuid) -> Result<Option<Uuid>, ModelError> {
    Ok(sqlx::query_scalar!(
        "SELECT conversation_id FROM consultation_rooms WHERE consultation_id = $1",
        id
    )
    .fetch_optional(db)
    .await?
    .flatten())
}

/// The room's conversation, made on first use as a group owned by the lecturer; every id in
/// `members` (the lecturer and the students holding a place) is a member afterwards. Returns the
/// conversation and who was added now. Safe when two people open the room at once: the room row
/// is locked while the conversation is made.
pub async fn ensure_conversation(
    db: &Db,
    id: Uuid,
    lecturer: Uuid,
    topic: &str,
    members: &[Uuid],
) -> Result<(Uuid, Vec<Uuid>), ModelError> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "INSERT INTO consultation_rooms (consultation_id) VALUES ($1)
         ON CONFLICT (consultation_id) DO NOTHING",
        id
    )
    .execute(&mut *tx)
    .await?;
    let existing = sqlx::query_scalar!(
        "SELECT conversation_id FROM consultation_rooms WHERE consultation_id = $1 FOR UPDATE",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let conversation = match existing {
        Some(conversation) => conversation,
        None => {
            let conversation = Uuid::now_v7();
            insert_group(&mut tx, conversation, &conversation_name(topic), lecturer).await?;
            sqlx::query!(
                "UPDATE consultation_rooms SET conversation_id = $2, updated_at = now()
                  WHERE consultation_id = $1",
                id,
                conversation
            )
            .execute(&mut *tx)
            .await?;
            conversation
        }
    };
    let added = add_group_members(&mut tx, conversation, lecturer, members).await?;
    tx.commit().await?;
    Ok((conversation, added))
}

/// The name of a room's conversation: the topic, cut to the 80 characters a group name holds.
fn conversation_name(topic: &str) -> String {
    let name: String = format!("Consultation: {}", topic.trim())
        .chars()
        .take(80)
        .collect();
    name.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_names_fit_a_group_name() {
        assert_eq!(
            conversation_name(" Essay plan "),
            "Consultation: Essay plan"
        );
        let long = conversation_name(&"é".repeat(300));
        assert_eq!(long.chars().count(), 80);
    }
}

/// Where a consultation's room runs, for a node about to serve one of its sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// On the asking node (it held the room already, or took it: nobody else live did).
    Here,
    /// On another live node, at this address.
    There {
        /// The node holding the room.
        node: Uuid,
        /// Where it listens (`host:port`).
        address: String,
    },
}

/// Places consultation `id`'s room on node `me` unless another node whose lease is within
/// `ttl` holds it; then says where that is.
pub async fn place(
    db: &Db,
    id: Uuid,
    me: Uuid,
    ttl: std::time::Duration,
) -> Result<Placement, ModelError> {
    let claimed = sqlx::query_scalar!(
        "INSERT INTO consultation_rooms (consultation_id, node_id) VALUES ($1, $2)
         ON CONFLICT (consultation_id) DO UPDATE SET node_id = $2
         WHERE consultation_rooms.node_id IS NULL OR consultation_rooms.node_id = $2
            OR NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = consultation_rooms.node_id
                           AND n.heartbeat_at >= now() - make_interval(secs => $3))
         RETURNING consultation_id",
        id,
        me,
        ttl.as_secs_f64(),
    )
    .fetch_optional(db)
    .await?;
    if claimed.is_some() {
        return Ok(Placement::Here);
    }
    let holder = sqlx::query!(
        "SELECT n.id, n.address FROM consultation_rooms r JOIN nodes n ON n.id = r.node_id
         WHERE r.consultation_id = $1",
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(match holder {
        Some(h) => Placement::There {
            node: h.id,
            address: h.address,
        },
        // The holder left the node list between the two statements: try again as if free.
        None => Placement::Here,
    })
}

/// Node `me` takes consultation `id`'s room from `holder`, which does not answer (it died before
/// its lease ran out); `false` if someone else took it first.
pub async fn take_over(db: &Db, id: Uuid, me: Uuid, holder: Uuid) -> Result<bool, ModelError> {
    let taken = sqlx::query!(
        "UPDATE consultation_rooms SET node_id = $2 WHERE consultation_id = $1 AND node_id = $3",
        id,
        me,
        holder,
    )
    .execute(db)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// The live node other than `me` (lease within `ttl`) that runs consultation `id`'s room, and
/// its address: where the room's present participants and recording switch are answered.
/// `None` when the room runs here or on no live node. Unlike [`place`], never claims the room.
pub async fn runs_elsewhere(
    db: &Db,
    id: Uuid,
    me: Uuid,
    ttl: std::time::Duration,
) -> Result<Option<String>, ModelError> {
    Ok(sqlx::query_scalar!(
        "SELECT n.address FROM consultation_rooms r JOIN nodes n ON n.id = r.node_id
         WHERE r.consultation_id = $1 AND n.id <> $2
           AND n.heartbeat_at >= now() - make_interval(secs => $3)",
        id,
        me,
        ttl.as_secs_f64(),
    )
    .fetch_optional(db)
    .await?)
}
