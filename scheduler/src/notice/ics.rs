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
                .add_parameter("CN", &parameter_value(&details.lecturer.name))
                .done(),
        );
    // The lecturer's copy lists every student; a student's copy lists that student only, so no
    // invitation gives away who else booked (or their email address).
    let attendees = if recipient.organiser {
        details.students.iter().collect()
    } else {
        vec![&recipient.person]
    };
    for person in attendees {
        event.append_multi_property(
            Property::new("ATTENDEE", format!("mailto:{}", person.email))
                .add_parameter("CN", &parameter_value(&person.name))
                .add_parameter("ROLE", "REQ-PARTICIPANT")
                .done(),
        );
    }
    let mut calendar = Calendar::new();
    calendar.append_property(Property::new("METHOD", method));
    calendar.push(event.done());
    calendar.done().to_string()
}

/// A name made safe as a parameter value (RFC 6868 caret encoding): a `"` can no longer end the
/// quoted value and a line break cannot start a new property, so `Bo";ROLE=CHAIR` stays a name.
/// The calendar library then quotes values holding `:`, `;` or `,`.
fn parameter_value(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '^' => out.push_str("^^"),
            '"' => out.push_str("^'"),
            '\n' => out.push_str("^n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
