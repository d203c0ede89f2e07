//! The JSON frames of a consultation room's signalling WebSocket (see `docs/protocol.md`). Every
//! frame carries a `type`; unknown types and fields are refused with `malformed_frame`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest SDP a client may send (a browser's offer with three tracks is about 10 KB).
pub const MAX_SDP_BYTES: usize = 64 * 1024;

/// Which of a participant's two peer connections a candidate belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The connection carrying what the participant sends.
    Publisher,
    /// The connection carrying what the participant receives.
    Subscriber,
}

/// What a published track shows, as the publishing client labelled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Camera video.
    Camera,
    /// Microphone audio.
    Microphone,
    /// A shared screen or window.
    Screen,
}

impl Source {
    /// The name used on the wire, in file names and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Microphone => "microphone",
            Self::Screen => "screen",
        }
    }
}

/// An ICE candidate as browsers serialise it (`RTCIceCandidate.toJSON()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceCandidate {
    /// The `candidate:` attribute; empty for end-of-candidates.
    pub candidate: String,
    /// The m-line's mid.
    #[serde(rename = "sdpMid", default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    /// The m-line's index.
    #[serde(
        rename = "sdpMLineIndex",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sdp_mline_index: Option<u16>,
    /// The ICE username fragment.
    #[serde(
        rename = "usernameFragment",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub username_fragment: Option<String>,
}

/// A frame sent by a participant's client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// An SDP offer for the publisher connection (first, or renegotiating to add or drop a
    /// track), with each sent track's id and what it shows.
    Publish {
        /// The offer's SDP text.
        sdp: String,
        /// Track id (the `msid` track id in the SDP) → what it shows.
        #[serde(default)]
        tracks: HashMap<String, Source>,
    },
    /// The answer to the server's `subscribe_offer`.
    SubscribeAnswer {
        /// The answer's SDP text.
        sdp: String,
    },
    /// A trickled ICE candidate of one of the client's connections.
    Candidate {
        /// Which connection.
        target: Target,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// The participant muted or unmuted a source (the client stops sending it meanwhile).
    Mute {
        /// Which source.
        source: Source,
        /// Muted now?
        muted: bool,
    },
    /// The lecturer ends the room for everyone.
    End {},
    /// The participant leaves.
    Leave {},
    /// Application-level keepalive.
    Ping {},
}

/// Someone in the room, as every participant sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipantView {
    /// This connection's id (a user with two tabs open is two participants).
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Whether they are the consultation's lecturer.
    pub lecturer: bool,
    /// Sources they have muted.
    pub muted: Vec<Source>,
}

/// A track being forwarded, as its subscribers learn of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackView {
    /// The id of the track in the subscriber connection's SDP (`msid`).
    pub track_id: String,
    /// The stream id in that SDP: one per publishing participant.
    pub stream_id: String,
    /// Who publishes it.
    pub participant_id: Uuid,
    /// What it shows.
    pub source: Source,
    /// `audio` or `video`.
    pub kind: &'static str,
}

/// An ICE server for the browser's `RTCPeerConnection` configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:` or `turn:` URLs.
    pub urls: Vec<String>,
    /// TURN user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Why the room ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The lecturer ended it.
    EndedByLecturer,
    /// Its time is over.
    TimeUp,
    /// The consultation was cancelled.
    Cancelled,
    /// This participant lost their place.
    Removed,
    /// This participant's client stopped reading its frames.
    TooSlow,
    /// The server is shutting down.
    Shutdown,
    /// The same person joined the room again (another tab or device), which took their seat.
    JoinedElsewhere,
    /// The device session this socket was opened with was revoked (signed out, or the
    /// password changed).
    SignedOut,
}

