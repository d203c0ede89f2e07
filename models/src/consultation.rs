//! Consultations and their participants. The database refuses clashes (exclusion constraints on
//! the lecturer's time plus buffer and on each student's time); this module turns those refusals
//! into [`ModelError::Clash`], naming whose time clashed ([`Clash`]) by the constraint's name.
//!
//! Changes that must be atomic with their checks (capacity, lifecycle rules) run in a
//! transaction that starts with [`lock`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{Db, ModelError};

pub use crate::clash::{Clash, LECTURER_CLASH, STUDENT_CLASH};

/// Where a consultation stands. Pending and confirmed ones hold their time; cancelled ones free it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for the lecturer's approval.
    Pending,
    /// Going ahead.
    Confirmed,
    /// Called off.
    Cancelled,
}

/// Whether a student came, as the lecturer marked it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Not marked yet.
    Unmarked,
    /// The student attended.
    Attended,
    /// The student did not come.
    NoShow,
}

/// A student's place in a consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The student.
    pub student_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Their email.
    pub email: String,
    /// Their time zone.
    pub time_zone: String,
    /// Whether the place is held (false once they cancelled it).
    pub active: bool,
    /// Attendance as marked by the lecturer.
    pub attendance: Attendance,
    /// Why they cancelled, if they did.
    pub cancel_reason: Option<String>,
}

/// A consultation with its lecturer and participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    /// Id.
    pub id: Uuid,
    /// The lecturer.
    pub lecturer_id: Uuid,
    /// The lecturer's display name.
    pub lecturer_name: String,
    /// The lecturer's email.
    pub lecturer_email: String,
    /// The lecturer's time zone.
    pub lecturer_time_zone: String,
    /// Who created it (the booking student or the lecturer).
    pub created_by: Uuid,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// End plus the lecturer's buffer.
    pub blocks_until: DateTime<Utc>,
    /// Places (1 for a one-to-one consultation).
    pub capacity: i32,
    /// Topic.
    pub topic: String,
    /// Notes shared by everyone taking part.
    pub notes: String,
    /// The lecturer's own notes.
    pub private_notes: String,
    /// Where it stands.
    pub status: Status,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Revision, bumped by every change (the invitation's SEQUENCE).
    pub revision: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Students, including those who cancelled their place.
    pub participants: Vec<Participant>,
}

impl Consultation {
    /// The active place of `student`, if they hold one.
    pub fn active_place(&self, student: Uuid) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.student_id == student && p.active)
    }

    /// Students holding a place.
    pub fn active_students(&self) -> impl Iterator<Item = &Participant> {
        self.participants.iter().filter(|p| p.active)
    }

    /// Places left.
    pub fn places_left(&self) -> i32 {
        let taken = i32::try_from(self.active_students().count()).unwrap_or(i32::MAX);
        (self.capacity - taken).max(0)
    }
}

/// A consultation to create.
#[derive(Debug, Clone)]
pub struct NewConsultation<'a> {
    /// Fresh id.
    pub id: Uuid,
    /// The lecturer.
    pub lecturer_id: Uuid,
    /// Who makes it.
    pub created_by: Uuid,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// End plus buffer.
    pub blocks_until: DateTime<Utc>,
    /// Places.
    pub capacity: i32,
    /// Topic.
    pub topic: &'a str,
    /// Shared notes.
    pub notes: &'a str,
    /// Pending or confirmed.
    pub status: Status,
    /// Students taking part from the start.
    pub students: &'a [Uuid],
}

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

/// The lecturer's busy time (each active consultation until its buffer ends) near `[from, to)`.
pub async fn busy(
    db: &Db,
    lecturer: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, ModelError> {
    let rows = sqlx::query!(
        "SELECT starts_at, blocks_until FROM consultations
          WHERE lecturer_id = $1 AND status <> 'cancelled'
            AND tstzrange(starts_at, blocks_until) && tstzrange($2, $3)
          ORDER BY starts_at",
        lecturer,
        from,
        to
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.starts_at, r.blocks_until))
        .collect())
}

/// A student's active consultation overlapping `[starts_at, ends_at)` (other than `except`), to
/// name the clash: (lecturer name, start, end).
pub async fn student_clash(
    db: &Db,
    student: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<Uuid>,
) -> Result<Option<(String, DateTime<Utc>, DateTime<Utc>)>, ModelError> {
    let row = sqlx::query!(
        "SELECT u.display_name, c.starts_at, c.ends_at
           FROM consultation_participants p
           JOIN consultations c ON c.id = p.consultation_id
           JOIN users u ON u.id = c.lecturer_id
          WHERE p.student_id = $1 AND p.active
            AND tstzrange(p.starts_at, p.ends_at) && tstzrange($2, $3)
            AND c.id IS DISTINCT FROM $4
          LIMIT 1",
        student,
        starts_at,
        ends_at,
        except
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.display_name, r.starts_at, r.ends_at)))
}

/// The lecturer's active consultation whose time plus buffer overlaps `[starts_at, blocks_until)`
/// (other than `except`): (start, end).
pub async fn lecturer_clash(
    db: &Db,
    lecturer: Uuid,
    starts_at: DateTime<Utc>,
    blocks_until: DateTime<Utc>,
    except: Option<Uuid>,
) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, ModelError> {
    let row = sqlx::query!(
        "SELECT starts_at, ends_at FROM consultations
          WHERE lecturer_id = $1 AND status <> 'cancelled'
            AND tstzrange(starts_at, blocks_until) && tstzrange($2, $3)
            AND id IS DISTINCT FROM $4
          LIMIT 1",
        lecturer,
        starts_at,
        blocks_until,
        except
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.starts_at, r.ends_at)))
}
