//! Laying out the slots an availability offers, in the lecturer's local time, and keeping the
//! ones no booking (or its buffer) takes.

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::interval::{Interval, Slot};
use crate::availability::Availability;

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

#[cfg(test)]
mod tests {
    use chrono::Weekday;
    use chrono_tz::{America, Europe};

    use super::*;
    use crate::availability::{DateException, WeeklyWindow};
    use crate::slots::fixtures::{london_tuesdays, t, utc};

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
}
