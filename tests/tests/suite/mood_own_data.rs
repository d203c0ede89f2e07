//! What is measured about a user stays theirs (issue 16, point 2): an admin reads the text
//! behind a correction only if its author agreed when filing it (and only then can it become a
//! training example), and a user lists everything measured about them and deletes it at once.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::{
    SAD, cast, mood_frame_about, mood_shown_about, own_readings, send_all, spawn, wait_for_readings,
};
use tests::ws::WsClient;
use tests::{TestApp, assert_refused, json_of, post};
use uuid::Uuid;

/// The admin's review of correction `id`, not yet sent.
fn review(app: &TestApp, admin: &str, id: &Value, approve: bool) -> reqwest::RequestBuilder {
    post(
        app,
        admin,
        &format!("/api/v1/admin/mood/corrections/{id}/review"),
        json!({ "approve": approve }),
    )
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn an_admin_reads_a_corrections_text_only_when_its_author_shared_it(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    mood_shown_about(&mut lecturer_ws, c.alice.0).await;
    let reading = own_readings(&app, &c.alice.1).await[0]["id"].clone();

    // Alice does not let an admin read her text (the default); her lecturer does.
    let hers: Value = json_of(post(
        &app,
        &c.alice.1,
        "/api/v1/mood/corrections",
        json!({ "reading": reading, "emotion": "very_sad" }),
    ))
    .await;
    let theirs: Value = json_of(post(
        &app,
        &c.lecturer.1,
        "/api/v1/mood/corrections",
        json!({ "reading": reading, "intensity": "very_muted", "share_text": true }),
    ))
    .await;

    let pending = app
        .get_json(&c.admin, "/api/v1/admin/mood/corrections")
        .await
        .1;
    let find = |id: &Value| {
        pending
            .as_array()
            .expect("an array")
            .iter()
            .find(|p| p["id"] == *id)
            .cloned()
            .expect("the correction is pending")
    };
    let (alices, lecturers) = (find(&hers["id"]), find(&theirs["id"]));
    assert_eq!(alices["text_shared"], false);
    assert!(
        alices["text"].is_null(),
        "the admin does not see it: {alices}"
    );
    assert_eq!(alices["shown"].as_str().map(str::is_empty), Some(false));
    assert_eq!(lecturers["text_shared"], true);
    assert!(
        lecturers["text"]
            .as_str()
            .is_some_and(|t| t.contains("I failed the exam")),
        "{lecturers}"
    );

    // Without the agreement it cannot become a training example; it can be rejected.
    let refused = assert_refused(
        review(&app, &c.admin, &hers["id"], true),
        409,
        "text_not_shared",
    )
    .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("reject"))
    );
    let status =
        |r: reqwest::RequestBuilder| async move { r.send().await.expect("review").status() };
    assert_eq!(
        status(review(&app, &c.admin, &hers["id"], false)).await,
        204
    );
    assert_eq!(
        status(review(&app, &c.admin, &theirs["id"], true)).await,
        204
    );
    let approved = app
        .get_json(&c.admin, "/api/v1/admin/mood/corrections?status=approved")
        .await
        .1;
    assert_eq!(approved.as_array().map(Vec::len), Some(1));
    assert_eq!(approved[0]["id"], theirs["id"]);
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn deleting_everything_measured_removes_the_readings_and_clears_contacts_screens(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    let mut bea_ws = WsClient::connect(app.addr, &c.bea.1).await.unwrap();
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    send_all(
        &app,
        &c.alice.1,
        c.group,
        &["ugh, this group project is a disaster"],
    )
    .await;
    wait_for_readings(&db, c.alice.0, 2).await;
    mood_shown_about(&mut lecturer_ws, c.alice.0).await;
    mood_shown_about(&mut bea_ws, c.alice.0).await;

    let listed = every_reading_is_listed_page_by_page(&app, &c.alice.1, &[c.direct, c.group]).await;
    let corrected = post(
        &app,
        &c.alice.1,
        "/api/v1/mood/corrections",
        json!({ "reading": listed[0]["id"], "emotion": "sad" }),
    )
    .send()
    .await
    .expect("correct");
    assert_eq!(corrected.status(), 201);

    let deleted: Value = json_of(
        reqwest::Client::new()
            .delete(app.url("/api/v1/me/mood/readings"))
            .bearer_auth(&c.alice.1),
    )
    .await;
    assert_eq!(deleted["deleted"], 2, "{deleted}");
    let rows: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM mood_readings WHERE user_id = $1),
                (SELECT count(*) FROM user_moods WHERE user_id = $1),
                (SELECT count(*) FROM mood_corrections WHERE corrected_by = $1)",
    )
    .bind(c.alice.0)
    .fetch_one(&db)
    .await
    .expect("count the rows");
    assert_eq!(
        rows,
        (0, 0, 0),
        "readings, current mood and corrections are gone"
    );

    // Every contact's screen forgets the mood at once.
    // (A frame of a window stored before the deletion may still be on its way: skip it.)
    for ws in [&mut lecturer_ws, &mut bea_ws] {
        while !mood_frame_about(ws, c.alice.0).await["mood"].is_null() {}
    }
    let (_, contacts) = app.get_json(&c.lecturer.1, "/api/v1/contacts").await;
    let alice_row = contacts["contacts"]
        .as_array()
        .and_then(|list| list.iter().find(|x| x["id"] == json!(c.alice.0)).cloned())
        .expect("alice among the contacts");
    assert!(alice_row["mood"].is_null(), "{alice_row}");
    assert!(own_readings(&app, &c.alice.1).await.is_empty());
    let mine = app.get_json(&c.alice.1, "/api/v1/me/mood").await.1;
    assert!(
        mine["current"].is_null() && mine["readings"] == json!([]),
        "{mine}"
    );
    app.stop().await;
}

/// The readings of the holder of `token`, one per page: each with its conversation, window,
/// labels and probabilities, one in each of `conversations`. Returns them newest first.
async fn every_reading_is_listed_page_by_page(
    app: &TestApp,
    token: &str,
    conversations: &[Uuid],
) -> Vec<Value> {
    let mut listed = Vec::new();
    let mut path = "/api/v1/me/mood/readings?limit=1".to_owned();
    loop {
        let (status, page) = app.get_json(token, &path).await;
        assert_eq!(status, 200, "{page}");
        listed.extend(page["readings"].as_array().cloned().unwrap_or_default());
        match page["next_before"].as_i64() {
            Some(before) => path = format!("/api/v1/me/mood/readings?limit=1&before={before}"),
            None => break,
        }
        assert!(listed.len() <= conversations.len(), "{listed:?}");
    }
    assert_eq!(listed.len(), conversations.len(), "{listed:?}");
    for conversation in conversations {
        let r = listed
            .iter()
            .find(|r| r["conversation"] == json!(conversation))
            .unwrap_or_else(|| panic!("a reading in {conversation}: {listed:?}"));
        assert!(
            r["window_start"].is_string() && r["measured_at"].is_string(),
            "{r}"
        );
        assert!(r["label"].as_str().is_some_and(|l| l.contains(", ")), "{r}");
        assert_eq!(
            r["emotion_probabilities"].as_array().map(Vec::len),
            Some(5),
            "{r}"
        );
        assert_eq!(
            r["intensity_probabilities"].as_array().map(Vec::len),
            Some(5),
            "{r}"
        );
        assert!(r["conversation_name"].is_string(), "{r}");
    }
    assert_refused(
        reqwest::Client::new()
            .get(app.url("/api/v1/me/mood/readings?limit=0"))
            .bearer_auth(token),
        422,
        "validation_failed",
    )
    .await;
    listed
}
