//! Who a person is to a consultation, and whether they may see it: the one rule every read and
//! every command uses. Pure, so each case is a unit test.

use chrono::{DateTime, Duration, Utc};
use models::consultation::{Consultation, Status};
use models::room::StoredRoom;
use models::user::{Role as AccountRole, User};
use uuid::Uuid;

use crate::lifecycle::{Role, State};
use crate::room::RoomFacts;

/// The lifecycle rules' name for a stored status.
pub fn state_of(status: Status) -> State {
    match status {
        Status::Pending => State::Pending,
        Status::Confirmed => State::Confirmed,
        Status::Cancelled => State::Cancelled,
    }
}

/// The caller's part in `c`: its lecturer, a student (holding a place or not), or an outsider.
pub fn role_of(c: &Consultation, caller: &User) -> Role {
    if caller.id == c.lecturer_id {
        Role::Lecturer
    } else if caller.role == AccountRole::Student {
        Role::Student {
            holds_place: c.active_place(caller.id).is_some(),
        }
    } else {
        Role::Outsider
    }
}

/// Whether `viewer` took part: the lecturer, or a student who has or had a place.
pub fn is_insider(c: &Consultation, viewer: Uuid) -> bool {
    c.lecturer_id == viewer || c.participants.iter().any(|p| p.student_id == viewer)
}

/// Whether `viewer` may see `c` at all: insiders always; anyone while it is a group session
/// that has not been cancelled (so students can find and join it). Everyone else is told it does
/// not exist.
pub fn may_see(c: &Consultation, viewer: Uuid) -> bool {
    is_insider(c, viewer) || (c.capacity > 1 && c.status != Status::Cancelled)
}

/// The room's timing facts for `c` at `now`, from what is stored about its room.
pub fn room_facts(
    c: &Consultation,
    stored: &StoredRoom,
    opens_before: Duration,
    now: DateTime<Utc>,
) -> RoomFacts {
    RoomFacts {
        state: state_of(c.status),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        opens_before,
        opened_early_at: stored.opened_early_at,
        closed_at: stored.closed_at,
        now,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use models::consultation::{Attendance, Participant};

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn consultation(capacity: i32, status: Status, students: &[(Uuid, bool)]) -> Consultation {
        Consultation {
            id: Uuid::now_v7(),
            lecturer_id: Uuid::from_u128(1),
            lecturer_name: "Dr Lee".into(),
            lecturer_email: "lee@uni.example".into(),
            lecturer_time_zone: "Europe/London".into(),
            created_by: Uuid::from_u128(1),
            starts_at: at(10),
            ends_at: at(11),
            blocks_until: at(11),
            capacity,
            topic: "Essay".into(),
            notes: String::new(),
            private_notes: String::new(),
            status,
            cancel_reason: None,
            revision: 1,
            created_at: at(8),
            participants: students
                .iter()
                .map(|(id, active)| Participant {
                    student_id: *id,
                    display_name: "Sam".into(),
                    email: "sam@uni.example".into(),
                    time_zone: "Europe/London".into(),
                    active: *active,
                    attendance: Attendance::Unmarked,
                    cancel_reason: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_one_to_one_is_seen_only_by_its_lecturer_and_student() {
        let student = Uuid::from_u128(2);
        let c = consultation(1, Status::Confirmed, &[(student, true)]);
        assert!(may_see(&c, c.lecturer_id));
        assert!(may_see(&c, student));
        assert!(!may_see(&c, Uuid::from_u128(3)));
    }

    #[test]
    fn a_student_who_cancelled_still_sees_it() {
        let student = Uuid::from_u128(2);
        let c = consultation(1, Status::Cancelled, &[(student, false)]);
        assert!(may_see(&c, student));
    }

    #[test]
    fn an_open_group_session_is_seen_by_anyone_until_cancelled() {
        let outsider = Uuid::from_u128(3);
        let open = consultation(5, Status::Confirmed, &[]);
        assert!(may_see(&open, outsider));
        let cancelled = consultation(5, Status::Cancelled, &[]);
        assert!(!may_see(&cancelled, outsider));
        assert!(may_see(&cancelled, cancelled.lecturer_id));
    }

    #[test]
    fn a_pending_booking_or_an_ended_room_is_not_open() {
        let opens = Duration::minutes(10);
        let c = consultation(1, Status::Pending, &[]);
        assert!(!room_facts(&c, &StoredRoom::default(), opens, at(10)).is_open());
        let c = consultation(1, Status::Confirmed, &[]);
        assert!(room_facts(&c, &StoredRoom::default(), opens, at(10)).is_open());
        let ended = StoredRoom {
            closed_at: Some(at(10) - Duration::minutes(1)),
            ..StoredRoom::default()
        };
        assert!(!room_facts(&c, &ended, opens, at(10)).is_open());
    }
}