/// A frame sent by the server.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Joined: who you are, who is here, what is being sent, and how to connect.
    Ready {
        /// Your participant id.
        you: Uuid,
        /// The consultation.
        consultation: Uuid,
        /// Everyone present, you included.
        participants: Vec<ParticipantView>,
        /// Tracks already published (you will get a `subscribe_offer` for them).
        tracks: Vec<TrackView>,
        /// For the browser's peer connections.
        ice_servers: Vec<IceServer>,
        /// When the room closes by itself.
        closes_at: DateTime<Utc>,
        /// The consultation's conversation, shown beside the video.
        conversation: Uuid,
        /// Whether the lecturer is recording.
        recording: bool,
        /// Interval of server pings.
        heartbeat_ms: u64,
    },
    /// The lecturer started or stopped recording.
    Recording {
        /// Recording now?
        active: bool,
    },
    /// Someone joined.
    ParticipantJoined {
        /// Who.
        participant: ParticipantView,
    },
    /// Someone left or dropped; their tracks are gone.
    ParticipantLeft {
        /// Their participant id.
        participant_id: Uuid,
        /// Their user id.
        user_id: Uuid,
    },
    /// The server's answer to your `publish` offer.
    PublishAnswer {
        /// SDP text.
        sdp: String,
    },
    /// An offer for your subscriber connection: answer with `subscribe_answer`.
    SubscribeOffer {
        /// SDP text.
        sdp: String,
    },
    /// A server ICE candidate for one of your connections.
    Candidate {
        /// Which connection.
        target: Target,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// A track is now forwarded to you (it arrives with the next `subscribe_offer`).
    TrackAdded {
        /// The track.
        track: TrackView,
    },
    /// A track is no longer forwarded.
    TrackRemoved {
        /// Its id.
        track_id: String,
        /// Who published it.
        participant_id: Uuid,
    },
    /// Someone muted or unmuted.
    Mute {
        /// Who.
        participant_id: Uuid,
        /// Which source.
        source: Source,
        /// Muted now?
        muted: bool,
    },
    /// The room ended; the server closes the connection next.
    Ended {
        /// Why.
        reason: EndReason,
    },
    /// A frame was refused (the connection stays open).
    Error {
        /// Machine-readable code.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// Answer to `ping`.
    Pong,
}

impl ServerFrame {
    /// Serialises the frame to JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"serialisation failed"}"#.to_owned()
        })
    }

    /// An error frame.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
        }
    }
}

/// Parses a client frame; the error text says what was wrong.
pub fn parse(text: &str) -> Result<ClientFrame, String> {
    let frame: ClientFrame = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match &frame {
        ClientFrame::Publish { sdp, .. } | ClientFrame::SubscribeAnswer { sdp }
            if sdp.len() > MAX_SDP_BYTES =>
        {
            Err(format!("sdp is longer than {MAX_SDP_BYTES} bytes"))
        }
        ClientFrame::Publish { sdp, .. } | ClientFrame::SubscribeAnswer { sdp }
            if !sdp.starts_with("v=0") =>
        {
            Err("sdp must be a session description starting with v=0".into())
        }
        ClientFrame::Publish { tracks, .. } if tracks.len() > 8 => {
            Err("at most 8 tracks may be published".into())
        }
        _ => Ok(frame),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_parse_by_type() {
        let publish = parse(
            r#"{"type":"publish","sdp":"v=0\r\n","tracks":{"t1":"camera","t2":"microphone"}}"#,
        )
        .unwrap();
        let ClientFrame::Publish { tracks, .. } = publish else {
            panic!("not a publish frame: {publish:?}")
        };
        assert_eq!(tracks.get("t1"), Some(&Source::Camera));
        let candidate = parse(
            r#"{"type":"candidate","target":"subscriber","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}"#,
        )
        .unwrap();
        assert!(matches!(
            candidate,
            ClientFrame::Candidate { target: Target::Subscriber, candidate } if candidate.sdp_mid.as_deref() == Some("0")
        ));
        assert_eq!(parse(r#"{"type":"leave"}"#).unwrap(), ClientFrame::Leave {});
    }

    #[test]
    fn bad_frames_are_refused_with_a_reason() {
        let huge = format!(
            r#"{{"type":"publish","sdp":"v=0{}"}}"#,
            "a".repeat(MAX_SDP_BYTES)
        );
        for bad in [
            "not json",
            r#"{"type":"fly"}"#,
            r#"{"type":"publish"}"#,
            r#"{"type":"publish","sdp":"hello"}"#,
            r#"{"type":"publish","sdp":"v=0","tracks":{"t":"hologram"}}"#,
            r#"{"type":"candidate","target":"sideways","candidate":{"candidate":""}}"#,
            r#"{"type":"mute","source":"camera"}"#,
            r#"{"type":"leave","now":true}"#,
            huge.as_str(),
        ] {
            assert!(parse(bad).is_err(), "{bad:.80} should be refused");
        }
    }

    #[test]
    fn server_frames_carry_their_type() {
        let json = ServerFrame::Mute {
            participant_id: Uuid::nil(),
            source: Source::Microphone,
            muted: true,
        }
        .to_json();
        assert_eq!(
            json,
            r#"{"type":"mute","participant_id":"00000000-0000-0000-0000-000000000000","source":"microphone","muted":true}"#
        );
        let ended = ServerFrame::Ended {
            reason: EndReason::EndedByLecturer,
        }
        .to_json();
        assert_eq!(ended, r#"{"type":"ended","reason":"ended_by_lecturer"}"#);
    }
}
