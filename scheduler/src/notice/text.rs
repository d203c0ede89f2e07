//! The words of a consultation email: its subject line and plain-text body, with times in the
//! recipient's time zone.

use chrono_tz::Tz;

use super::{Details, NoticeKind, Recipient};

/// When the consultation runs, in `tz`: "Tuesday 1 December 2026 14:00–14:30 (Europe/London)".
pub(super) fn when(details: &Details, tz: Tz) -> String {
    let start = details.starts_at.with_timezone(&tz);
    let end = details.ends_at.with_timezone(&tz);
    format!(
        "{} {}–{} ({})",
        start.format("%A %-d %B %Y"),
        start.format("%H:%M"),
        end.format("%H:%M"),
        tz.name()
    )
}

/// The subject line: what happened, the topic, the lecturer and `when`.
pub(super) fn subject(kind: NoticeKind, details: &Details, cancelled: bool, when: &str) -> String {
    let lead = match (kind, cancelled) {
        (NoticeKind::Cancelled, _) | (_, true) => "Cancelled",
        (NoticeKind::Booked, _) if details.pending => "Requested",
        (NoticeKind::Booked, _) => "Booked",
        (NoticeKind::Confirmed, _) => "Confirmed",
        (NoticeKind::Rescheduled, _) => "Moved",
        (NoticeKind::Reminder, _) => "Reminder",
    };
    format!(
        "{lead}: {} with {}, {when}",
        details.topic, details.lecturer.name
    )
}

/// The plain-text body: a greeting, what happened, the details and (unless cancelled) the room.
pub(super) fn body(
    kind: NoticeKind,
    details: &Details,
    recipient: &Recipient,
    cancelled: bool,
    when: &str,
) -> String {
    let mut text = format!("Hello {},\n\n", recipient.person.name);
    text.push_str(&match (kind, cancelled) {
        (NoticeKind::Cancelled, _) | (_, true) => "This consultation is cancelled:\n".to_owned(),
        (NoticeKind::Booked, _) if details.pending => {
            "This consultation is booked and waits for the lecturer's approval:\n".to_owned()
        }
        (NoticeKind::Booked, _) => "This consultation is booked:\n".to_owned(),
        (NoticeKind::Confirmed, _) => "The lecturer confirmed this consultation:\n".to_owned(),
        (NoticeKind::Rescheduled, _) => "This consultation has moved to a new time:\n".to_owned(),
        (NoticeKind::Reminder, _) => "A reminder of your consultation:\n".to_owned(),
    });
    text.push_str(&format!(
        "\n  Topic:    {}\n  When:     {when}\n  Lecturer: {}\n",
        details.topic, details.lecturer.name
    ));
    if let Some(students) = students_line(details, recipient) {
        text.push_str(&format!("  Students: {students}\n"));
    }
    if let Some(reason) = details.cancel_reason.as_deref().filter(|_| cancelled) {
        text.push_str(&format!("  Reason:   {reason}\n"));
    }
    if !details.notes.is_empty() {
        text.push_str(&format!("\nNotes:\n{}\n", details.notes));
    }
    if !cancelled {
        text.push_str(&format!("\nJoin the room: {}\n", details.room_url));
    }
    text.push_str("\nThe attached invitation keeps your calendar up to date.\n— Chatterly\n");
    text
}

/// Who takes part, as `recipient` may know it: the lecturer sees every student's name; a
/// student sees their own and how many others there are, never who they are.
fn students_line(details: &Details, recipient: &Recipient) -> Option<String> {
    if details.students.is_empty() {
        return None;
    }
    if recipient.organiser {
        let names: Vec<&str> = details.students.iter().map(|s| s.name.as_str()).collect();
        return Some(names.join(", "));
    }
    let others = details
        .students
        .iter()
        .filter(|s| s.email != recipient.person.email)
        .count();
    Some(match others {
        0 => recipient.person.name.clone(),
        1 => format!("{} and 1 other student", recipient.person.name),
        n => format!("{} and {n} other students", recipient.person.name),
    })
}
