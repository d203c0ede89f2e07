//! Naming a clash for the one who caused it: the database refused the write
//! ([`Clash`], by constraint name); this looks up what it clashed with, told in the caller's
//! own terms and time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use models::consultation::{self, Clash, NewConsultation};
use models::{Db, user};
use uuid::Uuid;

use super::error::{ClashSeenAs, ConsultationError};

/// The write that clashed.
pub(super) struct Attempt<'a> {
    /// Who made it.
    pub caller: &'a user::User,
    /// Whether the caller is the consultation's lecturer (else a student acting for themself).
    pub by_lecturer: bool,
    /// The time asked for.
    pub starts_at: DateTime<Utc>,
    /// Its end.
    pub ends_at: DateTime<Utc>,
    /// Its end plus the lecturer's buffer.
    pub blocks_until: DateTime<Utc>,
    /// The consultation being changed (not a clash with itself).
    pub except: Option<Uuid>,
    /// The students taking part (for a lecturer's write).
    pub students: &'a [Uuid],
}

impl<'a> Attempt<'a> {
    /// The attempt to make `new`, by `caller` (its lecturer, or a student for themself).
    pub fn to_make(caller: &'a user::User, new: &'a NewConsultation<'a>) -> Self {
        Self {
            caller,
            by_lecturer: caller.id == new.lecturer_id,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            blocks_until: new.blocks_until,
            except: None,
            students: new.students,
        }
    }
}

/// The error telling the caller what `clash` was about (or the database error while finding out).
pub(super) async fn explain(db: &Db, clash: Clash, a: &Attempt<'_>) -> ConsultationError {
    let tz = &a.caller.time_zone;
    let found = match (clash, a.by_lecturer) {
        (Clash::Lecturer, false) => Ok((
            ClashSeenAs::SlotTaken,
            "this slot has just been booked by someone else; pick another".to_owned(),
        )),
        (Clash::Lecturer, true) => {
            consultation::lecturer_clash(db, a.caller.id, a.starts_at, a.blocks_until, a.except)
                .await
                .map(|found| {
                    let message = match found {
                        Some((s, e)) => format!(
                            "you already have a consultation from {} to {} (buffer included)",
                            local(s, tz),
                            local(e, tz)
                        ),
                        None => "you already have a consultation at that time".to_owned(),
                    };
                    (ClashSeenAs::LecturerBusy, message)
                })
        }
        (Clash::Student, false) => {
            consultation::student_clash(db, a.caller.id, a.starts_at, a.ends_at, a.except)
                .await
                .map(|found| {
                    let message = match found {
                        Some((lecturer, s, e)) => format!(
                            "you already have a consultation with {lecturer} from {} to {}",
                            local(s, tz),
                            local(e, tz)
                        ),
                        None => "you already have a consultation at that time".to_owned(),
                    };
                    (ClashSeenAs::StudentBusy, message)
                })
        }
        (Clash::Student, true) => first_busy_student(db, a)
            .await
            .map(|message| (ClashSeenAs::StudentBusy, message)),
    };
    match found {
        Ok((seen_as, message)) => ConsultationError::Clash {
            clash,
            seen_as,
            message,
        },
        Err(e) => e.into(),
    }
}

/// Names the first of the students who is busy at that time (not with whom: that is theirs).
async fn first_busy_student(db: &Db, a: &Attempt<'_>) -> Result<String, models::ModelError> {
    for id in a.students {
        if consultation::student_clash(db, *id, a.starts_at, a.ends_at, a.except)
            .await?
            .is_some()
        {
            let name = user::find(db, *id).await?.display_name;
            return Ok(format!("{name} already has a consultation at that time"));
        }
    }
    Ok("a student already has a consultation at that time".to_owned())
}

/// A time as the caller reads it: "Mon 7 Dec 10:00" in their time zone.
fn local(t: DateTime<Utc>, tz_name: &str) -> String {
    let tz: Tz = tz_name.parse().unwrap_or(chrono_tz::UTC);
    t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}
