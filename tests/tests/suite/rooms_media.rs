//! Media in consultation rooms with real WebRTC peers (webrtc-rs) on loopback: the publisher's
//! RTP reaches every subscriber through the server, students publish too, screen shares come
//! and go, tracks are removed when their publisher leaves; bad signalling frames are answered
//! without dropping the connection.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::rooms::{Cast, appointment, cast, get, join, post, track_of};
use tests::rtc::{Publication, RoomPeer};
use tests::{TestApp, json_of};
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_publishers_rtp_reaches_every_subscriber_and_stops_when_it_leaves(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = cast(&app, 2).await;
    let id = appointment(&app, &c).await;
    let room = format!("/api/v1/consultations/{id}/room");
    json_of::<Value>(post(&app, &c.lecturer.1, &format!("{room}/open"))).await;

    let mut lecturer = join(&app, id, &c.lecturer.1).await;
    let camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    lecturer.next_of("publish_answer").await.expect("answer");

    let (mut first, mut second, track) =
        both_students_receive_the_camera(&app, &c, id, &mut lecturer).await;

    // Who is present, for the room page.
    let view: Value = json_of(get(&app, &c.students[0].1, &room)).await;
    assert_eq!(view["present"].as_array().map(Vec::len), Some(3));

    a_student_publishes_to_everyone_else(&mut first, &mut lecturer, &mut second).await;
    a_screen_share_comes_and_goes(&lecturer, &mut second, &track).await;
    the_lecturer_leaves_and_their_track_stops(lecturer, camera, &mut first, &mut second, &track)
        .await;
    let view: Value = json_of(get(&app, &c.students[0].1, &room)).await;
    assert_eq!(view["present"].as_array().map(Vec::len), Some(2));

    students_who_drop_or_cancel_are_removed(&app, &c, id, first, second).await;
}

/// Two students join, before and after the lecturer's media reached the server, and both get
/// the camera's packets in order; returns them and the camera's track id.
async fn both_students_receive_the_camera(
    app: &TestApp,
    c: &Cast,
    id: Uuid,
    lecturer: &mut RoomPeer,
) -> (RoomPeer, RoomPeer, String) {
    // The first student joins before the lecturer's media reached the server, so learns of the
    // track when it does; the second joins after, and finds it in `ready`.
    let mut first = join(app, id, &c.students[0].1).await;
    let track = track_of(&mut first, lecturer.participant_id).await;
    let mut second = join(app, id, &c.students[1].1).await;
    assert_eq!(second.ready["tracks"][0]["track_id"], track.as_str());
    assert_eq!(
        second.ready["tracks"][0]["participant_id"],
        lecturer.participant_id.to_string(),
        "a late joiner learns of the tracks already published"
    );
    assert_eq!(
        second.ready["participants"].as_array().map(Vec::len),
        Some(3)
    );
    let joined = lecturer
        .next_of("participant_joined")
        .await
        .expect("joined");
    assert_eq!(joined["participant"]["display_name"], "Student 0");

    for student in [&mut first, &mut second] {
        let packets = student
            .receive(&track, 30)
            .await
            .expect("forwarded packets");
        // The publisher's own packets, in order: the server forwards, it does not invent.
        assert!(
            packets.windows(2).all(|w| w[0].frame < w[1].frame),
            "frames arrive in order"
        );
    }
    (first, second, track)
}

/// A student unmutes and publishes: the lecturer and the other student receive it.
async fn a_student_publishes_to_everyone_else(
    first: &mut RoomPeer,
    lecturer: &mut RoomPeer,
    second: &mut RoomPeer,
) {
    // Unmuting an unmuted microphone changes nothing and is not relayed; muting and unmuting
    // it are.
    for muted in [false, true, false] {
        first.send(json!({ "type": "mute", "source": "microphone", "muted": muted }));
    }
    let _voice = first
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("student publishes");
    let mute = lecturer.next_of("mute").await.expect("mute frame");
    assert_eq!(mute["participant_id"], first.participant_id.to_string());
    assert_eq!(mute["muted"], true, "the first relayed mute is the change");
    let unmute = lecturer.next_of("mute").await.expect("unmute frame");
    assert_eq!(unmute["muted"], false);
    let from_student = track_of(lecturer, first.participant_id).await;
    lecturer
        .receive(&from_student, 20)
        .await
        .expect("the lecturer receives the student");
    let at_second = track_of(second, first.participant_id).await;
    second
        .receive(&at_second, 20)
        .await
        .expect("the other student receives the student");
}

/// `camera` is the lecturer's camera track, which keeps arriving at `second` after the share.
async fn a_screen_share_comes_and_goes(lecturer: &RoomPeer, second: &mut RoomPeer, camera: &str) {
    // The lecturer shares a screen (a renegotiation adding a track), then stops (one removing
    // it): the students get it as a screen, then lose only that track.
    let screen = lecturer
        .publish_video("screen", Duration::from_millis(20))
        .await
        .expect("share the screen");
    let screen_frame = loop {
        let frame = second.next_of("track_added").await.expect("screen track");
        if frame["track"]["source"] == "screen" {
            break frame;
        }
    };
    assert_eq!(
        screen_frame["track"]["participant_id"],
        lecturer.participant_id.to_string()
    );
    let screen_track = screen_frame["track"]["track_id"]
        .as_str()
        .expect("screen id")
        .to_owned();
    second
        .receive(&screen_track, 20)
        .await
        .expect("the screen share arrives");
    lecturer.unpublish(screen).await.expect("stop sharing");
    let removed = second
        .next_of("track_removed")
        .await
        .expect("screen removed");
    assert_eq!(removed["track_id"], screen_track.as_str());
    second.drain_packets();
    second
        .receive(camera, 20)
        .await
        .expect("the camera still arrives after the screen share stopped");
}

