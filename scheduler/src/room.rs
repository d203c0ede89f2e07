//! When a consultation's video room is open, and who may enter it: pure, so every case is a
//! unit test. The HTTP edge asks [`admit`] before a WebSocket upgrade and the room itself asks
//! [`RoomFacts::closes_at`] to know when to end the call.

use chrono::{DateTime, Duration, Utc};

use crate::lifecycle::{Role, State};

/// What the room rules depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomFacts {
    /// The consultation's state.
    pub state: State,
    /// Its start.
    pub starts_at: DateTime<Utc>,
    /// Its end: the room closes then.
    pub ends_at: DateTime<Utc>,
    /// How long before the start the room opens by itself.
    pub opens_before: Duration,
    /// When the lecturer opened it early, if they did.
    pub opened_early_at: Option<DateTime<Utc>>,
    /// When the lecturer ended it, if they did.
    pub closed_at: Option<DateTime<Utc>>,
    /// Now.
    pub now: DateTime<Utc>,
}

impl RoomFacts {
    /// When the room opens (or opened): the scheduled opening, or earlier if the lecturer opened it.
    pub fn opens_at(&self) -> DateTime<Utc> {
        let scheduled = self.starts_at - self.opens_before;
        self.opened_early_at
            .map_or(scheduled, |early| early.min(scheduled))
    }

    /// When the room closes (or closed): the end, or earlier if the lecturer ended it.
    pub fn closes_at(&self) -> DateTime<Utc> {
        self.closed_at
            .map_or(self.ends_at, |closed| closed.min(self.ends_at))
    }

    /// Whether the room is open now.
    pub fn is_open(&self) -> bool {
        self.state == State::Confirmed && self.now >= self.opens_at() && self.now < self.closes_at()
    }
}

/// Why someone may not enter (or manage) the room.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomRefusal {
    /// Not the lecturer nor a booked student (403).
    #[error("only the lecturer and the booked students may enter this room")]
    NotAParticipant,
    /// Only the lecturer may open or end the room (403).
    #[error("only the lecturer can open or end the room")]
    NotTheLecturer,
    /// The consultation was called off (409).
    #[error("this consultation is cancelled")]
    Cancelled,
    /// Still waiting for the lecturer's approval (409).
    #[error("this consultation is not confirmed yet")]
    NotConfirmed,
    /// Too early (409).
    #[error("the room opens at {opens_at}")]
    NotOpenYet {
        /// When it opens by itself.
        opens_at: DateTime<Utc>,
    },
    /// Over, or ended by the lecturer (409).
    #[error("the room is closed")]
    Closed,
}

impl RoomRefusal {
    /// The stable machine-readable code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAParticipant => "not_a_participant",
            Self::NotTheLecturer => "not_the_lecturer",
            Self::Cancelled => "cancelled",
            Self::NotConfirmed => "not_confirmed",
            Self::NotOpenYet { .. } => "room_not_open",
            Self::Closed => "room_closed",
        }
    }

    /// Whether the refusal is about who the caller is (403) rather than when (409).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::NotAParticipant | Self::NotTheLecturer)
    }
}

/// Whether `role` may enter the room now. Who comes first: an outsider learns nothing about the
/// room's state.
pub fn admit(role: Role, facts: &RoomFacts) -> Result<(), RoomRefusal> {
    if !matches!(role, Role::Lecturer | Role::Student { holds_place: true }) {
        return Err(RoomRefusal::NotAParticipant);
    }
    check_state(facts)?;
    if facts.now >= facts.closes_at() {
        return Err(RoomRefusal::Closed);
    }
    if facts.now < facts.opens_at() {
        return Err(RoomRefusal::NotOpenYet {
            opens_at: facts.opens_at(),
        });
    }
    Ok(())
}

/// Whether `role` may open the room early: the lecturer, before the end of a confirmed
/// consultation. Opening an ended room again is allowed until the scheduled end.
pub fn may_open(role: Role, facts: &RoomFacts) -> Result<(), RoomRefusal> {
    lecturer_only(role)?;
    check_state(facts)?;
    if facts.now >= facts.ends_at {
        return Err(RoomRefusal::Closed);
    }
    Ok(())
}

