//! Consultations and their participants. The database refuses clashes (exclusion constraints on
//! the lecturer's time plus buffer and on each student's time); this module turns those refusals
//! into [`ModelError::Clash`](crate::ModelError::Clash), naming whose time clashed ([`Clash`])
//! by the constraint's name.
//!
//! Changes that must be atomic with their checks (capacity, lifecycle rules) run in a
//! transaction that starts with [`lock`].
//!
//! `types` holds the shared types; `write` makes the changes, `read` loads consultations with
//! their participants, and `busy` finds busy time and names clashes.

mod busy;
mod read;
mod types;
mod write;

pub use crate::clash::{Clash, LECTURER_CLASH, STUDENT_CLASH};
pub use busy::{busy, lecturer_clash, student_clash};
pub use read::{get, list_for, lock, open_group_sessions};
pub use types::{Attendance, Consultation, NewConsultation, Participant, Status};
pub use write::{
    add_participant, bump_revision, clash_error, future_places_with, insert, move_to,
    release_place, set_attendance, set_notes, set_status,
};
