//! Moving a consultation atomically: the old time is released only if the new one is taken. A
//! student picks one of the lecturer's free slots; the lecturer picks any future time.

use chrono::{DateTime, Duration, Utc};
use models::consultation::{self, Consultation};
use models::user::User;
use models::{Db, ModelError, outbox};
use uuid::Uuid;

use super::changes::lock_for;
use super::clash::{self, Attempt};
use super::error::{ConsultationError, ConsultationResult, Invalid};
use super::read::viewed;
use super::{Change, Changed, Settings, insiders, published, queue};
use crate::lifecycle::Action;
use crate::{Availability, TimingRefusal};

/// Moves consultation `id` to start at `starts_at`, keeping its length.
pub async fn reschedule(
    db: &Db,
    settings: &Settings,
    caller: &User,
    id: Uuid,
    starts_at: DateTime<Utc>,
) -> ConsultationResult<Changed> {
    // Read the lecturer's schedule before taking locks, so no request holds a connection while
    // it waits for another.
    let lecturer = match consultation::get(db, id).await {
        Ok(c) => c.lecturer_id,
        Err(ModelError::NotFound) => return Err(ConsultationError::NotFound("consultation")),
        Err(e) => return Err(e.into()),
    };
    let by_lecturer = caller.id == lecturer;
    let schedule = if by_lecturer {
        None
    } else {
        Some(published(db, lecturer).await?.schedule)
    };
    let now = settings.clock.now();
    let mut tx = db.begin().await?;
    let before = lock_for(&mut tx, id, caller, Action::Reschedule, now).await?;
    let (starts_at, ends_at, buffer) = new_times(schedule.as_ref(), &before, starts_at, now)?;
    if starts_at == before.starts_at {
        return Err(Invalid::SameTime.into());
    }
    let moved = async {
        consultation::move_to(&mut tx, id, starts_at, ends_at, ends_at + buffer).await?;
        outbox::supersede_reminders(&mut tx, id, None).await?;
        let c = consultation::lock(&mut tx, id).await?;
        let everyone = insiders(&c);
        queue::notice(&mut tx, now, &c, "rescheduled", &everyone).await?;
        queue::reminders(&mut tx, now, &c, &settings.reminder_offsets, &everyone).await?;
        Ok::<Consultation, ModelError>(c)
    }
    .await;
    let c = match moved {
        Ok(c) => {
            tx.commit().await?;
            c
        }
        Err(ModelError::Clash(clash)) => {
            drop(tx);
            let students: Vec<Uuid> = before.active_students().map(|p| p.student_id).collect();
            let attempt = Attempt {
                caller,
                by_lecturer,
                starts_at,
                ends_at,
                blocks_until: ends_at + buffer,
                except: Some(id),
                students: &students,
            };
            return Err(clash::explain(db, clash, &attempt).await);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Changed::new(
        viewed(db, settings, c).await?,
        Some(Change::Rescheduled),
    ))
}

/// The new start, end and buffer: the lecturer moves the consultation to any future time,
/// keeping its length and buffer; a student only to a free slot of the lecturer's schedule.
fn new_times(
    schedule: Option<&Availability>,
    before: &Consultation,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ConsultationResult<(DateTime<Utc>, DateTime<Utc>, Duration)> {
    match schedule {
        None => {
            if starts_at <= now {
                return Err(TimingRefusal::InPast.into());
            }
            let length = before.ends_at - before.starts_at;
            let buffer = before.blocks_until - before.ends_at;
            Ok((starts_at, starts_at + length, buffer))
        }
        Some(schedule) => {
            let slot = crate::check_start(schedule, starts_at, now)?;
            Ok((slot.start, slot.end, schedule.buffer))
        }
    }
}
