//! Conversations: direct (one per pair of users) and group (named, 2 to 100 members, with an
//! owner who manages members), plus each member's delivered/read position.
//!
//! `types` holds the kind, the limits and the pure rules; `roster` decides who may read and
//! write; `requests` opens direct conversations and answers requests and blocks (consent before
//! contact); `create` makes groups, `read` lists conversations and members, `membership` changes
//! a group's members, `positions` stores receipts and `contacts` answers who knows whom.

mod contacts;
mod create;
mod membership;
mod positions;
mod read;
mod requests;
mod roster;
mod types;

pub use contacts::{Contact, contact_ids, contacts, is_contact, mark_last_seen};
pub use create::create_group;
pub(crate) use create::{add_group_members, insert_group};
pub use membership::{add_member, expel, remove_member, share_history};
pub use positions::{Position, store_positions};
pub use read::{
    ListCursor, Listing, Member, Readable, Summary, can_read, history_floor, list_for, member_ids,
    members, positions_of, roster,
};
pub use requests::{
    Blocked, BlockedUser, Declined, Opened, REQUEST_MESSAGE_CAP, accept, block, blocked_by,
    decline, open_direct, unblock,
};
pub use roster::{MemberStatus, Roster};
pub use types::{
    Kind, MAX_GROUP_MEMBERS, MAX_NAME_CHARS, direct_key, group_members, normalise_name,
};
