//! Helpers for the consultation room tests (`tests/tests/suite/rooms_*.rs`): the people of a
//! consultation, an appointment two hours ahead, authenticated requests, and joining the room
//! as a real WebRTC peer.

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rtc::RoomPeer;
use crate::{TestApp, json_of};

/// The people of a room test (ids and bearer tokens): a lecturer, students, and someone who is
/// not part of the consultation.
pub struct Cast {
    /// The lecturer holding the consultation.
    pub lecturer: (Uuid, String),
    /// The students taking part.
    pub students: Vec<(Uuid, String)>,
    /// A student who is not part of it.
    pub outsider: (Uuid, String),
}

/// Signs up an admin, a lecturer (promoted by the admin), `students` students and an outsider.
pub async fn cast(app: &TestApp, students: usize) -> Cast {
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let lecturer = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer.0).await;
    let mut list = Vec::new();
    for i in 0..students {
        list.push(
            app.user_with_token(&format!("s{i}@uni.ac.uk"), &format!("Student {i}"))
                .await,
        );
    }
    let outsider = app.user_with_token("eve@uni.ac.uk", "Eve").await;
    Cast {
        lecturer,
        students: list,
        outsider,
    }
}

/// A confirmed appointment of the lecturer with the students, two hours from now.
pub async fn appointment(app: &TestApp, c: &Cast) -> Uuid {
    let ids: Vec<Uuid> = c.students.iter().map(|s| s.0).collect();
    let body: Value = json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/consultations"))
            .bearer_auth(&c.lecturer.1)
            .json(&json!({
                "starts_at": Utc::now() + chrono::Duration::hours(2),
                "duration_minutes": 30,
                "topic": "Dissertation plan",
                "student_ids": ids,
            })),
    )
    .await;
    body["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id")
}

/// A POST to `path` with a bearer token and no body.
pub fn post(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
}

/// A GET of `path` with a bearer token.
pub fn get(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().get(app.url(path)).bearer_auth(token)
}

/// Joins the room of `consultation` as the holder of `token` (panicking if refused).
pub async fn join(app: &TestApp, consultation: Uuid, token: &str) -> RoomPeer {
    RoomPeer::join(app.addr, consultation, token)
        .await
        .expect("join the room")
}

/// The id of `participant`'s track: from the `ready` frame if it was already published when
/// `peer` joined (on a slow machine the publisher's first packets can beat a late joiner), else
/// from the `track_added` frame naming it.
pub async fn track_of(peer: &mut RoomPeer, participant: Uuid) -> String {
    let published = peer.ready["tracks"].as_array().and_then(|tracks| {
        tracks
            .iter()
            .find(|t| t["participant_id"] == participant.to_string())
            .and_then(|t| t["track_id"].as_str())
            .map(str::to_owned)
    });
    if let Some(track) = published {
        return track;
    }
    loop {
        let frame = peer.next_of("track_added").await.expect("track_added");
        if frame["track"]["participant_id"] == participant.to_string() {
            return frame["track"]["track_id"]
                .as_str()
                .expect("track id")
                .to_owned();
        }
    }
}
