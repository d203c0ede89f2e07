//! Changing who belongs to a group: the owner invites people up to the limit (invitations
//! count), members leave or are removed, and ownership passes on when the owner leaves (to the
//! longest-standing active member). Each change locks the group first.

use uuid::Uuid;

use super::requests::refuse_if_blocked;
use super::types::{Kind, MAX_GROUP_MEMBERS};
use crate::error::on_constraint;
use crate::{Db, ModelError};

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

/// Invites `user_id` to a group; only its owner may, only up to the size limit, and not
/// between two people one of whom blocked the other.
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
    refuse_if_blocked(&mut tx, actor, &[user_id]).await?;
    sqlx::query!(
        "INSERT INTO conversation_members (conversation_id, user_id, status, invited_by)
         VALUES ($1, $2, 'invited', $3)",
        conversation_id,
        user_id,
        actor
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
            "that person is already a member or invited",
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
            "WITH heir AS (SELECT user_id FROM conversation_members
                           WHERE conversation_id = $1 AND status = 'active'
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

/// Removes `users` from conversation `id` without a permission check, for the system's own
/// decisions (a student who gave up a consultation place leaves its room conversation); returns
/// who was removed.
pub async fn expel(db: &Db, id: Uuid, users: &[Uuid]) -> Result<Vec<Uuid>, ModelError> {
    Ok(sqlx::query_scalar!(
        "DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = ANY($2)
         RETURNING user_id",
        id,
        users
    )
    .fetch_all(db)
    .await?)
}

/// The group's owner shares its whole history with every member (undoing the room rule that a
/// late joiner reads only from when they joined); returns the members.
pub async fn share_history(db: &Db, id: Uuid, actor: Uuid) -> Result<Vec<Uuid>, ModelError> {
    let mut tx = db.begin().await?;
    let owner_id = lock_group(&mut tx, id, "only a group's history can be shared").await?;
    if owner_id != Some(actor) {
        return Err(ModelError::Forbidden(
            "only the group's owner can share its history",
        ));
    }
    let members = sqlx::query_scalar!(
        "UPDATE conversation_members SET history_from_seq = 0 WHERE conversation_id = $1
         RETURNING user_id",
        id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(members)
}
