//! Rate limits: on logging in and signing up, per client address and per account, so password
//! guessing is slow and a flood from one address cannot lock out everyone; and on the expensive
//! reads (search, history pages) per user, so one user cannot keep the database busy for all.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::ApiError;

/// The limiters for authentication attempts.
pub struct AuthLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<(String, Option<IpAddr>)>,
    clock: DefaultClock,
}

impl AuthLimits {
    /// Allows `per_ip` attempts per minute per address and `per_account` per account, each with
    /// a burst of the same size.
    pub fn new(per_ip: u32, per_account: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            per_ip: DefaultKeyedRateLimiter::keyed(quota(per_ip)),
            per_account: DefaultKeyedRateLimiter::keyed(quota(per_account)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts an attempt from `ip`; `RateLimited` when over the limit.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.per_ip
            .check_key(&ip)
            .map_err(|not_until| self.rejection(&not_until))
    }

    /// Counts an attempt on the account `email` (normalised) from `ip` (`None`: from a signed-in
    /// session); `RateLimited` when over the limit. The key is the account *and* the address, so
    /// someone guessing a password from their own address slows themselves down, never locks the
    /// owner out from theirs (the per-address limit still bounds each guesser overall).
    pub fn check_account(&self, email: &str, ip: Option<IpAddr>) -> Result<(), ApiError> {
        self.per_account
            .check_key(&(email.to_owned(), ip))
            .map_err(|not_until| self.rejection(&not_until))
    }

    /// Forgets keys whose limits have fully recovered, so memory stays bounded.
    pub fn shrink(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_account.shrink_to_fit();
    }

    fn rejection(
        &self,
        not_until: &governor::NotUntil<governor::clock::QuantaInstant>,
    ) -> ApiError {
        rejection(&self.clock, not_until)
    }
}

/// Per-user limits on the expensive reads.
pub struct ReadLimits {
    search: DefaultKeyedRateLimiter<uuid::Uuid>,
    history: DefaultKeyedRateLimiter<uuid::Uuid>,
    clock: DefaultClock,
}

/// Searches per second per user (burst: [`SEARCH_BURST`]).
pub const SEARCHES_PER_SECOND: u32 = 2;
/// Searches one user may make at once.
pub const SEARCH_BURST: u32 = 10;
/// History pages per second per user (burst: [`HISTORY_BURST`]).
pub const HISTORY_PAGES_PER_SECOND: u32 = 10;
/// History pages one user may fetch at once (scrolling back loads several).
pub const HISTORY_BURST: u32 = 40;

impl Default for ReadLimits {
    fn default() -> Self {
        let quota = |per_second: u32, burst: u32| {
            Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            search: DefaultKeyedRateLimiter::keyed(quota(SEARCHES_PER_SECOND, SEARCH_BURST)),
            history: DefaultKeyedRateLimiter::keyed(quota(HISTORY_PAGES_PER_SECOND, HISTORY_BURST)),
            clock: DefaultClock::default(),
        }
    }
}

impl ReadLimits {
    /// Counts a search by `user`; 429 `rate_limited` when over the limit.
    pub fn check_search(&self, user: uuid::Uuid) -> Result<(), ApiError> {
        self.search
            .check_key(&user)
            .map_err(|not_until| rejection(&self.clock, &not_until))
    }

    /// Counts a history page fetched by `user`; 429 `rate_limited` when over the limit.
    pub fn check_history(&self, user: uuid::Uuid) -> Result<(), ApiError> {
        self.history
            .check_key(&user)
            .map_err(|not_until| rejection(&self.clock, &not_until))
    }

    /// Forgets users whose limits have fully recovered.
    pub fn shrink(&self) {
        self.search.retain_recent();
        self.history.retain_recent();
    }
}

/// The 429 for a refused attempt, saying when to retry.
fn rejection(
    clock: &DefaultClock,
    not_until: &governor::NotUntil<governor::clock::QuantaInstant>,
) -> ApiError {
    let wait = not_until.wait_time_from(clock.now());
    ApiError::RateLimited {
        retry_after_secs: wait.as_secs().max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_after_the_quota_is_refused_per_key() {
        let limits = AuthLimits::new(3, 2);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..3 {
            assert!(limits.check_ip(ip).is_ok());
        }
        assert!(
            matches!(limits.check_ip(ip), Err(ApiError::RateLimited { retry_after_secs }) if retry_after_secs >= 1)
        );
        assert!(
            limits.check_ip([10, 0, 0, 2].into()).is_ok(),
            "other addresses are not affected"
        );

        let (a, b) = (Some(ip), Some([10, 0, 0, 2].into()));
        assert!(limits.check_account("a@uni.ac.uk", a).is_ok());
        assert!(limits.check_account("a@uni.ac.uk", a).is_ok());
        assert!(limits.check_account("a@uni.ac.uk", a).is_err());
        assert!(limits.check_account("b@uni.ac.uk", a).is_ok());
        assert!(
            limits.check_account("a@uni.ac.uk", b).is_ok(),
            "the owner's own address is not locked out"
        );
    }
}
