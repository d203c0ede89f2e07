//! Resource caps (issue 16, point 4): the conversation list comes in pages, a reconnect replays
//! at most 500 messages per conversation, the send budget counts bytes, search is rate
//! limited, and a student holds at most a few upcoming consultations with one lecturer.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::chat::{online, spawn_fast, uuid_of};
use tests::consultations::{book, cast, free_slots};
use tests::{assert_error, post};
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_conversation_list_comes_in_pages(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let mut made = Vec::new();
    for name in ["Bob", "Carol", "Dan"] {
        let (id, token) = app
            .user_with_token(&format!("{}@uni.ac.uk", name.to_lowercase()), name)
            .await;
        made.push(app.open_accepted_direct(&alice_token, id, &token).await);
    }
    let (_, first) = app
        .get_json(&alice_token, "/api/v1/conversations?limit=2")
        .await;
    let page: Vec<Uuid> = first["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .map(|c| uuid_of(&c["id"]))
        .collect();
    assert_eq!(page, vec![made[2], made[1]], "latest activity first");
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = app
        .get_json(
            &alice_token,
            &format!(
                "/api/v1/conversations?limit=2&cursor={}",
                urlencoding(cursor)
            ),
        )
        .await;
    assert_eq!(uuid_of(&second["conversations"][0]["id"]), made[0]);
    assert_eq!(second["conversations"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["next_cursor"], Value::Null);
    for bad in ["limit=0", "limit=101", "cursor=yesterday"] {
        let (status, body) = app
            .get_json(&alice_token, &format!("/api/v1/conversations?{bad}"))
            .await;
        assert_eq!(status, 422, "{bad}");
        assert_eq!(body["error"]["code"], "validation_failed", "{bad}");
    }
}

/// Percent-encodes the characters of a cursor that a query string would change (`+`, `:`).
fn urlencoding(raw: &str) -> String {
    raw.replace('+', "%2B").replace(':', "%3A")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_long_absence_replays_at_most_500_messages(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let batch: Vec<models::message::Outgoing> = (1..=620)
        .map(|i| models::message::Outgoing {
            conversation_id: direct,
            sender_id: alice,
            client_id: format!("k{i}"),
            body: format!("note {i}"),
        })
        .collect();
    for chunk in batch.chunks(200) {
        let stored = models::message::send_batch(&app.db, chunk).await;
        assert!(stored.iter().all(Result::is_ok));
    }

    let mut b = tests::ws::WsClient::connect(app.addr, &bob_token)
        .await
        .expect("connect");
    b.sync(&[(direct, 0)]).await.expect("sync");
    let truncated = b.next_of("truncated").await.expect("told what was skipped");
    assert_eq!(truncated["seq"], 120);
    let first = b.next_of("message").await.expect("the replay");
    assert_eq!(first["seq"], 121);
    let synced = b.next_of("synced").await.expect("synced");
    assert_eq!(synced["seq"], 620);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_send_budget_counts_bytes_and_search_is_rate_limited(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let mut a = online(&app, &alice_token).await;
    // Each message is 100,000 two-byte characters: 200 KB. The burst is 1 MiB.
    let big = "é".repeat(100_000);
    let mut refused = None;
    for i in 0..8 {
        a.send_message(direct, &format!("big{i}"), &big)
            .await
            .expect("send");
        let answer = loop {
            let frame = a.next().await.expect("a frame");
            if frame["type"] == "ack" || frame["type"] == "error" {
                break frame;
            }
        };
        if answer["type"] == "error" {
            refused = Some((i, answer));
            break;
        }
        assert_eq!(answer["type"], "ack", "{answer}");
    }
    let (at, error) = refused.expect("the byte budget ran out");
    assert_eq!(
        at, 5,
        "five 200 KB messages fit in 1 MiB, the sixth does not"
    );
    assert_eq!(error["code"], "rate_limited");
    assert!(error["retry_after_ms"].as_u64().is_some_and(|ms| ms > 0));

    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, _) = app.get_json(&alice_token, "/api/v1/search?q=note").await;
        statuses.push(status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[11], 429, "{statuses:?}");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_student_holds_at_most_three_upcoming_bookings_with_one_lecturer(db: PgPool) {
    let app = tests::consultations::spawn(db).await;
    let people = cast(&app, 1, json!({})).await;
    let (lecturer, _) = &people.lecturer;
    let (_, student_token) = &people.students[0];
    let slots = free_slots(&app, student_token, *lecturer).await;
    let mut booked = Vec::new();
    for (i, slot) in slots.iter().take(3).enumerate() {
        let made: Value = book(&app, student_token, *lecturer, *slot, &format!("Topic {i}"))
            .send()
            .await
            .expect("book")
            .json()
            .await
            .expect("json");
        booked.push(uuid_of(&made["id"]));
    }
    let fourth = book(&app, student_token, *lecturer, slots[5], "One more")
        .send()
        .await
        .expect("book");
    assert_error(fourth, 409, "too_many_bookings").await;
    // Cancelling one frees a place under the cap.
    let cancelled = post(
        &app,
        student_token,
        &format!("/api/v1/consultations/{}/cancel", booked[0]),
        json!({ "reason": "sorted it out" }),
    )
    .send()
    .await
    .expect("cancel");
    assert_eq!(cancelled.status(), 200);
    let again = book(&app, student_token, *lecturer, slots[5], "One more")
        .send()
        .await
        .expect("book");
    assert_eq!(again.status(), 201);
}
