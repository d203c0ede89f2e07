//! The JSON shapes of users and sessions as the API returns them.

pub mod chat;
pub mod consultations;
pub mod mood;
pub mod rooms;

use chrono::{DateTime, Utc};
use models::profile::initials;
use models::session::SessionInfo;
use models::user::{Role, User};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The signed-in user's own account, or an account as an admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// User id.
    pub id: Uuid,
    /// Login email.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Up to two initials for the avatar.
    pub initials: String,
    /// Avatar colour, `#rrggbb`.
    pub avatar_color: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Role.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<User> for AccountView {
    fn from(u: User) -> Self {
        Self {
            initials: initials(&u.display_name),
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            avatar_color: u.avatar_color,
            time_zone: u.time_zone,
            role: u.role,
            created_at: u.created_at,
        }
    }
}

/// What any signed-in user may see of another user in the directory (no email).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    /// User id.
    pub id: Uuid,
    /// Name shown to others.
    pub display_name: String,
    /// Up to two initials for the avatar.
    pub initials: String,
    /// Avatar colour, `#rrggbb`.
    pub avatar_color: String,
    /// IANA time zone, so contacts can see their local time; null for anyone else.
    pub time_zone: Option<String>,
    /// Role, so students can find lecturers.
    pub role: Role,
}

impl ProfileView {
    /// The profile as a viewer sees it: the time zone only when `contact` (or it is the viewer).
    pub fn seen_by(u: User, contact: bool) -> Self {
        Self {
            initials: initials(&u.display_name),
            id: u.id,
            display_name: u.display_name,
            avatar_color: u.avatar_color,
            time_zone: contact.then_some(u.time_zone),
            role: u.role,
        }
    }
}

/// One logged-in device.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Session id, to revoke it.
    pub id: Uuid,
    /// Device description, e.g. "Firefox on Android".
    pub device: String,
    /// Address the login came from.
    pub ip: Option<String>,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last use (accurate to about a minute).
    pub last_seen_at: DateTime<Utc>,
    /// Whether this is the session making the request.
    pub current: bool,
}

impl SessionView {
    /// Marks the caller's own session.
    pub fn new(s: SessionInfo, current_id: Uuid) -> Self {
        Self {
            current: s.id == current_id,
            id: s.id,
            device: s.device,
            ip: s.ip,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        }
    }
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList<T> {
    /// The users on this page.
    pub users: Vec<T>,
}
