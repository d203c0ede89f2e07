//! A per-connection budget of inbound frames, shared by the chat and room sockets: every frame
//! of any type draws from it before anything else is looked at, so a client looping on cheap
//! frames (typing, pings, receipts, ICE candidates) cannot keep the server busy for others.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota};

/// The frame budget of one connection.
pub struct FrameBudget {
    limiter: DefaultDirectRateLimiter,
}

impl FrameBudget {
    /// `per_second` frames sustained, `burst` at once (both at least 1).
    pub fn new(per_second: u32, burst: u32) -> Self {
        let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(per_second);
        Self {
            limiter: DefaultDirectRateLimiter::direct(
                Quota::per_second(per_second).allow_burst(burst),
            ),
        }
    }

    /// Takes one frame from the budget; `Err(retry_after_ms)` when it is spent.
    pub fn take(&self) -> Result<(), u64> {
        self.limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_passes_then_frames_are_refused_with_a_wait() {
        let budget = FrameBudget::new(2, 5);
        for _ in 0..5 {
            assert!(budget.take().is_ok());
        }
        let wait = budget.take().expect_err("the burst is spent");
        assert!((1..=500).contains(&wait), "about half a second: {wait} ms");
    }
}
