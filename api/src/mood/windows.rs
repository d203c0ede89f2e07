//! Which mood windows are due: windows are aligned to multiples of the window length since the
//! Unix epoch, so every process agrees on them, and a window is due once its end plus a grace
//! period (for messages still being stored) has passed.

use chrono::{DateTime, Duration, Utc};

/// A half-open window `[start, end)`.
pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// The windows to process next, oldest first and at most `limit`: from the end of the last
/// processed window (or, the first time, the last complete window only) up to the last window
/// whose end is at least `grace` before `now`. After a downtime every missed window is caught
/// up over successive calls, so no message is skipped.
pub fn due_windows(
    last_end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    length: Duration,
    grace: Duration,
    limit: usize,
) -> Vec<Window> {
    let step = length.num_seconds().max(1);
    let ready_until = align_down(now - grace, step);
    let mut start = match last_end {
        Some(end) => end,
        None => ready_until - Duration::seconds(step),
    };
    let mut windows = Vec::new();
    while windows.len() < limit {
        // The first window after a change of length may be shorter: it ends on the next
        // boundary, so later windows are aligned again.
        let end = align_down(start, step) + Duration::seconds(step);
        if end > ready_until {
            break;
        }
        windows.push((start, end));
        start = end;
    }
    windows
}

/// When the next window becomes due.
pub fn next_due(now: DateTime<Utc>, length: Duration, grace: Duration) -> DateTime<Utc> {
    let step = length.num_seconds().max(1);
    align_down(now - grace, step) + Duration::seconds(step) + grace
}

fn align_down(t: DateTime<Utc>, step: i64) -> DateTime<Utc> {
    let secs = t.timestamp().div_euclid(step) * step;
    DateTime::from_timestamp(secs, 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const FIVE: Duration = Duration::minutes(5);
    const GRACE: Duration = Duration::seconds(5);

    #[test]
    fn first_run_takes_only_the_last_complete_window() {
        let w = due_windows(None, at("2026-11-23T10:07:00Z"), FIVE, GRACE, 10);
        assert_eq!(
            w,
            vec![(at("2026-11-23T10:00:00Z"), at("2026-11-23T10:05:00Z"))]
        );
    }

    #[test]
    fn a_window_waits_for_its_grace_period() {
        let last = Some(at("2026-11-23T10:00:00Z"));
        assert!(due_windows(last, at("2026-11-23T10:05:04Z"), FIVE, GRACE, 10).is_empty());
        assert_eq!(
            due_windows(last, at("2026-11-23T10:05:05Z"), FIVE, GRACE, 10),
            vec![(at("2026-11-23T10:00:00Z"), at("2026-11-23T10:05:00Z"))]
        );
    }

    #[test]
    fn missed_windows_are_caught_up_in_order_without_gaps() {
        let last = Some(at("2026-11-23T09:00:00Z"));
        let now = at("2026-11-23T10:01:00Z");
        let first = due_windows(last, now, FIVE, GRACE, 5);
        assert_eq!(first.len(), 5);
        assert_eq!(first[0].0, at("2026-11-23T09:00:00Z"));
        for pair in first.windows(2) {
            assert_eq!(pair[0].1, pair[1].0);
        }
        let rest = due_windows(Some(first[4].1), now, FIVE, GRACE, 100);
        assert_eq!(rest.len(), 7);
        assert_eq!(rest[6].1, at("2026-11-23T10:00:00Z"));
    }

    #[test]
    fn an_unaligned_last_end_is_realigned() {
        let last = Some(at("2026-11-23T10:02:00Z"));
        let w = due_windows(last, at("2026-11-23T10:11:00Z"), FIVE, GRACE, 10);
        assert_eq!(
            w,
            vec![
                (at("2026-11-23T10:02:00Z"), at("2026-11-23T10:05:00Z")),
                (at("2026-11-23T10:05:00Z"), at("2026-11-23T10:10:00Z")),
            ]
        );
    }

    #[test]
    fn next_due_is_the_next_boundary_plus_grace() {
        assert_eq!(
            next_due(at("2026-11-23T10:07:00Z"), FIVE, GRACE),
            at("2026-11-23T10:10:05Z")
        );
        assert_eq!(
            next_due(at("2026-11-23T10:05:03Z"), FIVE, GRACE),
            at("2026-11-23T10:05:05Z")
        );
    }
}
