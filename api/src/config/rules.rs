//! The rules a loaded configuration must meet (checked once at start, each refusal worded for
//! the operator).

use super::{Config, ConfigError};

impl Config {
    /// Refuses values that parse but make no sense (zero rates, out-of-range times, …).
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.login_rate_per_ip == 0
            || self.login_rate_per_account == 0
            || self.messages_per_second == 0
        {
            return Err(ConfigError::Rule("rate limits must be at least 1".into()));
        }
        if self.db_max_connections == 0 {
            return Err(ConfigError::Rule(
                "db_max_connections must be at least 1".into(),
            ));
        }
        if self
            .reminder_offsets_minutes
            .iter()
            .any(|m| !(1..=7 * 24 * 60).contains(m))
        {
            return Err(ConfigError::Rule(
                "reminder_offsets_minutes must each be between 1 and 10080".into(),
            ));
        }
        if !(0..=24 * 60).contains(&self.room_opens_minutes) {
            return Err(ConfigError::Rule(
                "room_opens_minutes must be between 0 and 1440".into(),
            ));
        }
        if !(1..=24 * 30).contains(&self.session_idle_hours) {
            return Err(ConfigError::Rule(
                "session_idle_hours must be between 1 and 720 (the session lifetime)".into(),
            ));
        }
        if !(1..=1000).contains(&self.max_bookings_per_lecturer) {
            return Err(ConfigError::Rule(
                "max_bookings_per_lecturer must be between 1 and 1000".into(),
            ));
        }
        self.rtc_ports()?;
        if !(1..=24 * 3600).contains(&self.mood_window_seconds) {
            return Err(ConfigError::Rule(
                "mood_window_seconds must be between 1 and 86400".into(),
            ));
        }
        if self.mood_upload_max_rows == 0 || self.mood_upload_max_bytes == 0 {
            return Err(ConfigError::Rule(
                "mood upload limits must be at least 1".into(),
            ));
        }
        if !(3..=3600).contains(&self.node_ttl_seconds) {
            return Err(ConfigError::Rule(
                "node_ttl_seconds must be between 3 and 3600".into(),
            ));
        }
        if self.nats_subject.is_empty()
            || self
                .nats_subject
                .chars()
                .any(|c| c.is_whitespace() || c == '*' || c == '>')
        {
            return Err(ConfigError::Rule(
                "nats_subject must be a plain NATS subject such as chatterly.events".into(),
            ));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Rule(
                "public_url must start with http:// or https://".into(),
            ));
        }
        Ok(())
    }
}
