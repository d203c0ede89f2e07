//! Creating and managing chat conversations: one direct conversation per pair, validated group
//! creation, and group owners adding and removing members with the live gateway following.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::chat::{online, spawn_fast, uuid_of};
use tests::ws::WsClient;
use tests::{TestApp, assert_error};
use uuid::Uuid;

/// A tutorial group owned by Olive with Bob and Carol in it, and Dave outside (ids and tokens).
struct Tutorial {
    group: Uuid,
    owner: String,
    bob: (Uuid, String),
    carol: (Uuid, String),
    dave: (Uuid, String),
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn owners_manage_group_members_and_the_gateway_follows(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, owner_token) = app.user_with_token("owner@uni.ac.uk", "Olive Owner").await;
    let bob = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let carol = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let dave = app.user_with_token("dave@uni.ac.uk", "Dave").await;
    let group = app
        .create_accepted_group(
            &owner_token,
            "Tutorial",
            &[(bob.0, &bob.1), (carol.0, &carol.1)],
        )
        .await;
    let t = Tutorial {
        group,
        owner: owner_token,
        bob,
        carol,
        dave,
    };
    let mut owner = online(&app, &t.owner).await;
    owner
        .send_message(group, "before-dave", "before Dave joined")
        .await
        .unwrap();
    owner.next_of("ack").await.unwrap();
    let mut d = online(&app, &t.dave.1).await;

    only_the_owner_adds_and_the_new_member_follows_live(&app, &t, &mut owner, &mut d).await;
    members_who_leave_or_are_removed_hear_no_more(&app, &t, &mut owner).await;
}

/// Adds `user` to the tutorial group as the holder of `token`.
async fn add_member(app: &TestApp, t: &Tutorial, token: &str, user: Uuid) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/api/v1/conversations/{}/members", t.group)))
        .bearer_auth(token)
        .json(&json!({ "user_id": user }))
        .send()
        .await
        .expect("send the request")
}

/// Bob may not invite Dave, Olive may (once); once Dave accepts, his device `d` follows the
/// group live.
async fn only_the_owner_adds_and_the_new_member_follows_live(
    app: &TestApp,
    t: &Tutorial,
    owner: &mut WsClient,
    d: &mut WsClient,
) {
    let (group, dave) = (t.group, t.dave.0);
    assert_error(add_member(app, t, &t.bob.1, dave).await, 403, "forbidden").await;
    assert_eq!(add_member(app, t, &t.owner, dave).await.status(), 200);
    assert_error(
        add_member(app, t, &t.owner, dave).await,
        409,
        "already_member",
    )
    .await;

    let invited = d
        .next_of("conversation")
        .await
        .expect("a conversation frame");
    assert_eq!(uuid_of(&invited["conversation"]["id"]), group);
    assert_eq!(invited["conversation"]["status"], "invited");
    app.accept(&t.dave.1, group).await;
    let joined = d
        .next_of("conversation")
        .await
        .expect("a conversation frame");
    assert_eq!(joined["conversation"]["status"], "active");
    owner
        .send_message(group, "after-dave", "welcome Dave")
        .await
        .expect("send the message");
    let live = d.next_of("message").await.expect("a message frame");
    assert_eq!(
        live["body"], "welcome Dave",
        "the new member follows live from now"
    );
}

/// Carol leaves by herself; Bob is removed by the owner; neither hears more.
async fn members_who_leave_or_are_removed_hear_no_more(
    app: &TestApp,
    t: &Tutorial,
    owner: &mut WsClient,
) {
    let (group, client) = (t.group, reqwest::Client::new());
    let (carol, carol_token) = (t.carol.0, &t.carol.1);
    let mut c = online(app, carol_token).await;
    let leave = client
        .delete(app.url(&format!("/api/v1/conversations/{group}/members/{carol}")))
        .bearer_auth(carol_token)
        .send()
        .await
        .expect("send the request");
    assert_eq!(leave.status(), 204);
    assert_eq!(
        uuid_of(&c.next_of("removed").await.expect("a removed frame")["conversation"]),
        group
    );
    let not_yours = client
        .delete(app.url(&format!(
            "/api/v1/conversations/{group}/members/{}",
            t.dave.0
        )))
        .bearer_auth(&t.bob.1)
        .send()
        .await
        .expect("send the request");
    assert_error(not_yours, 403, "forbidden").await;
    let kick = client
        .delete(app.url(&format!(
            "/api/v1/conversations/{group}/members/{}",
            t.bob.0
        )))
        .bearer_auth(&t.owner)
        .send()
        .await
        .expect("send the request");
    assert_eq!(kick.status(), 204);
    owner
        .send_message(group, "after-leave", "just us")
        .await
        .expect("send the message");
    owner.next_of("ack").await.expect("the ack");
    assert!(
        c.all_of_for("message", Duration::from_millis(300))
            .await
            .is_empty()
    );
    let (status, _) = app
        .get_json(
            carol_token,
            &format!("/api/v1/conversations/{group}/messages"),
        )
        .await;
    assert_eq!(status, 404, "a former member cannot read on");
    let mut c2 = online(app, carol_token).await;
    c2.send_message(group, "sneak", "can I still post?")
        .await
        .expect("send the message");
    assert_eq!(
        c2.next_of("error").await.expect("an error frame")["code"],
        "not_a_member"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn conversations_are_validated(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let client = reqwest::Client::new();
    let create = |body: Value| {
        client
            .post(app.url("/api/v1/conversations"))
            .bearer_auth(&alice_token)
            .json(&body)
            .send()
    };

    let first = create(json!({ "kind": "direct", "user_id": bob }))
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    // One direct conversation per pair, whoever opens it.
    let again = client
        .post(app.url("/api/v1/conversations"))
        .bearer_auth(&bob_token)
        .json(&json!({ "kind": "direct", "user_id": alice }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);

    assert_error(
        create(json!({ "kind": "direct", "user_id": alice }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        create(json!({ "kind": "direct", "user_id": Uuid::new_v4() }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        create(json!({ "kind": "group", "name": "  ", "member_ids": [bob] }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        create(json!({ "kind": "group", "name": "Solo", "member_ids": [] }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let crowd: Vec<Uuid> = (0..100).map(|_| Uuid::new_v4()).collect();
    assert_error(
        create(json!({ "kind": "group", "name": "Crowd", "member_ids": crowd }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let unknown = create(json!({ "kind": "channel", "name": "x" }))
        .await
        .unwrap();
    assert!(matches!(unknown.status().as_u16(), 400 | 422));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM conversations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "refused requests create nothing");
}
