//! A mood window as one unit of work: claimed by inserting its `mood_runs` row in the
//! transaction that stores its readings, so with several processes exactly one stores a
//! window, and a crash before the commit leaves nothing behind (the window is processed again).

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{NewReading, Scores, UPDATED_CHANNEL, WindowText};
use crate::{Db, ModelError};

/// What classifying a window's texts gives: one reading per (user, conversation), and each
/// user's current mood with the number of messages it is based on.
pub type Classified = (Vec<NewReading>, Vec<(Uuid, i32, Scores)>);

/// Why a window was not stored (it stays due and is retried).
#[derive(Debug, thiserror::Error)]
pub enum WindowError<E> {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] ModelError),
    /// Classifying the texts failed.
    #[error("classification failed: {0}")]
    Classify(E),
}

impl<E> From<sqlx::Error> for WindowError<E> {
    fn from(err: sqlx::Error) -> Self {
        Self::Database(ModelError::Database(err))
    }
}

/// Processes the window `[start, end)` once: claims it, reads what users who share their mood
/// with anyone wrote in it, classifies that with `classify`, stores the readings and current
/// moods, and commits.
/// `None` if another process has it; otherwise the number of readings stored.
pub async fn record_window<F, Fut, E>(
    db: &Db,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    model_id: Option<i64>,
    classify: F,
) -> Result<Option<usize>, WindowError<E>>
where
    F: FnOnce(Vec<WindowText>) -> Fut,
    Fut: Future<Output = Result<Classified, E>>,
{
    let mut tx = db.begin().await?;
    if !claim_window(&mut tx, start, end).await? {
        return Ok(None);
    }
    let texts = window_texts(&mut tx, start, end).await?;
    let (readings, current) = classify(texts).await.map_err(WindowError::Classify)?;
    store_window(&mut tx, start, end, model_id, &readings, &current).await?;
    tx.commit().await?;
    Ok(Some(readings.len()))
}

/// Claims a window for this transaction. `false` means another process has processed it (or
/// is processing it: the insert waits for that transaction and then sees the conflict); a
/// rolled-back or crashed run leaves the window free for the next attempt.
async fn claim_window(
    tx: &mut PgConnection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<bool, ModelError> {
    let done = sqlx::query!(
        "INSERT INTO mood_runs (window_start, window_end, readings) VALUES ($1, $2, 0)
         ON CONFLICT (window_start) DO NOTHING",
        start,
        end,
    )
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The end of the last processed window, if any.
pub async fn last_window_end(db: &Db) -> Result<Option<DateTime<Utc>>, ModelError> {
    Ok(sqlx::query_scalar!("SELECT max(window_end) FROM mood_runs")
        .fetch_one(db)
        .await?)
}

/// The text of every (user, conversation) with messages in `[start, end)`, for users who
/// share their mood with someone: a user who shares with nobody is not measured at all.
async fn window_texts(
    tx: &mut PgConnection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<WindowText>, ModelError> {
    let rows = sqlx::query_as!(
        WindowText,
        r#"SELECT m.sender_id AS user_id, m.conversation_id,
                  array_agg(m.body ORDER BY m.seq) AS "bodies!"
           FROM messages m
           JOIN users u ON u.id = m.sender_id AND (u.mood_share_lecturers OR u.mood_share_students)
           WHERE m.created_at >= $1 AND m.created_at < $2
           GROUP BY m.sender_id, m.conversation_id"#,
        start,
        end,
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows)
}

/// Stores a claimed window's readings and the users' resulting current moods, and announces
/// the window on [`UPDATED_CHANNEL`] when the transaction commits.
async fn store_window(
    tx: &mut PgConnection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    model_id: Option<i64>,
    readings: &[NewReading],
    current: &[(Uuid, i32, Scores)],
) -> Result<(), ModelError> {
    for r in readings {
        sqlx::query!(
            "INSERT INTO mood_readings (user_id, conversation_id, window_start, window_end,
                 emotion, intensity, emotion_probabilities, intensity_probabilities,
                 message_count, model_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            r.user_id,
            r.conversation_id,
            start,
            end,
            r.scores.emotion,
            r.scores.intensity,
            &r.scores.emotion_probabilities,
            &r.scores.intensity_probabilities,
            r.message_count,
            model_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    for (user, count, s) in current {
        sqlx::query!(
            "INSERT INTO user_moods (user_id, emotion, intensity, emotion_probabilities,
                 intensity_probabilities, message_count, window_start, window_end, model_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (user_id) DO UPDATE SET
                 emotion = EXCLUDED.emotion, intensity = EXCLUDED.intensity,
                 emotion_probabilities = EXCLUDED.emotion_probabilities,
                 intensity_probabilities = EXCLUDED.intensity_probabilities,
                 message_count = EXCLUDED.message_count, window_start = EXCLUDED.window_start,
                 window_end = EXCLUDED.window_end, model_id = EXCLUDED.model_id
             WHERE user_moods.window_start <= EXCLUDED.window_start",
            user,
            s.emotion,
            s.intensity,
            &s.emotion_probabilities,
            &s.intensity_probabilities,
            count,
            start,
            end,
            model_id,
        )
        .execute(&mut *tx)
        .await?;
    }
    let readings_count = i32::try_from(readings.len()).unwrap_or(i32::MAX);
    sqlx::query!(
        "UPDATE mood_runs SET readings = $2, model_id = $3, finished_at = now()
         WHERE window_start = $1",
        start,
        readings_count,
        model_id,
    )
    .execute(&mut *tx)
    .await?;
    if !current.is_empty() {
        sqlx::query!(
            "SELECT pg_notify($1, $2)",
            UPDATED_CHANNEL,
            format!("window:{}", start.to_rfc3339())
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