/// The lecturer stops `camera` and leaves; both students are told, and `track` (the camera's)
/// stops arriving.
async fn the_lecturer_leaves_and_their_track_stops(
    lecturer: RoomPeer,
    camera: Publication,
    first: &mut RoomPeer,
    second: &mut RoomPeer,
    track: &str,
) {
    // The lecturer leaves: their track is removed for both students and nothing more arrives.
    let lecturer_id = lecturer.participant_id;
    drop(camera);
    lecturer.leave().await;
    for student in [&mut *first, &mut *second] {
        let removed = student
            .next_of("track_removed")
            .await
            .expect("track_removed");
        assert_eq!(removed["participant_id"], lecturer_id.to_string());
        let left = student
            .next_of("participant_left")
            .await
            .expect("participant_left");
        assert_eq!(left["participant_id"], lecturer_id.to_string());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.drain_packets();
    let late = tokio::time::timeout(Duration::from_secs(1), first.receive(track, 1)).await;
    assert!(
        !matches!(late, Ok(Ok(_))),
        "packets of a removed track still arrive"
    );
}

/// The last two students in the room of consultation `id`: `second` drops, `first` cancels.
async fn students_who_drop_or_cancel_are_removed(
    app: &TestApp,
    c: &Cast,
    id: Uuid,
    mut first: RoomPeer,
    second: RoomPeer,
) {
    let room = format!("/api/v1/consultations/{id}/room");
    // A student whose connection drops (no `leave`) is removed too.
    let dropped = second.participant_id;
    drop(second);
    let left = first
        .next_of("participant_left")
        .await
        .expect("dropped participant");
    assert_eq!(left["participant_id"], dropped.to_string());
    let view: Value = json_of(get(app, &c.students[0].1, &room)).await;
    assert_eq!(view["present"].as_array().map(Vec::len), Some(1));

    // In a group session a student who cancels their place is sent out of the room.
    let cancel = post(
        app,
        &c.students[0].1,
        &format!("/api/v1/consultations/{id}/cancel"),
    )
    .json(&json!({ "reason": "clash with a lab" }));
    assert_eq!(cancel.send().await.expect("send the request").status(), 200);
    let ended = first.next_of("ended").await.expect("removed from the room");
    assert_eq!(ended["reason"], "removed");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn bad_signalling_frames_get_precise_errors_and_keep_the_connection(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    json_of::<Value>(post(
        &app,
        &c.lecturer.1,
        &format!("/api/v1/consultations/{id}/room/open"),
    ))
    .await;
    let mut student = join(&app, id, &c.students[0].1).await;
    for (frame, code) in [
        (json!({ "type": "teleport" }), "malformed_frame"),
        (
            json!({ "type": "publish", "sdp": "hello" }),
            "malformed_frame",
        ),
        (
            json!({ "type": "publish", "sdp": "v=0\r\nnonsense" }),
            "bad_sdp",
        ),
        (
            json!({ "type": "subscribe_answer", "sdp": "v=0\r\n" }),
            "bad_sdp",
        ),
        (
            json!({ "type": "publish", "sdp": format!("v=0\r\n{}", "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n".repeat(9)) }),
            "bad_sdp",
        ),
        (
            json!({ "type": "candidate", "target": "publisher", "candidate": { "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host" } }),
            "bad_candidate",
        ),
        (json!({ "type": "end" }), "not_the_lecturer"),
        (
            json!({ "type": "mute", "source": "camera", "muted": "yes" }),
            "malformed_frame",
        ),
    ] {
        student.send(frame.clone());
        let error = student.next_of("error").await.expect("error frame");
        assert_eq!(error["code"], code, "{frame} → {error}");
        assert!(!error["message"].as_str().unwrap_or_default().is_empty());
    }
    // One candidate was sent above; 63 more are answered on their merits, the 65th is refused.
    let candidate = json!({ "type": "candidate", "target": "publisher", "candidate": { "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host" } });
    for _ in 0..63 {
        student.send(candidate.clone());
        let error = student.next_of("error").await.expect("error frame");
        assert_eq!(error["code"], "bad_candidate");
    }
    student.send(candidate);
    let error = student.next_of("error").await.expect("error frame");
    assert_eq!(error["code"], "too_many_candidates");
    student.send(json!({ "type": "ping" }));
    student.next_of("pong").await.expect("still connected");
    let view: Value = json_of(get(
        &app,
        &c.students[0].1,
        &format!("/api/v1/consultations/{id}/room"),
    ))
    .await;
    assert_eq!(view["present"].as_array().map(Vec::len), Some(1));
}
