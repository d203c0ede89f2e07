//! Recording a consultation room: only the lecturer starts and stops it, everyone present is
//! told, and the participants (only they) replay the WebM files, with ranges.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::rooms::{Cast, appointment, cast, get, join, post, track_of};
use tests::rtc::RoomPeer;
use tests::{TestApp, assert_refused, json_of};
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_lecturer_records_and_the_participants_replay_the_recording(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    let student = &c.students[0].1;
    json_of::<Value>(post(
        &app,
        &c.lecturer.1,
        &format!("/api/v1/consultations/{id}/room/open"),
    ))
    .await;
    assert_refused(switch(&app, id, &c.lecturer.1, true), 409, "room_empty").await;

    let lecturer = join(&app, id, &c.lecturer.1).await;
    let _camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    let mut peer = join(&app, id, student).await;
    let track = track_of(&mut peer, lecturer.participant_id).await;
    peer.receive(&track, 5).await.expect("media flows");

    only_the_lecturer_starts_and_stops_it(&app, &c, id, &mut peer, &track).await;
    participants_replay_the_webm_files(&app, &c, id).await;
}

/// A request by the holder of `token` to start (`active`) or stop recording the room of `id`.
fn switch(app: &TestApp, id: Uuid, token: &str, active: bool) -> reqwest::RequestBuilder {
    let recording = format!("/api/v1/consultations/{id}/room/recording");
    post(app, token, &recording).json(&json!({ "active": active }))
}

/// The student (`peer`, receiving the lecturer's camera `track`) cannot switch recording; the
/// lecturer starts and stops it once, and the room is told each time.
async fn only_the_lecturer_starts_and_stops_it(
    app: &TestApp,
    c: &Cast,
    id: Uuid,
    peer: &mut RoomPeer,
    track: &str,
) {
    let lecturer = &c.lecturer.1;
    assert_refused(
        switch(app, id, &c.students[0].1, true),
        403,
        "not_the_lecturer",
    )
    .await;
    let started: Value = json_of(switch(app, id, lecturer, true)).await;
    assert_eq!(started["recording"], true);
    assert_refused(switch(app, id, lecturer, true), 409, "already_recording").await;
    // Everyone in the room is told they are being recorded.
    let told = peer.next_of("recording").await.expect("recording frame");
    assert_eq!(told["active"], true);
    peer.receive(track, 75)
        .await
        .expect("media while recording");
    let stopped: Value = json_of(switch(app, id, lecturer, false)).await;
    assert_eq!(stopped["recording"], false);
    assert_eq!(
        peer.next_of("recording").await.expect("stopped")["active"],
        false
    );
    assert_refused(switch(app, id, lecturer, false), 409, "not_recording").await;
}

/// The finished recording of consultation `id`, listed and downloaded.
async fn participants_replay_the_webm_files(app: &TestApp, c: &Cast, id: Uuid) {
    let student = &c.students[0].1;
    let recordings = format!("/api/v1/consultations/{id}/recordings");
    // The student lists it: one finished recording with the lecturer's camera.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let list: Value = json_of(get(app, student, &recordings)).await;
    let recorded = &list["recordings"][0];
    assert!(recorded["stopped_at"].is_string(), "{list}");
    let file = &recorded["files"][0];
    assert_eq!(file["display_name"], "Dr Ada");
    assert_eq!(file["source"], "camera");
    assert!(file["bytes"].as_u64().unwrap_or(0) > 20_000, "{file}");
    let url = file["url"].as_str().expect("url");

    // It is a WebM file, served with ranges, to participants only.
    let whole = get(app, student, url).send().await.expect("download");
    assert_eq!(whole.status(), 200);
    assert_eq!(
        whole
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("video/webm")
    );
    let bytes = whole.bytes().await.expect("body");
    assert_eq!(&bytes[..4], &[0x1a, 0x45, 0xdf, 0xa3], "EBML header");
    let part = get(app, student, url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .expect("range");
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.expect("part").len(), 100);
    assert_refused(get(app, &c.outsider.1, url), 403, "not_a_participant").await;
    assert_refused(
        get(app, &c.outsider.1, &recordings),
        403,
        "not_a_participant",
    )
    .await;
    let other = format!(
        "{recordings}/{}/01-dr-ada-camera.webm",
        recorded["id"].as_str().expect("a recording id")
    );
    let bogus = other.replace("01-dr-ada-camera", "..%2F..%2Fsecret");
    assert_refused(get(app, student, &bogus), 404, "not_found").await;
}
