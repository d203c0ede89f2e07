//! Consultations: a lecturer's availability and the slots it offers, the timing rules of a
//! booking, what the emails about a consultation say (with their calendar invitations), when
//! reminders fall due, when the video room is open, and the mailer that sends them from the
//! database outbox.
//!
//! [`consultations`] holds the use cases (book, join, cancel, reschedule, ...), each owning its
//! transaction. Everything but [`mailer`] and those use cases is pure and unit-tested; the clash guarantee itself is PostgreSQL's
//! (exclusion constraints, see the consultations migration).

pub mod availability;
pub mod consultations;
pub mod lifecycle;
pub mod mailer;
pub mod notice;
pub mod reminders;
pub mod room;
pub mod slots;

pub use availability::{Availability, DateException, InvalidAvailability, WeeklyWindow};
pub use slots::{Interval, Slot, TimingRefusal, check_start, free_slots};
