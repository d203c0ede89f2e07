//! Who may do what to a consultation, and when: the lifecycle rules, pure so every case is a
//! unit test. The HTTP edge asks [`check`] after locking the consultation and before changing it.

use chrono::{DateTime, Duration, Utc};

/// The caller's relation to the consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its lecturer.
    Lecturer,
    /// A student; `holds_place` when their place is active.
    Student {
        /// Whether the student currently has a place.
        holds_place: bool,
    },
    /// Anyone else.
    Outsider,
}

/// Where the consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for approval.
    Pending,
    /// Going ahead.
    Confirmed,
    /// Called off.
    Cancelled,
}

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Approve a pending booking.
    Confirm,
    /// Cancel (the lecturer: for everyone; a student: their place).
    Cancel,
    /// Move to another time.
    Reschedule,
    /// Take a place in a group session.
    Join,
    /// Edit the shared notes.
    EditNotes,
    /// Edit the lecturer's private notes.
    EditPrivateNotes,
    /// Mark a student attended or absent.
    MarkAttendance,
}

/// The facts the rules depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Current state.
    pub state: State,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places (1 = one-to-one).
    pub capacity: i32,
    /// Places left.
    pub places_left: i32,
    /// How long before the start students may no longer cancel or move.
    pub cancel_window: Duration,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The caller may not do this at all (403).
    #[error("{0}")]
    NotAllowed(&'static str),
    /// Not in the consultation's current state or at this time (409).
    #[error("{message}")]
    WrongState {
        /// Machine-readable code.
        code: &'static str,
        /// What to tell the caller.
        message: String,
    },
}

fn wrong(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::WrongState {
        code,
        message: message.into(),
    }
}

/// Whether `role` may do `action` given `facts`.
pub fn check(action: Action, role: Role, facts: &Facts) -> Result<(), Refusal> {
    if facts.state == State::Cancelled && action != Action::EditPrivateNotes {
        return Err(wrong("cancelled", "this consultation is cancelled"));
    }
    let caller = Caller::of(role);
    match action {
        Action::Confirm => check_confirm(caller, facts),
        Action::Cancel | Action::Reschedule => check_change(action, caller, facts),
        Action::Join => check_join(caller, facts),
        Action::EditNotes => check_edit_notes(caller),
        Action::EditPrivateNotes => check_edit_private_notes(caller),
        Action::MarkAttendance => check_mark_attendance(caller, facts),
    }
}

/// What the rules ask of the caller's [`Role`].
#[derive(Clone, Copy)]
struct Caller {
    is_lecturer: bool,
    is_student: bool,
    holds_place: bool,
}

impl Caller {
    fn of(role: Role) -> Self {
        Self {
            is_lecturer: role == Role::Lecturer,
            is_student: matches!(role, Role::Student { .. }),
            holds_place: matches!(role, Role::Student { holds_place: true }),
        }
    }
}

/// The lecturer approves a pending booking that has not ended.
fn check_confirm(caller: Caller, facts: &Facts) -> Result<(), Refusal> {
    if !caller.is_lecturer {
        return Err(Refusal::NotAllowed("only the lecturer confirms a booking"));
    }
    if facts.state != State::Pending {
        return Err(wrong(
            "not_pending",
            "this consultation is already confirmed",
        ));
    }
    if facts.now >= facts.ends_at {
        return Err(wrong("ended", "this consultation has ended"));
    }
    Ok(())
}

/// Cancelling or moving: participants only, before the start, students outside the cancel
/// window, and only the lecturer moves a group session.
fn check_change(action: Action, caller: Caller, facts: &Facts) -> Result<(), Refusal> {
    if !(caller.is_lecturer || caller.holds_place) {
        return Err(Refusal::NotAllowed(
            "only the lecturer and its students may change this consultation",
        ));
    }
    if action == Action::Reschedule && !caller.is_lecturer && facts.capacity > 1 {
        return Err(Refusal::NotAllowed(
            "only the lecturer moves a group session",
        ));
    }
    if facts.now >= facts.starts_at {
        return Err(wrong("started", "this consultation has already started"));
    }
    if !caller.is_lecturer && facts.now + facts.cancel_window > facts.starts_at {
        return Err(wrong(
            "inside_cancel_window",
            format!(
                "changes must be made at least {} minutes before the start; ask the lecturer",
                facts.cancel_window.num_minutes()
            ),
        ));
    }
    Ok(())
}

/// A student without a place joins a group session that has not started and has room.
fn check_join(caller: Caller, facts: &Facts) -> Result<(), Refusal> {
    if !caller.is_student {
        return Err(Refusal::NotAllowed("only students join a group session"));
    }
    if caller.holds_place {
        return Err(wrong(
            "already_joined",
            "you already have a place in this session",
        ));
    }
    if facts.capacity <= 1 {
        return Err(Refusal::NotAllowed("this is not a group session"));
    }
    if facts.now >= facts.starts_at {
        return Err(wrong("started", "this session has already started"));
    }
    if facts.places_left <= 0 {
        return Err(wrong("session_full", "this session is full"));
    }
    Ok(())
}

/// The lecturer and the students with a place edit the shared notes.
fn check_edit_notes(caller: Caller) -> Result<(), Refusal> {
    if !(caller.is_lecturer || caller.holds_place) {
        return Err(Refusal::NotAllowed(
            "only the lecturer and its students edit the notes",
        ));
    }
    Ok(())
}

