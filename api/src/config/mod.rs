//! Configuration: typed, loaded once at start from defaults, an optional TOML file and the
//! environment (in that order of precedence, last wins), validated, and logged with secrets
//! redacted.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything Chatterly can be configured with. See the README's configuration table.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// PostgreSQL URL; when absent a private cluster is started under `data_dir`.
    pub database_url: Option<String>,
    /// Where Chatterly keeps its own files (the private database cluster, outgoing mail, models).
    pub data_dir: PathBuf,
    /// The URL people reach Chatterly at (used in links and to decide on `Secure` cookies).
    pub public_url: Option<String>,
    /// Log line format.
    pub log_format: LogFormat,
    /// An email that becomes admin at signup (besides the very first account).
    pub admin_email: Option<String>,
    /// Trust the `X-Forwarded-For` header for client addresses (only behind one reverse proxy):
    /// its right-most entry, the one the proxy appended, is the client.
    pub trust_proxy: bool,
    /// Login and signup attempts allowed per client address per minute.
    pub login_rate_per_ip: u32,
    /// Login attempts allowed per account (email) per minute.
    pub login_rate_per_account: u32,
    /// Largest pool of database connections.
    pub db_max_connections: u32,
    /// Milliseconds a user must be without devices before contacts see them offline.
    pub presence_grace_ms: u64,
    /// NATS server(s) that several Chatterly processes share live events over, e.g.
    /// `nats://10.0.0.5:4222`; without one this process runs alone (no bus).
    pub nats_url: Option<String>,
    /// The NATS subject the processes of one deployment share.
    pub nats_subject: String,
    /// Seconds without a heartbeat after which a node counts as dead (its users go offline).
    pub node_ttl_seconds: u64,
    /// Where other nodes and the node list reach this process (`host:port`); default: `bind`.
    pub node_address: Option<String>,
    /// Messages per second a user may send over the WebSocket (burst: twice as many).
    pub messages_per_second: u32,
    /// SMTP server for email, e.g. `smtp://mail.uni.example:25` or
    /// `smtps://user:pass@mail.uni.example`; without one, mail is written to `data_dir/mail`.
    pub smtp_url: Option<String>,
    /// Sender of Chatterly's email.
    pub mail_from: String,
    /// Minutes before a consultation that reminders go out.
    pub reminder_offsets_minutes: Vec<i64>,
    /// Milliseconds between looks at the mail outbox.
    pub mail_poll_ms: u64,
    /// Whether this process sends the outbox (any number of processes may).
    pub mailer_enabled: bool,
    /// Minutes before its start that a consultation room opens.
    pub room_opens_minutes: i64,
    /// Most upcoming consultations a student may hold with one lecturer.
    pub max_bookings_per_lecturer: u32,
    /// Hours a session may go unused before it is signed out.
    pub session_idle_hours: u32,
    /// Address the video rooms' UDP sockets bind to (`0.0.0.0` for every interface).
    pub rtc_udp_ip: IpAddr,
    /// UDP ports for the video rooms, `first-last` (one per peer connection); none: any free port.
    pub rtc_udp_ports: Option<String>,
    /// Public address announced to browsers when the server is behind 1:1 NAT.
    pub rtc_public_ip: Option<IpAddr>,
    /// STUN server URLs handed to browsers, e.g. `stun:stun.uni.example:3478`.
    pub rtc_stun_urls: Vec<String>,
    /// TURN server URLs handed to browsers, e.g. `turn:turn.uni.example:3478?transport=udp`.
    pub rtc_turn_urls: Vec<String>,
    /// TURN user name.
    pub rtc_turn_username: Option<String>,
    /// TURN credential.
    pub rtc_turn_credential: Option<String>,
    /// Most chat WebSocket connections (tabs, devices) one user may hold at once.
    pub ws_connections_per_user: usize,
    /// When set, `/metrics` answers only `Authorization: Bearer <this token>` (a scraper's
    /// secret); unset, it is open (the default, for a server on a private network).
    pub metrics_token: Option<String>,
    /// Length of a mood window in seconds: every window, each user's new messages per
    /// conversation are classified (default 5 minutes).
    pub mood_window_seconds: u64,
    /// Milliseconds after a window ends before it is processed (messages still being stored).
    pub mood_grace_ms: u64,
    /// Whether this process runs the mood job (any number may: each window is processed once).
    pub mood_job_enabled: bool,
    /// Largest labelled-data upload in bytes.
    pub mood_upload_max_bytes: usize,
    /// Most rows in one labelled-data upload.
    pub mood_upload_max_rows: usize,
    /// EmoBank's `emobank.csv` (human arousal ratings, CC BY-SA 4.0), read when an admin trains on
    /// the built-in data; never copied into the project. Default: `../shared/data/emobank/` beside
    /// the workspace this binary was built from.
    pub mood_emobank_csv: PathBuf,
}

