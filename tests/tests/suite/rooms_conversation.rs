//! The conversation beside a consultation's video (issue 16, point 5): a late joiner reads only
//! what was said after they joined until the lecturer shares the history, and a student who
//! gives up their place leaves the conversation at once, on every device.

use chrono::Utc;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::chat::{online, uuid_of};
use tests::rooms::{cast, join, post};
use tests::{TestApp, json_of};
use uuid::Uuid;

/// The message bodies the holder of `token` can read in `conversation`.
async fn readable(app: &TestApp, token: &str, conversation: Uuid) -> Vec<String> {
    let (status, page) = app
        .get_json(
            token,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(status, 200);
    page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["body"].as_str().map(str::to_owned))
        .collect()
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn late_joiners_start_fresh_and_leavers_leave_the_rooms_conversation(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = cast(&app, 2).await;
    let (first, first_token) = (&c.students[0].0, &c.students[0].1);
    let late_token = &c.students[1].1;
    let session: Value = json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/consultations"))
            .bearer_auth(&c.lecturer.1)
            .json(&json!({
                "starts_at": Utc::now() + chrono::Duration::hours(2),
                "duration_minutes": 60,
                "topic": "Group revision",
                "capacity": 3,
                "student_ids": [first],
            })),
    )
    .await;
    let id = uuid_of(&session["id"]);
    let opened: Value = json_of(post(
        &app,
        &c.lecturer.1,
        &format!("/api/v1/consultations/{id}/room/open"),
    ))
    .await;
    let conversation = uuid_of(&opened["conversation_id"]);
    let mut lecturer = online(&app, &c.lecturer.1).await;
    lecturer
        .send_message(conversation, "early", "notes for the early ones")
        .await
        .expect("send");
    lecturer.next_of("ack").await.expect("ack");

    // A student who takes a place later and enters the room reads from then on.
    let joined = post(
        &app,
        late_token,
        &format!("/api/v1/consultations/{id}/join"),
    )
    .json(&json!({}))
    .send()
    .await
    .expect("join the session");
    assert_eq!(joined.status(), 200);
    let _peer = join(&app, id, late_token).await;
    assert!(readable(&app, late_token, conversation).await.is_empty());
    let (_, view) = app
        .get_json(late_token, &format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["last_message"], Value::Null);
    assert_eq!(view["unread_count"], 0);
    assert_eq!(
        readable(&app, first_token, conversation).await,
        vec!["notes for the early ones"]
    );
    let (_, found) = app.get_json(late_token, "/api/v1/search?q=notes").await;
    assert_eq!(found["results"].as_array().map(Vec::len), Some(0));

    // Only the lecturer (the owner) shares what was said before.
    let refused = post(
        &app,
        late_token,
        &format!("/api/v1/conversations/{conversation}/share-history"),
    )
    .send()
    .await
    .expect("share");
    assert_eq!(refused.status(), 403);
    let shared = post(
        &app,
        &c.lecturer.1,
        &format!("/api/v1/conversations/{conversation}/share-history"),
    )
    .send()
    .await
    .expect("share");
    assert_eq!(shared.status(), 200);
    assert_eq!(
        readable(&app, late_token, conversation).await,
        vec!["notes for the early ones"]
    );

    // The first student gives up their place: out of the conversation on every device at once.
    let mut phone = online(&app, first_token).await;
    let cancel = post(
        &app,
        first_token,
        &format!("/api/v1/consultations/{id}/cancel"),
    )
    .json(&json!({ "reason": "clash with a lab" }))
    .send()
    .await
    .expect("cancel");
    assert_eq!(cancel.status(), 200);
    let removed = phone.next_of("removed").await.expect("removed");
    assert_eq!(uuid_of(&removed["conversation"]), conversation);
    let (status, _) = app
        .get_json(
            first_token,
            &format!("/api/v1/conversations/{conversation}"),
        )
        .await;
    assert_eq!(status, 404);
    lecturer
        .send_message(conversation, "after", "after the first left")
        .await
        .expect("send");
    lecturer.next_of("ack").await.expect("ack");
    phone
        .send_message(conversation, "sneak", "still here?")
        .await
        .expect("send");
    assert_eq!(
        phone.next_of("error").await.expect("refused")["code"],
        "not_a_member"
    );
}