/// Only the lecturer keeps private notes (even once cancelled).
fn check_edit_private_notes(caller: Caller) -> Result<(), Refusal> {
    if !caller.is_lecturer {
        return Err(Refusal::NotAllowed("only the lecturer keeps private notes"));
    }
    Ok(())
}

/// The lecturer marks attendance once the consultation has started.
fn check_mark_attendance(caller: Caller, facts: &Facts) -> Result<(), Refusal> {
    if !caller.is_lecturer {
        return Err(Refusal::NotAllowed("only the lecturer marks attendance"));
    }
    if facts.now < facts.starts_at {
        return Err(wrong(
            "not_started",
            "attendance can be marked once the consultation has started",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        let now: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        Facts {
            state: State::Confirmed,
            starts_at: now + Duration::hours(4),
            ends_at: now + Duration::hours(4) + Duration::minutes(30),
            capacity: 1,
            places_left: 0,
            cancel_window: Duration::hours(2),
            now,
        }
    }

    const STUDENT: Role = Role::Student { holds_place: true };

    #[test]
    fn students_cancel_before_the_window_and_lecturers_until_the_start() {
        let f = facts();
        assert_eq!(check(Action::Cancel, STUDENT, &f), Ok(()));
        let late = Facts {
            now: f.starts_at - Duration::hours(1),
            ..f
        };
        assert!(matches!(
            check(Action::Cancel, STUDENT, &late),
            Err(Refusal::WrongState {
                code: "inside_cancel_window",
                ..
            })
        ));
        assert_eq!(check(Action::Cancel, Role::Lecturer, &late), Ok(()));
        let started = Facts {
            now: f.starts_at,
            ..f
        };
        assert!(matches!(
            check(Action::Cancel, Role::Lecturer, &started),
            Err(Refusal::WrongState {
                code: "started",
                ..
            })
        ));
    }

    #[test]
    fn outsiders_and_former_participants_change_nothing() {
        let f = facts();
        for action in [
            Action::Cancel,
            Action::Reschedule,
            Action::EditNotes,
            Action::Confirm,
            Action::MarkAttendance,
        ] {
            assert!(
                matches!(
                    check(action, Role::Outsider, &f),
                    Err(Refusal::NotAllowed(_))
                ),
                "{action:?}"
            );
            assert!(
                matches!(
                    check(action, Role::Student { holds_place: false }, &f),
                    Err(Refusal::NotAllowed(_))
                ),
                "{action:?}"
            );
        }
        assert!(matches!(
            check(Action::EditPrivateNotes, STUDENT, &f),
            Err(Refusal::NotAllowed(_))
        ));
    }

    #[test]
    fn only_pending_bookings_are_confirmed_by_the_lecturer() {
        let f = facts();
        assert!(matches!(
            check(Action::Confirm, Role::Lecturer, &f),
            Err(Refusal::WrongState {
                code: "not_pending",
                ..
            })
        ));
        let pending = Facts {
            state: State::Pending,
            ..f
        };
        assert_eq!(check(Action::Confirm, Role::Lecturer, &pending), Ok(()));
        assert!(matches!(
            check(Action::Confirm, STUDENT, &pending),
            Err(Refusal::NotAllowed(_))
        ));
    }

    #[test]
    fn group_sessions_take_students_until_full_and_only_lecturers_move_them() {
        let group = Facts {
            capacity: 5,
            places_left: 2,
            ..facts()
        };
        let newcomer = Role::Student { holds_place: false };
        assert_eq!(check(Action::Join, newcomer, &group), Ok(()));
        assert!(matches!(
            check(Action::Join, STUDENT, &group),
            Err(Refusal::WrongState {
                code: "already_joined",
                ..
            })
        ));
        let full = Facts {
            places_left: 0,
            ..group
        };
        assert!(matches!(
            check(Action::Join, newcomer, &full),
            Err(Refusal::WrongState {
                code: "session_full",
                ..
            })
        ));
        assert!(matches!(
            check(Action::Join, newcomer, &facts()),
            Err(Refusal::NotAllowed(_))
        ));
        assert!(matches!(
            check(Action::Reschedule, STUDENT, &group),
            Err(Refusal::NotAllowed(_))
        ));
        assert_eq!(check(Action::Reschedule, Role::Lecturer, &group), Ok(()));
    }

    #[test]
    fn attendance_is_marked_from_the_start_and_nothing_changes_once_cancelled() {
        let f = facts();
        assert!(matches!(
            check(Action::MarkAttendance, Role::Lecturer, &f),
            Err(Refusal::WrongState {
                code: "not_started",
                ..
            })
        ));
        let during = Facts {
            now: f.starts_at + Duration::minutes(5),
            ..f
        };
        assert_eq!(
            check(Action::MarkAttendance, Role::Lecturer, &during),
            Ok(())
        );
        let cancelled = Facts {
            state: State::Cancelled,
            ..f
        };
        assert!(matches!(
            check(Action::Reschedule, Role::Lecturer, &cancelled),
            Err(Refusal::WrongState {
                code: "cancelled",
                ..
            })
        ));
        assert_eq!(
            check(Action::EditPrivateNotes, Role::Lecturer, &cancelled),
            Ok(())
        );
    }
}
