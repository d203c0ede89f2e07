//! Real time: the live chat WebSocket gateway that relays messages, receipts, presence and typing
//! between the devices of every member of a conversation, and the consultation rooms' WebRTC
//! forwarding unit ([`room`]).
//!
//! - [`protocol`]: the JSON frames (documented in `docs/protocol.md`).
//! - [`cursor`]: pure per-connection sequencing: no duplicates, no gaps.
//! - [`reorder`]: pure holding of messages that arrive ahead of a gap, briefly, before the gap
//!   is fetched.
//! - [`positions`]: pure coalescing of delivered/read positions before they are stored.
//! - [`hub`]: who is connected, and fan-out to their devices' bounded queues.
//! - [`gateway`]: the shared services (database, hub, batching, presence).
//! - [`connection`]: one device's session, generic over any `Sink`/`Stream` of WebSocket messages.

pub mod budget;
pub mod bus;
pub mod connection;
pub mod cursor;
pub mod gateway;
pub mod hub;
pub mod membership;
pub mod positions;
pub mod presence;
pub mod protocol;
pub mod reorder;
pub mod room;
pub mod typing_gate;

pub use gateway::{Gateway, GatewayConfig};
