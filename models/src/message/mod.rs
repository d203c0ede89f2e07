//! Messages: stored durably with a gap-free per-conversation sequence number before anyone is
//! told about them, idempotent per `(sender, client_id)`, pageable and searchable.
//!
//! `types` holds the shared vocabulary; [`send()`] stores one message and [`send_batch`] many
//! (planned without I/O in `plan`, fully checked in `checked_batch`, conversations locked in one
//! order by `seq_locks`); `history` pages through a
//! conversation and [`search()`] finds messages by their words.

mod batch;
mod checked_batch;
mod history;
mod plan;
mod search;
mod send;
mod seq_locks;
mod types;

pub use batch::send_batch;
pub use history::{history_page, page_before, range};
pub use search::{SearchHit, search};
pub use send::send;
pub use types::{
    MAX_BODY_CHARS, MAX_CLIENT_ID_CHARS, Message, Outgoing, SendError, Sent, validate,
};
