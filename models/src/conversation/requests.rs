//! Consent before contact: opening a direct conversation with someone who is not a contact
//! makes a *request* (they are an invited member, and the asker may write at most
//! [`REQUEST_MESSAGE_CAP`] messages until they accept); group additions are invitations. The
//! invited person accepts, declines or blocks; a block refuses that person's requests from then
//! on and hides each from the other's presence and mood (`contact_pairs`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{Kind, direct_key};
use crate::{Db, ModelError};

/// Most messages the asker may write in a direct request before it is accepted.
pub const REQUEST_MESSAGE_CAP: i64 = 3;

/// Maps a foreign-key violation on a member's user to "no such user"; other errors pass through.
pub(crate) fn unknown_user(e: sqlx::Error) -> ModelError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            ModelError::invalid("user_id", "no such user")
        }
        _ => ModelError::Database(e),
    }
}

/// A direct conversation the caller opened or found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// The conversation.
    pub id: Uuid,
    /// Whether it was made now.
    pub created: bool,
    /// Whether the caller accepted the other's pending request by opening it.
    pub accepted: bool,
}

/// Refuses a request between `me` and `other` when either blocked the other.
pub(crate) async fn refuse_if_blocked(
    conn: &mut PgConnection,
    me: Uuid,
    others: &[Uuid],
) -> Result<(), ModelError> {
    let blockers = sqlx::query_scalar!(
        "SELECT blocker_id FROM blocks
         WHERE (blocker_id = $1 AND blocked_id = ANY($2)) OR (blocked_id = $1 AND blocker_id = ANY($2))",
        me,
        others,
    )
    .fetch_all(&mut *conn)
    .await?;
    if blockers.contains(&me) {
        return Err(ModelError::Conflict {
            code: "blocked_by_you",
            message: "you blocked this person; unblock them first".into(),
        });
    }
    if !blockers.is_empty() {
        return Err(ModelError::Forbidden(
            "this person is not taking requests from you",
        ));
    }
    Ok(())
}

/// Finds or creates the direct conversation between `me` and `other`. With a contact it is an
/// ordinary conversation; otherwise `other` is invited (a request). Opening a conversation in
/// which `other` already asked `me` accepts their request.
pub async fn open_direct(db: &Db, me: Uuid, other: Uuid) -> Result<Opened, ModelError> {
    if me == other {
        return Err(ModelError::invalid(
            "user_id",
            "a direct conversation needs another person",
        ));
    }
    let key = direct_key(me, other);
    let mut tx = db.begin().await?;
    refuse_if_blocked(&mut tx, me, &[other]).await?;
    let existing = sqlx::query_scalar!("SELECT id FROM conversations WHERE direct_key = $1", key)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(id) = existing {
        let accepted = activate(&mut tx, id, me).await?;
        tx.commit().await?;
        return Ok(Opened {
            id,
            created: false,
            accepted,
        });
    }
    let contact = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM contact_pairs WHERE user_id = $1 AND contact_id = $2) AS "exists!""#,
        me,
        other,
    )
    .fetch_one(&mut *tx)
    .await?;
    let cap = (!contact).then_some(REQUEST_MESSAGE_CAP);
    let created = sqlx::query_scalar!(
        "INSERT INTO conversations (id, kind, direct_key, request_cap) VALUES ($1, 'direct', $2, $3)
         ON CONFLICT (direct_key) DO NOTHING RETURNING id",
        Uuid::now_v7(),
        key,
        cap,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = created else {
        // Someone opened it at the same moment: theirs stands.
        tx.rollback().await?;
        let id = sqlx::query_scalar!("SELECT id FROM conversations WHERE direct_key = $1", key)
            .fetch_one(db)
            .await?;
        return Ok(Opened {
            id,
            created: false,
            accepted: false,
        });
    };
    sqlx::query!(
        "INSERT INTO conversation_members (conversation_id, user_id, status, invited_by)
         VALUES ($1, $2, 'active', NULL),
                ($1, $3, CASE WHEN $4 THEN 'active' ELSE 'invited' END::member_status, $2)",
        id,
        me,
        other,
        contact,
    )
    .execute(&mut *tx)
    .await
    .map_err(unknown_user)?;
    tx.commit().await?;
    Ok(Opened {
        id,
        created: true,
        accepted: false,
    })
}

/// Makes an invited `user` an active member of `conversation`; a direct request loses its
/// message cap. `false` if they were not invited there.
async fn activate(
    conn: &mut PgConnection,
    conversation: Uuid,
    user: Uuid,
) -> Result<bool, ModelError> {
    let kind = sqlx::query_scalar!(
        r#"WITH accepted AS (
               UPDATE conversation_members SET status = 'active', joined_at = now()
               WHERE conversation_id = $1 AND user_id = $2 AND status = 'invited'
               RETURNING conversation_id)
           UPDATE conversations c SET updated_at = now(),
                  request_cap = CASE WHEN c.kind = 'direct' THEN NULL ELSE c.request_cap END
           FROM accepted WHERE c.id = accepted.conversation_id
           RETURNING c.kind AS "kind: Kind""#,
        conversation,
        user,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(kind.is_some())
}

