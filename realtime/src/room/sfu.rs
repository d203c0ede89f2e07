//! The selective forwarding unit: the rooms of this process, who is in each, which tracks are
//! published, and fan-out of every published track to every other participant's subscriber
//! connection. Each participant sends their media once; the server copies the RTP packets.
//!
//! - `rooms`: the registry ([`Rooms`]) that makes, finds and ends the rooms.
//! - `room`: one consultation's [`Room`]: joining, publishing, leaving.
//! - `state`: what a room guards with its lock (participants, tracks, the recording).
//! - `record`: recording control (one WebM file per track while the lecturer records).
//!
//! The published tracks themselves are in `crate::room::track`, shared with the subscriber
//! connections.

mod record;
mod room;
mod rooms;
mod state;
mod ticket;

// The submodules are private; their public items keep their `realtime::room::sfu::` paths (the
// session, the HTTP edge and the application state name them so).
pub use record::RecordError;
pub use room::{Joined, Room};
pub use rooms::Rooms;
pub use ticket::{JoinError, Ticket};
