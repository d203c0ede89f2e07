//! Creating conversations: finding or opening the direct one of a pair, and making groups (also
//! used by rooms, which own a group conversation).

use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{direct_key, group_members, normalise_name};
use crate::{Db, ModelError};

/// Maps a foreign-key violation on a member's user to "no such user"; other errors pass through.
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
