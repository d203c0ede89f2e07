//! Creating and managing chat conversations: one direct conversation per pair, validated group
//! creation, and group owners adding and removing members with the live gateway following.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::assert_error;
use tests::chat::{online, spawn_fast, uuid_of};
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn owners_manage_group_members_and_the_gateway_follows(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, owner_token) = app.user_with_token("owner@uni.ac.uk", "Olive Owner").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let (dave, dave_token) = app.user_with_token("dave@uni.ac.uk", "Dave").await;
    let group = app
        .create_group(&owner_token, "Tutorial", &[bob, carol])
        .await;
    let mut owner = online(&app, &owner_token).await;
    owner
        .send_message(group, "before-dave", "before Dave joined")
        .await
        .unwrap();
    owner.next_of("ack").await.unwrap();
    let mut d = online(&app, &dave_token).await;

    let client = reqwest::Client::new();
    let add = |token: &str, user: Uuid| {
        client
            .post(app.url(&format!("/api/v1/conversations/{group}/members")))
            .bearer_auth(token.to_owned())
            .json(&json!({ "user_id": user }))
            .send()
    };
    assert_error(add(&bob_token, dave).await.unwrap(), 403, "forbidden").await;
    assert_eq!(add(&owner_token, dave).await.unwrap().status(), 200);
    assert_error(
        add(&owner_token, dave).await.unwrap(),
        409,
        "already_member",
    )
    .await;

    let joined = d.next_of("conversation").await.unwrap();
    assert_eq!(uuid_of(&joined["conversation"]["id"]), group);
    owner
        .send_message(group, "after-dave", "welcome Dave")
        .await
        .unwrap();
    let live = d.next_of("message").await.unwrap();
    assert_eq!(
        live["body"], "welcome Dave",
        "the new member follows live from now"
    );

    // Carol leaves by herself; Bob is removed by the owner; neither hears more.
    let mut c = online(&app, &carol_token).await;
    let leave = client
        .delete(app.url(&format!("/api/v1/conversations/{group}/members/{carol}")))
        .bearer_auth(&carol_token)
        .send()
        .await
        .unwrap();
    assert_eq!(leave.status(), 204);
    assert_eq!(
        uuid_of(&c.next_of("removed").await.unwrap()["conversation"]),
        group
    );
    let not_yours = client
        .delete(app.url(&format!("/api/v1/conversations/{group}/members/{dave}")))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_error(not_yours, 403, "forbidden").await;
    let kick = client
        .delete(app.url(&format!("/api/v1/conversations/{group}/members/{bob}")))
        .bearer_auth(&owner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(kick.status(), 204);
    owner
        .send_message(group, "after-leave", "just us")
        .await
        .unwrap();
    owner.next_of("ack").await.unwrap();
    assert!(
        c.all_of_for("message", Duration::from_millis(300))
            .await
            .is_empty()
    );
    let (status, _) = app
        .get_json(
            &carol_token,
            &format!("/api/v1/conversations/{group}/messages"),
        )
        .await;
    assert_eq!(status, 404, "a former member cannot read on");
    let mut c2 = online(&app, &carol_token).await;
    c2.send_message(group, "sneak", "can I still post?")
        .await
        .unwrap();
    assert_eq!(c2.next_of("error").await.unwrap()["code"], "not_a_member");
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
