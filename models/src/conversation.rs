//! Conversations: direct (one per pair of users) and group (named, 2 to 100 members, with an
//! owner who manages members), plus each member's delivered/read position.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::on_constraint;
use crate::user::Role;
use crate::{Db, ModelError};

/// Most members a group may have, its owner included.
pub const MAX_GROUP_MEMBERS: usize = 100;
/// Longest group name.
pub const MAX_NAME_CHARS: usize = 80;

/// Direct conversations have exactly two members; groups are named and managed by an owner.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "conversation_kind", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Two people.
    Direct,
    /// A named group.
    Group,
}

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
    /// The viewer's read position.
    pub read_seq: i64,
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
    /// Highest seq delivered to any of their devices.
    pub delivered_seq: i64,
    /// Highest seq they have read.
    pub read_seq: i64,
}

/// The key that makes direct conversations unique per pair, whatever the order of the two.
pub fn direct_key(a: Uuid, b: Uuid) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    format!("{lo}:{hi}")
}

/// Normalises a group name and checks its length.
pub fn normalise_name(raw: &str) -> Result<String, ModelError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ModelError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name)
}

/// The distinct members of a new group, owner first; checks the 2..=100 bound.
pub fn group_members(owner: Uuid, others: &[Uuid]) -> Result<Vec<Uuid>, ModelError> {
    let mut members = vec![owner];
    for id in others {
        if !members.contains(id) {
            members.push(*id);
        }
    }
    if members.len() < 2 {
        return Err(ModelError::invalid(
            "member_ids",
            "a group needs at least one other member",
        ));
    }
    if members.len() > MAX_GROUP_MEMBERS {
        return Err(ModelError::invalid(
            "member_ids",
            format!("a group holds at most {MAX_GROUP_MEMBERS} members"),
        ));
    }
    Ok(members)
}

fn unknown_user(e: sqlx::Error) -> ModelError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            ModelError::invalid("user_id", "no such user")
        }
        _ => ModelError::Database(e),
    }
}

