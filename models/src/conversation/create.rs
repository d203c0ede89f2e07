//! Creating groups: the owner is a member at once, everyone else is invited and joins by
//! accepting. Rooms make their group conversation with `insert_group` and `add_group_members`
//! (the booking is the consent, so room members are active at once). Direct conversations are
//! opened in `requests`.

use sqlx::PgConnection;
use uuid::Uuid;

use super::requests::{refuse_if_blocked, unknown_user};
use super::types::{group_members, normalise_name};
use crate::{Db, ModelError};

/// Creates a group owned by `owner` and invites the given members (the owner is added if
/// missing); refused if any of them blocked the owner or was blocked by them.
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
    refuse_if_blocked(&mut tx, owner, &members[1..]).await?;
    insert_group(&mut tx, id, &name, owner).await?;
    add_group_members(&mut tx, id, owner, &members[..1])
        .await
        .map_err(unknown_user)?;
    invite_group_members(&mut tx, id, owner, &members[1..])
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

/// Makes `members` members of group `id` (`owner` as its owner), reading from its latest message
/// on (a room's late joiner does not get what was said before); returns those who were not
/// members yet.
pub(crate) async fn add_group_members(
    conn: &mut PgConnection,
    id: Uuid,
    owner: Uuid,
    members: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO conversation_members
             (conversation_id, user_id, role, history_from_seq, delivered_seq, read_seq)
         SELECT $1, m, CASE WHEN m = $3 THEN 'owner'::member_role ELSE 'member'::member_role END,
                c.last_seq, c.last_seq, c.last_seq
           FROM unnest($2::uuid[]) AS m, conversations c WHERE c.id = $1
         ON CONFLICT DO NOTHING
         RETURNING user_id",
        id,
        members,
        owner,
    )
    .fetch_all(conn)
    .await
}

/// Invites `members` to group `id` on behalf of `inviter`; returns those who were neither
/// members nor invited yet.
pub(crate) async fn invite_group_members(
    conn: &mut PgConnection,
    id: Uuid,
    inviter: Uuid,
    members: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO conversation_members (conversation_id, user_id, status, invited_by)
         SELECT $1, m, 'invited', $3 FROM unnest($2::uuid[]) AS m
         ON CONFLICT DO NOTHING
         RETURNING user_id",
        id,
        members,
        inviter,
    )
    .fetch_all(conn)
    .await
}
