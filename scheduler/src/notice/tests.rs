//! Unit tests of the composed notices: the invitation, times in the recipient's zone,
//! cancellations, and what a student's copy may say about the others.

use super::*;
use icalendar::{CalendarComponent, Component, DatePerhapsTime, Event, EventStatus};

fn details() -> Details {
    Details {
        id: Uuid::from_u128(7),
        revision: 2,
        topic: "Essay feedback".into(),
        notes: "Bring the draft".into(),
        starts_at: "2026-12-01T14:00:00Z".parse().unwrap(),
        ends_at: "2026-12-01T14:30:00Z".parse().unwrap(),
        pending: false,
        cancelled: false,
        lecturer: Person {
            name: "Dr Ada".into(),
            email: "ada@uni.test".into(),
        },
        students: vec![Person {
            name: "Bo".into(),
            email: "bo@uni.test".into(),
        }],
        room_url: "http://localhost/room/7".into(),
        cancel_reason: None,
    }
}

fn bo_in(tz: Tz) -> Recipient {
    Recipient {
        person: Person {
            name: "Bo".into(),
            email: "bo@uni.test".into(),
        },
        time_zone: tz,
        place_cancelled: false,
        organiser: false,
    }
}

fn parse(ics: &str) -> icalendar::Calendar {
    ics.parse().unwrap()
}

fn only_event(calendar: &icalendar::Calendar) -> &Event {
    let events: Vec<&Event> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    events[0]
}

#[test]
fn the_invitation_parses_with_a_stable_uid_and_the_revision_as_sequence() {
    let now = "2026-11-23T10:00:00Z".parse().unwrap();
    let notice = compose(
        NoticeKind::Booked,
        &details(),
        &bo_in(chrono_tz::Europe::London),
        now,
    );
    assert_eq!(notice.method, "REQUEST");
    let calendar = parse(&notice.ics);
    assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
    let event = only_event(&calendar);
    assert_eq!(
        event.get_uid(),
        Some("consultation-00000000-0000-0000-0000-000000000007@chatterly")
    );
    assert_eq!(event.property_value("SEQUENCE"), Some("2"));
    assert_eq!(event.get_status(), Some(EventStatus::Confirmed));
    assert_eq!(
        event.get_start(),
        Some(DatePerhapsTime::DateTime(details().starts_at.into()))
    );
    assert!(
        notice
            .ics
            .contains("ORGANIZER;CN=Dr Ada:mailto:ada@uni.test"),
        "{}",
        notice.ics
    );
    assert!(notice.ics.contains("mailto:bo@uni.test"));
}

#[test]
fn times_in_the_text_follow_the_recipient_time_zone() {
    let now = "2026-11-23T10:00:00Z".parse().unwrap();
    let london = compose(
        NoticeKind::Reminder,
        &details(),
        &bo_in(chrono_tz::Europe::London),
        now,
    );
    let tokyo = compose(
        NoticeKind::Reminder,
        &details(),
        &bo_in(chrono_tz::Asia::Tokyo),
        now,
    );
    assert!(
        london
            .text
            .contains("Tuesday 1 December 2026 14:00–14:30 (Europe/London)"),
        "{}",
        london.text
    );
    assert!(
        tokyo
            .text
            .contains("Tuesday 1 December 2026 23:00–23:30 (Asia/Tokyo)"),
        "{}",
        tokyo.text
    );
    assert!(
        london
            .subject
            .starts_with("Reminder: Essay feedback with Dr Ada")
    );
    assert!(
        london
            .text
            .contains("Join the room: http://localhost/room/7")
    );
}

#[test]
fn a_cancellation_says_why_and_cancels_the_same_event() {
    let now = "2026-11-23T10:00:00Z".parse().unwrap();
    let mut d = details();
    d.cancelled = true;
    d.revision = 3;
    d.cancel_reason = Some("Ill today".into());
    let notice = compose(NoticeKind::Cancelled, &d, &bo_in(chrono_tz::UTC), now);
    assert_eq!(notice.method, "CANCEL");
    assert!(notice.text.contains("Reason:   Ill today"));
    assert!(!notice.text.contains("Join the room"));
    let calendar = parse(&notice.ics);
    let event = only_event(&calendar);
    assert_eq!(event.get_status(), Some(EventStatus::Cancelled));
    assert_eq!(event.get_uid(), Some(invitation_uid(d.id).as_str()));
    assert_eq!(event.property_value("SEQUENCE"), Some("3"));
}

