//! The timing rules of a booking: a requested start must be one of the availability's slots,
//! in the future, past the minimum notice and within the horizon.

use chrono::{DateTime, Duration, Utc};

use super::generate::candidate_slots;
use super::interval::Slot;
use crate::availability::Availability;

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
    use super::*;
    use crate::slots::fixtures::{london_tuesdays, utc};

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