/// `user` accepts the request or invitation to `conversation`; `NotFound` if there is none.
pub async fn accept(db: &Db, conversation: Uuid, user: Uuid) -> Result<(), ModelError> {
    let mut tx = db.begin().await?;
    if !activate(&mut tx, conversation, user).await? {
        return Err(ModelError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// What declining took away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined {
    /// The conversation.
    pub conversation: Uuid,
    /// Whose invitation it was.
    pub user: Uuid,
    /// A declined direct request is deleted with its messages; a group stays.
    pub deleted: bool,
    /// Who is still a member (the asker of a deleted request, to tell them).
    pub remaining: Vec<Uuid>,
}

/// `user` declines the request or invitation to `conversation`; `NotFound` if there is none.
pub async fn decline(db: &Db, conversation: Uuid, user: Uuid) -> Result<Declined, ModelError> {
    let mut tx = db.begin().await?;
    let declined = withdraw(&mut tx, conversation, user).await?;
    tx.commit().await?;
    declined.ok_or(ModelError::NotFound)
}

/// Removes `user`'s invitation to `conversation`, deleting it if it was a direct request.
async fn withdraw(
    conn: &mut PgConnection,
    conversation: Uuid,
    user: Uuid,
) -> Result<Option<Declined>, ModelError> {
    let kind = sqlx::query_scalar!(
        r#"DELETE FROM conversation_members cm USING conversations c
           WHERE cm.conversation_id = $1 AND cm.user_id = $2 AND cm.status = 'invited'
             AND c.id = cm.conversation_id
           RETURNING c.kind AS "kind: Kind""#,
        conversation,
        user,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(kind) = kind else {
        return Ok(None);
    };
    let remaining = sqlx::query_scalar!(
        "SELECT user_id FROM conversation_members WHERE conversation_id = $1",
        conversation
    )
    .fetch_all(&mut *conn)
    .await?;
    let deleted = kind == Kind::Direct;
    if deleted {
        sqlx::query!("DELETE FROM conversations WHERE id = $1", conversation)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Some(Declined {
        conversation,
        user,
        deleted,
        remaining,
    }))
}

/// What a block changed, so live views can follow.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blocked {
    /// Requests and invitations from the blocked person that were withdrawn.
    pub withdrawn: Vec<Declined>,
    /// The direct conversation between the two, if one stays (it takes no new messages).
    pub direct: Option<Uuid>,
}

/// `me` blocks `other`: pending requests and invitations between the two, either way, are
/// withdrawn (a direct request with its messages), and neither sees the
/// other's presence or mood from now on. Blocking twice is harmless.
pub async fn block(db: &Db, me: Uuid, other: Uuid) -> Result<Blocked, ModelError> {
    if me == other {
        return Err(ModelError::invalid("user_id", "you cannot block yourself"));
    }
    let mut tx = db.begin().await?;
    sqlx::query!(
        "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        me,
        other
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => ModelError::NotFound,
        _ => ModelError::Database(e),
    })?;
    let pending = sqlx::query!(
        "SELECT conversation_id, user_id FROM conversation_members
         WHERE status = 'invited' AND ((user_id = $1 AND invited_by = $2) OR (user_id = $2 AND invited_by = $1))",
        me,
        other
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut outcome = Blocked::default();
    for p in pending {
        if let Some(w) = withdraw(&mut tx, p.conversation_id, p.user_id).await? {
            outcome.withdrawn.push(w);
        }
    }
    outcome.direct = sqlx::query_scalar!(
        "SELECT id FROM conversations WHERE direct_key = $1",
        direct_key(me, other)
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// `me` unblocks `other`; returns their direct conversation (if any) so caches can follow.
/// `NotFound` if `other` was not blocked.
pub async fn unblock(db: &Db, me: Uuid, other: Uuid) -> Result<Option<Uuid>, ModelError> {
    let removed = sqlx::query!(
        "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2",
        me,
        other
    )
    .execute(db)
    .await?;
    if removed.rows_affected() == 0 {
        return Err(ModelError::NotFound);
    }
    Ok(sqlx::query_scalar!(
        "SELECT id FROM conversations WHERE direct_key = $1",
        direct_key(me, other)
    )
    .fetch_optional(db)
    .await?)
}

/// Someone the user blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedUser {
    /// Their id.
    pub user_id: Uuid,
    /// Their name.
    pub display_name: String,
    /// When they were blocked.
    pub blocked_at: DateTime<Utc>,
}

/// The people `me` blocked, latest first.
pub async fn blocked_by(db: &Db, me: Uuid) -> Result<Vec<BlockedUser>, ModelError> {
    Ok(sqlx::query_as!(
        BlockedUser,
        "SELECT u.id AS user_id, u.display_name, b.created_at AS blocked_at
         FROM blocks b JOIN users u ON u.id = b.blocked_id
         WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, u.id",
        me
    )
    .fetch_all(db)
    .await?)
}
