//! A real WebRTC participant for room tests and the SFU benchmark: a webrtc-rs peer that joins a
//! consultation room through the real signalling WebSocket, publishes a generated VP8 stream,
//! answers the server's subscriber offers and reports every RTP packet it receives.
//!
//! Generated packets carry a marker, a sequence number and the send time, so a receiver can
//! check it got the publisher's own packets and measure how long the server took to forward them.

mod generated;
mod peer;
mod signalling;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio_tungstenite::tungstenite;
use uuid::Uuid;

pub use generated::{parse_payload, payload};
pub use peer::{Publication, RoomPeer};

/// First bytes of every generated payload after the VP8 descriptor.
pub const MARKER: &[u8; 4] = b"CHTR";

/// How long to wait for an expected frame or packet before failing.
pub const WAIT: Duration = Duration::from_secs(15);

/// The clock send times are measured on (one per process: publisher and subscribers share it).
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// A generated packet as a subscriber received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The server's track id (the `msid` track of the subscriber offer).
    pub track_id: String,
    /// The publisher's sequence number of the generated frame.
    pub frame: u32,
    /// Microseconds from sending to receiving.
    pub latency_us: u64,
}

/// Why a room peer could not connect or publish.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The signalling upgrade was refused with this HTTP status.
    #[error("the room refused the connection with HTTP {0}")]
    Refused(u16),
    /// Signalling failed.
    #[error("signalling: {0}")]
    Signalling(#[from] tungstenite::Error),
    /// The WebRTC stack failed.
    #[error("webrtc: {0}")]
    WebRtc(#[from] webrtc::error::Error),
    /// No such frame came in time.
    #[error("no {0} frame within the wait")]
    Timeout(String),
    /// The connection closed.
    #[error("the signalling connection closed")]
    Closed,
}

/// The signalling URL of a consultation's room.
pub fn room_url(addr: SocketAddr, consultation: Uuid) -> String {
    format!("ws://{addr}/api/v1/consultations/{consultation}/room/ws")
}
