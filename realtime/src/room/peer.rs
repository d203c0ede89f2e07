//! How the server's peer connections are made: codecs, interceptors, ICE settings, and which UDP
//! address each one binds, from the operator's [`RoomConfig`].

use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceServer, Registry, SettingEngineBuilder,
    register_default_interceptors,
};

use crate::room::protocol::IceServer;

/// How the media side of rooms is set up; see the README's configuration table.
#[derive(Debug, Clone)]
pub struct RoomConfig {
    /// The address the server's peer connections bind their UDP sockets to.
    pub udp_ip: IpAddr,
    /// Ports to use (one per peer connection); `None` lets the system choose.
    pub udp_ports: Option<RangeInclusive<u16>>,
    /// The address browsers should reach the server at, when it is behind 1:1 NAT.
    pub public_ip: Option<IpAddr>,
    /// STUN/TURN servers handed to browsers (and used by the server to gather).
    pub ice_servers: Vec<IceServer>,
    /// How often a keyframe is asked of every video publisher (besides on each new subscriber).
    pub keyframe_interval: Duration,
    /// Interval of server pings on the signalling socket.
    pub heartbeat: Duration,
    /// A signalling socket silent this long is closed.
    pub idle_timeout: Duration,
    /// Most participants in one room (one lecturer and up to 100 students).
    pub max_participants: usize,
    /// Where recordings are written (`<consultation>/<recording>/<file>.webm` below it).
    pub recordings_dir: std::path::PathBuf,
    /// How long before its start a room opens by itself (for the room rules).
    pub opens_before: chrono::Duration,
    /// What time the room rules and the closing timer take as now (a test moves it).
    pub clock: models::clock::Clock,
}

impl Default for RoomConfig {
    fn default() -> Self {
        Self {
            udp_ip: IpAddr::from([127, 0, 0, 1]),
            udp_ports: None,
            public_ip: None,
            ice_servers: Vec::new(),
            keyframe_interval: Duration::from_secs(3),
            heartbeat: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            max_participants: 101,
            recordings_dir: std::path::PathBuf::from("data/recordings"),
            opens_before: chrono::Duration::minutes(10),
            clock: models::clock::Clock::system(),
        }
    }
}

/// The codecs and interceptors of every server peer connection. Public so that the SDP fuzz
/// target (`fuzz/`) negotiates with exactly what the server offers.
pub fn media_setup() -> Result<(MediaEngine, Registry), webrtc::error::Error> {
    let mut media = MediaEngine::default();
    media.register_default_codecs()?;
    let interceptors = register_default_interceptors(Registry::new(), &mut media)?;
    Ok((media, interceptors))
}

/// Makes peer connections as configured, handing out ports from the range in turn.
pub struct PeerFactory {
    config: RoomConfig,
    next_port: AtomicUsize,
}

/// Why no peer connection could be made.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The WebRTC stack refused (bad SDP, no free port, closed connection...).
    #[error("{0}")]
    WebRtc(#[from] webrtc::error::Error),
}

impl PeerFactory {
    /// A factory for `config`.
    pub fn new(config: RoomConfig) -> Self {
        Self {
            config,
            next_port: AtomicUsize::new(0),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RoomConfig {
        &self.config
    }

    /// A new peer connection reporting to `handler`, bound to the next free configured port.
    pub async fn build(
        &self,
        handler: Arc<dyn PeerConnectionEventHandler>,
    ) -> Result<Arc<dyn PeerConnection>, PeerError> {
        let ports: Vec<u16> = match &self.config.udp_ports {
            None => vec![0],
            Some(range) => {
                let all: Vec<u16> = range.clone().collect();
                let start = self.next_port.fetch_add(1, Ordering::Relaxed) % all.len().max(1);
                all[start..].iter().chain(&all[..start]).copied().collect()
            }
        };
        let mut last_error = webrtc::error::Error::Other("no UDP port configured".into());
        for port in ports {
            match self.build_on(handler.clone(), port).await {
                Ok(pc) => return Ok(pc),
                Err(e) => last_error = e,
            }
        }
        metrics::counter!("room_peer_build_failures_total").increment(1);
        Err(PeerError::WebRtc(last_error))
    }

    async fn build_on(
        &self,
        handler: Arc<dyn PeerConnectionEventHandler>,
        port: u16,
    ) -> Result<Arc<dyn PeerConnection>, webrtc::error::Error> {
        let (media, interceptors) = media_setup()?;
        // The public address behind 1:1 NAT is announced by `nat`, not here: webrtc-rs 0.21 keeps
        // its `nat_1to1_ips` setting but never applies it.
        let settings = SettingEngineBuilder::new()
            .with_include_loopback_candidate(self.config.udp_ip.is_loopback());
        let ice_servers = self
            .config
            .ice_servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone().unwrap_or_default(),
                credential: s.credential.clone().unwrap_or_default(),
            })
            .collect();
        let pc = PeerConnectionBuilder::new()
            .with_configuration(
                RTCConfigurationBuilder::new()
                    .with_ice_servers(ice_servers)
                    .build(),
            )
            .with_media_engine(media)
            .with_interceptor_registry(interceptors)
            .with_setting_engine(settings.build())
            .with_handler(handler)
            .with_udp_addrs(vec![std::net::SocketAddr::new(self.config.udp_ip, port)])
            .build()
            .await?;
        Ok(Arc::new(pc))
    }
}
