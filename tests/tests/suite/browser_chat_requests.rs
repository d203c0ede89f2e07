//! The chat UI's consent steps in real headless Chromium: a stranger's request can be declined,
//! or its asker blocked (and unblocked from "Blocked people"); an asker may write 3 messages until
//! the request is accepted.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;
use sqlx::PgPool;
use tests::browser::{Browser, WAIT, click, sign_up, type_into, wait_for, wait_for_text};
use tests::chat::online;
use tests::ws::WsClient;
use tests::{TestApp, assert_refused, post};
use uuid::Uuid;

use crate::chat_page::{
    is_displayed, item, my_id, open_chat, open_conversation_id, send_message, wait_for_exact_text,
    wait_until_gone,
};

/// Sends a message from an API device and waits for its ack.
async fn send_and_ack(ws: &mut WsClient, conversation: Uuid, client_id: &str, body: &str) {
    ws.send_message(conversation, client_id, body)
        .await
        .expect("send the message");
    let ack = ws.next_of("ack").await.expect("the ack");
    assert_eq!(ack["client_id"], client_id, "acked: {ack}");
}

/// The rows of the conversation list in order: a conversation's id, or `h:` and a heading.
async fn list_rows(client: &Client) -> Vec<String> {
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#conversation-list > li')].map((li) =>
               li.classList.contains('conversation-heading') ? `h:${li.textContent}` : li.dataset.id);",
            vec![],
        )
        .await
        .expect("run the script");
    serde_json::from_value(rows).expect("a list of strings")
}

