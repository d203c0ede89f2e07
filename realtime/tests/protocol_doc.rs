//! `docs/protocol.md` and `ServerFrame` agree: every variant is serialised and the document's
//! table of server frames must name its `type` and each of its fields.

use chrono::Utc;
use realtime::protocol::{MessagePayload, ServerFrame};
use serde_json::{Value, json};
use uuid::Uuid;

const PROTOCOL: &str = include_str!("../../docs/protocol.md");

/// The position of each variant; the match is exhaustive, so a new frame does not compile until
/// it is listed here (and then [`one_of_each`] must give a sample of it).
fn index(frame: &ServerFrame<'_>) -> usize {
    match frame {
        ServerFrame::Ready { .. } => 0,
        ServerFrame::Ack { .. } => 1,
        ServerFrame::Message(_) => 2,
        ServerFrame::Synced { .. } => 3,
        ServerFrame::Receipt { .. } => 4,
        ServerFrame::Typing { .. } => 5,
        ServerFrame::Presence { .. } => 6,
        ServerFrame::Removed { .. } => 7,
        ServerFrame::Conversation { .. } => 8,
        ServerFrame::Consultation { .. } => 9,
        ServerFrame::Mood { .. } => 10,
        ServerFrame::Error { .. } => 11,
        ServerFrame::Pong => 12,
        ServerFrame::Truncated { .. } => 13,
        ServerFrame::Refresh => 14,
    }
}

const VARIANTS: usize = 15;

/// One frame of each variant, every optional field present.
fn one_of_each() -> Vec<ServerFrame<'static>> {
    let id = Uuid::from_u128(1);
    let now = Utc::now();
    vec![
        ServerFrame::Ready {
            user_id: id,
            session_id: id,
            heartbeat_ms: 20_000,
        },
        ServerFrame::Ack {
            client_id: "k1",
            conversation: id,
            seq: 1,
            id,
            created_at: now,
        },
        ServerFrame::Message(MessagePayload {
            conversation: id,
            seq: 1,
            id,
            sender: id,
            client_id: "k1",
            body: "hi",
            created_at: now,
        }),
        ServerFrame::Synced {
            conversation: id,
            seq: 1,
        },
        ServerFrame::Refresh,
        ServerFrame::Receipt {
            conversation: id,
            user: id,
            delivered_seq: 1,
            read_seq: 1,
        },
        ServerFrame::Typing {
            conversation: id,
            user: id,
            active: true,
            expires_in_ms: 5000,
        },
        ServerFrame::Presence {
            user: id,
            online: false,
            last_seen_at: Some(now),
        },
        ServerFrame::Truncated {
            conversation: id,
            seq: 1,
        },
        ServerFrame::Removed { conversation: id },
        ServerFrame::Conversation {
            conversation: json!({ "id": id }),
        },
        ServerFrame::Consultation {
            change: "booked",
            consultation: json!({ "id": id }),
        },
        ServerFrame::Mood {
            user: id,
            mood: Some(json!({ "emotion": "happy" })),
        },
        ServerFrame::Error {
            code: "rate_limited",
            message: "slow down",
            client_id: Some("k1"),
            conversation: Some(id),
            retry_after_ms: Some(50),
        },
        ServerFrame::Pong,
    ]
}

/// The table rows of the "Server → client frames" section, by type.
fn documented_rows() -> Vec<(String, String)> {
    let section = PROTOCOL
        .split("## Server → client frames")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/protocol.md has a \"Server → client frames\" section");
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let kind = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((kind.to_owned(), cells.get(2)?.to_string()))
        })
        .collect()
}

#[test]
fn every_server_frame_is_a_sample() {
    let mut seen = [false; VARIANTS];
    for frame in one_of_each() {
        seen[index(&frame)] = true;
    }
    assert!(seen.iter().all(|s| *s), "a variant has no sample: {seen:?}");
}

#[test]
fn the_protocol_document_names_every_frame_and_field() {
    let rows = documented_rows();
    for frame in one_of_each() {
        let value: Value = serde_json::from_str(&frame.to_json()).expect("a frame is JSON");
        let object = value.as_object().expect("a frame is an object");
        let kind = object["type"].as_str().expect("type");
        let (_, fields) = rows
            .iter()
            .find(|(k, _)| k == kind)
            .unwrap_or_else(|| panic!("docs/protocol.md has no row for `{kind}`"));
        for field in object.keys().filter(|k| *k != "type") {
            assert!(
                fields.contains(&format!("`{field}`")),
                "docs/protocol.md's `{kind}` row does not name `{field}`"
            );
        }
    }
    let sampled: Vec<String> = one_of_each()
        .iter()
        .map(|f| {
            let v: Value = serde_json::from_str(&f.to_json()).unwrap_or_default();
            v["type"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    for (kind, _) in &rows {
        assert!(
            sampled.contains(kind),
            "docs/protocol.md documents `{kind}`, which ServerFrame does not have"
        );
    }
}
