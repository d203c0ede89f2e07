//! Contacts and presence. Who counts as a contact is defined once, by the `contact_pairs` view
//! (migration `20261202000008_consent.sql`, explained in `docs/privacy.md`): active members of a
//! shared conversation, or lecturer and student of a confirmed consultation that has not ended,
//! and never two people one of whom blocked the other. Every presence, mood and time zone check
//! goes through the functions here.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::user::Role;
use crate::{Db, ModelError};

/// A contact (see the module documentation for who counts).
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
           WHERE u.id IN (SELECT contact_id FROM contact_pairs WHERE user_id = $1)
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
        r#"SELECT DISTINCT contact_id AS "id!" FROM contact_pairs WHERE user_id = $1"#,
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(ids)
}

/// Whether `a` and `b` are contacts (a person is not their own contact).
pub async fn is_contact(db: &Db, a: Uuid, b: Uuid) -> Result<bool, ModelError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM contact_pairs WHERE user_id = $1 AND contact_id = $2) AS "exists!""#,
        a,
        b,
    )
    .fetch_one(db)
    .await?)
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
