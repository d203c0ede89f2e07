//! The configuration as one log line, secrets redacted: what `chatterly serve` logs at start
//! and `chatterly config` prints.

use super::Config;

impl Config {
    /// The configuration as one log-friendly line, with the database password redacted.
    pub fn redacted(&self) -> String {
        let db = match &self.database_url {
            Some(url) => redact_url(url),
            None => format!(
                "private cluster in {}",
                self.data_dir.join("postgres").display()
            ),
        };
        format!(
            "bind={} database={} data_dir={} public_url={} log_format={:?} admin_email={} trust_proxy={} \
             login_rate_per_ip={} login_rate_per_account={} db_max_connections={} smtp={} reminders={:?} rtc_udp={}:{} rtc_public_ip={} \
             ice_servers={} turn_credential={} metrics_token={} nats={} node_ttl={}s",
            self.bind,
            db,
            self.data_dir.display(),
            self.public_url.as_deref().unwrap_or("-"),
            self.log_format,
            self.admin_email.as_deref().unwrap_or("-"),
            self.trust_proxy,
            self.login_rate_per_ip,
            self.login_rate_per_account,
            self.db_max_connections,
            self.smtp_url
                .as_deref()
                .map_or_else(|| "files".to_owned(), redact_url),
            self.reminder_offsets_minutes,
            self.rtc_udp_ip,
            self.rtc_udp_ports.as_deref().unwrap_or("any"),
            self.rtc_public_ip
                .map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
            self.rtc_stun_urls.len() + self.rtc_turn_urls.len(),
            secret(self.rtc_turn_credential.as_deref()),
            secret(self.metrics_token.as_deref()),
            self.nats_url
                .as_deref()
                .map_or_else(|| "none (one process)".to_owned(), redact_url),
            self.node_ttl_seconds,
        )
    }
}

/// Replaces the password in `scheme://user:password@host/...` with `***`.
pub(super) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// How a secret appears in the configuration line: `***` when set.
pub(super) fn secret(value: Option<&str>) -> &'static str {
    if value.is_some() { "***" } else { "-" }
}
