//! Test fixtures shared by the slot tests: times, instants and a weekly availability.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use chrono_tz::Europe;

use crate::availability::{Availability, WeeklyWindow};

/// A wall-clock time, `h:m`.
pub(super) fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// An instant from RFC 3339 text.
pub(super) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Tuesdays 14:00-16:00 in London: 30-minute slots, 10-minute buffers, no notice.
pub(super) fn london_tuesdays() -> Availability {
    Availability {
        time_zone: Europe::London,
        slot: Duration::minutes(30),
        buffer: Duration::minutes(10),
        min_notice: Duration::zero(),
        horizon: Duration::days(365),
        weekly: vec![WeeklyWindow {
            weekday: Weekday::Tue,
            start: t(14, 0),
            end: t(16, 0),
        }],
        exceptions: vec![],
    }
}
