//! Free-slot generation and the timing rules of a booking.
//!
//! Slots are laid out in the lecturer's local time (so "Tuesday 14:00" stays 14:00 across a DST
//! change) and then turned into UTC instants. A local time that does not exist (the hour skipped
//! in spring) yields no slot; an ambiguous one (the hour repeated in autumn) takes its first
//! occurrence.

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::availability::Availability;

/// A span of time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    /// Inclusive start.
    pub start: DateTime<Utc>,
    /// Exclusive end.
    pub end: DateTime<Utc>,
}

impl Interval {
    /// Builds an interval (`start` should be before `end`).
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    /// Whether the two share any instant (touching ends do not overlap).
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// A bookable slot: when the consultation would run.
pub type Slot = Interval;

/// Why a requested start time cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimingRefusal {
    /// The start is not in the future.
    #[error("that time has already passed")]
    InPast,
    /// The start is closer than the lecturer's minimum notice.
    #[error("bookings need at least {minutes} minutes' notice")]
    TooSoon {
        /// The minimum notice, in minutes.
        minutes: i64,
    },
    /// The start is further ahead than the lecturer's booking horizon.
    #[error("bookings open at most {days} days ahead")]
    BeyondHorizon {
        /// The horizon, in days.
        days: i64,
    },
    /// No slot of the lecturer's availability starts at that time.
    #[error("the lecturer offers no slot starting at that time")]
    OutsideAvailability,
}

impl TimingRefusal {
    /// Stable machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InPast => "in_past",
            Self::TooSoon { .. } => "too_soon",
            Self::BeyondHorizon { .. } => "beyond_horizon",
            Self::OutsideAvailability => "outside_availability",
        }
    }
}

