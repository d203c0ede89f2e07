//! Publishing availability: a lecturer replaces their hours as one document; anyone reads a
//! lecturer's published hours and the schedule they make.

use chrono::{DateTime, Duration, Utc, Weekday};
use chrono_tz::Tz;
use models::availability::{self, Document};
use models::consultation;
use models::user::{self, Role, User};
use models::{Db, ModelError};
use uuid::Uuid;

use super::Settings;
use super::error::{ConsultationError, ConsultationResult, Invalid};
use super::read::{Viewed, with_rooms};
use crate::{Availability, DateException, Interval, Slot, WeeklyWindow};

/// Longest cancel window a lecturer may set, in minutes (a week).
pub const MAX_CANCEL_WINDOW_MINUTES: i32 = 10_080;

/// A lecturer's published availability, as stored and as the schedule it makes.
#[derive(Debug, Clone)]
pub struct Published {
    /// What the lecturer published.
    pub document: Document,
    /// The schedule slots are computed from.
    pub schedule: Availability,
}

/// The published availability of `lecturer` (not found if they are no lecturer or publish none).
pub async fn published(db: &Db, lecturer: Uuid) -> ConsultationResult<Published> {
    let account = user::find(db, lecturer).await.map_err(|e| match e {
        ModelError::NotFound => ConsultationError::NotFound("lecturer"),
        other => other.into(),
    })?;
    if account.role != Role::Lecturer {
        return Err(ConsultationError::NotFound("lecturer"));
    }
    let document = availability::get(db, lecturer)
        .await?
        .ok_or(ConsultationError::NotFound("availability"))?;
    let schedule = schedule_of(&document)?;
    Ok(Published { document, schedule })
}

/// Replaces the caller's availability (lecturers only) once it holds together.
pub async fn put_availability(
    db: &Db,
    caller: &User,
    document: &Document,
) -> ConsultationResult<Published> {
    if caller.role != Role::Lecturer {
        return Err(ConsultationError::NotAllowed(
            "only lecturers publish availability",
        ));
    }
    schedule_of(document)?;
    availability::save(db, caller.id, document).await?;
    published(db, caller.id).await
}

/// A lecturer's bookable time in a range: free slots and open group sessions.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The lecturer's published availability.
    pub published: Published,
    /// Free slots, by start.
    pub slots: Vec<Slot>,
    /// Group sessions with places left, by start.
    pub group_sessions: Vec<Viewed>,
}

/// What `lecturer` offers in `[from, to)`: free slots and group sessions still ahead.
pub async fn offer(
    db: &Db,
    settings: &Settings,
    lecturer: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ConsultationResult<Offer> {
    let published = published(db, lecturer).await?;
    let now = settings.clock.now();
    let margin = Duration::days(1);
    let busy: Vec<Interval> = consultation::busy(db, lecturer, from - margin, to + margin)
        .await?
        .into_iter()
        .map(|(s, e)| Interval::new(s, e))
        .collect();
    let slots = crate::free_slots(&published.schedule, &busy, from, to, now);
    let groups = consultation::open_group_sessions(db, lecturer, from.max(now), to).await?;
    let group_sessions = with_rooms(db, settings, groups).await?;
    Ok(Offer {
        published,
        slots,
        group_sessions,
    })
}

/// The schedule a document makes, or why it does not hold together.
pub fn schedule_of(doc: &Document) -> Result<Availability, Invalid> {
    let weekly = doc
        .rules
        .iter()
        .map(|r| {
            Ok(WeeklyWindow {
                weekday: weekday(r.weekday).ok_or_else(|| {
                    Invalid::Field("weekly weekday must be 1 (Monday) to 7 (Sunday)".into())
                })?,
                start: r.starts,
                end: r.ends,
            })
        })
        .collect::<Result<Vec<_>, Invalid>>()?;
    let exceptions = doc
        .exceptions
        .iter()
        .map(|e| match (e.kind.as_str(), e.starts, e.ends) {
            ("off", None, None) => Ok(DateException::Off {
                date: e.day,
                hours: None,
            }),
            ("off", Some(s), Some(t)) => Ok(DateException::Off {
                date: e.day,
                hours: Some((s, t)),
            }),
            ("extra", Some(start), Some(end)) => Ok(DateException::Extra {
                date: e.day,
                start,
                end,
            }),
            _ => Err(Invalid::Field(format!(
                "exceptions {}: give both start and end (or neither, for a whole day off)",
                e.day
            ))),
        })
        .collect::<Result<Vec<_>, Invalid>>()?;
    let s = &doc.settings;
    let time_zone: Tz = s.time_zone.parse().map_err(|_| {
        Invalid::Field("time_zone must be an IANA time zone such as Europe/London".into())
    })?;
    let schedule = Availability {
        time_zone,
        slot: Duration::minutes(s.slot_minutes.into()),
        buffer: Duration::minutes(s.buffer_minutes.into()),
        min_notice: Duration::minutes(s.min_notice_minutes.into()),
        horizon: Duration::days(s.horizon_days.into()),
        weekly,
        exceptions,
    };
    schedule.validate()?;
    if !(0..=MAX_CANCEL_WINDOW_MINUTES).contains(&s.cancel_window_minutes) {
        return Err(Invalid::Field(format!(
            "cancel_window_minutes must be between 0 and {MAX_CANCEL_WINDOW_MINUTES}"
        )));
    }
    Ok(schedule)
}

fn weekday(iso: i16) -> Option<Weekday> {
    Some(match iso {
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        7 => Weekday::Sun,
        _ => return None,
    })
}
