//! Chat history over REST: paging backwards and forwards through a conversation's messages,
//! refused page parameters, and full-text search that stays inside your own conversations.

use serde_json::Value;
use sqlx::PgPool;
use tests::chat::{online, seq_of, spawn_fast};
use tests::{TestApp, assert_error};
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn history_pages_backwards_and_forwards_and_search_stays_inside_your_conversations(
    db: PgPool,
) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let private = app
        .open_accepted_direct(&bob_token, carol, &carol_token)
        .await;
    alice_writes_120_notes(&app, &alice_token, direct).await;
    let mut c = online(&app, &carol_token).await;
    c.send_message(private, "secret", "recursion secrets between Carol and Bob")
        .await
        .unwrap();
    c.next_of("ack").await.unwrap();

    history_pages_backwards_and_forwards(&app, &bob_token, direct).await;
    bad_pages_and_outsiders_are_refused(&app, &bob_token, &carol_token, direct).await;
    search_stays_inside_your_conversations(&app, &alice_token, &bob_token).await;
}

/// Alice sends notes 1 to 120 to `direct`, number 42 asking about the recursion lecture.
async fn alice_writes_120_notes(app: &TestApp, alice_token: &str, direct: Uuid) {
    let mut a = online(app, alice_token).await;
    for i in 1..=120 {
        let body = if i == 42 {
            "Where is the recursion lecture?".to_owned()
        } else {
            format!("note {i}")
        };
        a.send_message(direct, &format!("h{i}"), &body)
            .await
            .expect("send the message");
    }
    for _ in 0..120 {
        a.next_of("ack").await.expect("the frame");
    }
}

/// The history of `direct`, with the query string `q`.
fn history(direct: Uuid, q: &str) -> String {
    format!("/api/v1/conversations/{direct}/messages{q}")
}

/// The seqs of a history page's messages.
fn seqs(page: &Value) -> Vec<i64> {
    page["messages"]
        .as_array()
        .expect("an array")
        .iter()
        .map(seq_of)
        .collect()
}

/// Bob pages through the 120 messages of `direct`.
async fn history_pages_backwards_and_forwards(app: &TestApp, bob_token: &str, direct: Uuid) {
    let (status, latest) = app.get_json(bob_token, &history(direct, "")).await;
    assert_eq!(status, 200);
    assert_eq!(
        seqs(&latest),
        (71..=120).collect::<Vec<_>>(),
        "the latest 50, oldest first"
    );
    assert_eq!(latest["has_more"], true);
    let (_, older) = app
        .get_json(bob_token, &history(direct, "?before=71&limit=100"))
        .await;
    assert_eq!(seqs(&older), (1..=70).collect::<Vec<_>>());
    assert_eq!(older["has_more"], false);
    let (_, newer) = app
        .get_json(bob_token, &history(direct, "?after=100&limit=10"))
        .await;
    assert_eq!(seqs(&newer), (101..=110).collect::<Vec<_>>());
    assert_eq!(newer["has_more"], true);
}

/// Bad page parameters get an error code, and Carol (no member of `direct`) gets nothing.
async fn bad_pages_and_outsiders_are_refused(
    app: &TestApp,
    bob_token: &str,
    carol_token: &str,
    direct: Uuid,
) {
    for bad in [
        "?limit=0",
        "?limit=101",
        "?before=abc",
        "?after=1&before=5",
        "?color=red",
    ] {
        let response = reqwest::Client::new()
            .get(app.url(&history(direct, bad)))
            .bearer_auth(bob_token)
            .send()
            .await
            .expect("send the request");
        assert!(
            matches!(response.status().as_u16(), 400 | 422),
            "{bad}: {}",
            response.status()
        );
        let body: Value = response.json().await.expect("a JSON body");
        assert!(body["error"]["code"].is_string(), "{bad}: {body}");
    }
    let (status, _) = app.get_json(carol_token, &history(direct, "")).await;
    assert_eq!(status, 404, "history is for members only");
}

/// Alice finds her note 42 but not Carol's secret; Bob, in both conversations, finds both.
async fn search_stays_inside_your_conversations(app: &TestApp, alice_token: &str, bob_token: &str) {
    let (status, found) = app
        .get_json(alice_token, "/api/v1/search?q=recursion")
        .await;
    assert_eq!(status, 200);
    let hits = found["results"].as_array().expect("an array");
    assert_eq!(
        hits.len(),
        1,
        "only Alice's own conversations are searched: {found}"
    );
    assert_eq!(hits[0]["seq"], 42);
    assert!(
        hits[0]["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("recursion")),
        "{found}"
    );
    let (_, stemmed) = app.get_json(alice_token, "/api/v1/search?q=lectures").await;
    assert_eq!(
        stemmed["results"].as_array().expect("an array").len(),
        1,
        "English stemming: lectures ~ lecture"
    );
    let (_, bobs) = app.get_json(bob_token, "/api/v1/search?q=recursion").await;
    assert_eq!(bobs["results"].as_array().expect("an array").len(), 2);
    let (_, paged) = app
        .get_json(bob_token, "/api/v1/search?q=recursion&limit=1&offset=1")
        .await;
    assert_eq!(paged["results"].as_array().expect("an array").len(), 1);
    let empty = reqwest::Client::new()
        .get(app.url("/api/v1/search?q="))
        .bearer_auth(bob_token)
        .send()
        .await
        .expect("send the request");
    assert_error(empty, 422, "validation_failed").await;
}
