//! Mood by choice (issue 16, point 2): sharing is off until the user chooses; lecturers and
//! fellow students each see a mood only when its owner chose them; and a reading is visible
//! only from a conversation the viewer shares with its owner as active members (history,
//! contact list, live push, corrections).

use std::time::Duration as StdDuration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::{
    SAD, cast, mood_shown_about, moods_shown_about, own_readings, readings_of, send_all, share,
    spawn, wait_for_readings, windows_cover_every_message,
};
use tests::ws::WsClient;
use tests::{TestApp, assert_refused, post};
use uuid::Uuid;

/// How long a viewer listens for a frame that must not come, after the window was stored.
const QUIET: StdDuration = StdDuration::from_millis(1200);

/// The mood that the holder of `token` sees of `user` in their contact list (null: none).
async fn contact_list_mood(app: &TestApp, token: &str, user: Uuid) -> Value {
    let (status, list) = app.get_json(token, "/api/v1/contacts").await;
    assert_eq!(status, 200, "{list}");
    list["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .find(|c| c["id"] == json!(user))
        .unwrap_or_else(|| panic!("{user} is a contact: {list}"))["mood"]
        .clone()
}

/// The readings of `user`'s history that the holder of `token` sees.
async fn history(app: &TestApp, token: &str, user: Uuid) -> Vec<Value> {
    let path = format!("/api/v1/users/{user}/mood/history?days=7");
    let (status, body) = app.get_json(token, &path).await;
    assert_eq!(status, 200, "{body}");
    body["readings"].as_array().cloned().unwrap_or_default()
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn mood_sharing_is_off_and_nothing_is_measured_until_the_user_chooses(db: PgPool) {
    let app = spawn(db.clone()).await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer_id, lecturer) = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer_id).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let direct = app
        .open_accepted_direct(&lecturer, alice, &alice_token)
        .await;

    // The first-use prompt is pending and nobody is chosen.
    let mine = app.get_json(&alice_token, "/api/v1/me/mood").await.1;
    assert_eq!(mine["chosen"], false, "{mine}");
    assert!(mine["chosen_at"].is_null());
    assert_eq!(
        (&mine["lecturers"], &mine["students"]),
        (&json!(false), &json!(false))
    );

    // Until she chooses, nothing she writes is measured or pushed.
    let mut lecturer_ws = WsClient::connect(app.addr, &lecturer).await.unwrap();
    send_all(&app, &alice_token, direct, &SAD).await;
    windows_cover_every_message(&db).await;
    assert_eq!(
        readings_of(&db, alice).await,
        0,
        "not measured before choosing"
    );
    assert!(
        moods_shown_about(&mut lecturer_ws, alice, QUIET)
            .await
            .is_empty()
    );

    // Answering the prompt records the choice and its time; from then on she is measured.
    let chosen = share(&app, &alice_token, true, false).await;
    assert_eq!(chosen["chosen"], true, "{chosen}");
    assert!(chosen["chosen_at"].is_string());
    assert_eq!(
        (&chosen["lecturers"], &chosen["students"]),
        (&json!(true), &json!(false))
    );
    send_all(&app, &alice_token, direct, &SAD).await;
    let frame = mood_shown_about(&mut lecturer_ws, alice).await;
    assert!(frame["mood"]["emotion"].is_string(), "{frame}");
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_lecturer_sees_a_students_mood_only_when_she_shares_it_with_lecturers(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    share(&app, &c.alice.1, false, true).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    wait_for_readings(&db, c.alice.0, 1).await;

    // Shared with students only: the lecturer sees nothing, anywhere.
    assert!(
        moods_shown_about(&mut lecturer_ws, c.alice.0, QUIET)
            .await
            .is_empty()
    );
    assert!(
        contact_list_mood(&app, &c.lecturer.1, c.alice.0)
            .await
            .is_null()
    );
    let path = format!("/api/v1/users/{}/mood", c.alice.0);
    assert!(app.get_json(&c.lecturer.1, &path).await.1["mood"].is_null());
    assert!(history(&app, &c.lecturer.1, c.alice.0).await.is_empty());
    let reading = own_readings(&app, &c.alice.1).await[0]["id"].clone();
    assert_refused(
        post(
            &app,
            &c.lecturer.1,
            "/api/v1/mood/corrections",
            json!({ "reading": reading, "emotion": "sad" }),
        ),
        404,
        "not_found",
    )
    .await;

    // Shared with lecturers: the mood is pushed at once and shows everywhere.
    share(&app, &c.alice.1, true, false).await;
    let frame = mood_shown_about(&mut lecturer_ws, c.alice.0).await;
    assert!(frame["mood"]["emotion"].is_string(), "{frame}");
    assert_eq!(
        contact_list_mood(&app, &c.lecturer.1, c.alice.0).await["emotion"],
        frame["mood"]["emotion"]
    );
    assert_eq!(history(&app, &c.lecturer.1, c.alice.0).await.len(), 1);
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn students_do_not_see_a_lecturers_mood_unless_the_lecturer_opts_in(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    share(&app, &c.lecturer.1, true, false).await;
    let mut alice_ws = WsClient::connect(app.addr, &c.alice.1).await.unwrap();
    send_all(&app, &c.lecturer.1, c.direct, &SAD).await;
    wait_for_readings(&db, c.lecturer.0, 1).await;

    assert!(
        moods_shown_about(&mut alice_ws, c.lecturer.0, QUIET)
            .await
            .is_empty()
    );
    assert!(
        contact_list_mood(&app, &c.alice.1, c.lecturer.0)
            .await
            .is_null()
    );

    share(&app, &c.lecturer.1, true, true).await;
    let frame = mood_shown_about(&mut alice_ws, c.lecturer.0).await;
    assert!(frame["mood"]["emotion"].is_string(), "{frame}");
    assert!(contact_list_mood(&app, &c.alice.1, c.lecturer.0).await["emotion"].is_string());
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_fellow_student_sees_a_mood_only_when_it_is_shared_with_students(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    share(&app, &c.alice.1, true, false).await;
    let mut bea_ws = WsClient::connect(app.addr, &c.bea.1).await.unwrap();
    send_all(&app, &c.alice.1, c.group, &SAD).await;
    wait_for_readings(&db, c.alice.0, 1).await;

    assert!(
        moods_shown_about(&mut bea_ws, c.alice.0, QUIET)
            .await
            .is_empty()
    );
    assert!(contact_list_mood(&app, &c.bea.1, c.alice.0).await.is_null());

    share(&app, &c.alice.1, true, true).await;
    let frame = mood_shown_about(&mut bea_ws, c.alice.0).await;
    assert!(frame["mood"]["emotion"].is_string(), "{frame}");
    assert!(contact_list_mood(&app, &c.bea.1, c.alice.0).await["emotion"].is_string());
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_reading_from_a_conversation_the_viewer_is_not_active_in_is_invisible(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    // A second lecturer: alice's contact through a direct conversation of their own, and only
    // invited (not yet accepted) to alice's seminar group.
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Dr Bob").await;
    app.promote_to_lecturer(&c.admin, bob).await;
    app.open_accepted_direct(&bob_token, c.alice.0, &c.alice.1)
        .await;
    let seminar = app.create_group(&c.alice.1, "Seminar", &[bob]).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    let mut bob_ws = WsClient::connect(app.addr, &bob_token).await.unwrap();

    // Alice writes to the first lecturer and in the seminar, never to Bob directly.
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    send_all(
        &app,
        &c.alice.1,
        seminar,
        &["this seminar is hopeless, I give up"],
    )
    .await;
    mood_shown_about(&mut lecturer_ws, c.alice.0).await;
    wait_for_readings(&db, c.alice.0, 2).await;

    // Bob hears nothing, lists no mood, reads no history and cannot correct either reading.
    assert!(
        moods_shown_about(&mut bob_ws, c.alice.0, QUIET)
            .await
            .is_empty()
    );
    assert!(
        contact_list_mood(&app, &bob_token, c.alice.0)
            .await
            .is_null()
    );
    let path = format!("/api/v1/users/{}/mood", c.alice.0);
    assert!(app.get_json(&bob_token, &path).await.1["mood"].is_null());
    assert!(history(&app, &bob_token, c.alice.0).await.is_empty());
    let readings = own_readings(&app, &c.alice.1).await;
    let in_conversation = |conversation: Uuid| {
        readings
            .iter()
            .find(|r| r["conversation"] == json!(conversation))
            .map(|r| r["id"].clone())
            .expect("a reading there")
    };
    for reading in [in_conversation(c.direct), in_conversation(seminar)] {
        assert_refused(
            post(
                &app,
                &bob_token,
                "/api/v1/mood/corrections",
                json!({ "reading": reading, "emotion": "sad" }),
            ),
            404,
            "not_found",
        )
        .await;
    }

    // The first lecturer's history holds only the reading of their own conversation with her.
    // (Her sad messages may straddle two mood windows, so the direct conversation may hold two.)
    let seen = history(&app, &c.lecturer.1, c.alice.0).await;
    let ids_of = |readings: &[Value], only: Option<Uuid>| {
        let mut ids: Vec<String> = readings
            .iter()
            .filter(|r| only.is_none_or(|c| r["conversation"] == json!(c)))
            .map(|r| r["id"].to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids_of(&seen, None),
        ids_of(&readings, Some(c.direct)),
        "{seen:?}"
    );
    assert_refused(
        post(
            &app,
            &c.lecturer.1,
            "/api/v1/mood/corrections",
            json!({ "reading": in_conversation(seminar), "emotion": "sad" }),
        ),
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}
