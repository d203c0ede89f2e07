//! Who may join a room, as the HTTP edge checked them, and why a join can still fail.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who is joining a room, as the HTTP edge checked them.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The consultation.
    pub consultation: Uuid,
    /// The user's account.
    pub caller: models::user::User,
    /// The device session the socket was opened with (revoking it ends the socket).
    pub session: Uuid,
    /// Whether they are its lecturer.
    pub lecturer: bool,
    /// The conversation shown beside the video.
    pub conversation: Uuid,
    /// When the room closes by itself.
    pub closes_at: DateTime<Utc>,
}

/// Why a participant could not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// The room holds its maximum.
    #[error("the room is full")]
    Full,
    /// The room ended meanwhile.
    #[error("the room has ended")]
    Ended,
}