/// Finds or creates the direct conversation between `me` and `other`; `true` if it was created.
pub async fn open_direct(db: &Db, me: Uuid, other: Uuid) -> Result<(Uuid, bool), ModelError> {
    if me == other {
        return Err(ModelError::invalid(
            "user_id",
            "a direct conversation needs another person",
        ));
    }
    let key = direct_key(me, other);
    let mut tx = db.begin().await?;
    let created = sqlx::query_scalar!(
        "INSERT INTO conversations (id, kind, direct_key) VALUES ($1, 'direct', $2)
         ON CONFLICT (direct_key) DO NOTHING RETURNING id",
        Uuid::now_v7(),
        key,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = created else {
        tx.rollback().await?;
        let id = sqlx::query_scalar!("SELECT id FROM conversations WHERE direct_key = $1", key)
            .fetch_one(db)
            .await?;
        return Ok((id, false));
    };
    sqlx::query!(
        "INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])",
        id,
        &[me, other][..],
    )
    .execute(&mut *tx)
    .await
    .map_err(unknown_user)?;
    tx.commit().await?;
    Ok((id, true))
}

/// Creates a group owned by `owner` with the given members (the owner is added if missing).
pub async fn create_group(
    db: &Db,
    owner: Uuid,
    name: &str,
    member_ids: &[Uuid],
) -> Result<Uuid, ModelError> {
    let name = normalise_name(name)?;
    let members = group_members(owner, member_ids)?;
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    insert_group(&mut tx, id, &name, owner).await?;
    add_group_members(&mut tx, id, owner, &members)
        .await
        .map_err(unknown_user)?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts the row of a new group `id` owned by `owner` (members are added separately).
pub(crate) async fn insert_group(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
    owner: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO conversations (id, kind, name, owner_id) VALUES ($1, 'group', $2, $3)",
        id,
        name,
        owner,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes `members` members of group `id` (`owner` as its owner); returns those who were not
/// members yet.
pub(crate) async fn add_group_members(
    conn: &mut PgConnection,
    id: Uuid,
    owner: Uuid,
    members: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO conversation_members (conversation_id, user_id, role)
         SELECT $1, m, CASE WHEN m = $3 THEN 'owner'::member_role ELSE 'member'::member_role END
           FROM unnest($2::uuid[]) AS m
         ON CONFLICT DO NOTHING
         RETURNING user_id",
        id,
        members,
        owner,
    )
    .fetch_all(conn)
    .await
}

/// The conversations `user_id` belongs to, latest activity first, with unread counts and the
/// last message. `only` restricts the list to one conversation.
pub async fn list_for(
    db: &Db,
    user_id: Uuid,
    only: Option<Uuid>,
) -> Result<Vec<Summary>, ModelError> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.kind AS "kind: Kind", c.name, c.owner_id, c.last_seq, c.created_at, cm.read_seq,
                  (SELECT count(*) FROM messages m
                   WHERE m.conversation_id = c.id AND m.seq > cm.read_seq AND m.sender_id <> $1) AS "unread!",
                  lm.id AS "lm_id?", lm.seq AS "lm_seq?", lm.sender_id AS "lm_sender?",
                  lm.client_id AS "lm_client_id?", lm.body AS "lm_body?", lm.created_at AS "lm_created_at?"
           FROM conversation_members cm
           JOIN conversations c ON c.id = cm.conversation_id
           LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq
           WHERE cm.user_id = $1 AND ($2::uuid IS NULL OR c.id = $2)
           ORDER BY c.updated_at DESC, c.id"#,
        user_id,
        only,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
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
                ) => Some(crate::message::Message {
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
                read_seq: r.read_seq,
                unread_count: r.unread,
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
                  (cm.role = 'owner') AS "is_owner!", cm.delivered_seq, cm.read_seq
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

/// Whether `user_id` is a member of `conversation_id`.
pub async fn is_member(db: &Db, conversation_id: Uuid, user_id: Uuid) -> Result<bool, ModelError> {
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2) AS "found!""#,
        conversation_id,
        user_id,
    )
    .fetch_one(db)
    .await?;
    Ok(found)
}

/// Each conversation of `user_id` with its latest seq, for catching up after a reconnect.
pub async fn positions_of(db: &Db, user_id: Uuid) -> Result<Vec<(Uuid, i64)>, ModelError> {
    let rows = sqlx::query!(
        "SELECT c.id, c.last_seq FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
         WHERE cm.user_id = $1",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.last_seq)).collect())
}

/// Locks a group's row for a membership change and returns its owner; a direct conversation
/// is refused with `not_a_group`.
async fn lock_group(
    tx: &mut sqlx::PgConnection,
    conversation_id: Uuid,
    not_a_group: &'static str,
) -> Result<Option<Uuid>, ModelError> {
    let group = sqlx::query!(
        r#"SELECT kind AS "kind: Kind", owner_id FROM conversations WHERE id = $1 FOR UPDATE"#,
        conversation_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ModelError::NotFound)?;
    if group.kind != Kind::Group {
        return Err(ModelError::invalid("conversation", not_a_group));
    }
    Ok(group.owner_id)
}

/// Adds `user_id` to a group; only its owner may, and only up to the size limit.
pub async fn add_member(
    db: &Db,
    conversation_id: Uuid,
    actor: Uuid,
    user_id: Uuid,
) -> Result<(), ModelError> {
    let mut tx = db.begin().await?;
    let owner_id = lock_group(
        &mut tx,
        conversation_id,
        "members can only be added to groups",
    )
    .await?;
    if owner_id != Some(actor) {
        return Err(ModelError::Forbidden(
            "only the group's owner can add members",
        ));
    }
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM conversation_members WHERE conversation_id = $1"#,
        conversation_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if count >= MAX_GROUP_MEMBERS as i64 {
        return Err(ModelError::Conflict {
            code: "group_full",
            message: "a group holds at most 100 members".into(),
        });
    }
    sqlx::query!(
        "INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2)",
        conversation_id,
        user_id
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            ModelError::invalid("user_id", "no such user")
        }
        _ => on_constraint(
            e,
            "conversation_members_pkey",
            "already_member",
            "that person is already a member",
        ),
    })?;
    sqlx::query!(
        "UPDATE conversations SET updated_at = now() WHERE id = $1",
        conversation_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes `user_id` from a group: the owner may remove anyone, anyone may remove themselves
/// (leave). When the owner leaves, the longest-standing member becomes owner.
pub async fn remove_member(
    db: &Db,
    conversation_id: Uuid,
    actor: Uuid,
    user_id: Uuid,
) -> Result<(), ModelError> {
    let mut tx = db.begin().await?;
    let owner_id = lock_group(
        &mut tx,
        conversation_id,
        "nobody can leave a direct conversation",
    )
    .await?;
    if actor != user_id && owner_id != Some(actor) {
        return Err(ModelError::Forbidden(
            "only the group's owner can remove other members",
        ));
    }
    let removed = sqlx::query!(
        "DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
        conversation_id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    if removed.rows_affected() == 0 {
        return Err(ModelError::NotFound);
    }
    if owner_id == Some(user_id) {
        sqlx::query!(
            "WITH heir AS (SELECT user_id FROM conversation_members WHERE conversation_id = $1
                           ORDER BY joined_at, user_id LIMIT 1)
             UPDATE conversation_members SET role = 'owner' WHERE conversation_id = $1
               AND user_id = (SELECT user_id FROM heir)",
            conversation_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE conversations SET owner_id = (SELECT user_id FROM conversation_members
                                                  WHERE conversation_id = $1 AND role = 'owner')
             WHERE id = $1",
            conversation_id
        )
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query!(
        "UPDATE conversations SET updated_at = now() WHERE id = $1",
        conversation_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

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
/// exist, i.e. whose user is still a member.
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
             AND c.id = p.conversation_id
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

/// A contact: someone who shares at least one conversation with the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// User id.
    pub user_id: Uuid,
    /// Display name.
    pub display_name: String,
    /// Avatar colour.
    pub avatar_color: String,
    /// Role.
    pub role: Role,
    /// Time zone.
    pub time_zone: String,
    /// Last time seen online.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// The user's contacts, by name.
pub async fn contacts(db: &Db, user_id: Uuid) -> Result<Vec<Contact>, ModelError> {
    let rows = sqlx::query_as!(
        Contact,
        r#"SELECT u.id AS user_id, u.display_name, u.avatar_color, u.role AS "role: Role",
                  u.time_zone, u.last_seen_at
           FROM users u
           WHERE u.id IN (SELECT theirs.user_id
                          FROM conversation_members mine
                          JOIN conversation_members theirs ON theirs.conversation_id = mine.conversation_id
                          WHERE mine.user_id = $1 AND theirs.user_id <> $1)
           ORDER BY lower(u.display_name), u.id"#,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// The ids of the user's contacts (who must hear about their presence).
pub async fn contact_ids(db: &Db, user_id: Uuid) -> Result<Vec<Uuid>, ModelError> {
    let ids = sqlx::query_scalar!(
        r#"SELECT DISTINCT theirs.user_id AS "id!"
           FROM conversation_members mine
           JOIN conversation_members theirs ON theirs.conversation_id = mine.conversation_id
           WHERE mine.user_id = $1 AND theirs.user_id <> $1"#,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Records when a user was last online.
pub async fn mark_last_seen(db: &Db, user_id: Uuid, at: DateTime<Utc>) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE users SET last_seen_at = $2 WHERE id = $1",
        user_id,
        at
    )
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_key_ignores_order() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(direct_key(a, b), direct_key(b, a));
        assert_ne!(direct_key(a, b), direct_key(a, Uuid::from_u128(3)));
    }

    #[test]
    fn group_members_are_distinct_and_bounded() {
        let owner = Uuid::from_u128(1);
        let others: Vec<Uuid> = (2..=3).map(Uuid::from_u128).collect();
        assert_eq!(
            group_members(owner, &[others[0], others[0], owner, others[1]])
                .unwrap()
                .len(),
            3
        );
        assert!(group_members(owner, &[]).is_err());
        assert!(group_members(owner, &[owner]).is_err());
        let many: Vec<Uuid> = (2..=100).map(Uuid::from_u128).collect();
        assert_eq!(group_members(owner, &many).unwrap().len(), 100);
        let too_many: Vec<Uuid> = (2..=101).map(Uuid::from_u128).collect();
        assert!(group_members(owner, &too_many).is_err());
    }

    #[test]
    fn group_names_are_trimmed_and_bounded() {
        assert_eq!(normalise_name("  Study   group ").unwrap(), "Study group");
        assert!(normalise_name(" ").is_err());
        assert!(normalise_name(&"x".repeat(81)).is_err());
    }
}
