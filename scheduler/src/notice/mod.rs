//! What a consultation email says: subject, plain text in the recipient's time zone, and an
//! iCalendar invitation whose UID is stable per consultation and whose SEQUENCE follows its
//! revisions, so calendars update the one event instead of adding another.
//!
//! This module holds what an email is about and [`compose`]; `text` writes the subject and the
//! plain text, `ics` the calendar invitation.

mod ics;
mod text;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

pub use ics::invitation_uid;

/// Why an email is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A consultation was booked or an appointment made.
    Booked,
    /// The lecturer approved a pending booking.
    Confirmed,
    /// The consultation (or the recipient's place in it) was cancelled.
    Cancelled,
    /// The consultation moved to another time.
    Rescheduled,
    /// It starts soon.
    Reminder,
}

impl NoticeKind {
    /// The name stored in the outbox.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Rescheduled => "rescheduled",
            Self::Reminder => "reminder",
        }
    }

    /// Reads the name stored in the outbox.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "booked" => Self::Booked,
            "confirmed" => Self::Confirmed,
            "cancelled" => Self::Cancelled,
            "rescheduled" => Self::Rescheduled,
            "reminder" => Self::Reminder,
            _ => return None,
        })
    }
}

/// Someone named in an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// The consultation as the email describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    /// Consultation id (the invitation's UID derives from it).
    pub id: Uuid,
    /// Revision, bumped on every change (the invitation's SEQUENCE).
    pub revision: u32,
    /// Topic.
    pub topic: String,
    /// Shared notes.
    pub notes: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Whether the lecturer still has to approve it.
    pub pending: bool,
    /// Whether it is cancelled (for everyone).
    pub cancelled: bool,
    /// The lecturer (the invitation's organiser).
    pub lecturer: Person,
    /// The students with a place.
    pub students: Vec<Person>,
    /// The room page.
    pub room_url: String,
    /// Why it was cancelled, if it was.
    pub cancel_reason: Option<String>,
}

/// Who receives this email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Display name and address.
    pub person: Person,
    /// Their time zone, for the times in the text.
    pub time_zone: Tz,
    /// Whether their own place was cancelled (the consultation may go on for others).
    pub place_cancelled: bool,
    /// Whether they are the lecturer (the organiser), who may see every student; a student's
    /// email names no other student.
    pub organiser: bool,
}

/// A composed email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// The `text/calendar` part.
    pub ics: String,
    /// Its iTIP method (`REQUEST` or `CANCEL`), also the MIME `method` parameter.
    pub method: &'static str,
}

/// Composes the email of `kind` about `details` for `recipient`, stamped `now`.
pub fn compose(
    kind: NoticeKind,
    details: &Details,
    recipient: &Recipient,
    now: DateTime<Utc>,
) -> Notice {
    let cancelled = kind == NoticeKind::Cancelled || details.cancelled || recipient.place_cancelled;
    let when = text::when(details, recipient.time_zone);
    let subject = text::subject(kind, details, cancelled, &when);
    let text = text::body(kind, details, recipient, cancelled, &when);
    let method = if cancelled { "CANCEL" } else { "REQUEST" };
    let ics = ics::invitation(details, recipient, method, now);
    Notice {
        subject,
        text,
        ics,
        method,
    }
}

#[cfg(test)]
mod tests;
