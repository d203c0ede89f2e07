//! Consultation rooms: WebRTC video through a selective forwarding unit (SFU) in this process,
//! signalled over a WebSocket per participant.
//!
//! Each participant has two peer connections with the server, as in LiveKit: a *publisher*
//! connection the client offers (its camera, microphone and screen), and a *subscriber*
//! connection the server offers (everyone else's tracks, renegotiated as they come and go). The
//! server reads each published track's RTP packets once and copies them to every subscriber.
//!
//! - [`protocol`]: the signalling frames (documented in `docs/protocol.md`).
//! - [`peer`]: how the server's peer connections are configured (ports, ICE, codecs); [`nat`]
//!   announces the public address behind 1:1 NAT.
//! - [`sfu`]: rooms, participants, published tracks and their fan-out; `track` holds a
//!   published track, shared by [`sfu`] and [`subscriber`].
//! - [`subscriber`]: one participant's subscriber connection and its renegotiation.
//! - [`session`]: one participant's signalling socket.
//! - [`outbox`]: bounded per-participant frame queues.
//! - [`frames`] (pure) and [`recording`]: writing tracks to WebM files while the lecturer records;
//!   [`switch`]: the lecturer starting and stopping it.

pub mod frames;
pub mod nat;
pub mod outbox;
pub mod peer;
pub mod protocol;
pub mod recording;
pub mod sdp;
pub mod session;
pub mod sfu;
pub mod subscriber;
pub mod switch;
mod track;

pub use peer::RoomConfig;
pub use sfu::{Rooms, Ticket};
