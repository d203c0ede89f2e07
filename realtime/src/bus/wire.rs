//! What crosses the bus, and its encoding: pure, so the round trip is unit-tested.
//!
//! One subject carries every [`Envelope`]; each node applies what other nodes publish to its own
//! hub. Frames travel already serialised (the JSON the devices get), so a receiving node only
//! routes them.

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hub::Event;

/// One bus message: who published it and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The publishing node (a node ignores its own envelopes: it applied them already).
    pub origin: Uuid,
    /// What to do.
    pub body: Broadcast,
}

/// What a node asks every other node to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Broadcast {
    /// Queue `event` for every device of these users connected to the receiving node.
    Deliver {
        /// Whose devices.
        users: Vec<Uuid>,
        /// The event.
        event: WireEvent,
    },
    /// A conversation's members or invitations changed: drop the cached roster.
    ForgetMembers {
        /// The conversation.
        conversation: Uuid,
    },
    /// Something may have been missed (a publish was dropped): every node resyncs its devices
    /// from the database.
    Resync,
    /// A consultation room decision taken on one node, for the node that runs the room.
    Room {
        /// The consultation.
        consultation: Uuid,
        /// What to do.
        command: RoomCommand,
    },
}

/// What a node may ask the node running a consultation room to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum RoomCommand {
    /// End the room for everyone in it.
    End {
        /// Why.
        reason: crate::room::protocol::EndReason,
    },
    /// Take one person out of it (they lost their place).
    RemoveUser {
        /// Who.
        user: Uuid,
    },
}

/// [`Event`] in a form that can be sent between processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WireEvent {
    /// [`Event::Message`].
    Message {
        /// Conversation.
        conversation: Uuid,
        /// Its seq.
        seq: i64,
        /// The `message` frame.
        json: String,
    },
    /// [`Event::Frame`].
    Frame {
        /// The frame.
        json: String,
    },
    /// [`Event::Ephemeral`].
    Ephemeral {
        /// The frame.
        json: String,
    },
    /// [`Event::Follow`].
    Follow {
        /// Conversation.
        conversation: Uuid,
        /// Last seq the client is assumed to have.
        from_seq: i64,
        /// The frame announcing it.
        frame: String,
    },
    /// [`Event::Unfollow`].
    Unfollow {
        /// Conversation.
        conversation: Uuid,
        /// The frame announcing it.
        frame: String,
    },
}

impl WireEvent {
    /// The wire form of a hub event; `None` for events that only make sense inside a process.
    pub fn from_event(event: &Event) -> Option<Self> {
        Some(match event {
            Event::Message {
                conversation,
                seq,
                json,
            } => Self::Message {
                conversation: *conversation,
                seq: *seq,
                json: json.as_str().to_owned(),
            },
            Event::Frame(json) => Self::Frame {
                json: json.as_str().to_owned(),
            },
            Event::Ephemeral(json) => Self::Ephemeral {
                json: json.as_str().to_owned(),
            },
            Event::Follow {
                conversation,
                from_seq,
                frame,
            } => Self::Follow {
                conversation: *conversation,
                from_seq: *from_seq,
                frame: frame.as_str().to_owned(),
            },
            Event::Unfollow {
                conversation,
                frame,
            } => Self::Unfollow {
                conversation: *conversation,
                frame: frame.as_str().to_owned(),
            },
            Event::Resync => return None,
        })
    }

    /// The hub event this stands for.
    pub fn into_event(self) -> Event {
        match self {
            Self::Message {
                conversation,
                seq,
                json,
            } => Event::Message {
                conversation,
                seq,
                json: Utf8Bytes::from(json),
            },
            Self::Frame { json } => Event::Frame(Utf8Bytes::from(json)),
            Self::Ephemeral { json } => Event::Ephemeral(Utf8Bytes::from(json)),
            Self::Follow {
                conversation,
                from_seq,
                frame,
            } => Event::Follow {
                conversation,
                from_seq,
                frame: Utf8Bytes::from(frame),
            },
            Self::Unfollow {
                conversation,
                frame,
            } => Event::Unfollow {
                conversation,
                frame: Utf8Bytes::from(frame),
            },
        }
    }
}

/// Why a bus message could not be read.
#[derive(Debug, thiserror::Error)]
#[error("unreadable bus message: {0}")]
pub struct DecodeError(#[from] serde_json::Error);

impl Envelope {
    /// The bytes to publish.
    pub fn encode(&self) -> Vec<u8> {
        // Serialising these types (strings, numbers, UUIDs) cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a published envelope.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Ok(serde_json::from_slice(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(event: Event) -> Event {
        let envelope = Envelope {
            origin: Uuid::from_u128(7),
            body: Broadcast::Deliver {
                users: vec![Uuid::from_u128(1), Uuid::from_u128(2)],
                event: WireEvent::from_event(&event).expect("a wire event"),
            },
        };
        let decoded = Envelope::decode(&envelope.encode()).expect("decodes");
        assert_eq!(decoded, envelope);
        match decoded.body {
            Broadcast::Deliver { event, .. } => event.into_event(),
            other => panic!("not a delivery: {other:?}"),
        }
    }

    #[test]
    fn every_routable_event_survives_the_wire_unchanged() {
        let json = r#"{"type":"message","body":"caf\u00e9 \"quoted\" ✓"}"#;
        let c = Uuid::from_u128(9);
        match round_trip(Event::Message {
            conversation: c,
            seq: 41,
            json: Utf8Bytes::from(json),
        }) {
            Event::Message {
                conversation,
                seq,
                json: back,
            } => assert_eq!((conversation, seq, back.as_str()), (c, 41, json)),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(round_trip(Event::Frame(Utf8Bytes::from("{}"))), Event::Frame(j) if j.as_str() == "{}")
        );
        assert!(
            matches!(round_trip(Event::Ephemeral(Utf8Bytes::from("{\"t\":1}"))), Event::Ephemeral(j) if j.as_str() == "{\"t\":1}")
        );
        assert!(matches!(
            round_trip(Event::Follow { conversation: c, from_seq: 3, frame: Utf8Bytes::from("f") }),
            Event::Follow { conversation, from_seq: 3, frame } if conversation == c && frame.as_str() == "f"
        ));
        assert!(matches!(
            round_trip(Event::Unfollow { conversation: c, frame: Utf8Bytes::from("u") }),
            Event::Unfollow { conversation, frame } if conversation == c && frame.as_str() == "u"
        ));
    }

    #[test]
    fn a_resync_stays_inside_the_process() {
        assert_eq!(WireEvent::from_event(&Event::Resync), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Envelope::decode(b"not json").is_err());
        assert!(Envelope::decode(br#"{"origin":"x","body":{"op":"deliver"}}"#).is_err());
        let forget = Envelope {
            origin: Uuid::nil(),
            body: Broadcast::ForgetMembers {
                conversation: Uuid::from_u128(5),
            },
        };
        assert_eq!(Envelope::decode(&forget.encode()).ok(), Some(forget));
        let end = Envelope {
            origin: Uuid::nil(),
            body: Broadcast::Room {
                consultation: Uuid::from_u128(6),
                command: RoomCommand::End {
                    reason: crate::room::protocol::EndReason::Cancelled,
                },
            },
        };
        assert_eq!(Envelope::decode(&end.encode()).ok(), Some(end));
    }
}
