//! A lecturer's availability: weekly hours in their own time zone, the booking rules around them,
//! and date exceptions. Validated here so the database only ever holds a consistent schedule.

use std::ops::RangeInclusive;

use chrono::{Duration, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

/// Shortest and longest slot a lecturer may offer, in minutes.
pub const SLOT_MINUTES: RangeInclusive<i64> = 5..=240;
/// Least and most free time kept after each consultation, in minutes.
pub const BUFFER_MINUTES: RangeInclusive<i64> = 0..=120;
/// Least and most notice a booking needs, in minutes (up to 30 days).
pub const MIN_NOTICE_MINUTES: RangeInclusive<i64> = 0..=43_200;
/// Nearest and farthest horizon students may book within, in days.
pub const HORIZON_DAYS: RangeInclusive<i64> = 1..=365;
/// Most weekly windows a lecturer may define.
pub const MAX_WEEKLY_WINDOWS: usize = 50;
/// Most date exceptions a lecturer may keep.
pub const MAX_EXCEPTIONS: usize = 200;

/// Hours on one day of every week, in the lecturer's time zone (`start` < `end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyWindow {
    /// Day of the week.
    pub weekday: Weekday,
    /// Local start time.
    pub start: NaiveTime,
    /// Local end time (exclusive: the last slot ends at or before it).
    pub end: NaiveTime,
}

/// A change to the weekly hours on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateException {
    /// Not available: the whole day (`hours: None`) or only between the given local times.
    Off {
        /// The local date.
        date: NaiveDate,
        /// The hours taken off, or the whole day.
        hours: Option<(NaiveTime, NaiveTime)>,
    },
    /// Available on this date between the given local times, besides the weekly hours.
    Extra {
        /// The local date.
        date: NaiveDate,
        /// Local start time.
        start: NaiveTime,
        /// Local end time.
        end: NaiveTime,
    },
}

impl DateException {
    /// The local date it applies to.
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::Off { date, .. } | Self::Extra { date, .. } => *date,
        }
    }
}

/// Everything that decides which slots a lecturer offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Availability {
    /// The lecturer's time zone: weekly hours and exceptions are read in it.
    pub time_zone: Tz,
    /// Length of one consultation.
    pub slot: Duration,
    /// Free time kept after each consultation.
    pub buffer: Duration,
    /// How long before its start a slot can still be booked.
    pub min_notice: Duration,
    /// How far ahead slots can be booked.
    pub horizon: Duration,
    /// Weekly hours.
    pub weekly: Vec<WeeklyWindow>,
    /// Date exceptions.
    pub exceptions: Vec<DateException>,
}

/// Why an availability cannot be saved: the field and a message for the lecturer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct InvalidAvailability {
    /// The offending field, as the API names it.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidAvailability {
    InvalidAvailability {
        field,
        message: message.into(),
    }
}

