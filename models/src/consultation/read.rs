//! Reading consultations with their lecturer and participants: one (locked for a change, or
//! not), a user's calendar, and a lecturer's open group sessions.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{Attendance, Consultation, Participant, Status};
use crate::{Db, ModelError};

/// A consultation row with its lecturer's profile, before its participants are attached.
struct Row {
    id: Uuid,
    lecturer_id: Uuid,
    lecturer_name: String,
    lecturer_email: String,
    lecturer_time_zone: String,
    created_by: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    blocks_until: DateTime<Utc>,
    capacity: i32,
    topic: String,
    notes: String,
    private_notes: String,
    status: Status,
    cancel_reason: Option<String>,
    revision: i32,
    created_at: DateTime<Utc>,
}

/// A participant row, tagged with its consultation so one query serves many consultations.
struct ParticipantRow {
    consultation_id: Uuid,
    student_id: Uuid,
    display_name: String,
    email: String,
    time_zone: String,
    active: bool,
    attendance: Attendance,
    cancel_reason: Option<String>,
}

/// Attaches to each row its participants (one query for all rows).
async fn with_participants(
    conn: &mut PgConnection,
    rows: Vec<Row>,
) -> Result<Vec<Consultation>, ModelError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let participants = sqlx::query_as!(
        ParticipantRow,
        r#"SELECT p.consultation_id, p.student_id, u.display_name, u.email, u.time_zone,
                  p.active, p.attendance AS "attendance: Attendance", p.cancel_reason
             FROM consultation_participants p JOIN users u ON u.id = p.student_id
            WHERE p.consultation_id = ANY($1)
            ORDER BY p.joined_at, u.display_name"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Consultation {
            participants: participants
                .iter()
                .filter(|p| p.consultation_id == r.id)
                .map(|p| Participant {
                    student_id: p.student_id,
                    display_name: p.display_name.clone(),
                    email: p.email.clone(),
                    time_zone: p.time_zone.clone(),
                    active: p.active,
                    attendance: p.attendance,
                    cancel_reason: p.cancel_reason.clone(),
                })
                .collect(),
            id: r.id,
            lecturer_id: r.lecturer_id,
            lecturer_name: r.lecturer_name,
            lecturer_email: r.lecturer_email,
            lecturer_time_zone: r.lecturer_time_zone,
            created_by: r.created_by,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            blocks_until: r.blocks_until,
            capacity: r.capacity,
            topic: r.topic,
            notes: r.notes,
            private_notes: r.private_notes,
            status: r.status,
            cancel_reason: r.cancel_reason,
            revision: r.revision,
            created_at: r.created_at,
        })
        .collect())
}

/// Reads a consultation and locks it until the transaction ends (capacity and lifecycle checks
/// then hold until the change commits).
pub async fn lock(tx: &mut PgConnection, id: Uuid) -> Result<Consultation, ModelError> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT c.id, c.lecturer_id, u.display_name AS lecturer_name, u.email AS lecturer_email,
                  u.time_zone AS lecturer_time_zone, c.created_by, c.starts_at, c.ends_at,
                  c.blocks_until, c.capacity, c.topic, c.notes, c.private_notes,
                  c.status AS "status: Status", c.cancel_reason, c.revision, c.created_at
             FROM consultations c JOIN users u ON u.id = c.lecturer_id
            WHERE c.id = $1
              FOR UPDATE OF c"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ModelError::NotFound)?;
    with_participants(tx, vec![row])
        .await?
        .pop()
        .ok_or(ModelError::NotFound)
}

/// Reads a consultation.
pub async fn get(db: &Db, id: Uuid) -> Result<Consultation, ModelError> {
    let mut conn = db.acquire().await?;
    let row = sqlx::query_as!(
        Row,
        r#"SELECT c.id, c.lecturer_id, u.display_name AS lecturer_name, u.email AS lecturer_email,
                  u.time_zone AS lecturer_time_zone, c.created_by, c.starts_at, c.ends_at,
                  c.blocks_until, c.capacity, c.topic, c.notes, c.private_notes,
                  c.status AS "status: Status", c.cancel_reason, c.revision, c.created_at
             FROM consultations c JOIN users u ON u.id = c.lecturer_id
            WHERE c.id = $1"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ModelError::NotFound)?;
    with_participants(&mut conn, vec![row])
        .await?
        .pop()
        .ok_or(ModelError::NotFound)
}

/// Consultations of `user` (as lecturer, or as a student who has or had a place) overlapping
/// `[from, to)`, by start.
pub async fn list_for(
    db: &Db,
    user: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Consultation>, ModelError> {
    let mut conn = db.acquire().await?;
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT c.id, c.lecturer_id, u.display_name AS lecturer_name, u.email AS lecturer_email,
                  u.time_zone AS lecturer_time_zone, c.created_by, c.starts_at, c.ends_at,
                  c.blocks_until, c.capacity, c.topic, c.notes, c.private_notes,
                  c.status AS "status: Status", c.cancel_reason, c.revision, c.created_at
             FROM consultations c JOIN users u ON u.id = c.lecturer_id
            WHERE c.starts_at < $3 AND c.ends_at > $2
              AND (c.lecturer_id = $1 OR EXISTS (
                     SELECT 1 FROM consultation_participants p
                      WHERE p.consultation_id = c.id AND p.student_id = $1))
            ORDER BY c.starts_at
            LIMIT 1000"#,
        user,
        from,
        to
    )
    .fetch_all(&mut *conn)
    .await?;
    with_participants(&mut conn, rows).await
}

/// Group sessions of `lecturer` starting in `[from, to)` that still take students.
pub async fn open_group_sessions(
    db: &Db,
    lecturer: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Consultation>, ModelError> {
    let mut conn = db.acquire().await?;
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT c.id, c.lecturer_id, u.display_name AS lecturer_name, u.email AS lecturer_email,
                  u.time_zone AS lecturer_time_zone, c.created_by, c.starts_at, c.ends_at,
                  c.blocks_until, c.capacity, c.topic, c.notes, c.private_notes,
                  c.status AS "status: Status", c.cancel_reason, c.revision, c.created_at
             FROM consultations c JOIN users u ON u.id = c.lecturer_id
            WHERE c.lecturer_id = $1 AND c.capacity > 1 AND c.status <> 'cancelled'
              AND c.starts_at >= $2 AND c.starts_at < $3
              AND (SELECT count(*) FROM consultation_participants p
                    WHERE p.consultation_id = c.id AND p.active) < c.capacity
            ORDER BY c.starts_at
            LIMIT 500"#,
        lecturer,
        from,
        to
    )
    .fetch_all(&mut *conn)
    .await?;
    with_participants(&mut conn, rows).await
}
