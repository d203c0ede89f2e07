//! The JSON frames of the WebSocket protocol (see `docs/protocol.md`). Every frame carries a
//! `type`; unknown types and fields are refused with a `malformed_frame` error.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use models::message::Message;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A frame sent by a client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Catch up from these per-conversation positions, then follow live.
    Sync {
        /// Conversation id → last seq the client has.
        cursors: HashMap<Uuid, i64>,
    },
    /// Store and relay a message.
    Send {
        /// Target conversation.
        conversation: Uuid,
        /// Client-chosen idempotency key.
        client_id: String,
        /// Text, 1 to 100,000 characters.
        body: String,
    },
    /// This device received up to `seq`.
    Delivered {
        /// Conversation.
        conversation: Uuid,
        /// Highest seq received.
        seq: i64,
    },
    /// The user read up to `seq`.
    Read {
        /// Conversation.
        conversation: Uuid,
        /// Highest seq read.
        seq: i64,
    },
    /// The user started or stopped typing.
    Typing {
        /// Conversation.
        conversation: Uuid,
        /// Typing now?
        active: bool,
    },
    /// Application-level keepalive.
    Ping {},
}

/// A frame sent by the server.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// The connection is authenticated and ready.
    Ready {
        /// Who is connected.
        user_id: Uuid,
        /// Through which session.
        session_id: Uuid,
        /// Interval of server pings.
        heartbeat_ms: u64,
    },
    /// A `send` was stored.
    Ack {
        /// The client's key.
        client_id: &'a str,
        /// Conversation.
        conversation: Uuid,
        /// Assigned seq.
        seq: i64,
        /// Assigned id.
        id: Uuid,
        /// Storage time.
        created_at: DateTime<Utc>,
    },
    /// A message.
    Message(MessagePayload<'a>),
    /// Catch-up of a conversation finished at `seq`.
    Synced {
        /// Conversation.
        conversation: Uuid,
        /// Its latest seq.
        seq: i64,
    },
    /// Catch-up of a conversation skipped the messages up to `seq`: too many to replay over the
    /// socket; the client pages them over REST if it wants them.
    Truncated {
        /// Conversation.
        conversation: Uuid,
        /// Messages up to this seq were not replayed.
        seq: i64,
    },
    /// The server may have missed live changes (it lost its bus to the other nodes for a
    /// while): every followed conversation was caught up; reload the conversation list and
    /// send `sync` again to pick up conversations and receipts that changed meanwhile.
    Refresh,
    /// A member's positions changed.
    Receipt {
        /// Conversation.
        conversation: Uuid,
        /// Member.
        user: Uuid,
        /// Highest seq delivered to any of their devices.
        delivered_seq: i64,
        /// Highest seq they read.
        read_seq: i64,
    },
    /// A member is typing (or stopped).
    Typing {
        /// Conversation.
        conversation: Uuid,
        /// Member.
        user: Uuid,
        /// Typing now?
        active: bool,
        /// Consider it stopped after this long without a refresh.
        expires_in_ms: u64,
    },
    /// A contact came online or went offline.
    Presence {
        /// Contact.
        user: Uuid,
        /// Online now?
        online: bool,
        /// Last time online (when offline).
        last_seen_at: Option<DateTime<Utc>>,
    },
    /// The user left or was removed from a conversation.
    Removed {
        /// Conversation.
        conversation: Uuid,
    },
    /// The user was added to a conversation, or its name or members changed.
    Conversation {
        /// The conversation as `GET /api/v1/conversations/{id}` shows it to this user.
        conversation: serde_json::Value,
    },
    /// A consultation the user takes part in changed.
    Consultation {
        /// What changed: `booked`, `joined`, `confirmed`, `cancelled`, `rescheduled`, `notes`.
        change: &'a str,
        /// The consultation as `GET /api/v1/consultations/{id}` shows it to this user.
        consultation: serde_json::Value,
    },
    /// A user's mood was measured, or they turned sharing on or off.
    Mood {
        /// Whose mood.
        user: Uuid,
        /// As `GET /api/v1/users/{id}/mood` shows it; `null` when no longer shared.
        mood: Option<serde_json::Value>,
    },
    /// A frame was refused.
    Error {
        /// Machine-readable code.
        code: &'a str,
        /// Human-readable explanation.
        message: &'a str,
        /// The refused message's key, for `send`.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<&'a str>,
        /// The conversation concerned, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation: Option<Uuid>,
        /// For `rate_limited`: when to retry.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// Answer to `ping`.
    Pong,
}

/// A message as sent to clients (also the REST history item).
#[derive(Debug, Clone, Serialize)]
pub struct MessagePayload<'a> {
    /// Conversation.
    pub conversation: Uuid,
    /// Position.
    pub seq: i64,
    /// Id.
    pub id: Uuid,
    /// Sender's user id.
    pub sender: Uuid,
    /// Sender's idempotency key.
    pub client_id: &'a str,
    /// Text.
    pub body: &'a str,
    /// Storage time.
    pub created_at: DateTime<Utc>,
}

