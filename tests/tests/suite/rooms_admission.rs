//! Who may enter a consultation room and when: only participants, only while the room is open
//! (the lecturer may open it early and end it), never from a cross-site page; the room ends by
//! itself when the consultation ends, or when it is cancelled.

use models::clock::TestClock;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::rooms::{Cast, appointment, cast, get, join, post};
use tests::rtc::{PeerError, RoomPeer};
use tests::{TestApp, assert_refused, json_of};
use uuid::Uuid;

/// A WebSocket upgrade request as a browser sends it, to read the refusal's JSON body.
fn upgrade(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    get(app, token, path)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
}

fn refused_status(result: Result<RoomPeer, PeerError>) -> u16 {
    match result {
        Err(PeerError::Refused(status)) => status,
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected the room to refuse the connection"),
    }
}

/// The room of consultation `id`.
fn room_of(id: Uuid) -> String {
    format!("/api/v1/consultations/{id}/room")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn only_participants_enter_and_only_while_the_room_is_open(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;

    the_room_is_shut_before_its_time(&app, &c, id).await;
    outsiders_and_strangers_are_refused(&app, &c, id).await;
    let (opened, mut peer) = the_lecturer_opens_it_early(&app, &c, id).await;
    the_rooms_conversation_holds_only_its_participants(&app, &c, &opened, &peer).await;
    ending_it_sends_everyone_away(&app, &c, id, &mut peer).await;
    reopened_it_ends_when_the_only_student_cancels(&app, &c, id).await;
}

/// Two hours ahead: the room is not open yet, and says when it opens.
async fn the_room_is_shut_before_its_time(app: &TestApp, c: &Cast, id: Uuid) {
    let (student, room) = (&c.students[0].1, room_of(id));
    let view: Value = json_of(get(app, student, &room)).await;
    assert_eq!(view["open"], false);
    assert_eq!(view["can_manage"], false);
    let refusal = RoomPeer::join(app.addr, id, student).await;
    assert_eq!(refused_status(refusal), 409);
    let body = assert_refused(
        upgrade(app, student, &format!("{room}/ws")),
        409,
        "room_not_open",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("a string")
            .contains("opens at")
    );
}

/// Outsiders get 403 whatever the time; an unknown consultation is 404.
async fn outsiders_and_strangers_are_refused(app: &TestApp, c: &Cast, id: Uuid) {
    let (student, room) = (&c.students[0].1, room_of(id));
    assert_refused(get(app, &c.outsider.1, &room), 403, "not_a_participant").await;
    assert_eq!(
        refused_status(RoomPeer::join(app.addr, id, &c.outsider.1).await),
        403
    );
    assert_refused(
        get(
            app,
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
}

/// Returns the room as opened and the student who entered it.
async fn the_lecturer_opens_it_early(app: &TestApp, c: &Cast, id: Uuid) -> (Value, RoomPeer) {
    let (student, room) = (&c.students[0].1, room_of(id));
    // Only the lecturer opens it early; then the student may enter.
    assert_refused(
        post(app, student, &format!("{room}/open")),
        403,
        "not_the_lecturer",
    )
    .await;
    assert_refused(
        post(app, &c.outsider.1, &format!("{room}/open")),
        403,
        "not_a_participant",
    )
    .await;
    let opened: Value = json_of(post(app, &c.lecturer.1, &format!("{room}/open"))).await;
    assert_eq!(opened["open"], true);
    assert_eq!(opened["can_manage"], true);
    let peer = join(app, id, student).await;
    assert_eq!(peer.ready["participants"].as_array().map(Vec::len), Some(1));

    // A cross-site page cannot open the room's socket with the student's cookies.
    let cross =
        upgrade(app, student, &format!("{room}/ws")).header("origin", "https://evil.example");
    assert_refused(cross, 403, "forbidden").await;
    (opened, peer)
}

/// The room's conversation holds the lecturer and the student, and nobody else.
async fn the_rooms_conversation_holds_only_its_participants(
    app: &TestApp,
    c: &Cast,
    opened: &Value,
    peer: &RoomPeer,
) {
    let student = &c.students[0].1;
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
}

/// Ending it sends everyone (here `peer`) away and keeps it shut.
async fn ending_it_sends_everyone_away(app: &TestApp, c: &Cast, id: Uuid, peer: &mut RoomPeer) {
    let (student, room) = (&c.students[0].1, room_of(id));
    let closed: Value = json_of(post(app, &c.lecturer.1, &format!("{room}/close"))).await;
    assert_eq!(closed["open"], false);
    let ended = peer.next_of("ended").await.expect("ended");
    assert_eq!(ended["reason"], "ended_by_lecturer");
    assert_refused(
        upgrade(app, student, &format!("{room}/ws")),
        409,
        "room_closed",
    )
    .await;
    assert_refused(
        post(app, &c.lecturer.1, &format!("{room}/close")),
        409,
        "room_closed",
    )
    .await;
}

/// A closed room opened again, then left empty by the cancellation.
async fn reopened_it_ends_when_the_only_student_cancels(app: &TestApp, c: &Cast, id: Uuid) {
    let (student, room) = (&c.students[0].1, room_of(id));
    // The lecturer may open it again before its end.
    let reopened: Value = json_of(post(app, &c.lecturer.1, &format!("{room}/open"))).await;
    assert_eq!(reopened["open"], true);
    // The only student cancelling cancels the consultation: the room ends for them.
    let mut back = join(app, id, student).await;
    let cancel = post(app, student, &format!("/api/v1/consultations/{id}/cancel"))
        .json(&json!({ "reason": "ill" }));
    assert_eq!(cancel.send().await.expect("send the request").status(), 200);
    let ended = back
        .next_of("ended")
        .await
        .expect("ended by the cancellation");
    assert_eq!(ended["reason"], "cancelled");
    assert_refused(get(app, student, &room), 403, "not_a_participant").await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_room_ends_by_itself_when_the_consultation_ends(db: PgPool) {
    let time = TestClock::new();
    let app = TestApp::spawn_on(db.clone(), time.clock(), |_| {}).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    // Move the consultation so it is under way and ends in an hour.
    sqlx::query(
        "UPDATE consultations SET starts_at = now() - interval '10 minutes',
                ends_at = now() + interval '1 hour', blocks_until = now() + interval '1 hour'
          WHERE id = $1",
    )
    .bind(id)
    .execute(&db)
    .await
    .expect("move the consultation");
    let mut student = join(&app, id, &c.students[0].1).await;
    // The hour passes on the server's clock.
    time.advance(chrono::Duration::minutes(61));
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
async fn signing_a_device_out_ends_its_room_socket(db: PgPool) {
    let app = TestApp::spawn(db.clone()).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    under_way(&db, id).await;
    let student = &c.students[0].1;
    let mut peer = join(&app, id, student).await;
    let session = app.current_session(student).await;
    let revoke = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/me/sessions/{session}")))
        .bearer_auth(student)
        .send()
        .await
        .expect("send");
    assert_eq!(revoke.status(), 204);
    let ended = peer.next_of("ended").await.expect("ended by the sign-out");
    assert_eq!(ended["reason"], "signed_out");
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_second_tab_takes_the_seat_of_the_first(db: PgPool) {
    let app = TestApp::spawn(db.clone()).await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    under_way(&db, id).await;
    let (student_id, student) = (c.students[0].0, &c.students[0].1);
    let mut lecturer = join(&app, id, &c.lecturer.1).await;
    let mut first_tab = join(&app, id, student).await;
    lecturer
        .next_of("participant_joined")
        .await
        .expect("joined");
    let second_tab = join(&app, id, student).await;
    let ended = first_tab
        .next_of("ended")
        .await
        .expect("the first tab ends");
    assert_eq!(ended["reason"], "joined_elsewhere");
    let seats = |ready: &Value| {
        ready["participants"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|p| p["user_id"] == student_id.to_string())
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(seats(&second_tab.ready), 1, "{}", second_tab.ready);
    // The lecturer sees the first tab leave and the second one arrive: one seat.
    let arrived = lecturer
        .next_of("participant_joined")
        .await
        .expect("second tab");
    assert_eq!(arrived["participant"]["user_id"], student_id.to_string());
    let left = lecturer
        .next_of("participant_left")
        .await
        .expect("first tab left");
    assert_eq!(left["participant_id"], first_tab.ready["you"]);
    app.stop().await;
}

/// Moves consultation `id` to have started ten minutes ago, so its room is open.
async fn under_way(db: &PgPool, id: Uuid) {
    sqlx::query("UPDATE consultations SET starts_at = now() - interval '10 minutes' WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .expect("start the consultation");
}
