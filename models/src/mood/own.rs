//! Everything measured about a user, for them: every reading with where and when it was taken,
//! page by page, and deleting all of it at once.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Reading, ReadingRow, UPDATED_CHANNEL};
use crate::{Db, ModelError};

/// One of the user's own readings, with the conversation it was measured in.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnReading {
    /// The reading.
    pub reading: Reading,
    /// The conversation's name: a group's name, or the other person's in a direct conversation.
    pub conversation_name: Option<String>,
    /// The model version that measured it.
    pub model_name: Option<String>,
}

/// A reading with its conversation's and model's names, as selected.
struct OwnRow {
    conversation_name: Option<String>,
    model_name: Option<String>,
    id: i64,
    user_id: Uuid,
    conversation_id: Uuid,
    emotion: i16,
    intensity: i16,
    emotion_probabilities: Vec<f64>,
    intensity_probabilities: Vec<f64>,
    message_count: i32,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
}

impl From<OwnRow> for OwnReading {
    fn from(r: OwnRow) -> Self {
        let reading = ReadingRow {
            id: r.id,
            user_id: r.user_id,
            conversation_id: r.conversation_id,
            emotion: r.emotion,
            intensity: r.intensity,
            emotion_probabilities: r.emotion_probabilities,
            intensity_probabilities: r.intensity_probabilities,
            message_count: r.message_count,
            window_start: r.window_start,
            window_end: r.window_end,
        };
        Self {
            reading: reading.into(),
            conversation_name: r.conversation_name,
            model_name: r.model_name,
        }
    }
}

/// Every reading about `user`, newest first: the page after reading `before` (from the start
/// when `None`), at most `limit`.
pub async fn own_readings(
    db: &Db,
    user: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<OwnReading>, ModelError> {
    let rows = sqlx::query_as!(
        OwnRow,
        r#"SELECT COALESCE(c.name, (SELECT u.display_name FROM conversation_members m
                                    JOIN users u ON u.id = m.user_id
                                    WHERE m.conversation_id = c.id AND m.user_id <> r.user_id
                                    ORDER BY u.display_name LIMIT 1)) AS conversation_name,
                  mm.name AS "model_name?", r.id, r.user_id, r.conversation_id, r.emotion,
                  r.intensity, r.emotion_probabilities, r.intensity_probabilities,
                  r.message_count, r.window_start, r.window_end
           FROM mood_readings r
           JOIN conversations c ON c.id = r.conversation_id
           LEFT JOIN mood_models mm ON mm.id = r.model_id
           WHERE r.user_id = $1 AND ($2::bigint IS NULL OR r.id < $2)
           ORDER BY r.id DESC
           LIMIT $3"#,
        user,
        before,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(OwnReading::from).collect())
}

/// The messages `user`'s reading `id` was measured from (what they wrote in that conversation in
/// that window, in order), to explain it to them; `None` when the reading is not theirs.
pub async fn own_reading_texts(
    db: &Db,
    user: Uuid,
    id: i64,
) -> Result<Option<Vec<String>>, ModelError> {
    let bodies = sqlx::query_scalar!(
        r#"SELECT ARRAY(SELECT m.body FROM messages m
                        WHERE m.conversation_id = r.conversation_id AND m.sender_id = r.user_id
                          AND m.created_at >= r.window_start AND m.created_at < r.window_end
                        ORDER BY m.seq) AS "bodies!"
           FROM mood_readings r
           WHERE r.id = $1 AND r.user_id = $2"#,
        id,
        user,
    )
    .fetch_optional(db)
    .await?;
    Ok(bodies)
}

/// Deletes every reading about `user`, their current mood and every correction of those
/// readings, and announces it on [`UPDATED_CHANNEL`] so contacts forget the mood at once;
/// returns how many readings were deleted.
pub async fn delete_own(db: &Db, user: Uuid) -> Result<u64, ModelError> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "DELETE FROM mood_corrections
         WHERE reading_id IN (SELECT id FROM mood_readings WHERE user_id = $1)",
        user,
    )
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query!("DELETE FROM mood_readings WHERE user_id = $1", user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query!("DELETE FROM user_moods WHERE user_id = $1", user)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "SELECT pg_notify($1, $2)",
        UPDATED_CHANNEL,
        format!("user:{user}")
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(deleted)
}
