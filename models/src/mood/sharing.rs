//! A user's sharing choice: off until they answer the first-use prompt, then whether lecturers
//! and whether fellow students see their mood. A change is announced on [`UPDATED_CHANNEL`] so
//! contacts' screens follow at once.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::UPDATED_CHANNEL;
use super::visibility::Choice;
use crate::{Db, ModelError};

/// What a user chose, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    /// Whom they show their mood to (nobody until they choose).
    pub choice: Choice,
    /// When they last answered; `None`: not yet, so the first-use prompt is due.
    pub chosen_at: Option<DateTime<Utc>>,
}

/// The user's sharing choice.
pub async fn sharing(db: &Db, user: Uuid) -> Result<Sharing, ModelError> {
    let row = sqlx::query!(
        "SELECT mood_share_lecturers, mood_share_students, mood_sharing_chosen_at
         FROM users WHERE id = $1",
        user,
    )
    .fetch_optional(db)
    .await?
    .ok_or(ModelError::NotFound)?;
    Ok(Sharing {
        choice: Choice {
            lecturers: row.mood_share_lecturers,
            students: row.mood_share_students,
        },
        chosen_at: row.mood_sharing_chosen_at,
    })
}

/// Records the user's answer (and its time) and, if whom they share with changed, announces it
/// on [`UPDATED_CHANNEL`] so contacts see the mood appear or disappear; returns whether it
/// changed.
pub async fn choose(db: &Db, user: Uuid, choice: Choice) -> Result<bool, ModelError> {
    let mut tx = db.begin().await?;
    let before = sqlx::query!(
        "SELECT mood_share_lecturers, mood_share_students FROM users WHERE id = $1 FOR UPDATE",
        user,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ModelError::NotFound)?;
    sqlx::query!(
        "UPDATE users SET mood_share_lecturers = $2, mood_share_students = $3,
                          mood_sharing_chosen_at = now(), updated_at = now()
         WHERE id = $1",
        user,
        choice.lecturers,
        choice.students,
    )
    .execute(&mut *tx)
    .await?;
    let changed = (before.mood_share_lecturers, before.mood_share_students)
        != (choice.lecturers, choice.students);
    if changed {
        sqlx::query!(
            "SELECT pg_notify($1, $2)",
            UPDATED_CHANNEL,
            format!("user:{user}")
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}
