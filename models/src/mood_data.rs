//! Labelled mood data: admin uploads, and corrections of shown moods that become labelled
//! examples once an admin approves them. A dataset never changes after it is stored, so a model
//! version's training data can always be named.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::on_constraint;
use crate::{Db, ModelError};

/// A labelled example as stored (class indexes 0..=4, either may be missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledText {
    /// The text.
    pub text: String,
    /// Emotion class index.
    pub emotion: Option<i16>,
    /// Intensity class index.
    pub intensity: Option<i16>,
}

/// A stored dataset and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// Dataset id.
    pub id: i64,
    /// Name given at upload.
    pub name: String,
    /// `upload` or `corrections`.
    pub source: String,
    /// Who uploaded it.
    pub uploaded_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Examples.
    pub rows: i32,
    /// Examples with an emotion label.
    pub emotion_labels: i64,
    /// Examples with an intensity label.
    pub intensity_labels: i64,
}

/// Stores a dataset with all its examples in one transaction.
pub async fn insert_dataset(
    db: &Db,
    name: &str,
    source: &str,
    uploaded_by: Option<Uuid>,
    examples: &[LabelledText],
) -> Result<i64, ModelError> {
    let rows =
        i32::try_from(examples.len()).map_err(|_| ModelError::invalid("file", "too many rows"))?;
    let texts: Vec<String> = examples.iter().map(|e| e.text.clone()).collect();
    let emotions: Vec<Option<i16>> = examples.iter().map(|e| e.emotion).collect();
    let intensities: Vec<Option<i16>> = examples.iter().map(|e| e.intensity).collect();
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO mood_datasets (name, source, uploaded_by, rows) VALUES ($1, $2, $3, $4)
         RETURNING id",
        name,
        source,
        uploaded_by,
        rows,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO mood_examples (dataset_id, text, emotion, intensity)
         SELECT $1, * FROM unnest($2::text[], $3::int2[], $4::int2[])",
        id,
        &texts,
        &emotions as &[Option<i16>],
        &intensities as &[Option<i16>],
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// All datasets, newest first.
pub async fn list_datasets(db: &Db) -> Result<Vec<Dataset>, ModelError> {
    datasets(db, None).await
}

/// One dataset.
pub async fn get_dataset(db: &Db, id: i64) -> Result<Dataset, ModelError> {
    datasets(db, Some(id))
        .await?
        .pop()
        .ok_or(ModelError::NotFound)
}

async fn datasets(db: &Db, only: Option<i64>) -> Result<Vec<Dataset>, ModelError> {
    Ok(sqlx::query_as!(
        Dataset,
        r#"SELECT d.id, d.name, d.source, d.uploaded_by, d.created_at, d.rows,
                  count(e.emotion) AS "emotion_labels!", count(e.intensity) AS "intensity_labels!"
           FROM mood_datasets d
           LEFT JOIN mood_examples e ON e.dataset_id = d.id
           WHERE $1::bigint IS NULL OR d.id = $1
           GROUP BY d.id
           ORDER BY d.id DESC"#,
        only,
    )
    .fetch_all(db)
    .await?)
}

/// The examples of the given datasets.
pub async fn examples(db: &Db, dataset_ids: &[i64]) -> Result<Vec<LabelledText>, ModelError> {
    Ok(sqlx::query_as!(
        LabelledText,
        "SELECT text, emotion, intensity FROM mood_examples WHERE dataset_id = ANY($1) ORDER BY id",
        dataset_ids,
    )
    .fetch_all(db)
    .await?)
}

/// A proposed label for one reading, as an admin reviews it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Correction id.
    pub id: i64,
    /// The reading it corrects.
    pub reading_id: i64,
    /// Whose mood it was.
    pub subject_id: Uuid,
    /// Who proposed it.
    pub corrected_by: Uuid,
    /// Proposed emotion.
    pub emotion: Option<i16>,
    /// Proposed intensity.
    pub intensity: Option<i16>,
    /// What the model said.
    pub shown_emotion: i16,
    /// What the model said.
    pub shown_intensity: i16,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// When it was proposed.
    pub created_at: DateTime<Utc>,
    /// Whether its author agreed, when filing it, that an admin may read the text it labels.
    pub text_shared: bool,
    /// The reading's text (the subject's messages in that conversation and window); `None`
    /// unless its author agreed to share it.
    pub text: Option<String>,
}

/// A proposed label for one reading, as its author files it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewCorrection {
    /// The reading corrected.
    pub reading_id: i64,
    /// Who proposes it.
    pub by: Uuid,
    /// Proposed emotion.
    pub emotion: Option<i16>,
    /// Proposed intensity.
    pub intensity: Option<i16>,
    /// The author agrees that an admin may read the text it labels (without that it cannot
    /// become a training example).
    pub text_shared: bool,
}

