//! The application state: built once at start and shared by every handler through `State`.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use models::Db;
use models::clock::Clock;

use crate::auth_cache::AuthCache;
use crate::config::Config;
use crate::rate_limit::{AuthLimits, ReadLimits};

/// Everything a handler may need. Cheap to clone: every field is a handle.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: Db,
    /// The loaded configuration.
    pub config: Arc<Config>,
    /// Session and user cache, and the revocation channel.
    pub auth: Arc<AuthCache>,
    /// Login and signup rate limiters.
    pub limits: Arc<AuthLimits>,
    /// Per-user limits on search and history reads.
    pub reads: Arc<ReadLimits>,
    /// Renders the Prometheus metrics page.
    pub metrics: PrometheusHandle,
    /// The live chat gateway.
    pub gateway: Arc<realtime::Gateway>,
    /// The active mood model and background training.
    pub mood: crate::mood::MoodService,
    /// The consultation rooms running in this process (WebRTC forwarding).
    pub rooms: Arc<realtime::room::Rooms>,
    /// What the consultation use cases need of the configuration.
    pub consultations: Arc<scheduler::consultations::Settings>,
    /// What time it is for the jobs (mailer, mood windows), the consultation rules and the room
    /// timers: the system clock, or a test's clock that it moves forward instead of sleeping.
    pub clock: Clock,
    /// HTTP client for requests to other nodes (a room's reads and switches, `room_forward`).
    pub peers: reqwest::Client,
}

impl AppState {
    /// Builds the state around a connected, migrated pool and this node's bus.
    pub fn new(
        db: Db,
        config: Config,
        metrics: PrometheusHandle,
        clock: Clock,
        bus: (
            realtime::bus::Bus,
            Option<tokio::sync::mpsc::Receiver<realtime::bus::Inbound>>,
        ),
    ) -> Self {
        let limits = AuthLimits::new(config.login_rate_per_ip, config.login_rate_per_account);
        let auth = AuthCache::new(config.session_idle_hours);
        let gateway = realtime::Gateway::new(
            db.clone(),
            realtime::GatewayConfig {
                presence_grace: std::time::Duration::from_millis(config.presence_grace_ms),
                messages_per_second: config.messages_per_second,
                max_connections_per_user: config.ws_connections_per_user,
                message_burst: config.messages_per_second.saturating_mul(2),
                // Every message is a frame: the frame budget never undercuts the message rate.
                frames_per_second: config.messages_per_second.saturating_add(10).max(30),
                frame_burst: config
                    .messages_per_second
                    .saturating_add(10)
                    .max(30)
                    .saturating_mul(2),
                node_address: config
                    .node_address
                    .clone()
                    .unwrap_or_else(|| config.bind.to_string()),
                node_ttl: std::time::Duration::from_secs(config.node_ttl_seconds),
                ..realtime::GatewayConfig::default()
            },
            bus,
        );
        let rooms = realtime::room::Rooms::new(
            db.clone(),
            realtime::room::RoomConfig {
                udp_ip: config.rtc_udp_ip,
                // Validated when the configuration was loaded.
                udp_ports: config.rtc_ports().ok().flatten(),
                public_ip: config.rtc_public_ip,
                ice_servers: config.ice_servers(),
                recordings_dir: config.data_dir.join("recordings"),
                opens_before: chrono::Duration::minutes(config.room_opens_minutes),
                clock: clock.clone(),
                ..realtime::room::RoomConfig::default()
            },
        );
        let consultations = scheduler::consultations::Settings {
            reminder_offsets: config
                .reminder_offsets_minutes
                .iter()
                .map(|m| chrono::Duration::minutes(*m))
                .collect(),
            room_opens_before: chrono::Duration::minutes(config.room_opens_minutes),
            clock: clock.clone(),
            max_bookings_per_lecturer: config.max_bookings_per_lecturer,
        };
        Self {
            rooms,
            consultations: Arc::new(consultations),
            clock,
            gateway,
            db,
            config: Arc::new(config),
            auth: Arc::new(auth),
            limits: Arc::new(limits),
            reads: Arc::new(ReadLimits::default()),
            metrics,
            mood: crate::mood::MoodService::default(),
            peers: reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap_or_default(),
        }
    }
}
