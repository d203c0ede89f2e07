//! The JSON shape of a consultation's video room as the API returns it.

use chrono::{DateTime, Utc};
use realtime::room::protocol::{IceServer, ParticipantView};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::consultations::PersonView;

/// A consultation's room, as one of its participants sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomView {
    /// The consultation.
    pub consultation_id: Uuid,
    /// Its topic.
    pub topic: String,
    /// The lecturer.
    pub lecturer: PersonView,
    /// The students holding a place.
    pub students: Vec<PersonView>,
    /// The consultation's start.
    pub starts_at: DateTime<Utc>,
    /// The consultation's end.
    pub ends_at: DateTime<Utc>,
    /// When the room opens (or opened).
    pub opens_at: DateTime<Utc>,
    /// When the room closes (or closed).
    pub closes_at: DateTime<Utc>,
    /// Whether it can be entered now.
    pub open: bool,
    /// Whether the viewer is the lecturer (who can open it early and end it).
    pub can_manage: bool,
    /// The conversation shown beside the video.
    pub conversation_id: Option<Uuid>,
    /// Who is in the room now.
    pub present: Vec<PresentView>,
    /// STUN/TURN servers for the browser's peer connections.
    pub ice_servers: Vec<IceServerView>,
}

/// Someone in the room.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresentView {
    /// Their participant id (one per open room page).
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// Display name.
    pub display_name: String,
    /// Whether they are the lecturer.
    pub lecturer: bool,
    /// Muted sources: `camera`, `microphone`, `screen`.
    pub muted: Vec<String>,
}

impl From<ParticipantView> for PresentView {
    fn from(p: ParticipantView) -> Self {
        Self {
            id: p.id,
            user_id: p.user_id,
            display_name: p.display_name,
            lecturer: p.lecturer,
            muted: p.muted.into_iter().map(|s| s.as_str().to_owned()).collect(),
        }
    }
}

/// An ICE server, in the shape of the browser's `RTCIceServer`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IceServerView {
    /// `stun:` or `turn:` URLs.
    pub urls: Vec<String>,
    /// TURN user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl From<&IceServer> for IceServerView {
    fn from(s: &IceServer) -> Self {
        Self {
            urls: s.urls.clone(),
            username: s.username.clone(),
            credential: s.credential.clone(),
        }
    }
}

/// A consultation's recordings.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingList {
    /// Whether one is running now.
    pub recording: bool,
    /// Newest first.
    pub recordings: Vec<RecordingView>,
}

/// One recording of a consultation room.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingView {
    /// Id.
    pub id: Uuid,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it stopped (none while running).
    pub stopped_at: Option<DateTime<Utc>>,
    /// One WebM file per recorded track.
    pub files: Vec<RecordingFileView>,
}

/// One recorded track.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingFileView {
    /// File name.
    pub file_name: String,
    /// Whose track it is.
    pub user_id: Option<Uuid>,
    /// Their name.
    pub display_name: String,
    /// `camera`, `microphone` or `screen`.
    pub source: String,
    /// `video` or `audio`.
    pub kind: String,
    /// Size so far.
    pub bytes: u64,
    /// Where to fetch it (participants only).
    pub url: String,
}
