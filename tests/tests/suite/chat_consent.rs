//! Consent before contact (issue 16, point 1): a direct conversation with a stranger is a
//! request the other person accepts, declines or blocks; until accepted the asker writes at most
//! three messages and neither sees the other's presence or time zone; group additions are
//! invitations that show nothing of the group; a block refuses further requests and stops the
//! direct conversation; a confirmed consultation makes lecturer and student contacts while it
//! lasts.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::chat::{online, spawn_fast, uuid_of};
use tests::consultations::{book, cast, free_slots};
use tests::{TestApp, assert_error, post};
use uuid::Uuid;

/// The ids of the holder of `token`'s contacts.
async fn contact_ids(app: &TestApp, token: &str) -> Vec<Uuid> {
    let (status, body) = app.get_json(token, "/api/v1/contacts").await;
    assert_eq!(status, 200);
    body["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| uuid_of(&c["id"]))
        .collect()
}

/// `POST /conversations` for a direct conversation with `other`, as the holder of `token`.
async fn request_direct(app: &TestApp, token: &str, other: Uuid) -> reqwest::Response {
    post(
        app,
        token,
        "/api/v1/conversations",
        json!({ "kind": "direct", "user_id": other }),
    )
    .send()
    .await
    .expect("send the request")
}

/// `POST /conversations/{id}/decline` as the holder of `token`.
async fn decline(app: &TestApp, token: &str, conversation: Uuid) -> reqwest::Response {
    post(
        app,
        token,
        &format!("/api/v1/conversations/{conversation}/decline"),
        json!({}),
    )
    .send()
    .await
    .expect("decline")
}

/// `PUT /users/{user}/block` as the holder of `token`; answers 204.
async fn block(app: &TestApp, token: &str, user: Uuid) {
    let blocked = reqwest::Client::new()
        .put(app.url(&format!("/api/v1/users/{user}/block")))
        .bearer_auth(token)
        .send()
        .await
        .expect("block");
    assert_eq!(blocked.status(), 204);
}

/// The member entry of `user` in a conversation view.
fn member(view: &Value, user: Uuid) -> &Value {
    view["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| uuid_of(&m["id"]) == user)
        .expect("that member")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_request_is_read_capped_and_private_until_it_is_accepted(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let mut b = online(&app, &bob_token).await;
    let direct = app.open_direct(&alice_token, bob).await;

    // Bob sees who asks; Alice sees Bob as invited, without presence or time zone.
    let asked = b.next_of("conversation").await.expect("the request");
    assert_eq!(asked["conversation"]["status"], "invited");
    assert_eq!(uuid_of(&asked["conversation"]["invited_by"]), alice);
    let (_, view) = app
        .get_json(&alice_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    assert_eq!(view["status"], "active");
    assert_eq!(member(&view, bob)["status"], "invited");
    assert_eq!(
        member(&view, bob)["online"],
        false,
        "Bob is online but no contact"
    );
    let (_, profile) = app
        .get_json(&alice_token, &format!("/api/v1/users/{bob}"))
        .await;
    assert_eq!(profile["time_zone"], Value::Null);
    assert!(contact_ids(&app, &alice_token).await.is_empty());
    assert!(contact_ids(&app, &bob_token).await.is_empty());

    // Alice may write three messages; Bob reads them live but cannot answer yet.
    let mut a = online(&app, &alice_token).await;
    for i in 1..=3 {
        a.send_message(direct, &format!("r{i}"), &format!("question part {i}"))
            .await
            .expect("send");
        a.next_of("ack").await.expect("ack");
        let live = b.next_of("message").await.expect("the request's message");
        assert_eq!(live["body"], format!("question part {i}"));
    }
    a.send_message(direct, "r4", "one more")
        .await
        .expect("send");
    assert_eq!(
        a.next_of("error").await.expect("refused")["code"],
        "request_pending"
    );
    b.send_message(direct, "b1", "hi").await.expect("send");
    assert_eq!(
        b.next_of("error").await.expect("refused")["code"],
        "request_not_accepted"
    );

    // Accepted: contacts both ways, time zone and presence visible, no cap, Bob writes.
    app.accept(&bob_token, direct).await;
    assert_eq!(contact_ids(&app, &alice_token).await, vec![bob]);
    assert_eq!(contact_ids(&app, &bob_token).await, vec![alice]);
    let (_, profile) = app
        .get_json(&alice_token, &format!("/api/v1/users/{bob}"))
        .await;
    assert_eq!(profile["time_zone"], "Europe/London");
    let (_, view) = app
        .get_json(&alice_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    assert_eq!(member(&view, bob)["online"], true);
    a.send_message(direct, "r4", "one more")
        .await
        .expect("send");
    assert_eq!(a.next_of("ack").await.expect("ack")["seq"], 4);
    b.send_message(direct, "b1", "hi").await.expect("send");
    assert_eq!(b.next_of("ack").await.expect("ack")["seq"], 5);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_cap_holds_in_the_database_too(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, _) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let batch: Vec<models::message::Outgoing> = (1..=5)
        .map(|i| models::message::Outgoing {
            conversation_id: direct,
            sender_id: alice,
            client_id: format!("k{i}"),
            body: format!("message {i}"),
        })
        .collect();
    let results = models::message::send_batch(&app.db, &batch).await;
    let stored = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(stored, 3, "a batch cannot pass the cap");
    assert!(matches!(
        results.last(),
        Some(Err(models::message::SendError::RequestPending))
    ));
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn declining_deletes_the_request_and_blocking_refuses_the_next(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let mut a = online(&app, &alice_token).await;

    assert_eq!(decline(&app, &bob_token, direct).await.status(), 204);
    assert_eq!(
        uuid_of(&a.next_of("removed").await.expect("removed")["conversation"]),
        direct
    );
    let (status, _) = app
        .get_json(&alice_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    assert_eq!(status, 404, "a declined request is gone");
    assert_error(decline(&app, &bob_token, direct).await, 404, "not_found").await;

    // Alice asks again; Bob blocks her: the request goes, and no new one can come.
    let second = app.open_direct(&alice_token, bob).await;
    block(&app, &bob_token, alice).await;
    assert_eq!(
        uuid_of(&a.next_of("removed").await.expect("removed")["conversation"]),
        second
    );
    assert_error(
        request_direct(&app, &alice_token, bob).await,
        403,
        "forbidden",
    )
    .await;
    let group = post(
        &app,
        &alice_token,
        "/api/v1/conversations",
        json!({ "kind": "group", "name": "Sneaky", "member_ids": [bob, carol] }),
    )
    .send()
    .await
    .expect("group");
    assert_error(group, 403, "forbidden").await;
    assert_error(
        request_direct(&app, &bob_token, alice).await,
        409,
        "blocked_by_you",
    )
    .await;
    let (_, blocks) = app.get_json(&bob_token, "/api/v1/me/blocks").await;
    assert_eq!(uuid_of(&blocks["blocked"][0]["id"]), alice);

    // Carol is unaffected; after unblocking, Alice may ask again.
    app.open_accepted_direct(&carol_token, bob, &bob_token)
        .await;
    let unblock = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/users/{alice}/block")))
        .bearer_auth(&bob_token)
        .send()
        .await
        .expect("unblock");
    assert_eq!(unblock.status(), 204);
    assert_eq!(request_direct(&app, &alice_token, bob).await.status(), 201);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn blocking_a_contact_stops_their_messages_and_hides_presence(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let mut a = online(&app, &alice_token).await;
    a.send_message(direct, "m1", "hello").await.expect("send");
    a.next_of("ack").await.expect("ack");

    block(&app, &bob_token, alice).await;
    a.send_message(direct, "m2", "are you there?")
        .await
        .expect("send");
    assert_eq!(
        a.next_of("error").await.expect("refused")["code"],
        "blocked"
    );
    assert!(contact_ids(&app, &alice_token).await.is_empty());
    assert!(contact_ids(&app, &bob_token).await.is_empty());
    let (_, history) = app
        .get_json(
            &bob_token,
            &format!("/api/v1/conversations/{direct}/messages"),
        )
        .await;
    assert_eq!(
        history["messages"].as_array().map(Vec::len),
        Some(1),
        "what was said before stays readable"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_group_invitation_shows_nothing_until_accepted(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let group = app
        .create_accepted_group(&alice_token, "Project", &[(carol, &carol_token)])
        .await;
    let mut a = online(&app, &alice_token).await;
    a.send_message(group, "g1", "secret plan")
        .await
        .expect("send");
    a.next_of("ack").await.expect("ack");

    let added = post(
        &app,
        &alice_token,
        &format!("/api/v1/conversations/{group}/members"),
        json!({ "user_id": bob }),
    )
    .send()
    .await
    .expect("invite");
    assert_eq!(added.status(), 200);
    let mut b = online(&app, &bob_token).await;
    let (_, list) = app.get_json(&bob_token, "/api/v1/conversations").await;
    let invitation = &list["conversations"][0];
    assert_eq!(invitation["status"], "invited");
    assert_eq!(invitation["last_message"], Value::Null);
    assert_eq!(invitation["unread_count"], 0);
    let (status, _) = app
        .get_json(
            &bob_token,
            &format!("/api/v1/conversations/{group}/messages"),
        )
        .await;
    assert_eq!(status, 404, "no history before accepting");
    let (_, found) = app.get_json(&bob_token, "/api/v1/search?q=secret").await;
    assert_eq!(found["results"].as_array().map(Vec::len), Some(0));
    a.send_message(group, "g2", "still secret")
        .await
        .expect("send");
    a.next_of("ack").await.expect("ack");
    assert!(
        b.all_of_for("message", Duration::from_millis(300))
            .await
            .is_empty(),
        "an invitee gets no live messages"
    );
    assert!(!contact_ids(&app, &bob_token).await.contains(&carol));

    app.accept(&bob_token, group).await;
    a.send_message(group, "g3", "welcome Bob")
        .await
        .expect("send");
    assert_eq!(
        b.next_of("message").await.expect("live now")["body"],
        "welcome Bob"
    );
    let contacts = contact_ids(&app, &bob_token).await;
    assert!(contacts.contains(&alice) && contacts.contains(&carol));
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_confirmed_consultation_makes_contacts_while_it_lasts(db: PgPool) {
    let app = tests::consultations::spawn(db).await;
    let people = cast(&app, 2, json!({})).await;
    let (lecturer, lecturer_token) = &people.lecturer;
    let (student, student_token) = &people.students[0];
    let (_, other_token) = &people.students[1];
    let slot = free_slots(&app, student_token, *lecturer).await[0];
    let booked: Value = book(&app, student_token, *lecturer, slot, "Thesis outline")
        .send()
        .await
        .expect("book")
        .json()
        .await
        .expect("booking json");
    let consultation = uuid_of(&booked["id"]);
    assert_eq!(booked["status"], "confirmed");

    assert_eq!(contact_ids(&app, lecturer_token).await, vec![*student]);
    assert_eq!(contact_ids(&app, student_token).await, vec![*lecturer]);
    assert!(contact_ids(&app, other_token).await.is_empty());
    // The booking is the consent: the direct conversation is open at once.
    let direct = app.open_direct(lecturer_token, *student).await;
    let (_, view) = app
        .get_json(student_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    assert_eq!(view["status"], "active");
    // Another student is still a stranger to the lecturer.
    let stranger = request_direct(&app, other_token, *lecturer).await;
    let stranger: Value = stranger.json().await.expect("json");
    assert_eq!(member(&stranger, *lecturer)["status"], "invited");

    let cancel = post(
        &app,
        student_token,
        &format!("/api/v1/consultations/{consultation}/cancel"),
        json!({ "reason": "found the answer" }),
    )
    .send()
    .await
    .expect("cancel");
    assert!(cancel.status().is_success(), "cancel: {}", cancel.status());
    // The direct conversation they accepted stays, so they stay contacts through it; without it
    // the cancelled booking alone no longer counts.
    assert_eq!(contact_ids(&app, student_token).await, vec![*lecturer]);
    sqlx::query("DELETE FROM conversations WHERE id = $1")
        .bind(direct)
        .execute(&app.db)
        .await
        .expect("delete the direct conversation");
    assert!(contact_ids(&app, student_token).await.is_empty());
}
