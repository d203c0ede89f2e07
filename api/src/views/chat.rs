//! The JSON shapes of conversations, messages, contacts and search results.

use chrono::{DateTime, Utc};
use models::conversation::{Contact, Kind, Member, MemberStatus, Summary};
use models::message::{Message, SearchHit};
use models::profile::initials;
use models::user::Role;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A message (the same fields as the WebSocket `message` frame).
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    /// Conversation.
    pub conversation: Uuid,
    /// Position in the conversation.
    pub seq: i64,
    /// Id.
    pub id: Uuid,
    /// Sender's user id.
    pub sender: Uuid,
    /// Sender's idempotency key.
    pub client_id: String,
    /// Text.
    pub body: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            conversation: m.conversation_id,
            seq: m.seq,
            id: m.id,
            sender: m.sender_id,
            client_id: m.client_id,
            body: m.body,
            created_at: m.created_at,
        }
    }
}

/// A member of a conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// User id.
    pub id: Uuid,
    /// Display name.
    pub display_name: String,
    /// Avatar initials.
    pub initials: String,
    /// Avatar colour.
    pub avatar_color: String,
    /// University role.
    pub role: Role,
    /// Connected right now? Always false for someone who is not the viewer's contact.
    pub online: bool,
    /// Last time online; null for someone who is not the viewer's contact.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Highest seq delivered to any of their devices.
    pub delivered_seq: i64,
    /// Highest seq they have read.
    pub read_seq: i64,
    /// Owns the group?
    pub is_owner: bool,
    /// `active`, or `invited` while they have not answered the request or invitation.
    pub status: MemberStatus,
}

impl MemberView {
    /// Builds the view; `presence` is whether they are online (from the gateway), `None` when
    /// the viewer may not see their presence (not a contact).
    pub fn new(m: Member, presence: Option<bool>) -> Self {
        let last_seen_at = presence.and(m.last_seen_at);
        Self {
            initials: initials(&m.display_name),
            id: m.user_id,
            display_name: m.display_name,
            avatar_color: m.avatar_color,
            role: m.role,
            online: presence.unwrap_or(false),
            last_seen_at,
            delivered_seq: m.delivered_seq,
            read_seq: m.read_seq,
            is_owner: m.is_owner,
            status: m.status,
        }
    }
}

/// A conversation as one member sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationView {
    /// Id.
    pub id: Uuid,
    /// Direct or group.
    pub kind: Kind,
    /// Group name (null for direct conversations).
    pub name: Option<String>,
    /// What to show: the group name, or the other person's name.
    pub title: String,
    /// Group owner.
    pub owner_id: Option<Uuid>,
    /// Members with presence and positions.
    pub members: Vec<MemberView>,
    /// Latest seq.
    pub last_seq: i64,
    /// Latest message.
    pub last_message: Option<MessageView>,
    /// Messages from others not yet read.
    pub unread_count: i64,
    /// The viewer's read position.
    pub read_seq: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The viewer's standing: `active`, or `invited` (a request or invitation to accept,
    /// decline or block; a group invitation shows no messages).
    pub status: MemberStatus,
    /// Who asked the viewer, while the viewer is invited.
    pub invited_by: Option<Uuid>,
}

impl ConversationView {
    /// Builds the view for `viewer`.
    pub fn new(summary: Summary, members: Vec<MemberView>, viewer: Uuid) -> Self {
        let title = match (&summary.kind, &summary.name) {
            (Kind::Group, Some(name)) => name.clone(),
            _ => members
                .iter()
                .find(|m| m.id != viewer)
                .map_or_else(|| "Conversation".to_owned(), |m| m.display_name.clone()),
        };
        Self {
            id: summary.id,
            kind: summary.kind,
            name: summary.name,
            title,
            owner_id: summary.owner_id,
            members,
            last_seq: summary.last_seq,
            last_message: summary.last_message.map(MessageView::from),
            unread_count: summary.unread_count,
            read_seq: summary.read_seq,
            created_at: summary.created_at,
            status: summary.status,
            invited_by: summary.invited_by,
        }
    }
}

/// A page of history.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    /// Messages, oldest first.
    pub messages: Vec<MessageView>,
    /// Whether older messages exist.
    pub has_more: bool,
}

/// The conversation list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationList {
    /// Conversations, latest activity first.
    pub conversations: Vec<ConversationView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A contact with presence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    /// User id.
    pub id: Uuid,
    /// Display name.
    pub display_name: String,
    /// Avatar initials.
    pub initials: String,
    /// Avatar colour.
    pub avatar_color: String,
    /// University role.
    pub role: Role,
    /// IANA time zone.
    pub time_zone: String,
    /// Connected right now?
    pub online: bool,
    /// Last time online.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Current mood; null when they do not share it or nothing was measured yet.
    pub mood: Option<crate::views::mood::MoodView>,
}

impl ContactView {
    /// Builds the view; `online` comes from the gateway, `mood` from the mood tables.
    pub fn new(c: Contact, online: bool, mood: Option<crate::views::mood::MoodView>) -> Self {
        Self {
            initials: initials(&c.display_name),
            id: c.user_id,
            display_name: c.display_name,
            avatar_color: c.avatar_color,
            role: c.role,
            time_zone: c.time_zone,
            online,
            last_seen_at: c.last_seen_at,
            mood,
        }
    }
}

/// The contact list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    /// Contacts by name.
    pub contacts: Vec<ContactView>,
}

/// One search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultView {
    /// Conversation.
    pub conversation: Uuid,
    /// Title of the conversation, for the viewer.
    pub conversation_title: String,
    /// Position of the message.
    pub seq: i64,
    /// Message id.
    pub id: Uuid,
    /// Sender.
    pub sender: Uuid,
    /// Sender's name.
    pub sender_name: String,
    /// Full text.
    pub body: String,
    /// Excerpt with matches between `[` and `]`.
    pub snippet: String,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
}

impl From<SearchHit> for SearchResultView {
    fn from(h: SearchHit) -> Self {
        Self {
            conversation: h.message.conversation_id,
            conversation_title: h.conversation_title,
            seq: h.message.seq,
            id: h.message.id,
            sender: h.message.sender_id,
            sender_name: h.sender_name,
            body: h.message.body,
            snippet: h.snippet,
            created_at: h.message.created_at,
        }
    }
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Best matches first.
    pub results: Vec<SearchResultView>,
}
