//! Making a consultation: a student books a free slot, or a lecturer makes an appointment with
//! chosen students or a group session that students join.

use chrono::{DateTime, Duration, Utc};
use models::consultation::{self, Consultation, NewConsultation, Status};
use models::user::{self, Role, User};
use models::{Db, ModelError, availability};
use uuid::Uuid;

use super::clash::{self, Attempt};
use super::error::{ConsultationError, ConsultationResult, Invalid};
use super::read::viewed;
use super::{
    Capacity, Change, Changed, DurationMinutes, Notes, Settings, Topic, insiders, published, queue,
};
use crate::TimingRefusal;

/// Length of an appointment when neither the lecturer nor their availability names one.
pub const DEFAULT_DURATION_MINUTES: i64 = 30;

/// A student's booking of one of a lecturer's free slots.
#[derive(Debug, Clone)]
pub struct Booking {
    /// The lecturer.
    pub lecturer_id: Uuid,
    /// The slot's start, as listed among the free slots.
    pub starts_at: DateTime<Utc>,
    /// What to discuss.
    pub topic: Topic,
    /// Notes for the lecturer (shared with them).
    pub notes: Notes,
}

/// Books a free slot (students only): pending if the lecturer approves bookings, else confirmed.
pub async fn book(
    db: &Db,
    settings: &Settings,
    caller: &User,
    booking: &Booking,
) -> ConsultationResult<Changed> {
    if caller.role != Role::Student {
        return Err(ConsultationError::NotAllowed(
            "only students book slots; lecturers create appointments",
        ));
    }
    let lecturer = published(db, booking.lecturer_id).await?;
    let slot = crate::check_start(&lecturer.schedule, booking.starts_at, settings.clock.now())?;
    let new = NewConsultation {
        id: Uuid::now_v7(),
        lecturer_id: booking.lecturer_id,
        created_by: caller.id,
        starts_at: slot.start,
        ends_at: slot.end,
        blocks_until: slot.end + lecturer.schedule.buffer,
        capacity: 1,
        topic: booking.topic.as_str(),
        notes: booking.notes.as_str(),
        status: if lecturer.document.settings.requires_approval {
            Status::Pending
        } else {
            Status::Confirmed
        },
        students: &[caller.id],
    };
    made(db, settings, &new, &Attempt::to_make(caller, &new)).await
}

/// An appointment with chosen students, or a group session, made by a lecturer.
#[derive(Debug, Clone)]
pub struct Appointment<'a> {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Length (default: the lecturer's slot length, or [`DEFAULT_DURATION_MINUTES`]).
    pub duration_minutes: Option<DurationMinutes>,
    /// Topic.
    pub topic: Topic,
    /// Shared notes.
    pub notes: Notes,
    /// Places (default: the number of students, at least 1); above 1 a group session.
    pub capacity: Option<Capacity>,
    /// Students booked in now.
    pub student_ids: &'a [Uuid],
}

/// Creates an appointment or group session (lecturers only), confirmed at once.
pub async fn create_appointment(
    db: &Db,
    settings: &Settings,
    caller: &User,
    input: &Appointment<'_>,
) -> ConsultationResult<Changed> {
    if caller.role != Role::Lecturer {
        return Err(ConsultationError::NotAllowed(
            "only lecturers create appointments",
        ));
    }
    let own = availability::get(db, caller.id).await?.map(|d| d.settings);
    let length = match input.duration_minutes {
        Some(length) => length,
        None => DurationMinutes::try_from(
            own.as_ref()
                .map_or(DEFAULT_DURATION_MINUTES, |s| i64::from(s.slot_minutes)),
        )?,
    };
    let students = check_students(db, input).await?;
    if input.starts_at <= settings.clock.now() {
        return Err(TimingRefusal::InPast.into());
    }
    let ends_at = input.starts_at + length.duration();
    let buffer = Duration::minutes(own.as_ref().map_or(0, |s| i64::from(s.buffer_minutes)));
    let new = NewConsultation {
        id: Uuid::now_v7(),
        lecturer_id: caller.id,
        created_by: caller.id,
        starts_at: input.starts_at,
        ends_at,
        blocks_until: ends_at + buffer,
        capacity: students.1.get(),
        topic: input.topic.as_str(),
        notes: input.notes.as_str(),
        status: Status::Confirmed,
        students: &students.0,
    };
    made(db, settings, &new, &Attempt::to_make(caller, &new)).await
}

/// The appointment's students (each once, each a student) and its number of places.
async fn check_students(
    db: &Db,
    input: &Appointment<'_>,
) -> ConsultationResult<(Vec<Uuid>, Capacity)> {
    let mut students = input.student_ids.to_vec();
    students.sort();
    students.dedup();
    if students.len() != input.student_ids.len() {
        return Err(Invalid::Field("student_ids lists a student twice".into()).into());
    }
    let capacity = match input.capacity {
        Some(capacity) => capacity,
        None => Capacity::try_from(i32::try_from(students.len()).unwrap_or(i32::MAX).max(1))?,
    };
    if usize::try_from(capacity.get()).unwrap_or(0) < students.len() {
        return Err(Invalid::Field("more students than places".into()).into());
    }
    for id in &students {
        match user::find(db, *id).await {
            Ok(u) if u.role == Role::Student => {}
            Ok(_) => return Err(Invalid::NotAStudent(*id).into()),
            Err(ModelError::NotFound) => return Err(Invalid::UnknownStudent(*id).into()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((students, capacity))
}

/// Inserts the consultation with its booking emails and reminders in one transaction; a clash is
/// explained to the caller.
async fn made(
    db: &Db,
    settings: &Settings,
    new: &NewConsultation<'_>,
    attempt: &Attempt<'_>,
) -> ConsultationResult<Changed> {
    match insert(db, settings, new).await {
        Ok(c) => Ok(Changed::new(
            viewed(db, settings, c).await?,
            Some(Change::Booked),
        )),
        Err(ModelError::Clash(clash)) => Err(clash::explain(db, clash, attempt).await),
        Err(e) => Err(e.into()),
    }
}

async fn insert(
    db: &Db,
    settings: &Settings,
    new: &NewConsultation<'_>,
) -> Result<Consultation, ModelError> {
    let mut tx = db.begin().await?;
    if new.students == [new.created_by] {
        // A student's own booking counts toward their cap with this lecturer.
        within_booking_cap(&mut tx, settings, new.created_by, new.lecturer_id).await?;
    }
    consultation::insert(&mut tx, new).await?;
    let c = consultation::lock(&mut tx, new.id).await?;
    let everyone = insiders(&c);
    queue::notice(&mut tx, settings.clock.now(), &c, "booked", &everyone).await?;
    queue::reminders(
        &mut tx,
        settings.clock.now(),
        &c,
        &settings.reminder_offsets,
        &everyone,
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Refuses a student's new place with `lecturer` (409 `too_many_bookings`) when they already
/// hold the most allowed (`Settings::max_bookings_per_lecturer`); holds the count until the
/// transaction ends, so two bookings at once cannot both pass.
pub(super) async fn within_booking_cap(
    tx: &mut sqlx::PgConnection,
    settings: &Settings,
    student: Uuid,
    lecturer: Uuid,
) -> Result<(), ModelError> {
    let held =
        consultation::future_places_with(tx, student, lecturer, settings.clock.now()).await?;
    let most = settings.max_bookings_per_lecturer;
    if held >= i64::from(most) {
        return Err(ModelError::Conflict {
            code: "too_many_bookings",
            message: format!(
                "you already have {most} upcoming consultations with this lecturer; cancel one first"
            )
            .into(),
        });
    }
    Ok(())
}
