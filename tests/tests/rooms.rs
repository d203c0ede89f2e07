//! Consultation rooms end to end with real WebRTC peers (webrtc-rs) on loopback: who may enter
//! and when, the publisher's RTP reaching every subscriber through the server, students
//! publishing too, tracks removed when their publisher leaves, the lecturer ending the room,
//! and bad signalling frames answered without dropping the connection.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::rtc::{PeerError, RoomPeer};
use tests::{TestApp, assert_refused, json_of};
use uuid::Uuid;

struct Cast {
    lecturer: (Uuid, String),
    students: Vec<(Uuid, String)>,
    outsider: (Uuid, String),
}

async fn cast(app: &TestApp, students: usize) -> Cast {
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
async fn appointment(app: &TestApp, c: &Cast) -> Uuid {
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

fn post(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
}

fn get(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().get(app.url(path)).bearer_auth(token)
}

/// A WebSocket upgrade request as a browser sends it, to read the refusal's JSON body.
fn upgrade(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    get(app, token, path)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
}

async fn join(app: &TestApp, consultation: Uuid, token: &str) -> RoomPeer {
    RoomPeer::join(app.addr, consultation, token)
        .await
        .expect("join the room")
}

fn refused_status(result: Result<RoomPeer, PeerError>) -> u16 {
    match result {
        Err(PeerError::Refused(status)) => status,
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected the room to refuse the connection"),
    }
}

/// The `track_added` frame naming `participant`'s track.
async fn track_of(peer: &mut RoomPeer, participant: Uuid) -> String {
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

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn only_participants_enter_and_only_while_the_room_is_open(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    let student = &c.students[0].1;
    let room = format!("/api/v1/consultations/{id}/room");

    // Two hours ahead: the room is not open yet, and says when it opens.
    let view: Value = json_of(get(&app, student, &room)).await;
    assert_eq!(view["open"], false);
    assert_eq!(view["can_manage"], false);
    let refusal = RoomPeer::join(app.addr, id, student).await;
    assert_eq!(refused_status(refusal), 409);
    let body = assert_refused(
        upgrade(&app, student, &format!("{room}/ws")),
        409,
        "room_not_open",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("opens at")
    );

    // Outsiders get 403 whatever the time; an unknown consultation is 404.
    assert_refused(get(&app, &c.outsider.1, &room), 403, "not_a_participant").await;
    assert_eq!(
        refused_status(RoomPeer::join(app.addr, id, &c.outsider.1).await),
        403
    );
    assert_refused(
        get(
            &app,
            student,
            &format!("/api/v1/consultations/{}/room", Uuid::now_v7()),
        ),
        404,
        "not_found",
    )
    .await;
    assert_refused(
        reqwest::Client::new().get(app.url(&room)),
        401,
        "unauthenticated",
    )
    .await;

    // Only the lecturer opens it early; then the student may enter.
    assert_refused(
        post(&app, student, &format!("{room}/open")),
        403,
        "not_the_lecturer",
    )
    .await;
    assert_refused(
        post(&app, &c.outsider.1, &format!("{room}/open")),
        403,
        "not_a_participant",
    )
    .await;
    let opened: Value = json_of(post(&app, &c.lecturer.1, &format!("{room}/open"))).await;
    assert_eq!(opened["open"], true);
    assert_eq!(opened["can_manage"], true);
    let mut peer = join(&app, id, student).await;
    assert_eq!(peer.ready["participants"].as_array().map(Vec::len), Some(1));

    // A cross-site page cannot open the room's socket with the student's cookies.
    let cross =
        upgrade(&app, student, &format!("{room}/ws")).header("origin", "https://evil.example");
    assert_refused(cross, 403, "forbidden").await;

    // The room's conversation holds the lecturer and the student, and nobody else.
    let conversation = opened["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    assert_eq!(
        peer.ready["conversation"], conversation,
        "the room socket names the conversation beside the video"
    );
    let (status, members) = app
        .get_json(student, &format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(status, 200, "{members}");
    assert_eq!(members["members"].as_array().map(Vec::len), Some(2));
    let (status, _) = app
        .get_json(
            &c.outsider.1,
            &format!("/api/v1/conversations/{conversation}"),
        )
        .await;
    assert_eq!(status, 404);

    // Ending it sends everyone away and keeps it shut.
    let closed: Value = json_of(post(&app, &c.lecturer.1, &format!("{room}/close"))).await;
    assert_eq!(closed["open"], false);
    let ended = peer.next_of("ended").await.expect("ended");
    assert_eq!(ended["reason"], "ended_by_lecturer");
    assert_refused(
        upgrade(&app, student, &format!("{room}/ws")),
        409,
        "room_closed",
    )
    .await;
    assert_refused(
        post(&app, &c.lecturer.1, &format!("{room}/close")),
        409,
        "room_closed",
    )
    .await;
    // The lecturer may open it again before its end.
    let reopened: Value = json_of(post(&app, &c.lecturer.1, &format!("{room}/open"))).await;
    assert_eq!(reopened["open"], true);
    // The only student cancelling cancels the consultation: the room ends for them.
    let mut back = join(&app, id, student).await;
    let cancel = post(&app, student, &format!("/api/v1/consultations/{id}/cancel"))
        .json(&json!({ "reason": "ill" }));
    assert_eq!(cancel.send().await.unwrap().status(), 200);
    let ended = back
        .next_of("ended")
        .await
        .expect("ended by the cancellation");
    assert_eq!(ended["reason"], "cancelled");
    assert_refused(get(&app, student, &room), 403, "not_a_participant").await;
}

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

    // The first student joins before the lecturer's media reached the server, so learns of the
    // track when it does; the second joins after, and finds it in `ready`.
    let mut first = join(&app, id, &c.students[0].1).await;
    let track = track_of(&mut first, lecturer.participant_id).await;
    let mut second = join(&app, id, &c.students[1].1).await;
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

    // Who is present, for the room page.
    let view: Value = json_of(get(&app, &c.students[0].1, &room)).await;
    assert_eq!(view["present"].as_array().map(Vec::len), Some(3));

    // A student unmutes and publishes: the lecturer and the other student receive it.
    first.send(json!({ "type": "mute", "source": "microphone", "muted": false }));
    let _voice = first
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("student publishes");
    let mute = lecturer.next_of("mute").await.expect("mute frame");
    assert_eq!(mute["participant_id"], first.participant_id.to_string());
    let from_student = track_of(&mut lecturer, first.participant_id).await;
    lecturer
        .receive(&from_student, 20)
        .await
        .expect("the lecturer receives the student");
    let at_second = track_of(&mut second, first.participant_id).await;
    second
        .receive(&at_second, 20)
        .await
        .expect("the other student receives the student");

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
        .receive(&track, 20)
        .await
        .expect("the camera still arrives after the screen share stopped");

    // The lecturer leaves: their track is removed for both students and nothing more arrives.
    let lecturer_id = lecturer.participant_id;
    drop(camera);
    lecturer.leave().await;
    for student in [&mut first, &mut second] {
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
    let late = tokio::time::timeout(Duration::from_secs(1), first.receive(&track, 1)).await;
    assert!(
        !matches!(late, Ok(Ok(_))),
        "packets of a removed track still arrive"
    );
    let view: Value = json_of(get(&app, &c.students[0].1, &room)).await;
    assert_eq!(view["present"].as_array().map(Vec::len), Some(2));

    // A student whose connection drops (no `leave`) is removed too.
    let dropped = second.participant_id;
    drop(second);
    let left = first
        .next_of("participant_left")
        .await
        .expect("dropped participant");
    assert_eq!(left["participant_id"], dropped.to_string());
    let view: Value = json_of(get(&app, &c.students[0].1, &room)).await;
    assert_eq!(view["present"].as_array().map(Vec::len), Some(1));

    // In a group session a student who cancels their place is sent out of the room.
    let cancel = post(
        &app,
        &c.students[0].1,
        &format!("/api/v1/consultations/{id}/cancel"),
    )
    .json(&json!({ "reason": "clash with a lab" }));
    assert_eq!(cancel.send().await.unwrap().status(), 200);
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

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_student_behind_a_turn_relay_receives_the_lecturer(db: PgPool) {
    let turn = tests::turn::TurnServer::start();
    let app = TestApp::spawn_with(db, |config| {
        config.rtc_turn_urls = vec![turn.url()];
        config.rtc_turn_username = Some(tests::turn::USER.into());
        config.rtc_turn_credential = Some(tests::turn::PASSWORD.into());
    })
    .await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    let room = format!("/api/v1/consultations/{id}/room");
    let opened: Value = json_of(post(&app, &c.lecturer.1, &format!("{room}/open"))).await;
    // Browsers are handed the configured TURN server with its credentials.
    assert_eq!(opened["ice_servers"][0]["urls"][0], turn.url().as_str());
    assert_eq!(opened["ice_servers"][0]["username"], tests::turn::USER);

    let lecturer = join(&app, id, &c.lecturer.1).await;
    assert_eq!(
        lecturer.ready["ice_servers"][0]["credential"],
        tests::turn::PASSWORD
    );
    let _camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    // The student may only use relay candidates: every packet it gets crossed coturn.
    let mut student = RoomPeer::join_with(app.addr, id, &c.students[0].1, true)
        .await
        .expect("join through the relay");
    let track = track_of(&mut student, lecturer.participant_id).await;
    student
        .receive(&track, 30)
        .await
        .expect("packets through the TURN relay");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_room_ends_by_itself_when_the_consultation_ends(db: PgPool) {
    let app = TestApp::spawn(db.clone()).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    // Move the consultation so it is under way and ends in three seconds.
    sqlx::query(
        "UPDATE consultations SET starts_at = now() - interval '10 minutes',
                ends_at = now() + interval '3 seconds', blocks_until = now() + interval '3 seconds'
          WHERE id = $1",
    )
    .bind(id)
    .execute(&db)
    .await
    .expect("move the consultation");
    let mut student = join(&app, id, &c.students[0].1).await;
    let ended = student
        .next_of("ended")
        .await
        .expect("ended at the end time");
    assert_eq!(ended["reason"], "time_up");
    assert_eq!(
        refused_status(RoomPeer::join(app.addr, id, &c.students[0].1).await),
        409
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_lecturer_records_and_the_participants_replay_the_recording(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    let student = &c.students[0].1;
    let recording = format!("/api/v1/consultations/{id}/room/recording");
    let recordings = format!("/api/v1/consultations/{id}/recordings");
    json_of::<Value>(post(
        &app,
        &c.lecturer.1,
        &format!("/api/v1/consultations/{id}/room/open"),
    ))
    .await;
    let switch = |token: &str, active: bool| {
        post(&app, token, &recording).json(&json!({ "active": active }))
    };
    assert_refused(switch(&c.lecturer.1, true), 409, "room_empty").await;

    let lecturer = join(&app, id, &c.lecturer.1).await;
    let _camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    let mut peer = join(&app, id, student).await;
    let track = track_of(&mut peer, lecturer.participant_id).await;
    peer.receive(&track, 5).await.expect("media flows");

    assert_refused(switch(student, true), 403, "not_the_lecturer").await;
    let started: Value = json_of(switch(&c.lecturer.1, true)).await;
    assert_eq!(started["recording"], true);
    assert_refused(switch(&c.lecturer.1, true), 409, "already_recording").await;
    // Everyone in the room is told they are being recorded.
    let told = peer.next_of("recording").await.expect("recording frame");
    assert_eq!(told["active"], true);
    peer.receive(&track, 75)
        .await
        .expect("media while recording");
    let stopped: Value = json_of(switch(&c.lecturer.1, false)).await;
    assert_eq!(stopped["recording"], false);
    assert_eq!(
        peer.next_of("recording").await.expect("stopped")["active"],
        false
    );
    assert_refused(switch(&c.lecturer.1, false), 409, "not_recording").await;

    // The student lists it: one finished recording with the lecturer's camera.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let list: Value = json_of(get(&app, student, &recordings)).await;
    let recorded = &list["recordings"][0];
    assert!(recorded["stopped_at"].is_string(), "{list}");
    let file = &recorded["files"][0];
    assert_eq!(file["display_name"], "Dr Ada");
    assert_eq!(file["source"], "camera");
    assert!(file["bytes"].as_u64().unwrap_or(0) > 20_000, "{file}");
    let url = file["url"].as_str().expect("url");

    // It is a WebM file, served with ranges, to participants only.
    let whole = get(&app, student, url).send().await.expect("download");
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
    let part = get(&app, student, url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .expect("range");
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.expect("part").len(), 100);
    assert_refused(get(&app, &c.outsider.1, url), 403, "not_a_participant").await;
    assert_refused(
        get(&app, &c.outsider.1, &recordings),
        403,
        "not_a_participant",
    )
    .await;
    let other = format!(
        "{recordings}/{}/01-dr-ada-camera.webm",
        recorded["id"].as_str().unwrap()
    );
    let bogus = other.replace("01-dr-ada-camera", "..%2F..%2Fsecret");
    assert_refused(get(&app, student, &bogus), 404, "not_found").await;
}

/// The address and port of a `candidate:` attribute.
fn candidate_address(frame: &Value) -> (String, u16) {
    let text = frame["candidate"]["candidate"].as_str().unwrap_or_default();
    let fields: Vec<&str> = text.split_whitespace().collect();
    let address = fields.get(4).copied().unwrap_or_default().to_owned();
    let port = fields.get(5).and_then(|p| p.parse().ok()).unwrap_or(0);
    (address, port)
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_server_announces_its_configured_ports_and_public_address(db: PgPool) {
    let free = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
        .saturating_sub(10)
        .max(20_000);
    let (first, last) = (free, free + 9);
    let app = TestApp::spawn_with(db, move |config| {
        config.rtc_udp_ports = Some(format!("{first}-{last}"));
    })
    .await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    json_of::<Value>(post(
        &app,
        &c.lecturer.1,
        &format!("/api/v1/consultations/{id}/room/open"),
    ))
    .await;
    let mut lecturer = join(&app, id, &c.lecturer.1).await;
    let _camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    let candidate = lecturer
        .next_of("candidate")
        .await
        .expect("a server candidate");
    let (address, port) = candidate_address(&candidate);
    assert_eq!(address, "127.0.0.1");
    assert!(
        (first..=last).contains(&port),
        "port {port} outside {first}-{last}"
    );
    // And media flows through that port.
    let mut student = join(&app, id, &c.students[0].1).await;
    let track = track_of(&mut student, lecturer.participant_id).await;
    student.receive(&track, 10).await.expect("media");

    // Behind 1:1 NAT the server announces the public address instead of its own.
    let nat = TestApp::spawn_with(app.db.clone(), |config| {
        config.rtc_public_ip = Some(std::net::IpAddr::from([203, 0, 113, 10]));
    })
    .await;
    let mut behind = RoomPeer::join(nat.addr, id, &c.lecturer.1)
        .await
        .expect("join through the second server");
    let _again = behind
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    let candidate = behind
        .next_of("candidate")
        .await
        .expect("a server candidate");
    assert_eq!(candidate_address(&candidate).0, "203.0.113.10");
}