#[test]
fn a_pending_booking_is_tentative() {
    let now = "2026-11-23T10:00:00Z".parse().unwrap();
    let mut d = details();
    d.pending = true;
    let notice = compose(NoticeKind::Booked, &d, &bo_in(chrono_tz::UTC), now);
    assert!(notice.subject.starts_with("Requested:"));
    assert_eq!(
        only_event(&parse(&notice.ics)).get_status(),
        Some(EventStatus::Tentative)
    );
}

#[test]
fn kinds_round_trip_through_their_names() {
    for kind in [
        NoticeKind::Booked,
        NoticeKind::Confirmed,
        NoticeKind::Cancelled,
        NoticeKind::Rescheduled,
        NoticeKind::Reminder,
    ] {
        assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(NoticeKind::parse("spam"), None);
}

/// A group session of Bo and Cy with Dr Ada.
fn group() -> Details {
    let mut d = details();
    d.students.push(Person {
        name: "Cy".into(),
        email: "cy@uni.test".into(),
    });
    d
}

fn attendees(ics: &str) -> Vec<String> {
    let calendar = parse(ics);
    only_event(&calendar)
        .multi_properties()
        .get("ATTENDEE")
        .map(|all| all.iter().map(|p| p.value().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn a_students_email_names_no_other_student_and_the_lecturers_names_all() {
    let now = "2026-11-23T10:00:00Z".parse().unwrap();
    let bo = compose(NoticeKind::Booked, &group(), &bo_in(chrono_tz::UTC), now);
    assert_eq!(attendees(&bo.ics), ["mailto:bo@uni.test"]);
    assert!(
        !bo.ics.contains("cy@") && !bo.ics.contains("Cy"),
        "{}",
        bo.ics
    );
    assert!(
        !bo.text.contains("cy@") && !bo.text.contains("Cy"),
        "{}",
        bo.text
    );
    assert!(
        bo.text.contains("Students: Bo and 1 other student"),
        "{}",
        bo.text
    );

    let ada = Recipient {
        person: group().lecturer,
        time_zone: chrono_tz::UTC,
        place_cancelled: false,
        organiser: true,
    };
    let lecturers = compose(NoticeKind::Booked, &group(), &ada, now);
    assert_eq!(
        attendees(&lecturers.ics),
        ["mailto:bo@uni.test", "mailto:cy@uni.test"]
    );
    assert!(
        lecturers.text.contains("Students: Bo, Cy"),
        "{}",
        lecturers.text
    );
}

#[test]
fn a_name_cannot_add_a_property_or_parameter_to_the_invitation() {
    let now = "2026-11-23T10:00:00Z".parse().unwrap();
    for evil in [
        "Bo\";ROLE=CHAIR;X=\"",
        "\"Bo;ROLE=CHAIR\"",
        "Bo\nATTENDEE:mailto:evil@x.test",
        "Bo:mailto:evil@x.test,",
    ] {
        let mut d = details();
        d.lecturer.name = evil.into();
        d.students[0].name = evil.into();
        let mut bo = bo_in(chrono_tz::UTC);
        bo.person.name = evil.into();
        let ics = compose(NoticeKind::Booked, &d, &bo, now).ics;
        assert_eq!(attendees(&ics), ["mailto:bo@uni.test"], "{evil:?}: {ics}");
        let calendar = parse(&ics);
        let event = only_event(&calendar);
        let organiser = event.properties().get("ORGANIZER").expect("organiser");
        assert_eq!(organiser.value(), "mailto:ada@uni.test", "{evil:?}: {ics}");
        let attendee = &event.multi_properties()["ATTENDEE"][0];
        let params: Vec<&str> = attendee.params().keys().map(String::as_str).collect();
        assert_eq!(params.len(), 2, "only CN and ROLE: {params:?} in {ics}");
        assert_eq!(
            attendee.params().get("ROLE").map(|p| p.value()),
            Some("REQ-PARTICIPANT"),
            "{evil:?}: {ics}"
        );
        assert!(
            !ics.lines().any(|line| line.starts_with("ATTENDEE:")),
            "no line of its own: {ics}"
        );
    }
}