/// Whether `role` may end the room for everyone: the lecturer, while it has not closed.
pub fn may_close(role: Role, facts: &RoomFacts) -> Result<(), RoomRefusal> {
    lecturer_only(role)?;
    check_state(facts)?;
    if facts.now >= facts.closes_at() {
        return Err(RoomRefusal::Closed);
    }
    Ok(())
}

fn lecturer_only(role: Role) -> Result<(), RoomRefusal> {
    match role {
        Role::Lecturer => Ok(()),
        Role::Student { holds_place: true } => Err(RoomRefusal::NotTheLecturer),
        _ => Err(RoomRefusal::NotAParticipant),
    }
}

fn check_state(facts: &RoomFacts) -> Result<(), RoomRefusal> {
    match facts.state {
        State::Cancelled => Err(RoomRefusal::Cancelled),
        State::Pending => Err(RoomRefusal::NotConfirmed),
        State::Confirmed => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const STUDENT: Role = Role::Student { holds_place: true };

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    fn facts(now: DateTime<Utc>) -> RoomFacts {
        RoomFacts {
            state: State::Confirmed,
            starts_at: at(10, 0),
            ends_at: at(10, 30),
            opens_before: Duration::minutes(10),
            opened_early_at: None,
            closed_at: None,
            now,
        }
    }

    #[test]
    fn opens_before_the_start_and_closes_at_the_end() {
        assert_eq!(
            admit(STUDENT, &facts(at(9, 49))),
            Err(RoomRefusal::NotOpenYet {
                opens_at: at(9, 50)
            })
        );
        assert_eq!(admit(STUDENT, &facts(at(9, 50))), Ok(()));
        assert_eq!(admit(Role::Lecturer, &facts(at(10, 29))), Ok(()));
        assert_eq!(admit(STUDENT, &facts(at(10, 30))), Err(RoomRefusal::Closed));
        assert!(facts(at(10, 0)).is_open() && !facts(at(10, 30)).is_open());
    }

    #[test]
    fn outsiders_and_students_who_cancelled_are_refused_whatever_the_time() {
        for role in [Role::Outsider, Role::Student { holds_place: false }] {
            for now in [at(9, 0), at(10, 0), at(11, 0)] {
                let refusal = admit(role, &facts(now)).unwrap_err();
                assert_eq!(refusal, RoomRefusal::NotAParticipant);
                assert!(refusal.is_forbidden());
            }
        }
    }

    #[test]
    fn the_lecturer_opens_early_and_ends_it_for_everyone() {
        let mut f = facts(at(9, 0));
        assert_eq!(may_open(STUDENT, &f), Err(RoomRefusal::NotTheLecturer));
        assert_eq!(may_open(Role::Lecturer, &f), Ok(()));
        f.opened_early_at = Some(at(9, 0));
        assert_eq!(admit(STUDENT, &f), Ok(()));
        assert_eq!(f.opens_at(), at(9, 0));
        f.now = at(10, 5);
        assert_eq!(may_close(STUDENT, &f), Err(RoomRefusal::NotTheLecturer));
        assert_eq!(may_close(Role::Lecturer, &f), Ok(()));
        f.closed_at = Some(at(10, 5));
        assert_eq!(admit(Role::Lecturer, &f), Err(RoomRefusal::Closed));
        assert_eq!(may_close(Role::Lecturer, &f), Err(RoomRefusal::Closed));
        assert_eq!(f.closes_at(), at(10, 5));
        // Re-opening after ending it is allowed until the scheduled end, never after.
        assert_eq!(may_open(Role::Lecturer, &f), Ok(()));
        f.now = at(10, 30);
        assert_eq!(may_open(Role::Lecturer, &f), Err(RoomRefusal::Closed));
    }

    #[test]
    fn opening_late_does_not_delay_the_scheduled_opening() {
        let mut f = facts(at(9, 55));
        f.opened_early_at = Some(at(9, 52));
        assert_eq!(f.opens_at(), at(9, 50));
    }

    #[test]
    fn cancelled_and_unconfirmed_consultations_have_no_room() {
        let mut f = facts(at(10, 0));
        f.state = State::Cancelled;
        assert_eq!(admit(Role::Lecturer, &f).unwrap_err().code(), "cancelled");
        f.state = State::Pending;
        assert_eq!(admit(STUDENT, &f).unwrap_err().code(), "not_confirmed");
        assert_eq!(may_open(Role::Lecturer, &f), Err(RoomRefusal::NotConfirmed));
        assert!(!f.is_open());
    }
}