impl<'a> From<&'a Message> for MessagePayload<'a> {
    fn from(m: &'a Message) -> Self {
        Self {
            conversation: m.conversation_id,
            seq: m.seq,
            id: m.id,
            sender: m.sender_id,
            client_id: &m.client_id,
            body: &m.body,
            created_at: m.created_at,
        }
    }
}

impl ServerFrame<'_> {
    /// A frame carrying a view the HTTP API also serves (`conversation`, `consultation`, `mood`):
    /// the view as JSON (a view that fails to serialise becomes `null`).
    pub fn view(value: &impl Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
    }

    /// The frame as an event for the hub.
    pub fn event(&self) -> crate::hub::Event {
        crate::hub::Event::Frame(axum::extract::ws::Utf8Bytes::from(self.to_json()))
    }

    /// Serialises the frame to JSON text.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail (no maps with non-string keys).
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"serialisation failed"}"#.to_owned()
        })
    }

    /// An error frame with only a code and message.
    pub fn error(code: &'static str, message: &'static str) -> ServerFrame<'static> {
        ServerFrame::Error {
            code,
            message,
            client_id: None,
            conversation: None,
            retry_after_ms: None,
        }
    }
}

/// Parses a client frame; the error text says what was wrong, for the `malformed_frame` reply.
pub fn parse(text: &str) -> Result<ClientFrame, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_parse_by_type() {
        let c = Uuid::from_u128(7);
        let frame = parse(&format!(
            r#"{{"type":"send","conversation":"{c}","client_id":"k1","body":"hi"}}"#
        ))
        .unwrap();
        assert_eq!(
            frame,
            ClientFrame::Send {
                conversation: c,
                client_id: "k1".into(),
                body: "hi".into()
            }
        );
        let sync = parse(&format!(r#"{{"type":"sync","cursors":{{"{c}":3}}}}"#)).unwrap();
        assert_eq!(
            sync,
            ClientFrame::Sync {
                cursors: HashMap::from([(c, 3)])
            }
        );
        assert_eq!(parse(r#"{"type":"ping"}"#).unwrap(), ClientFrame::Ping {});
    }

    #[test]
    fn malformed_frames_are_refused_with_a_reason() {
        for bad in [
            "not json",
            r#"{"type":"launch_rockets"}"#,
            r#"{"type":"send","conversation":"nope","client_id":"k","body":"x"}"#,
            r#"{"type":"send","client_id":"k","body":"x"}"#,
            r#"{"type":"ping","extra":1}"#,
            r#"{"type":"read","conversation":"00000000-0000-0000-0000-000000000001","seq":"3"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn server_frames_carry_their_type() {
        let json = ServerFrame::Synced {
            conversation: Uuid::nil(),
            seq: 3,
        }
        .to_json();
        assert_eq!(
            json,
            r#"{"type":"synced","conversation":"00000000-0000-0000-0000-000000000000","seq":3}"#
        );
        let err = ServerFrame::error("not_a_member", "nope").to_json();
        assert!(err.contains(r#""type":"error""#) && !err.contains("client_id"));
    }
}
