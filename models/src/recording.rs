//! Recordings of consultation rooms as stored: one row per recording (at most one running per
//! consultation, a constraint) and one per file written for a recorded track.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::on_constraint;
use crate::{Db, ModelError};

/// Constraint allowing one running recording per consultation.
pub const ONE_RUNNING: &str = "consultation_recordings_one_running";

/// A recording and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Id.
    pub id: Uuid,
    /// Its consultation.
    pub consultation_id: Uuid,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it stopped (none while running).
    pub stopped_at: Option<DateTime<Utc>>,
    /// The files, in the order they were started.
    pub files: Vec<RecordingFile>,
}

/// One recorded track's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingFile {
    /// File name inside the recording's directory.
    pub file_name: String,
    /// Whose track it is.
    pub user_id: Option<Uuid>,
    /// Their name at the time.
    pub display_name: String,
    /// `camera`, `microphone` or `screen`.
    pub source: String,
}

/// Starts a recording of `consultation` by `user`; 409 `already_recording` if one runs.
pub async fn start(db: &Db, consultation: Uuid, user: Uuid) -> Result<Uuid, ModelError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO consultation_recordings (id, consultation_id, started_by) VALUES ($1, $2, $3)",
        id,
        consultation,
        user
    )
    .execute(db)
    .await
    .map_err(|e| {
        on_constraint(
            e,
            ONE_RUNNING,
            "already_recording",
            "this consultation is already being recorded",
        )
    })?;
    Ok(id)
}

/// Marks the running recording of `consultation` stopped; returns its id, if one ran.
pub async fn stop(db: &Db, consultation: Uuid) -> Result<Option<Uuid>, ModelError> {
    let id = sqlx::query_scalar!(
        "UPDATE consultation_recordings SET stopped_at = now()
          WHERE consultation_id = $1 AND stopped_at IS NULL RETURNING id",
        consultation
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Records that a file was started for a track.
pub async fn add_file(db: &Db, recording: Uuid, file: &RecordingFile) -> Result<(), ModelError> {
    sqlx::query!(
        "INSERT INTO recording_files (recording_id, file_name, user_id, display_name, source)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        recording,
        file.file_name,
        file.user_id,
        file.display_name,
        file.source
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The recordings of `consultation`, newest first, with their files.
pub async fn list(db: &Db, consultation: Uuid) -> Result<Vec<Recording>, ModelError> {
    let rows = sqlx::query!(
        "SELECT id, consultation_id, started_at, stopped_at FROM consultation_recordings
          WHERE consultation_id = $1 ORDER BY started_at DESC",
        consultation
    )
    .fetch_all(db)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let files = sqlx::query!(
        "SELECT recording_id, file_name, user_id, display_name, source FROM recording_files
          WHERE recording_id = ANY($1) ORDER BY created_at, file_name",
        &ids[..]
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Recording {
            id: r.id,
            consultation_id: r.consultation_id,
            started_at: r.started_at,
            stopped_at: r.stopped_at,
            files: files
                .iter()
                .filter(|f| f.recording_id == r.id)
                .map(|f| RecordingFile {
                    file_name: f.file_name.clone(),
                    user_id: f.user_id,
                    display_name: f.display_name.clone(),
                    source: f.source.clone(),
                })
                .collect(),
        })
        .collect())
}

/// A safe file name for a recorded track: `NN-name-source.webm`, lowercase ASCII only.
pub fn file_name(index: usize, display_name: &str, source: &str) -> String {
    let mut slug = String::new();
    for c in display_name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
    let slug = if slug.is_empty() {
        "participant".to_owned()
    } else {
        slug
    };
    format!("{index:02}-{slug}-{source}.webm")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_whatever_the_name() {
        assert_eq!(
            file_name(1, "Dr Ada Lovelace", "camera"),
            "01-dr-ada-lovelace-camera.webm"
        );
        assert_eq!(
            file_name(12, "../../etc/passwd", "screen"),
            "12-etc-passwd-screen.webm"
        );
        assert_eq!(
            file_name(3, "Zoë 🎓", "microphone"),
            "03-zo-microphone.webm"
        );
        assert_eq!(file_name(4, "   ", "camera"), "04-participant-camera.webm");
    }
}