/// Where EmoBank is read from unless configured: `<workspace>/../shared/data/emobank/emobank.csv`.
pub const DEFAULT_EMOBANK_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/emobank/emobank.csv"
);

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("data"),
            public_url: None,
            log_format: LogFormat::Pretty,
            admin_email: None,
            trust_proxy: false,
            login_rate_per_ip: 30,
            login_rate_per_account: 5,
            db_max_connections: 16,
            presence_grace_ms: 5000,
            nats_url: None,
            nats_subject: "chatterly.events".to_owned(),
            node_ttl_seconds: 30,
            node_address: None,
            messages_per_second: 20,
            smtp_url: None,
            mail_from: "Chatterly <no-reply@chatterly.localhost>".to_owned(),
            reminder_offsets_minutes: vec![24 * 60, 15],
            mail_poll_ms: 2000,
            mailer_enabled: true,
            room_opens_minutes: 10,
            max_bookings_per_lecturer: 3,
            session_idle_hours: 7 * 24,
            rtc_udp_ip: IpAddr::from([127, 0, 0, 1]),
            rtc_udp_ports: None,
            rtc_public_ip: None,
            rtc_stun_urls: Vec::new(),
            rtc_turn_urls: Vec::new(),
            rtc_turn_username: None,
            rtc_turn_credential: None,
            metrics_token: None,
            ws_connections_per_user: 10,
            mood_window_seconds: 300,
            mood_grace_ms: 5000,
            mood_job_enabled: true,
            mood_upload_max_bytes: 10 * 1024 * 1024,
            mood_upload_max_rows: 100_000,
            mood_emobank_csv: PathBuf::from(DEFAULT_EMOBANK_CSV),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value was missing, mistyped or unknown.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    /// A value parsed but makes no sense.
    #[error("invalid configuration: {0}")]
    Rule(String),
}

impl Config {
    /// Loads the configuration: defaults, then the TOML file (`file`, or `chatterly.toml` if it
    /// exists), then `CHATTERLY_*` variables, then `DATABASE_URL`.
    pub fn load(file: Option<PathBuf>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let file = file.or_else(|| {
            let default = PathBuf::from("chatterly.toml");
            default.exists().then_some(default)
        });
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let config: Config = figment
            .merge(Env::prefixed("CHATTERLY_"))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// The configured UDP port range of the video rooms.
    pub fn rtc_ports(&self) -> Result<Option<RangeInclusive<u16>>, ConfigError> {
        let Some(text) = &self.rtc_udp_ports else {
            return Ok(None);
        };
        let bad = || {
            ConfigError::Rule(format!(
                "rtc_udp_ports must be like 50000-50100, not {text:?}"
            ))
        };
        let (first, last) = text.split_once('-').ok_or_else(bad)?;
        let first: u16 = first.trim().parse().map_err(|_| bad())?;
        let last: u16 = last.trim().parse().map_err(|_| bad())?;
        if first == 0 || first > last {
            return Err(bad());
        }
        Ok(Some(first..=last))
    }

    /// The STUN/TURN servers browsers (and the server) use to connect to the video rooms.
    pub fn ice_servers(&self) -> Vec<realtime::room::protocol::IceServer> {
        let mut servers = Vec::new();
        if !self.rtc_stun_urls.is_empty() {
            servers.push(realtime::room::protocol::IceServer {
                urls: self.rtc_stun_urls.clone(),
                username: None,
                credential: None,
            });
        }
        if !self.rtc_turn_urls.is_empty() {
            servers.push(realtime::room::protocol::IceServer {
                urls: self.rtc_turn_urls.clone(),
                username: self.rtc_turn_username.clone(),
                credential: self.rtc_turn_credential.clone(),
            });
        }
        servers
    }

    /// The base URL for links in email: the public URL, or the listening address.
    pub fn link_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
    }

    /// Whether cookies must be marked `Secure` (the public URL is HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

mod rules;
mod summary;

#[cfg(test)]
use summary::redact_url;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
        let config = Config {
            database_url: Some("postgres://a:hunter2@h/d".into()),
            ..Config::default()
        };
        assert!(!config.redacted().contains("hunter2"));
    }

    #[test]
    fn defaults_are_valid_and_listen_on_loopback() {
        let config = Config::default();
        assert!(config.validate().is_ok());
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert!(!config.secure_cookies());
    }

    #[test]
    fn rules_reject_nonsense() {
        let zero = Config {
            login_rate_per_ip: 0,
            ..Config::default()
        };
        assert!(zero.validate().is_err());
        let bad_url = Config {
            public_url: Some("example.org".into()),
            ..Config::default()
        };
        assert!(bad_url.validate().is_err());
        let https = Config {
            public_url: Some("https://chat.uni.ac.uk".into()),
            ..Config::default()
        };
        assert!(https.secure_cookies());
    }

    #[test]
    fn rtc_ports_are_a_range_and_turn_secrets_are_redacted() {
        let ports = |text: &str| Config {
            rtc_udp_ports: Some(text.into()),
            ..Config::default()
        };
        assert_eq!(
            ports("50000-50100").rtc_ports().unwrap(),
            Some(50000..=50100)
        );
        assert_eq!(
            ports(" 6000 - 6000 ").rtc_ports().unwrap(),
            Some(6000..=6000)
        );
        for bad in ["50100-50000", "0-10", "50000", "a-b", "1-70000"] {
            assert!(ports(bad).validate().is_err(), "{bad} accepted");
        }
        assert_eq!(Config::default().rtc_ports().unwrap(), None);
        let turn = Config {
            rtc_turn_urls: vec!["turn:turn.uni.example:3478".into()],
            rtc_turn_username: Some("chatterly".into()),
            rtc_turn_credential: Some("hunter2".into()),
            ..Config::default()
        };
        let servers = turn.ice_servers();
        assert_eq!(servers.len(), 1);
        assert_eq!(servers[0].credential.as_deref(), Some("hunter2"));
        assert!(!turn.redacted().contains("hunter2"));
    }
}
