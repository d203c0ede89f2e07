//! The consultation use cases, one function per command: each locks the consultation, checks the
//! pure rules ([`crate::lifecycle`], [`crate::slots`], [`access`]), writes, queues its emails and
//! reminders in the outbox, and commits, in one transaction; it returns what changed
//! ([`Changed`]) so the caller can tell the people involved, or a typed
//! [`ConsultationError`].
//!
//! The HTTP handlers only extract the request, call one of these and map the answer.

pub mod access;
mod availability;
mod book;
mod changes;
mod clash;
mod error;
mod queue;
mod read;
mod reschedule;
mod rooms;
mod values;

use chrono::Duration;
use models::consultation::Consultation;
use uuid::Uuid;

pub use availability::{
    MAX_CANCEL_WINDOW_MINUTES, Offer, Published, offer, published, put_availability, schedule_of,
};
pub use book::{Appointment, Booking, DEFAULT_DURATION_MINUTES, book, create_appointment};
pub use changes::{NotesUpdate, cancel, confirm, join, mark_attendance, update_notes};
pub use error::{ClashSeenAs, ConsultationError, ConsultationResult, Invalid};
pub use read::{Viewed, get, list};
pub use reschedule::reschedule;
pub use rooms::{Room, close_room, load_room, open_room};
pub use values::{
    CAPACITY, Capacity, DURATION_MINUTES, DurationMinutes, MAX_NOTES_CHARS, MAX_TOPIC_CHARS, Notes,
    PrivateNotes, Reason, Topic,
};

/// Longest range of consultations or free slots asked for at once, in days.
pub const MAX_RANGE_DAYS: i64 = 62;

/// The deployment's settings the use cases depend on.
#[derive(Debug, Clone)]
pub struct Settings {
    /// When reminders go out before each consultation.
    pub reminder_offsets: Vec<Duration>,
    /// How long before its start a room opens by itself.
    pub room_opens_before: Duration,
    /// What time the rules take as now (a test moves it instead of waiting).
    pub clock: models::clock::Clock,
    /// Most places a student may hold at once in one lecturer's upcoming consultations (bookings
    /// and group sessions), so nobody can fill a lecturer's calendar.
    pub max_bookings_per_lecturer: u32,
}

/// What a command changed, for the people involved (the `change` of a `consultation` frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Made (booked by a student or created by the lecturer).
    Booked,
    /// A student took a place in a group session.
    Joined,
    /// The lecturer approved a pending booking.
    Confirmed,
    /// Cancelled, or a student gave up their place.
    Cancelled,
    /// Moved to another time.
    Rescheduled,
    /// The shared notes changed.
    Notes,
}

impl Change {
    /// The name clients see.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Joined => "joined",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Rescheduled => "rescheduled",
            Self::Notes => "notes",
        }
    }
}

/// What the live video room must do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomEffect {
    /// Nothing.
    None,
    /// End it for everyone: the consultation was cancelled.
    End,
    /// Send this student out: they gave up their place.
    Remove(Uuid),
}

/// A committed change: the consultation as it now stands, whom to tell what, and what the room
/// must do.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The consultation after the change, with its room's timing.
    pub viewed: Viewed,
    /// What to tell the lecturer and every student who has or had a place (`None`: nobody).
    pub tell: Option<Change>,
    /// What the live room must do.
    pub room: RoomEffect,
}

impl Changed {
    fn new(viewed: Viewed, tell: Option<Change>) -> Self {
        Self {
            viewed,
            tell,
            room: RoomEffect::None,
        }
    }

    /// The consultation after the change.
    pub fn consultation(&self) -> &Consultation {
        &self.viewed.consultation
    }
}

/// The lecturer and the students holding a place: who gets the emails about a change.
fn insiders(c: &Consultation) -> Vec<Uuid> {
    std::iter::once(c.lecturer_id)
        .chain(c.active_students().map(|p| p.student_id))
        .collect()
}
