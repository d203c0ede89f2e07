//! Reading conversations as a member sees them: the list with unread counts and last messages,
//! the members with their positions, and the ids the gateway fans out to or catches up on.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::roster::{MemberStatus, Roster};
use super::types::Kind;
use crate::user::Role;
use crate::{Db, ModelError};

/// A conversation as seen by one of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Conversation id.
    pub id: Uuid,
    /// Direct or group.
    pub kind: Kind,
    /// Group name (`None` for direct conversations).
    pub name: Option<String>,
    /// Group owner.
    pub owner_id: Option<Uuid>,
    /// Latest sequence number (0 when empty).
    pub last_seq: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its latest activity (the list's order).
    pub updated_at: DateTime<Utc>,
    /// The viewer's read position.
    pub read_seq: i64,
    /// The viewer's standing: a member, or invited (a request or invitation to answer).
    pub status: MemberStatus,
    /// Who invited the viewer, while they are invited.
    pub invited_by: Option<Uuid>,
    /// Messages from others after the viewer's read position.
    pub unread_count: i64,
    /// The latest message, if any.
    pub last_message: Option<crate::message::Message>,
}

/// A member with the profile fields a conversation view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// User id.
    pub user_id: Uuid,
    /// Display name.
    pub display_name: String,
    /// Avatar colour.
    pub avatar_color: String,
    /// Role in the university.
    pub role: Role,
    /// Last time they were seen online (`None` if never).
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Whether they own the group.
    pub is_owner: bool,
    /// Member, or invited and not answered yet.
    pub status: MemberStatus,
    /// Highest seq delivered to any of their devices.
    pub delivered_seq: i64,
    /// Highest seq they have read.
    pub read_seq: i64,
}

/// Where a page of the conversation list starts: after this conversation in the order of
/// latest activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    /// The last listed conversation's latest activity.
    pub updated_at: DateTime<Utc>,
    /// The last listed conversation (ties on time).
    pub id: Uuid,
}

/// Which conversations [`list_for`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Just this one.
    One(Uuid),
    /// Up to `limit` after `after` (from the start without one).
    Page {
        /// Where the previous page ended.
        after: Option<ListCursor>,
        /// Page size.
        limit: i64,
    },
}

/// The conversations `user_id` belongs to or is invited to, latest activity first, with unread
/// counts and the last message (neither for a group invitation, whose messages the invited
/// person cannot read yet).
pub async fn list_for(
    db: &Db,
    user_id: Uuid,
    listing: Listing,
) -> Result<Vec<Summary>, ModelError> {
    let (only, after, limit) = match listing {
        Listing::One(id) => (Some(id), None, 1),
        Listing::Page { after, limit } => (None, after, limit),
    };
    let rows = sqlx::query!(
        r#"SELECT c.id, c.kind AS "kind: Kind", c.name, c.owner_id, c.last_seq, c.created_at, c.updated_at, cm.read_seq,
                  cm.status AS "status: MemberStatus", cm.invited_by, cm.history_from_seq,
                  (SELECT count(*) FROM messages m
                   WHERE m.conversation_id = c.id AND m.seq > cm.read_seq AND m.sender_id <> $1) AS "unread!",
                  lm.id AS "lm_id?", lm.seq AS "lm_seq?", lm.sender_id AS "lm_sender?",
                  lm.client_id AS "lm_client_id?", lm.body AS "lm_body?", lm.created_at AS "lm_created_at?"
           FROM conversation_members cm
           JOIN conversations c ON c.id = cm.conversation_id
           LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq
           WHERE cm.user_id = $1 AND ($2::uuid IS NULL OR c.id = $2)
             AND ($3::timestamptz IS NULL OR (c.updated_at, c.id) < ($3, $4))
           ORDER BY c.updated_at DESC, c.id DESC
           LIMIT $5"#,
        user_id,
        only,
        after.map(|a| a.updated_at),
        after.map(|a| a.id),
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let hidden = (r.status == MemberStatus::Invited && r.kind == Kind::Group)
                || r.last_seq <= r.history_from_seq;
            let last_message = match (
                r.lm_id,
                r.lm_seq,
                r.lm_sender,
                r.lm_client_id,
                r.lm_body,
                r.lm_created_at,
            ) {
                (
                    Some(id),
                    Some(seq),
                    Some(sender_id),
                    Some(client_id),
                    Some(body),
                    Some(created_at),
                ) if !hidden => Some(crate::message::Message {
                    id,
                    conversation_id: r.id,
                    seq,
                    sender_id,
                    client_id,
                    body,
                    created_at,
                }),
                _ => None,
            };
            Summary {
                id: r.id,
                kind: r.kind,
                name: r.name,
                owner_id: r.owner_id,
                last_seq: r.last_seq,
                created_at: r.created_at,
                updated_at: r.updated_at,
                read_seq: r.read_seq,
                unread_count: if hidden { 0 } else { r.unread },
                status: r.status,
                invited_by: r.invited_by,
                last_message,
            }
        })
        .collect())
}

