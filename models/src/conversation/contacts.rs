//! Contacts and presence: the people a user shares a conversation with, and when a user was last
//! online.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::user::Role;
use crate::{Db, ModelError};

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
