//! The iCalendar invitation attached to every consultation email: one event per consultation
//! (stable UID), its revision as SEQUENCE, its organiser and attendees.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use uuid::Uuid;

use super::{Details, Recipient};

/// The invitation UID of a consultation: the same in every email about it.
pub fn invitation_uid(id: Uuid) -> String {
    format!("consultation-{id}@chatterly")
}

/// The `text/calendar` part for `recipient`, with iTIP `method` (`REQUEST` or `CANCEL`).
pub(super) fn invitation(
    details: &Details,
    recipient: &Recipient,
    method: &'static str,
    now: DateTime<Utc>,
) -> String {
    let status = if method == "CANCEL" {
        EventStatus::Cancelled
    } else if details.pending {
        EventStatus::Tentative
    } else {
        EventStatus::Confirmed
    };
    let mut event = Event::with_uid(&invitation_uid(details.id));
    event
        .timestamp(now)
        .sequence(details.revision)
        .summary(&format!("{} with {}", details.topic, details.lecturer.name))
        .description(&details.notes)
        .starts(details.starts_at)
        .ends(details.ends_at)
        .url(&details.room_url)
        .location(&details.room_url)
        .status(status)
        .append_property(
            Property::new("ORGANIZER", format!("mailto:{}", details.lecturer.email))
                .add_parameter("CN", &details.lecturer.name)
                .done(),
        );
    let attendees = if recipient.place_cancelled {
        // A student who left a group session gets a cancellation of their own copy only.
        vec![&recipient.person]
    } else {
        details.students.iter().collect()
    };
    for person in attendees {
        event.append_multi_property(
            Property::new("ATTENDEE", format!("mailto:{}", person.email))
                .add_parameter("CN", &person.name)
                .add_parameter("ROLE", "REQ-PARTICIPANT")
                .done(),
        );
    }
    let mut calendar = Calendar::new();
    calendar.append_property(Property::new("METHOD", method));
    calendar.push(event.done());
    calendar.done().to_string()
}