/// The members of a conversation with their profiles and positions.
pub async fn members(db: &Db, conversation_id: Uuid) -> Result<Vec<Member>, ModelError> {
    let rows = sqlx::query_as!(
        Member,
        r#"SELECT u.id AS user_id, u.display_name, u.avatar_color, u.role AS "role: Role", u.last_seen_at,
                  (cm.role = 'owner') AS "is_owner!", cm.status AS "status: MemberStatus",
                  cm.delivered_seq, cm.read_seq
           FROM conversation_members cm JOIN users u ON u.id = cm.user_id
           WHERE cm.conversation_id = $1
           ORDER BY cm.joined_at, u.id"#,
        conversation_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// The ids of a conversation's members (the gateway's fan-out list).
pub async fn member_ids(db: &Db, conversation_id: Uuid) -> Result<Vec<Uuid>, ModelError> {
    let ids = sqlx::query_scalar!(
        "SELECT user_id FROM conversation_members WHERE conversation_id = $1",
        conversation_id
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Whether `user_id` may read `conversation_id` ([`Roster::can_read`]).
pub async fn can_read(db: &Db, conversation_id: Uuid, user_id: Uuid) -> Result<bool, ModelError> {
    Ok(history_floor(db, conversation_id, user_id).await?.is_some())
}

/// The seq after which `user_id` may read `conversation_id` (their `history_from_seq`), or
/// `None` if they may not read it at all.
pub async fn history_floor(
    db: &Db,
    conversation_id: Uuid,
    user_id: Uuid,
) -> Result<Option<i64>, ModelError> {
    Ok(sqlx::query_scalar!(
        "SELECT cm.history_from_seq FROM conversation_members cm
         JOIN conversations c ON c.id = cm.conversation_id
         WHERE cm.conversation_id = $1 AND cm.user_id = $2
           AND (cm.status = 'active' OR c.kind = 'direct')",
        conversation_id,
        user_id,
    )
    .fetch_optional(db)
    .await?)
}

/// The conversation's roster (members, standing, block), `None` if it does not exist.
pub async fn roster(db: &Db, conversation_id: Uuid) -> Result<Option<Roster>, ModelError> {
    let Some(head) = sqlx::query!(
        r#"SELECT c.kind AS "kind: Kind",
                  (c.kind = 'direct' AND EXISTS (
                      SELECT 1 FROM blocks b
                      JOIN conversation_members x ON x.conversation_id = c.id AND x.user_id = b.blocker_id
                      JOIN conversation_members y ON y.conversation_id = c.id AND y.user_id = b.blocked_id)) AS "blocked!"
           FROM conversations c WHERE c.id = $1"#,
        conversation_id
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let members = sqlx::query!(
        r#"SELECT user_id, status AS "status: MemberStatus" FROM conversation_members
           WHERE conversation_id = $1"#,
        conversation_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.user_id, r.status))
    .collect();
    Ok(Some(Roster {
        kind: head.kind,
        members,
        blocked: head.blocked,
    }))
}

/// Where a reconnecting device may catch up in one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readable {
    /// The conversation.
    pub conversation: Uuid,
    /// Its latest seq.
    pub last_seq: i64,
    /// The reader sees only messages after this seq (`history_from_seq`).
    pub floor: i64,
}

/// Each conversation `user_id` may read with its latest seq and their floor, for catching up
/// after a reconnect.
pub async fn positions_of(db: &Db, user_id: Uuid) -> Result<Vec<Readable>, ModelError> {
    let rows = sqlx::query!(
        "SELECT c.id, c.last_seq, cm.history_from_seq FROM conversation_members cm
         JOIN conversations c ON c.id = cm.conversation_id
         WHERE cm.user_id = $1 AND (cm.status = 'active' OR c.kind = 'direct')",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Readable {
            conversation: r.id,
            last_seq: r.last_seq,
            floor: r.history_from_seq,
        })
        .collect())
}
