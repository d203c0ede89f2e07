//! Where "now" comes from for the background jobs (the mailer, reminders, the mood job).
//!
//! A server reads the system clock. A test holds a [`TestClock`] and moves it forward, so a
//! reminder due in an hour or a mood window that closes in a second is handled at once instead
//! of the test sleeping: jobs wait with [`Clock::sleep_until`], which wakes early when the clock
//! is moved.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;

/// The time source of a job: the system clock, or a clock a test moves.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// How far a test moved the clock ahead of the system clock; `None` for the system clock.
    offset: Option<watch::Receiver<Duration>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.offset {
            None => Utc::now(),
            Some(offset) => Utc::now() + *offset.borrow(),
        }
    }

    /// Waits until the clock reads `deadline` or later; returns at once if it already does.
    pub async fn sleep_until(&self, deadline: DateTime<Utc>) {
        let mut moved = self.offset.clone();
        loop {
            // Marked seen before reading the time, so a move from here on wakes the wait.
            if let Some(moved) = moved.as_mut() {
                moved.borrow_and_update();
            }
            let left = match (deadline - self.now()).to_std() {
                Ok(left) if !left.is_zero() => left,
                _ => return,
            };
            let Some(watching) = moved.as_mut() else {
                return tokio::time::sleep(left).await;
            };
            let handle_gone = tokio::select! {
                () = tokio::time::sleep(left) => false,
                changed = watching.changed() => changed.is_err(),
            };
            if handle_gone {
                // The test's handle is gone: the clock can no longer move.
                moved = None;
            }
        }
    }

    /// Waits for `duration` as this clock counts it.
    pub async fn sleep(&self, duration: Duration) {
        self.sleep_until(self.now() + duration).await;
    }
}

/// A clock a test moves forward; hand [`TestClock::clock`] to the server.
#[derive(Debug, Clone)]
pub struct TestClock {
    offset: Arc<watch::Sender<Duration>>,
}

impl Default for TestClock {
    fn default() -> Self {
        Self::new()
    }
}

impl TestClock {
    /// A clock that starts at the system time and runs with it until moved.
    pub fn new() -> Self {
        Self {
            offset: Arc::new(watch::Sender::new(Duration::zero())),
        }
    }

    /// The clock to give the jobs.
    pub fn clock(&self) -> Clock {
        Clock {
            offset: Some(self.offset.subscribe()),
        }
    }

    /// Moves the clock forward by `by`, waking every job waiting on it.
    pub fn advance(&self, by: Duration) {
        self.offset.send_modify(|offset| *offset += by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_system_clock_is_the_system_time() {
        let before = Utc::now();
        let now = Clock::system().now();
        assert!(now >= before && now <= Utc::now());
    }

    #[tokio::test]
    async fn moving_a_test_clock_moves_every_clock_taken_from_it() {
        let hand = TestClock::new();
        let (a, b) = (hand.clock(), hand.clock());
        hand.advance(Duration::hours(1));
        for clock in [a, b] {
            let ahead = clock.now() - Utc::now();
            assert!(ahead > Duration::minutes(59) && ahead <= Duration::hours(1));
        }
    }

    #[tokio::test]
    async fn a_sleep_ends_as_soon_as_the_clock_passes_its_deadline() {
        let hand = TestClock::new();
        let clock = hand.clock();
        let deadline = clock.now() + Duration::hours(1);
        let sleeper = tokio::spawn(async move { clock.sleep_until(deadline).await });
        tokio::task::yield_now().await;
        hand.advance(Duration::minutes(30));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!sleeper.is_finished(), "half-way is not yet the deadline");
        hand.advance(Duration::minutes(31));
        tokio::time::timeout(std::time::Duration::from_secs(5), sleeper)
            .await
            .expect("woken by the move, not after an hour")
            .expect("sleeper ran");
    }

    #[tokio::test]
    async fn a_past_deadline_does_not_wait() {
        let clock = TestClock::new().clock();
        tokio::time::timeout(
            std::time::Duration::from_secs(1),
            clock.sleep_until(Utc::now() - Duration::seconds(5)),
        )
        .await
        .expect("returns at once");
    }
}
