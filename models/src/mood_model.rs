//! Mood model versions and the labelled datasets they are trained on.
//!
//! Every version is kept with its bytes, its evaluation report and the datasets it was trained
//! on; at most one is active. Servers look up the active version before each use, so an
//! activation takes effect everywhere without a restart.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::error::on_constraint;
use crate::{Db, ModelError};

/// Where a model version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Serialize, utoipa::ToSchema)]
#[sqlx(type_name = "mood_model_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ModelStatus {
    /// Training in the background.
    Training,
    /// Trained; can be activated.
    Ready,
    /// Training failed; `error` says why.
    Failed,
}

/// One model version as listed to admins (without its bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersion {
    /// Version id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Training, ready or failed.
    pub status: ModelStatus,
    /// Training stage, for progress.
    pub stage: String,
    /// Why training failed.
    pub error: Option<String>,
    /// Trained on the shipped data too?
    pub includes_builtin: bool,
    /// Evaluation report (metrics, confusion matrices, data summary) once ready.
    pub report: Option<Json>,
    /// Who started it (none for the built-in model).
    pub created_by: Option<Uuid>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When training ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// In use now?
    pub active: bool,
    /// When it was last activated.
    pub activated_at: Option<DateTime<Utc>>,
    /// Datasets it was trained on.
    pub dataset_ids: Vec<i64>,
}

/// All versions, newest first.
pub async fn list_versions(db: &Db) -> Result<Vec<ModelVersion>, ModelError> {
    versions(db, None).await
}

/// One version.
pub async fn get_version(db: &Db, id: i64) -> Result<ModelVersion, ModelError> {
    versions(db, Some(id))
        .await?
        .pop()
        .ok_or(ModelError::NotFound)
}

async fn versions(db: &Db, only: Option<i64>) -> Result<Vec<ModelVersion>, ModelError> {
    Ok(sqlx::query_as!(
        ModelVersion,
        r#"SELECT m.id, m.name, m.status AS "status: ModelStatus", m.stage, m.error,
                  m.includes_builtin, m.report, m.created_by, m.created_at, m.finished_at,
                  m.active, m.activated_at,
                  COALESCE(array_agg(d.dataset_id ORDER BY d.dataset_id)
                           FILTER (WHERE d.dataset_id IS NOT NULL), '{}') AS "dataset_ids!"
           FROM mood_models m
           LEFT JOIN mood_model_datasets d ON d.model_id = m.id
           WHERE $1::bigint IS NULL OR m.id = $1
           GROUP BY m.id
           ORDER BY m.id DESC"#,
        only,
    )
    .fetch_all(db)
    .await?)
}

/// The active version's id and name.
pub async fn active(db: &Db) -> Result<Option<(i64, String)>, ModelError> {
    Ok(
        sqlx::query!("SELECT id, name FROM mood_models WHERE active")
            .fetch_optional(db)
            .await?
            .map(|r| (r.id, r.name)),
    )
}

/// A ready version's serialised model.
pub async fn bytes(db: &Db, id: i64) -> Result<Vec<u8>, ModelError> {
    sqlx::query_scalar!(
        "SELECT bytes FROM mood_models WHERE id = $1 AND status = 'ready'",
        id
    )
    .fetch_optional(db)
    .await?
    .flatten()
    .ok_or(ModelError::NotFound)
}