/// The UTC instant of a local wall-clock time: `None` in a DST gap, the earlier instant when the
/// time happens twice.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Every slot the availability lays out for local dates overlapping `[from, to)`, ignoring
/// bookings, notice and horizon. Sorted by start.
pub fn candidate_slots(
    availability: &Availability,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Slot> {
    let tz = availability.time_zone;
    let step = availability.slot + availability.buffer;
    let mut slots = Vec::new();
    if from >= to || step <= Duration::zero() {
        return slots;
    }
    // A day either side covers every offset a zone can have from UTC.
    let first = from.with_timezone(&tz).date_naive() - Days::new(1);
    let last = to.with_timezone(&tz).date_naive() + Days::new(1);
    let mut date: NaiveDate = first;
    while date <= last {
        for (open, close) in availability.windows_on(date) {
            let close = date.and_time(close);
            let mut local = date.and_time(open);
            while local + availability.slot <= close {
                if let Some(start) = resolve_local(tz, local) {
                    let slot = Interval::new(start, start + availability.slot);
                    let fits = resolve_local(tz, close).is_none_or(|c| slot.end <= c);
                    if fits && slot.start >= from && slot.start < to {
                        slots.push(slot);
                    }
                }
                local += step;
            }
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    slots.sort();
    slots.dedup();
    slots
}

/// The slots a student may book in `[from, to)` at `now`: candidate slots past the minimum
/// notice, within the horizon, whose time plus the buffer after it overlaps none of `busy`
/// (the lecturer's active consultations, each until its buffer ends; any order).
pub fn free_slots(
    availability: &Availability,
    busy: &[Interval],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    let earliest = now + availability.min_notice;
    let latest = now + availability.horizon;
    let from = from.max(earliest);
    let to = to.min(latest + Duration::seconds(1));
    let mut busy: Vec<Interval> = busy.to_vec();
    busy.sort();
    // Blocks sorted by start; a running maximum of ends lets us skip everything that finished.
    let mut slots = candidate_slots(availability, from, to);
    let mut cursor = 0;
    slots.retain(|slot| {
        if slot.start <= now {
            return false;
        }
        let blocked = Interval::new(slot.start, slot.end + availability.buffer);
        while cursor < busy.len() && busy[cursor].end <= blocked.start {
            cursor += 1;
        }
        !busy[cursor..]
            .iter()
            .take_while(|b| b.start < blocked.end)
            .any(|b| b.overlaps(&blocked))
    });
    slots
}

/// Checks that `start` is a slot the availability offers and respects its notice and horizon at
/// `now`; returns the slot. Clashes with other bookings are the database's to refuse.
pub fn check_start(
    availability: &Availability,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Slot, TimingRefusal> {
    if start <= now {
        return Err(TimingRefusal::InPast);
    }
    if start < now + availability.min_notice {
        return Err(TimingRefusal::TooSoon {
            minutes: availability.min_notice.num_minutes(),
        });
    }
    if start > now + availability.horizon {
        return Err(TimingRefusal::BeyondHorizon {
            days: availability.horizon.num_days(),
        });
    }
    candidate_slots(availability, start, start + Duration::seconds(1))
        .into_iter()
        .find(|slot| slot.start == start)
        .ok_or(TimingRefusal::OutsideAvailability)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, Weekday};
    use chrono_tz::{America, Europe};

    use super::*;
    use crate::availability::{DateException, WeeklyWindow};

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn london_tuesdays() -> Availability {
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

    fn starts(slots: &[Slot]) -> Vec<String> {
        slots.iter().map(|s| s.start.to_rfc3339()).collect()
    }

    #[test]
    fn lays_out_slots_with_the_buffer_between_them() {
        let a = london_tuesdays();
        let slots = candidate_slots(&a, utc("2026-12-01T00:00:00Z"), utc("2026-12-02T00:00:00Z"));
        // 14:00, 14:40, 15:20 (ends 15:50); 16:00 would end after the window.
        assert_eq!(
            starts(&slots),
            [
                "2026-12-01T14:00:00+00:00",
                "2026-12-01T14:40:00+00:00",
                "2026-12-01T15:20:00+00:00"
            ]
        );
        assert!(
            slots
                .iter()
                .all(|s| s.end - s.start == Duration::minutes(30))
        );
    }

    #[test]
    fn local_hours_hold_across_the_autumn_dst_change() {
        // The UK leaves summer time on Sunday 25 October 2026.
        let a = london_tuesdays();
        let slots = candidate_slots(&a, utc("2026-10-19T00:00:00Z"), utc("2026-11-02T00:00:00Z"));
        let firsts: Vec<_> = slots
            .iter()
            .map(|s| s.start)
            .filter(|s| s.with_timezone(&Europe::London).time() == t(14, 0))
            .collect();
        assert_eq!(
            firsts,
            vec![utc("2026-10-20T13:00:00Z"), utc("2026-10-27T14:00:00Z")]
        );
        // A student in New York (who changes a week later, on 1 November) sees 09:00 then 10:00.
        let ny: Vec<_> = firsts
            .iter()
            .map(|s| s.with_timezone(&America::New_York).time())
            .collect();
        assert_eq!(ny, vec![t(9, 0), t(10, 0)]);
    }

    #[test]
    fn a_window_over_the_skipped_spring_hour_offers_only_real_times() {
        // Sunday 29 March 2026: 01:00 jumps to 02:00 in London.
        let a = Availability {
            weekly: vec![WeeklyWindow {
                weekday: Weekday::Sun,
                start: t(0, 0),
                end: t(3, 0),
            }],
            buffer: Duration::zero(),
            slot: Duration::minutes(30),
            ..london_tuesdays()
        };
        let slots = candidate_slots(&a, utc("2026-03-29T00:00:00Z"), utc("2026-03-30T00:00:00Z"));
        assert_eq!(
            starts(&slots),
            [
                "2026-03-29T00:00:00+00:00",
                "2026-03-29T00:30:00+00:00",
                // 01:00 and 01:30 local do not exist; 02:00 BST is 01:00 UTC.
                "2026-03-29T01:00:00+00:00",
                "2026-03-29T01:30:00+00:00",
            ]
        );
    }

    #[test]
    fn the_repeated_autumn_hour_gives_no_overlapping_slots() {
        let a = Availability {
            weekly: vec![WeeklyWindow {
                weekday: Weekday::Sun,
                start: t(0, 0),
                end: t(3, 0),
            }],
            buffer: Duration::zero(),
            ..london_tuesdays()
        };
        let slots = candidate_slots(&a, utc("2026-10-24T00:00:00Z"), utc("2026-10-27T00:00:00Z"));
        for pair in slots.windows(2) {
            assert!(!pair[0].overlaps(&pair[1]), "{pair:?}");
        }
        assert_eq!(slots.len(), 6);
    }

    /// Starts of the free slots on Tuesday 1 December with `busy` booked, seen a week before.
    fn free_on_december_first(a: &Availability, busy: &[Interval]) -> Vec<String> {
        let day = utc("2026-12-01T00:00:00Z");
        starts(&free_slots(
            a,
            busy,
            day,
            day + Duration::days(1),
            utc("2026-11-23T00:00:00Z"),
        ))
    }

    #[test]
    fn bookings_and_their_buffers_remove_slots() {
        let a = london_tuesdays();
        // Someone booked 14:40-15:10; the lecturer is busy until 15:20 with the buffer.
        let busy = [Interval::new(
            utc("2026-12-01T14:40:00Z"),
            utc("2026-12-01T15:20:00Z"),
        )];
        assert_eq!(
            free_on_december_first(&a, &busy),
            ["2026-12-01T14:00:00+00:00", "2026-12-01T15:20:00+00:00"]
        );
        // An appointment at 14:35 also takes 14:00, whose buffer runs to 14:40.
        let busy = [Interval::new(
            utc("2026-12-01T14:35:00Z"),
            utc("2026-12-01T14:38:00Z"),
        )];
        assert_eq!(
            free_on_december_first(&a, &busy),
            ["2026-12-01T14:40:00+00:00", "2026-12-01T15:20:00+00:00"]
        );
    }

    #[test]
    fn notice_and_horizon_bound_the_free_slots() {
        let a = Availability {
            min_notice: Duration::hours(24),
            horizon: Duration::days(14),
            ..london_tuesdays()
        };
        let now = utc("2026-12-01T14:30:00Z");
        let slots = free_slots(&a, &[], now, utc("2027-01-01T00:00:00Z"), now);
        let first = slots.first().unwrap().start;
        let last = slots.last().unwrap().start;
        assert_eq!(first, utc("2026-12-08T14:00:00Z"));
        assert_eq!(
            last,
            utc("2026-12-15T14:00:00Z"),
            "15:20 on the 15th is past 14 days"
        );
    }

    #[test]
    fn exceptions_change_the_free_slots() {
        let mut a = london_tuesdays();
        a.exceptions = vec![
            DateException::Off {
                date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                hours: None,
            },
            DateException::Extra {
                date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                start: t(9, 0),
                end: t(9, 30),
            },
        ];
        let now = utc("2026-11-23T00:00:00Z");
        let slots = free_slots(
            &a,
            &[],
            utc("2026-12-01T00:00:00Z"),
            utc("2026-12-03T00:00:00Z"),
            now,
        );
        assert_eq!(starts(&slots), ["2026-12-02T09:00:00+00:00"]);
    }

    #[test]
    fn check_start_names_each_refusal() {
        let a = Availability {
            min_notice: Duration::hours(2),
            horizon: Duration::days(7),
            ..london_tuesdays()
        };
        let now = utc("2026-12-01T13:00:00Z");
        assert_eq!(
            check_start(&a, utc("2026-12-01T12:00:00Z"), now),
            Err(TimingRefusal::InPast)
        );
        assert_eq!(
            check_start(&a, utc("2026-12-01T14:40:00Z"), now),
            Err(TimingRefusal::TooSoon { minutes: 120 })
        );
        assert_eq!(
            check_start(&a, utc("2026-12-15T14:00:00Z"), now),
            Err(TimingRefusal::BeyondHorizon { days: 7 })
        );
        assert_eq!(
            check_start(&a, utc("2026-12-01T15:30:00Z"), now),
            Err(TimingRefusal::OutsideAvailability)
        );
        let slot = check_start(&a, utc("2026-12-01T15:20:00Z"), now).unwrap();
        assert_eq!(slot.end, utc("2026-12-01T15:50:00Z"));
    }
}