/// Polls until the conversation list shows exactly `expected` (see [`list_rows`]).
async fn wait_for_rows(client: &Client, expected: &[String]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = list_rows(client).await;
        if rows == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the list never showed {expected:?} (last: {rows:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_strangers_request_can_be_declined_and_its_asker_blocked(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::start(&[]).await.expect("start Chromium");
    let ada = &browser.client;
    let (_, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol Shaw").await;
    let (mallory, mallory_token) = app
        .user_with_token("mallory@uni.ac.uk", "Mallory Stone")
        .await;
    sign_up(ada, &app, "Ada Lovelace", "ada@uni.ac.uk").await;
    let ada_id = my_id(ada).await;
    let ada_token = app.token("ada@uni.ac.uk").await;
    let with_carol = app
        .open_accepted_direct(&carol_token, ada_id, &ada_token)
        .await;
    // Carol also invited Ada to a group and wrote in it before Ada's page loaded.
    let club = app
        .create_group(&carol_token, "Reading club", &[ada_id])
        .await;
    let mut carol_ws = online(&app, &carol_token).await;
    send_and_ack(&mut carol_ws, club, "c0", "First book: Dune").await;
    open_chat(ada).await;

    // Mallory, a stranger, asks Ada and writes; then Carol, a contact, writes. The request still
    // comes first, under "Requests", though Carol's message is newer.
    let request = app.open_direct(&mallory_token, ada_id).await;
    let mut mallory_ws = online(&app, &mallory_token).await;
    send_and_ack(
        &mut mallory_ws,
        request,
        "m1",
        "Hi Ada, can I borrow your notes?",
    )
    .await;
    send_and_ack(&mut carol_ws, with_carol, "c1", "See you at the lecture").await;
    wait_for_text(ada, &item(with_carol), "See you at the lecture").await;
    wait_for_rows(
        ada,
        &[
            "h:Requests (2)".to_owned(),
            request.to_string(),
            club.to_string(),
            "h:Conversations".to_owned(),
            with_carol.to_string(),
        ],
    )
    .await;
    wait_for_exact_text(
        ada,
        &format!("{} .conversation-tag", item(request)),
        "Request",
    )
    .await;
    let row = wait_for_text(ada, &item(request), "Mallory Stone").await;
    assert!(
        row.contains("wants to chat with you") && !row.contains("borrow"),
        "the request says who asks, not what they wrote: {row:?}"
    );

    // Opening it: the banner says who asks, the message can be read, there is no composer and
    // nothing about Mallory's presence.
    click(ada, &format!("{} button", item(request))).await;
    wait_for_text(
        ada,
        "#request-banner",
        "Mallory Stone wants to chat with you",
    )
    .await;
    wait_for_text(ada, "#thread .message[data-seq='1']", "borrow your notes").await;
    assert!(
        !is_displayed(ada, "#composer").await,
        "no composer before accepting"
    );
    wait_for_exact_text(ada, ".thread-subtitle", "Chat request").await;

    // Declining removes it from the list (the server deleted it: Mallory cannot open it either).
    click(ada, "#request-decline").await;
    wait_until_gone(ada, &item(request)).await;
    wait_for(ada, ".thread-placeholder").await;
    wait_for_text(
        ada,
        "#chat-notice",
        "You declined the request from Mallory Stone",
    )
    .await;
    wait_for_rows(
        ada,
        &[
            "h:Requests (1)".to_owned(),
            club.to_string(),
            "h:Conversations".to_owned(),
            with_carol.to_string(),
        ],
    )
    .await;
    let (status, _) = app
        .get_json(&mallory_token, &format!("/api/v1/conversations/{request}"))
        .await;
    assert_eq!(status, 404, "a declined request is deleted");

    // The group invitation, listed since the page loaded, shows nothing of the group when opened
    // and stays until answered; declining it removes it.
    let invitation =
        wait_for_text(ada, &item(club), "Carol Shaw invited you to Reading club").await;
    assert!(
        !invitation.contains("Dune"),
        "no message preview: {invitation:?}"
    );
    click(ada, &format!("{} button", item(club))).await;
    wait_for_text(
        ada,
        "#request-banner",
        "Carol Shaw invited you to the group",
    )
    .await;
    wait_for_text(ada, "#thread .thread-status", "Accept to read the group").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        is_displayed(ada, &item(club)).await && is_displayed(ada, "#request-banner").await,
        "looking at an invitation does not lose it"
    );
    assert!(
        ada.find(Locator::Css("#thread .message")).await.is_err(),
        "none of the group's messages before accepting"
    );
    click(ada, "#request-decline").await;
    wait_until_gone(ada, &item(club)).await;
    wait_for_text(
        ada,
        "#chat-notice",
        "You declined the invitation to “Reading club”",
    )
    .await;
    wait_for_rows(ada, &[with_carol.to_string()]).await;

    // Mallory asks again. Block asks to confirm in the page; cancelling keeps the request.
    let again = app.open_direct(&mallory_token, ada_id).await;
    wait_for_exact_text(
        ada,
        &format!("{} .conversation-tag", item(again)),
        "Request",
    )
    .await;
    click(ada, &format!("{} button", item(again))).await;
    click(ada, "#request-block").await;
    wait_for_text(ada, "#request-banner", "Block Mallory Stone?").await;
    assert!(
        is_displayed(ada, "#request-block-confirm").await,
        "the block waits for a confirmation"
    );
    click(ada, "#request-block-cancel").await;
    wait_until_gone(ada, "#request-block-confirm").await;
    assert!(
        is_displayed(ada, &item(again)).await && is_displayed(ada, "#request-accept").await,
        "cancelling keeps the request"
    );
    click(ada, "#request-block").await;
    click(ada, "#request-block-confirm").await;
    wait_until_gone(ada, &item(again)).await;
    wait_for_text(ada, "#chat-notice", "You blocked Mallory Stone").await;

    // Blocked: Mallory's next request is refused, and Ada cannot start a chat with her either.
    assert_refused(
        post(
            &app,
            &mallory_token,
            "/api/v1/conversations",
            json!({ "kind": "direct", "user_id": ada_id }),
        ),
        403,
        "forbidden",
    )
    .await;
    click(ada, "#new-direct-button").await;
    type_into(ada, "#new-direct-form input[name=q]", "Mallory").await;
    wait_for_text(ada, "#new-direct-form .pick-person", "Mallory Stone").await;
    click(ada, "#new-direct-form .pick-person").await;
    wait_for_text(
        ada,
        "#new-direct-form .form-error",
        "You blocked this person",
    )
    .await;
    click(ada, "#new-direct-dialog .dialog-actions .button-ghost").await;
    wait_until_gone(ada, "#new-direct-dialog").await;

    // "Blocked people" lists her; unblocking lets her ask again (live in Ada's list).
    click(ada, "#blocked-people-button").await;
    wait_for_text(ada, "#blocked-list", "Mallory Stone").await;
    click(
        ada,
        &format!("#blocked-list .unblock-button[data-user-id='{mallory}']"),
    )
    .await;
    wait_for_text(ada, "#blocked-dialog", "You have not blocked anyone").await;
    let (_, blocks) = app.get_json(&ada_token, "/api/v1/me/blocks").await;
    assert_eq!(blocks["blocked"], json!([]), "unblocked on the server");
    click(ada, "#blocked-dialog .dialog-actions .button-ghost").await;
    wait_until_gone(ada, "#blocked-dialog").await;
    let third = app.open_direct(&mallory_token, ada_id).await;
    wait_for_exact_text(
        ada,
        &format!("{} .conversation-tag", item(third)),
        "Request",
    )
    .await;

    mallory_ws.close().await;
    carol_ws.close().await;
    browser.client.clone().close().await.unwrap();
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_asker_of_a_request_writes_three_messages_until_it_is_accepted(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::start(&[]).await.expect("start Chromium");
    let ada = &browser.client;
    let (_, dave_token) = app.user_with_token("dave@uni.ac.uk", "Dave Clark").await;
    sign_up(ada, &app, "Ada Lovelace", "ada@uni.ac.uk").await;
    open_chat(ada).await;

    click(ada, "#new-direct-button").await;
    type_into(ada, "#new-direct-form input[name=q]", "Dave").await;
    wait_for_text(ada, "#new-direct-form .pick-person", "Dave Clark").await;
    click(ada, "#new-direct-form .pick-person").await;
    let request = open_conversation_id(ada).await;
    wait_for_text(
        ada,
        "#request-banner",
        "Waiting for Dave Clark to accept. You can send up to 3 messages until then.",
    )
    .await;
    wait_for_text(ada, "#request-banner", "3 of 3 left").await;
    wait_for_exact_text(ada, ".thread-subtitle", "Request sent").await;
    wait_for_exact_text(
        ada,
        &format!("{} .conversation-tag", item(request)),
        "Pending",
    )
    .await;

    for seq in 1..=3 {
        send_message(ada, &format!("Question {seq} about the exam")).await;
        wait_for(ada, &format!("#thread .message.own[data-seq='{seq}']")).await;
    }
    wait_for_text(ada, "#request-banner", "You have sent all 3").await;
    // A fourth is refused by the server until Dave accepts; the composer says why.
    send_message(ada, "Question 4 about the exam").await;
    wait_for_text(ada, "#composer-error", "has not been accepted yet").await;
    wait_for_text(ada, "#thread .message.own.failed", "Question 4").await;

    // Dave accepts (on his phone): the notice goes live and Ada can write again.
    app.accept(&dave_token, request).await;
    wait_until_gone(ada, "#request-banner").await;
    wait_until_gone(ada, &format!("{} .conversation-tag", item(request))).await;
    click(ada, "#thread .message.own.failed .message-discard").await;
    send_message(ada, "Thanks for accepting").await;
    wait_for_text(
        ada,
        "#thread .message.own[data-seq='4']",
        "Thanks for accepting",
    )
    .await;
    wait_until_gone(ada, "#composer-error").await;

    browser.client.clone().close().await.unwrap();
}
