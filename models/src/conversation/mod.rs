//! Conversations: direct (one per pair of users) and group (named, 2 to 100 members, with an
//! owner who manages members), plus each member's delivered/read position.
//!
//! `types` holds the kind, the limits and the pure rules; `create` opens direct conversations
//! and groups, `read` lists conversations and members, `membership` changes a group's members,
//! `positions` stores receipts and `contacts` answers who knows whom.

mod contacts;
mod create;
mod membership;
mod positions;
mod read;
mod types;

pub use contacts::{Contact, contact_ids, contacts, mark_last_seen};
pub(crate) use create::{add_group_members, insert_group};
pub use create::{create_group, open_direct};
pub use membership::{add_member, remove_member};
pub use positions::{Position, store_positions};
pub use read::{Member, Summary, is_member, list_for, member_ids, members, positions_of};
pub use types::{
    Kind, MAX_GROUP_MEMBERS, MAX_NAME_CHARS, direct_key, group_members, normalise_name,
};