fn check_minutes(
    field: &'static str,
    value: Duration,
    range: &RangeInclusive<i64>,
) -> Result<(), InvalidAvailability> {
    let minutes = value.num_minutes();
    if value.num_seconds() % 60 != 0 || !range.contains(&minutes) {
        return Err(invalid(
            field,
            format!(
                "must be a whole number of minutes between {} and {}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(())
}

impl Availability {
    /// Checks ranges and that no two windows of a day overlap.
    pub fn validate(&self) -> Result<(), InvalidAvailability> {
        check_minutes("slot_minutes", self.slot, &SLOT_MINUTES)?;
        check_minutes("buffer_minutes", self.buffer, &BUFFER_MINUTES)?;
        check_minutes("min_notice_minutes", self.min_notice, &MIN_NOTICE_MINUTES)?;
        let days = self.horizon.num_days();
        if self.horizon != Duration::days(days) || !HORIZON_DAYS.contains(&days) {
            return Err(invalid(
                "horizon_days",
                format!(
                    "must be between {} and {}",
                    HORIZON_DAYS.start(),
                    HORIZON_DAYS.end()
                ),
            ));
        }
        if self.weekly.len() > MAX_WEEKLY_WINDOWS {
            return Err(invalid(
                "weekly",
                format!("may hold at most {MAX_WEEKLY_WINDOWS} windows"),
            ));
        }
        for window in &self.weekly {
            if window.start >= window.end {
                return Err(invalid(
                    "weekly",
                    format!(
                        "{:?} {}: start must be before end",
                        window.weekday, window.start
                    ),
                ));
            }
        }
        for (i, a) in self.weekly.iter().enumerate() {
            for b in &self.weekly[i + 1..] {
                if a.weekday == b.weekday && a.start < b.end && b.start < a.end {
                    return Err(invalid(
                        "weekly",
                        format!(
                            "{:?}: {}-{} overlaps {}-{}",
                            a.weekday, a.start, a.end, b.start, b.end
                        ),
                    ));
                }
            }
        }
        if self.exceptions.len() > MAX_EXCEPTIONS {
            return Err(invalid(
                "exceptions",
                format!("may hold at most {MAX_EXCEPTIONS} dates"),
            ));
        }
        for exception in &self.exceptions {
            let hours = match exception {
                DateException::Off { hours, .. } => *hours,
                DateException::Extra { start, end, .. } => Some((*start, *end)),
            };
            if let Some((start, end)) = hours
                && start >= end
            {
                return Err(invalid(
                    "exceptions",
                    format!("{}: start must be before end", exception.date()),
                ));
            }
        }
        Ok(())
    }

    /// The local windows open on `date`: the weekly hours of its weekday and the extra hours,
    /// minus the hours taken off. Sorted and non-overlapping.
    pub fn windows_on(&self, date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
        use chrono::Datelike;
        let mut open: Vec<(NaiveTime, NaiveTime)> = self
            .weekly
            .iter()
            .filter(|w| w.weekday == date.weekday())
            .map(|w| (w.start, w.end))
            .collect();
        let on_date = self.exceptions.iter().filter(|e| e.date() == date);
        for exception in on_date.clone() {
            if let DateException::Extra { start, end, .. } = exception {
                open.push((*start, *end));
            }
        }
        open = merge(open);
        for exception in on_date {
            if let DateException::Off { hours, .. } = exception {
                match hours {
                    None => return Vec::new(),
                    Some((start, end)) => open = subtract(&open, *start, *end),
                }
            }
        }
        open
    }
}

/// Sorts windows and joins those that overlap or touch.
fn merge(mut windows: Vec<(NaiveTime, NaiveTime)>) -> Vec<(NaiveTime, NaiveTime)> {
    windows.sort();
    let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(windows.len());
    for (start, end) in windows {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Removes `[start, end)` from sorted windows.
fn subtract(
    windows: &[(NaiveTime, NaiveTime)],
    start: NaiveTime,
    end: NaiveTime,
) -> Vec<(NaiveTime, NaiveTime)> {
    let mut out = Vec::with_capacity(windows.len() + 1);
    for &(a, b) in windows {
        if end <= a || b <= start {
            out.push((a, b));
            continue;
        }
        if a < start {
            out.push((a, start));
        }
        if end < b {
            out.push((end, b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn base() -> Availability {
        Availability {
            time_zone: chrono_tz::Europe::London,
            slot: Duration::minutes(30),
            buffer: Duration::minutes(10),
            min_notice: Duration::hours(2),
            horizon: Duration::days(28),
            weekly: vec![WeeklyWindow {
                weekday: Weekday::Tue,
                start: t(14, 0),
                end: t(16, 0),
            }],
            exceptions: vec![],
        }
    }

    #[test]
    fn accepts_a_plain_schedule() {
        assert_eq!(base().validate(), Ok(()));
    }

    #[test]
    fn refuses_out_of_range_settings_naming_the_field() {
        let mut a = base();
        a.slot = Duration::minutes(3);
        assert_eq!(a.validate().map_err(|e| e.field), Err("slot_minutes"));
        let mut a = base();
        a.horizon = Duration::days(400);
        assert_eq!(a.validate().map_err(|e| e.field), Err("horizon_days"));
        let mut a = base();
        a.buffer = Duration::seconds(90);
        assert_eq!(a.validate().map_err(|e| e.field), Err("buffer_minutes"));
    }

    #[test]
    fn refuses_overlapping_windows_on_one_day_but_not_across_days() {
        let mut a = base();
        a.weekly.push(WeeklyWindow {
            weekday: Weekday::Tue,
            start: t(15, 0),
            end: t(17, 0),
        });
        let err = a.validate().map(|_| ()).unwrap_err();
        assert_eq!(err.field, "weekly");
        assert!(err.message.contains("overlaps"), "{}", err.message);
        let mut a = base();
        a.weekly.push(WeeklyWindow {
            weekday: Weekday::Wed,
            start: t(15, 0),
            end: t(17, 0),
        });
        assert_eq!(a.validate(), Ok(()));
    }

    #[test]
    fn refuses_backwards_windows() {
        let mut a = base();
        a.weekly[0].end = t(13, 0);
        assert_eq!(a.validate().map_err(|e| e.field), Err("weekly"));
        let mut a = base();
        a.exceptions.push(DateException::Extra {
            date: date(2026, 12, 1),
            start: t(10, 0),
            end: t(9, 0),
        });
        assert_eq!(a.validate().map_err(|e| e.field), Err("exceptions"));
    }

    #[test]
    fn exceptions_take_days_off_cut_hours_and_add_hours() {
        let mut a = base();
        let tuesday = date(2026, 12, 1);
        let next_tuesday = date(2026, 12, 8);
        let wednesday = date(2026, 12, 2);
        a.exceptions = vec![
            DateException::Off {
                date: tuesday,
                hours: None,
            },
            DateException::Off {
                date: next_tuesday,
                hours: Some((t(14, 30), t(15, 0))),
            },
            DateException::Extra {
                date: next_tuesday,
                start: t(16, 0),
                end: t(17, 0),
            },
            DateException::Extra {
                date: wednesday,
                start: t(9, 0),
                end: t(10, 0),
            },
        ];
        assert_eq!(a.windows_on(tuesday), vec![]);
        assert_eq!(
            a.windows_on(next_tuesday),
            vec![(t(14, 0), t(14, 30)), (t(15, 0), t(17, 0))]
        );
        assert_eq!(a.windows_on(wednesday), vec![(t(9, 0), t(10, 0))]);
        assert_eq!(a.windows_on(date(2026, 12, 15)), vec![(t(14, 0), t(16, 0))]);
    }
}