/// Stores the built-in model once (by name) and activates it if nothing is active; safe to
/// call from every process at start.
pub async fn install_builtin(
    db: &Db,
    name: &str,
    bytes: &[u8],
    report: &Json,
) -> Result<(), ModelError> {
    sqlx::query!(
        "INSERT INTO mood_models (name, status, stage, includes_builtin, bytes, report, finished_at)
         VALUES ($1, 'ready', 'done', true, $2, $3, now())
         ON CONFLICT (name) DO NOTHING",
        name,
        bytes,
        report,
    )
    .execute(db)
    .await?;
    let activated = sqlx::query_scalar!(
        "UPDATE mood_models SET active = true, activated_at = now()
         WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM mood_models WHERE active)
         RETURNING id",
        name,
    )
    .fetch_optional(db)
    .await;
    match activated {
        Ok(Some(id)) => {
            sqlx::query!("INSERT INTO mood_activations (model_id) VALUES ($1)", id)
                .execute(db)
                .await?;
            Ok(())
        }
        Ok(None) => Ok(()),
        // Another process activated it at the same moment.
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("mood_models_one_active") => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Records a version about to be trained on the given datasets (which must exist).
pub async fn start_training(
    db: &Db,
    name: &str,
    created_by: Uuid,
    includes_builtin: bool,
    dataset_ids: &[i64],
) -> Result<i64, ModelError> {
    let mut tx = db.begin().await?;
    let found: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM mood_datasets WHERE id = ANY($1)"#,
        dataset_ids,
    )
    .fetch_one(&mut *tx)
    .await?;
    if usize::try_from(found).unwrap_or(0) != dataset_ids.len() {
        return Err(ModelError::invalid("datasets", "unknown dataset id"));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO mood_models (name, status, includes_builtin, created_by)
         VALUES ($1, 'training', $2, $3) RETURNING id",
        name,
        includes_builtin,
        created_by,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        on_constraint(
            e,
            "mood_models_name_key",
            "name_taken",
            "a model version with this name exists",
        )
    })?;
    sqlx::query!(
        "INSERT INTO mood_model_datasets (model_id, dataset_id) SELECT $1, unnest($2::bigint[])",
        id,
        dataset_ids,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records the training stage (shown as progress).
pub async fn set_stage(db: &Db, id: i64, stage: &str) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE mood_models SET stage = $2, updated_at = now() WHERE id = $1 AND status = 'training'",
        id,
        stage,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stores a trained model and its report.
pub async fn finish_training(
    db: &Db,
    id: i64,
    bytes: &[u8],
    report: &Json,
) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE mood_models SET status = 'ready', stage = 'done', bytes = $2, report = $3,
             finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'training'",
        id,
        bytes,
        report,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a training run failed with the reason.
pub async fn fail_training(db: &Db, id: i64, error: &str) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE mood_models SET status = 'failed', error = $2, finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'training'",
        id,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Fails training runs whose process stopped (no progress for `stale_after`).
pub async fn fail_abandoned(db: &Db, stale_before: DateTime<Utc>) -> Result<u64, ModelError> {
    let done = sqlx::query!(
        "UPDATE mood_models SET status = 'failed', error = 'the server stopped during training',
             finished_at = now()
         WHERE status = 'training' AND updated_at < $1",
        stale_before,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Makes a ready version the active one and tells every server.
pub async fn activate(db: &Db, id: i64, by: Uuid) -> Result<(), ModelError> {
    let mut tx = db.begin().await?;
    let status = sqlx::query_scalar!(
        r#"SELECT status AS "status: ModelStatus" FROM mood_models WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ModelError::NotFound)?;
    if status != ModelStatus::Ready {
        return Err(ModelError::Conflict {
            code: "model_not_ready",
            message: "only a trained (ready) model version can be activated".into(),
        });
    }
    sqlx::query!(
        "UPDATE mood_models SET active = false WHERE active AND id <> $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE mood_models SET active = true, activated_at = now() WHERE id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO mood_activations (model_id, activated_by) VALUES ($1, $2)",
        id,
        by
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The version that was active before the current one (the target of a rollback).
pub async fn previous_active(db: &Db) -> Result<Option<i64>, ModelError> {
    Ok(sqlx::query_scalar!(
        "SELECT a.model_id FROM mood_activations a
         JOIN mood_models m ON m.id = a.model_id AND m.status = 'ready' AND NOT m.active
         ORDER BY a.id DESC LIMIT 1"
    )
    .fetch_optional(db)
    .await?)
}
