//! When reminders fall due: at each configured offset before the start, skipping those that
//! would already be past (the booking email covers a consultation booked at short notice).

use chrono::{DateTime, Duration, Utc};

/// One reminder to queue: the offset it stands for and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminder {
    /// How long before the start, in minutes (part of the reminder's identity).
    pub offset_minutes: i64,
    /// When to send it.
    pub due_at: DateTime<Utc>,
}

/// The reminders for a consultation starting at `starts_at`, booked or moved at `now`.
pub fn plan(starts_at: DateTime<Utc>, offsets: &[Duration], now: DateTime<Utc>) -> Vec<Reminder> {
    let mut reminders: Vec<Reminder> = offsets
        .iter()
        .filter(|offset| **offset > Duration::zero())
        .map(|offset| Reminder {
            offset_minutes: offset.num_minutes(),
            due_at: starts_at - *offset,
        })
        .filter(|r| r.due_at > now)
        .collect();
    reminders.sort_by_key(|r| r.due_at);
    reminders.dedup_by_key(|r| r.offset_minutes);
    reminders
}

/// The delay before retry number `attempt` (1-based) of a failed send: 30 s doubling, at most
/// an hour.
pub fn retry_delay(attempt: u32) -> Duration {
    let seconds = 30_i64.saturating_mul(1_i64 << attempt.saturating_sub(1).min(20));
    Duration::seconds(seconds.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn default_offsets_give_a_day_and_a_quarter_hour_before() {
        let start = at("2026-12-01T14:00:00Z");
        let plan = plan(
            start,
            &[Duration::hours(24), Duration::minutes(15)],
            at("2026-11-23T00:00:00Z"),
        );
        assert_eq!(
            plan,
            vec![
                Reminder {
                    offset_minutes: 1440,
                    due_at: at("2026-11-30T14:00:00Z")
                },
                Reminder {
                    offset_minutes: 15,
                    due_at: at("2026-12-01T13:45:00Z")
                },
            ]
        );
    }

    #[test]
    fn reminders_already_past_are_skipped() {
        let start = at("2026-12-01T14:00:00Z");
        let plan = plan(
            start,
            &[Duration::hours(24), Duration::minutes(15)],
            at("2026-12-01T10:00:00Z"),
        );
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].offset_minutes, 15);
        assert!(
            super::plan(start, &[Duration::minutes(15)], at("2026-12-01T13:50:00Z")).is_empty()
        );
    }

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(retry_delay(1), Duration::seconds(30));
        assert_eq!(retry_delay(2), Duration::seconds(60));
        assert_eq!(retry_delay(5), Duration::seconds(480));
        assert_eq!(retry_delay(40), Duration::hours(1));
    }
}
