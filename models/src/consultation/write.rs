//! Changing consultations inside a transaction (begun with [`lock`](super::lock) where checks
//! must hold until commit): creation, places, status, time, revision, notes and attendance.
//! Clash refusals from the database become [`ModelError::Clash`].

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{Attendance, NewConsultation, Status};
use crate::ModelError;
use crate::clash::Clash;

/// Maps the clash constraints to [`ModelError::Clash`]; other errors pass through.
pub fn clash_error(err: sqlx::Error) -> ModelError {
    if let sqlx::Error::Database(db) = &err
        && let Some(clash) = db.constraint().and_then(Clash::from_constraint)
    {
        return ModelError::Clash(clash);
    }
    ModelError::Database(err)
}

/// Inserts a consultation and its first participants; refused with a conflict on any clash.
pub async fn insert(tx: &mut PgConnection, new: &NewConsultation<'_>) -> Result<(), ModelError> {
    sqlx::query!(
        "INSERT INTO consultations
             (id, lecturer_id, created_by, starts_at, ends_at, blocks_until, capacity, topic,
              notes, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        new.id,
        new.lecturer_id,
        new.created_by,
        new.starts_at,
        new.ends_at,
        new.blocks_until,
        new.capacity,
        new.topic,
        new.notes,
        new.status as Status
    )
    .execute(&mut *tx)
    .await
    .map_err(clash_error)?;
    for student in new.students {
        add_participant(tx, new.id, *student).await?;
    }
    Ok(())
}

/// Gives `student` a place (again, if they had cancelled it); refused on a clash.
pub async fn add_participant(
    tx: &mut PgConnection,
    id: Uuid,
    student: Uuid,
) -> Result<(), ModelError> {
    sqlx::query!(
        "INSERT INTO consultation_participants (consultation_id, student_id, starts_at, ends_at)
         SELECT id, $2, starts_at, ends_at FROM consultations WHERE id = $1
         ON CONFLICT (consultation_id, student_id)
         DO UPDATE SET active = true, cancel_reason = NULL, joined_at = now()",
        id,
        student
    )
    .execute(&mut *tx)
    .await
    .map_err(clash_error)?;
    Ok(())
}

/// Frees `student`'s place, keeping the reason.
pub async fn release_place(
    tx: &mut PgConnection,
    id: Uuid,
    student: Uuid,
    reason: &str,
) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE consultation_participants SET active = false, cancel_reason = $3
          WHERE consultation_id = $1 AND student_id = $2",
        id,
        student,
        reason
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets the status (and cancellation details), bumping the revision; returns the new revision.
pub async fn set_status(
    tx: &mut PgConnection,
    id: Uuid,
    status: Status,
    cancel: Option<(Uuid, &str)>,
) -> Result<i32, ModelError> {
    let (by, reason) = cancel.map_or((None, None), |(by, reason)| (Some(by), Some(reason)));
    let revision = sqlx::query_scalar!(
        "UPDATE consultations
            SET status = $2, cancelled_by = $3, cancel_reason = $4,
                revision = revision + 1, updated_at = now()
          WHERE id = $1 RETURNING revision",
        id,
        status as Status,
        by,
        reason
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(revision)
}

/// Moves the consultation (and its participants' time) in one statement: the old time is
/// released only if the new one is free for the lecturer and every student.
pub async fn move_to(
    tx: &mut PgConnection,
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    blocks_until: DateTime<Utc>,
) -> Result<i32, ModelError> {
    let revision = sqlx::query_scalar!(
        "UPDATE consultations
            SET starts_at = $2, ends_at = $3, blocks_until = $4,
                revision = revision + 1, updated_at = now()
          WHERE id = $1 RETURNING revision",
        id,
        starts_at,
        ends_at,
        blocks_until
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(clash_error)?;
    Ok(revision)
}

/// Bumps the revision (the attendee list changed); returns it.
pub async fn bump_revision(tx: &mut PgConnection, id: Uuid) -> Result<i32, ModelError> {
    Ok(sqlx::query_scalar!(
        "UPDATE consultations SET revision = revision + 1, updated_at = now()
          WHERE id = $1 RETURNING revision",
        id
    )
    .fetch_one(&mut *tx)
    .await?)
}

/// Replaces the shared and/or private notes.
pub async fn set_notes(
    tx: &mut PgConnection,
    id: Uuid,
    notes: Option<&str>,
    private_notes: Option<&str>,
) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE consultations
            SET notes = COALESCE($2, notes), private_notes = COALESCE($3, private_notes),
                updated_at = now()
          WHERE id = $1",
        id,
        notes,
        private_notes
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks whether a student attended.
pub async fn set_attendance(
    tx: &mut PgConnection,
    id: Uuid,
    student: Uuid,
    attendance: Attendance,
) -> Result<(), ModelError> {
    let updated = sqlx::query!(
        "UPDATE consultation_participants SET attendance = $3
          WHERE consultation_id = $1 AND student_id = $2 AND active",
        id,
        student,
        attendance as Attendance
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ModelError::NotFound);
    }
    Ok(())
}

/// Holds the booking cap of `student` with `lecturer` until the transaction ends (two bookings
/// of one student with one lecturer wait for each other) and returns how many of their places
/// with that lecturer are still to come.
pub async fn future_places_with(
    tx: &mut PgConnection,
    student: Uuid,
    lecturer: Uuid,
    now: DateTime<Utc>,
) -> Result<i64, ModelError> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))",
        student.to_string(),
        lecturer.to_string()
    )
    .execute(&mut *tx)
    .await?;
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM consultation_participants p
           JOIN consultations c ON c.id = p.consultation_id
           WHERE p.student_id = $1 AND c.lecturer_id = $2 AND p.active
             AND c.status <> 'cancelled' AND c.ends_at > $3"#,
        student,
        lecturer,
        now
    )
    .fetch_one(&mut *tx)
    .await?)
}
