//! Mood readings: the recognition runs (one per window, exactly once across processes), the
//! readings they store per (user, conversation, window), each user's current mood, whom the
//! user chose to show it to (`sharing`), the one rule deciding who may see a reading
//! (`visibility`, applied in `seen`), and the user's own view and deletion of it all (`own`).
//!
//! Emotion and intensity are class indexes 0..=4 (Very Sad..Very Happy, Very Muted..Very
//! Excited); the `sentiment` crate owns their meaning.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, ModelError};

mod overview;
mod own;
mod seen;
mod sharing;
mod visibility;
mod window;

pub use overview::{
    STRUGGLING_WINDOWS, StudentOverview, TREND_DAYS, TrendDay, WindowMood, daily_trend,
    may_be_struggling, overview, sad_streak, windows,
};
pub use own::{OwnReading, delete_own, own_reading_texts, own_readings};
pub use seen::{may_see, moods_seen, moods_seen_in_window, readings_seen};
pub use sharing::{Sharing, choose, sharing};
pub use visibility::{Candidate, Choice, Facts, SeenMood, combine, seen_moods};
pub use window::{Classified, WindowError, last_window_end, record_window};

/// The channel on which changed moods are announced to every server, which pushes them to the
/// contacts connected to it. Payload: `window:<RFC 3339 start>` after a run, `user:<id>` after
/// a sharing change or after the user deleted their readings.
pub const UPDATED_CHANNEL: &str = "mood_updated";

/// Everything one user wrote in one conversation during a window, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowText {
    /// The writer.
    pub user_id: Uuid,
    /// Where they wrote it.
    pub conversation_id: Uuid,
    /// Message bodies in conversation order.
    pub bodies: Vec<String>,
}

/// A classification result as stored: class indexes and both probability vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Emotion class index.
    pub emotion: i16,
    /// Intensity class index.
    pub intensity: i16,
    /// Five emotion probabilities.
    pub emotion_probabilities: Vec<f64>,
    /// Five intensity probabilities.
    pub intensity_probabilities: Vec<f64>,
}

/// A reading to store for one (user, conversation) in the window being processed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReading {
    /// The writer.
    pub user_id: Uuid,
    /// The conversation.
    pub conversation_id: Uuid,
    /// How many messages were classified together.
    pub message_count: i32,
    /// The result.
    pub scores: Scores,
}

/// A user's mood for one window over all their conversations.
#[derive(Debug, Clone, PartialEq)]
pub struct UserMood {
    /// Whose mood.
    pub user_id: Uuid,
    /// The combined result.
    pub scores: Scores,
    /// Messages it was measured from.
    pub message_count: i32,
    /// Start of the window.
    pub window_start: DateTime<Utc>,
    /// End of the window (when it was measured).
    pub window_end: DateTime<Utc>,
    /// The model version that measured it.
    pub model_name: Option<String>,
}

/// One stored reading, for the user's own page and for corrections.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Reading id (corrections refer to it).
    pub id: i64,
    /// The writer.
    pub user_id: Uuid,
    /// The conversation.
    pub conversation_id: Uuid,
    /// The result.
    pub scores: Scores,
    /// Messages classified together.
    pub message_count: i32,
    /// Start of the window.
    pub window_start: DateTime<Utc>,
    /// End of the window.
    pub window_end: DateTime<Utc>,
}

/// A `user_moods` row as selected.
struct MoodRow {
    user_id: Uuid,
    emotion: i16,
    intensity: i16,
    emotion_probabilities: Vec<f64>,
    intensity_probabilities: Vec<f64>,
    message_count: i32,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
    model_name: Option<String>,
}

impl From<MoodRow> for UserMood {
    fn from(r: MoodRow) -> Self {
        Self {
            user_id: r.user_id,
            scores: Scores {
                emotion: r.emotion,
                intensity: r.intensity,
                emotion_probabilities: r.emotion_probabilities,
                intensity_probabilities: r.intensity_probabilities,
            },
            message_count: r.message_count,
            window_start: r.window_start,
            window_end: r.window_end,
            model_name: r.model_name,
        }
    }
}

/// A `mood_readings` row as selected.
struct ReadingRow {
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

impl From<ReadingRow> for Reading {
    fn from(r: ReadingRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            conversation_id: r.conversation_id,
            scores: Scores {
                emotion: r.emotion,
                intensity: r.intensity,
                emotion_probabilities: r.emotion_probabilities,
                intensity_probabilities: r.intensity_probabilities,
            },
            message_count: r.message_count,
            window_start: r.window_start,
            window_end: r.window_end,
        }
    }
}

/// The current moods measured in the window starting at `start`, for their owners' own devices
/// (what others see is [`moods_seen_in_window`]).
pub async fn moods_of_window(db: &Db, start: DateTime<Utc>) -> Result<Vec<UserMood>, ModelError> {
    moods(db, Some(start), None).await
}

/// The current moods of the given users over all their conversations, as they see their own
/// (missing users have none; what others see is [`moods_seen`]).
pub async fn current_moods(db: &Db, users: &[Uuid]) -> Result<Vec<UserMood>, ModelError> {
    moods(db, None, Some(users)).await
}

async fn moods(
    db: &Db,
    window: Option<DateTime<Utc>>,
    users: Option<&[Uuid]>,
) -> Result<Vec<UserMood>, ModelError> {
    let rows = sqlx::query_as!(
        MoodRow,
        r#"SELECT um.user_id AS "user_id!", um.emotion AS "emotion!", um.intensity AS "intensity!",
                  um.emotion_probabilities AS "emotion_probabilities!",
                  um.intensity_probabilities AS "intensity_probabilities!",
                  um.message_count AS "message_count!", um.window_start AS "window_start!",
                  um.window_end AS "window_end!", mm.name AS "model_name?"
           FROM user_moods um
           LEFT JOIN mood_models mm ON mm.id = um.model_id
           WHERE ($1::timestamptz IS NULL OR um.window_start = $1)
             AND ($2::uuid[] IS NULL OR um.user_id = ANY($2))"#,
        window,
        users as Option<&[Uuid]>,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(UserMood::from).collect())
}

/// A user's readings since `since`, newest first (at most `limit`).
pub async fn readings(
    db: &Db,
    user: Uuid,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Reading>, ModelError> {
    let rows = sqlx::query_as!(
        ReadingRow,
        "SELECT id, user_id, conversation_id, emotion, intensity, emotion_probabilities,
                intensity_probabilities, message_count, window_start, window_end
         FROM mood_readings
         WHERE user_id = $1 AND window_start >= $2
         ORDER BY window_start DESC, id DESC
         LIMIT $3",
        user,
        since,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Reading::from).collect())
}

/// One reading by id.
pub async fn reading(db: &Db, id: i64) -> Result<Reading, ModelError> {
    sqlx::query_as!(
        ReadingRow,
        "SELECT id, user_id, conversation_id, emotion, intensity, emotion_probabilities,
                intensity_probabilities, message_count, window_start, window_end
         FROM mood_readings WHERE id = $1",
        id,
    )
    .fetch_optional(db)
    .await?
    .map(Reading::from)
    .ok_or(ModelError::NotFound)
}
