//! The consultation types every part of this module shares: its [`Status`], each student's
//! [`Attendance`] and place ([`Participant`]), the [`Consultation`] as read and the
//! [`NewConsultation`] to create.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