/// Records a correction (one per reading and person; a second one replaces a pending first).
pub async fn correct(db: &Db, new: &NewCorrection) -> Result<i64, ModelError> {
    sqlx::query_scalar!(
        "INSERT INTO mood_corrections (reading_id, corrected_by, emotion, intensity, text_shared)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (reading_id, corrected_by) DO UPDATE
             SET emotion = EXCLUDED.emotion, intensity = EXCLUDED.intensity,
                 text_shared = EXCLUDED.text_shared, created_at = now()
             WHERE mood_corrections.status = 'pending'
         RETURNING id",
        new.reading_id,
        new.by,
        new.emotion,
        new.intensity,
        new.text_shared,
    )
    .fetch_optional(db)
    .await?
    .ok_or(ModelError::Conflict {
        code: "already_reviewed",
        message: "your correction of this reading has already been reviewed".into(),
    })
}

/// Corrections with the given status, oldest first, with the text they label when their
/// author agreed to share it.
pub async fn corrections(db: &Db, status: &str, limit: i64) -> Result<Vec<Correction>, ModelError> {
    Ok(sqlx::query_as!(
        Correction,
        r#"SELECT c.id, c.reading_id, r.user_id AS subject_id, c.corrected_by, c.emotion,
                  c.intensity, r.emotion AS shown_emotion, r.intensity AS shown_intensity,
                  c.status::text AS "status!", c.created_at, c.text_shared,
                  CASE WHEN c.text_shared THEN
                      COALESCE(c.text, (SELECT string_agg(m.body, E'\n' ORDER BY m.seq)
                                        FROM messages m
                                        WHERE m.sender_id = r.user_id
                                          AND m.conversation_id = r.conversation_id
                                          AND m.created_at >= r.window_start
                                          AND m.created_at < r.window_end), '')
                  END AS "text?"
           FROM mood_corrections c
           JOIN mood_readings r ON r.id = c.reading_id
           WHERE c.status::text = $1
           ORDER BY c.created_at, c.id
           LIMIT $2"#,
        status,
        limit,
    )
    .fetch_all(db)
    .await?)
}

/// Approves (copying the reading's text, so it stays a labelled example) or rejects a pending
/// correction. Approving one whose author did not agree to share the text is refused (409
/// `text_not_shared`, by the `mood_corrections_approved_shared` constraint): reject it instead.
pub async fn review(db: &Db, id: i64, reviewer: Uuid, approve: bool) -> Result<(), ModelError> {
    let done = sqlx::query!(
        r#"UPDATE mood_corrections c SET
               status = CASE WHEN $3 THEN 'approved' ELSE 'rejected' END::mood_correction_status,
               reviewed_by = $2, reviewed_at = now(),
               text = CASE WHEN $3 THEN
                   (SELECT string_agg(m.body, E'\n' ORDER BY m.seq)
                    FROM mood_readings r JOIN messages m
                      ON m.sender_id = r.user_id AND m.conversation_id = r.conversation_id
                     AND m.created_at >= r.window_start AND m.created_at < r.window_end
                    WHERE r.id = c.reading_id)
                   ELSE NULL END
           WHERE c.id = $1 AND c.status = 'pending'"#,
        id,
        reviewer,
        approve,
    )
    .execute(db)
    .await
    .map_err(|e| match on_constraint(
        e,
        "mood_corrections_approved_shared",
        "text_not_shared",
        "its author did not agree to share the text, so it cannot become a training example; reject it instead",
    ) {
        ModelError::Database(e) => on_constraint(
            e,
            "mood_corrections_approved_text",
            "text_gone",
            "the messages of this reading were deleted; reject it instead",
        ),
        other => other,
    })?;
    if done.rows_affected() == 0 {
        return Err(ModelError::NotFound);
    }
    Ok(())
}

/// Copies every approved correction whose author agreed to share its text into a new
/// `corrections` dataset (for a training run); `None` when there are none.
pub async fn snapshot_corrections(db: &Db, by: Uuid) -> Result<Option<i64>, ModelError> {
    let approved = sqlx::query_as!(
        LabelledText,
        r#"SELECT text AS "text!", emotion, intensity FROM mood_corrections
           WHERE status = 'approved' AND text_shared AND text IS NOT NULL ORDER BY id"#
    )
    .fetch_all(db)
    .await?;
    if approved.is_empty() {
        return Ok(None);
    }
    let name = format!(
        "Reviewed corrections ({})",
        Utc::now().format("%Y-%m-%d %H:%M:%S")
    );
    insert_dataset(db, &name, "corrections", Some(by), &approved)
        .await
        .map(Some)
}
