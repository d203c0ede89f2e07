//! Rate limits on logging in and signing up, per client address and per account, so password
//! guessing is slow and a flood from one address cannot lock out everyone.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::ApiError;

/// The limiters for authentication attempts.
pub struct AuthLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
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

    /// Counts an attempt on the account `email` (normalised); `RateLimited` when over the limit.
    pub fn check_account(&self, email: &str) -> Result<(), ApiError> {
        self.per_account
            .check_key(&email.to_owned())
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
        let wait = not_until.wait_time_from(self.clock.now());
        ApiError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }
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

        assert!(limits.check_account("a@uni.ac.uk").is_ok());
        assert!(limits.check_account("a@uni.ac.uk").is_ok());
        assert!(limits.check_account("a@uni.ac.uk").is_err());
        assert!(limits.check_account("b@uni.ac.uk").is_ok());
    }
}
