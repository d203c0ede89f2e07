//! The chat UI in real headless Chromium: two browsers as two users start a direct chat from the
//! "New chat" dialog and a group from the "New group" dialog, exchange live messages, see typing,
//! delivery ticks up to "seen", unread badges (also cleared by reading on another device), search,
//! a reconnect that keeps and resends a pending message, and history scroll-back.

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;
use sqlx::PgPool;
use tests::TestApp;
use tests::browser::{Browser, WAIT, click, sign_up, text_of, type_into, wait_for, wait_for_text};
use tests::ws::WsClient;
use uuid::Uuid;

/// Polls until the visible text of `css` is exactly `expected` (a missing element counts as "").
async fn wait_for_exact_text(client: &Client, css: &str, expected: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = text_of(client, css).await.unwrap_or_default();
        if text.trim() == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} never showed exactly {expected:?} (last: {text:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Goes to the chat page (a same-document hash change) and waits until the socket is up.
async fn open_chat(client: &Client) {
    client
        .execute("window.location.hash = '#/chat';", vec![])
        .await
        .expect("go to the chat page");
    wait_for(client, "#chat-page #connection-status[data-state=online]").await;
}

/// Types a message into the open conversation and sends it with Enter.
async fn send_message(client: &Client, text: &str) {
    type_into(
        client,
        "#composer textarea",
        &format!("{text}{}", Key::Enter),
    )
    .await;
}

/// The id of the conversation open in this browser.
async fn open_conversation_id(client: &Client) -> Uuid {
    wait_for(client, "#conversation-list .conversation-item.active")
        .await
        .attr("data-id")
        .await
        .expect("read data-id")
        .expect("data-id")
        .parse()
        .expect("uuid")
}

/// Waits until the browser's own message `seq` in the open conversation shows the "seen" ticks.
async fn wait_for_seen(client: &Client, seq: u64) {
    let css = format!("#thread .message.own[data-seq='{seq}'] .ticks[data-state=seen]");
    wait_for(client, &css).await;
}

fn item(conversation: Uuid) -> String {
    format!("#conversation-list .conversation-item[data-id='{conversation}']")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn two_users_chat_live_with_typing_receipts_unread_badges_and_search(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let ada_browser = Browser::start(&[]).await.expect("start Chromium");
    let bob_browser = Browser::start(&[]).await.expect("start Chromium");
    let (ada, bob) = (&ada_browser.client, &bob_browser.client);

    sign_up(ada, &app, "Ada Lovelace", "ada@uni.ac.uk").await;
    sign_up(bob, &app, "Bob Kahn", "bob@uni.ac.uk").await;
    record_sockets(ada).await;
    open_chat(ada).await;
    open_chat(bob).await;

    let direct = ada_starts_a_direct_chat_with_bob(ada, bob).await;
    they_chat_with_typing_and_seen_ticks(ada, bob).await;
    let group = bob_creates_a_group_and_writes_in_it(bob).await;
    ada_opens_the_unread_group(ada, bob, group, direct).await;
    let ada_phone = reading_on_a_phone_clears_the_badge(&app, ada, bob, direct).await;
    search_jumps_to_the_match(ada, direct).await;
    a_pending_message_is_resent_after_a_reconnect(&app, ada, bob, direct, &ada_phone).await;

    ada_browser.client.clone().close().await.unwrap();
    bob_browser.client.clone().close().await.unwrap();
}

/// Records every WebSocket the page opens, so the test can cut the connection later.
async fn record_sockets(client: &Client) {
    client
        .execute(
            "const Native = window.WebSocket;
             window.__sockets = [];
             window.WebSocket = class extends Native {
               constructor(url, protocols) {
                 super(window.__blockSockets ? 'ws://127.0.0.1:9/' : url, protocols);
                 window.__sockets.push(this);
               }
             };",
            vec![],
        )
        .await
        .expect("run the script");
}

/// Ada starts a direct chat with Bob from the "New chat" dialog; returns its id.
async fn ada_starts_a_direct_chat_with_bob(ada: &Client, bob: &Client) -> Uuid {
    click(ada, "#new-direct-button").await;
    type_into(ada, "#new-direct-form input[name=q]", "Bob").await;
    wait_for_text(ada, "#new-direct-form .pick-person", "Bob Kahn").await;
    click(ada, "#new-direct-form .pick-person").await;
    let direct = open_conversation_id(ada).await;
    wait_for_text(ada, ".thread-title", "Bob Kahn").await;

    // It appears in Bob's list live as a request; Ada is told it waits for Bob.
    wait_for_text(bob, &item(direct), "Request from Ada Lovelace").await;
    wait_for_text(ada, "#request-banner", "Waiting for Bob Kahn to accept").await;
    click(bob, &format!("{} button", item(direct))).await;
    wait_for_text(bob, ".thread-title", "Ada Lovelace").await;
    wait_for_text(
        bob,
        "#request-banner",
        "Ada Lovelace wants to chat with you",
    )
    .await;
    assert!(
        ada.find(Locator::Css(&format!(
            "{} .presence-dot.online",
            item(direct)
        )))
        .await
        .is_err(),
        "before Bob accepts, Ada does not see him online"
    );
    click(bob, "#request-accept").await;
    // Accepted: both are online, so each sees the other's presence dot lit.
    wait_for(ada, &format!("{} .presence-dot.online", item(direct))).await;
    wait_for(bob, &format!("{} .presence-dot.online", item(direct))).await;
    direct
}

/// Messages both ways in the open direct chat, with typing shown and ticks going to "seen".
async fn they_chat_with_typing_and_seen_ticks(ada: &Client, bob: &Client) {
    // Ada's message reaches Bob; Bob has the conversation open, so it is seen at once.
    send_message(ada, "Hello Bob, are you free for a consultation?").await;
    wait_for_text(
        bob,
        "#thread .message[data-seq='1']",
        "free for a consultation",
    )
    .await;
    wait_for_seen(ada, 1).await;
    assert!(
        bob.find(Locator::Css("#thread .message[data-seq='1'].own"))
            .await
            .is_err(),
        "Ada's message is not Bob's own"
    );

    // Bob types: Ada sees it; Bob sends with the button: Ada gets the reply and the indicator goes.
    type_into(bob, "#composer textarea", "Sure, see you at 3").await;
    wait_for_text(ada, "#typing-indicator", "Bob Kahn is typing").await;
    click(bob, "#send-button").await;
    wait_for_text(ada, "#thread .message[data-seq='2']", "see you at 3").await;
    wait_for_exact_text(ada, "#typing-indicator", "").await;
    wait_for_seen(bob, 2).await;
    // `CHATTERLY_SCREENSHOT=docs/screenshot.png` refreshes the README's picture from this moment.
    if let Ok(path) = std::env::var("CHATTERLY_SCREENSHOT") {
        let png = bob.screenshot().await.expect("screenshot");
        std::fs::write(path, png).expect("write screenshot");
    }
}

/// Bob creates a group with Ada from the "New group" dialog and writes in it; returns its id.
async fn bob_creates_a_group_and_writes_in_it(bob: &Client) -> Uuid {
    click(bob, "#new-group-button").await;
    type_into(bob, "#new-group-form [name=name]", "Study group").await;
    type_into(bob, "#new-group-form input[name=q]", "Ada").await;
    wait_for_text(bob, "#new-group-form .pick-person", "Ada Lovelace").await;
    click(bob, "#new-group-form .pick-person input[type=checkbox]").await;
    click(bob, "#new-group-form [type=submit]").await;
    wait_for_text(bob, ".thread-title", "Study group").await;
    let group = open_conversation_id(bob).await;
    send_message(bob, "Group meeting at noon in the library").await;
    group
}

/// The group is an invitation on Ada's list, showing nothing of its messages until she accepts.
async fn ada_opens_the_unread_group(ada: &Client, bob: &Client, group: Uuid, direct: Uuid) {
    // Ada still has the direct chat open: the group shows up as Bob's invitation, no preview.
    wait_for_text(ada, &item(group), "Bob Kahn invited you").await;
    wait_for_exact_text(ada, &format!("{} .unread-badge", item(group)), "").await;
    wait_for_exact_text(ada, &format!("{} .unread-badge", item(direct)), "").await;
    // Opening it shows the invitation; accepting loads the message, and Bob sees it seen.
    click(ada, &format!("{} button", item(group))).await;
    wait_for_text(ada, "#request-banner", "invited you to the group").await;
    assert!(
        ada.find(Locator::Css("#thread .message")).await.is_err(),
        "no message before accepting"
    );
    click(ada, "#request-accept").await;
    wait_for_text(ada, "#thread .message[data-seq='1']", "Group meeting").await;
    wait_for_exact_text(ada, &format!("{} .unread-badge", item(group)), "").await;
    wait_for_seen(bob, 1).await;
}

/// A badge for Bob's new message, cleared by Ada reading on her phone (its token is returned).
async fn reading_on_a_phone_clears_the_badge(
    app: &TestApp,
    ada: &Client,
    bob: &Client,
    direct: Uuid,
) -> String {
    // Bob writes in the direct chat while Ada looks at the group: a badge on the direct chat,
    // which Ada's phone (an API device) clears by reading it there.
    click(bob, &format!("{} button", item(direct))).await;
    send_message(bob, "Bring your notes please").await;
    wait_for_exact_text(ada, &format!("{} .unread-badge", item(direct)), "1").await;
    let ada_phone = app.token("ada@uni.ac.uk").await;
    let mut phone = WsClient::connect(app.addr, &ada_phone)
        .await
        .expect("connect the phone");
    phone
        .send(json!({ "type": "read", "conversation": direct, "seq": 3 }))
        .await
        .expect("send the read receipt");
    wait_for_exact_text(ada, &format!("{} .unread-badge", item(direct)), "").await;
    phone.close().await;
    ada_phone
}

/// Search finds the first message and jumps to it in its conversation.
async fn search_jumps_to_the_match(ada: &Client, direct: Uuid) {
    type_into(ada, "#chat-search input", "consultation").await;
    wait_for_text(ada, "#search-results .search-result", "consultation").await;
    let snippet = wait_for(ada, "#search-results .search-result mark").await;
    let snippet = snippet.text().await.expect("read the text").to_lowercase();
    assert!(snippet.contains("consult"), "the match is highlighted");
    click(ada, "#search-results .search-result").await;
    wait_for(
        ada,
        &format!(".thread-view[data-conversation='{direct}'] #thread .message[data-seq='1']"),
    )
    .await;
    assert_eq!(open_conversation_id(ada).await, direct);
    ada.find(Locator::Css("#chat-search input"))
        .await
        .expect("find the element")
        .clear()
        .await
        .expect("clear the input");
}

/// A message sent offline waits and is resent once; `ada_phone` (her token) reads the history.
async fn a_pending_message_is_resent_after_a_reconnect(
    app: &TestApp,
    ada: &Client,
    bob: &Client,
    direct: Uuid,
    ada_phone: &str,
) {
    // Ada's connection drops and cannot come back for a while: the page says so, her message
    // waits as pending, and Bob's message sent meanwhile is caught up after the reconnect.
    ada.execute(
        "window.__blockSockets = true; window.__sockets.forEach((s) => s.close());",
        vec![],
    )
    .await
    .expect("run the script");
    wait_for_text(ada, "#connection-status", "Reconnecting").await;
    send_message(ada, "Sent while offline").await;
    wait_for(
        ada,
        "#thread .message.own.pending .ticks[data-state=pending]",
    )
    .await;
    send_message(bob, "Are you still there?").await;
    wait_for(bob, "#thread .message.own[data-seq='4']").await;
    ada.execute(
        "window.__blockSockets = false; window.dispatchEvent(new Event('online'));",
        vec![],
    )
    .await
    .expect("run the script");
    wait_for(ada, "#connection-status[data-state=online]").await;
    wait_for_text(ada, "#thread .message[data-seq='4']", "still there").await;
    wait_for_text(bob, "#thread .message[data-seq='5']", "Sent while offline").await;
    wait_for_seen(ada, 5).await;
    assert!(
        ada.find(Locator::Css("#thread .message.pending"))
            .await
            .is_err(),
        "nothing is left pending"
    );
    let (_, history) = app
        .get_json(
            ada_phone,
            &format!("/api/v1/conversations/{direct}/messages"),
        )
        .await;
    assert_eq!(
        history["messages"].as_array().map(Vec::len),
        Some(5),
        "the resent message was stored once: {history}"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn older_history_loads_when_scrolling_to_the_top(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::start(&[]).await.expect("start Chromium");
    let c = &browser.client;
    let direct = ada_has_120_messages_from_carol(&app, c).await;

    open_chat(c).await;
    wait_for_exact_text(c, &format!("{} .unread-badge", item(direct)), "120").await;
    click(c, &format!("{} button", item(direct))).await;
    wait_for_text(c, "#thread .message[data-seq='120']", "Line 120").await;
    wait_for_exact_text(c, &format!("{} .unread-badge", item(direct)), "").await;
    assert!(
        c.find(Locator::Css("#thread .message[data-seq='1']"))
            .await
            .is_err(),
        "only the latest page is loaded at first"
    );

    // Scrolling to the top loads the previous page and keeps the same messages in view.
    for _ in 0..5 {
        if c.find(Locator::Css("#thread .message[data-seq='1']"))
            .await
            .is_ok()
        {
            break;
        }
        scroll_to_the_top_and_stay_in_place(c).await;
    }
    wait_for_text(c, "#thread .thread-status", "start of the conversation").await;

    browser.client.clone().close().await.unwrap();
}

/// Signs Ada up in the browser `c` and has Carol send her 120 messages in a direct chat (its id).
async fn ada_has_120_messages_from_carol(app: &TestApp, c: &Client) -> Uuid {
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol Shaw").await;
    sign_up(c, app, "Ada Lovelace", "ada@uni.ac.uk").await;
    let me: serde_json::Value = c
        .execute("return fetch('/api/v1/me').then((r) => r.json());", vec![])
        .await
        .expect("run the script");
    let ada: Uuid = me["id"].as_str().expect("my id").parse().expect("a UUID");
    let direct = app.open_direct(&carol_token, ada).await;
    models::conversation::accept(&app.db, direct, ada)
        .await
        .expect("Ada accepts Carol's request");
    for i in 1..=120 {
        models::message::send(
            &app.db,
            direct,
            carol,
            &format!("k{i}"),
            &format!("Line {i} of the reading list"),
        )
        .await
        .expect("store message");
    }
    direct
}

/// Scrolls the thread to the top, waits for the previous page, and checks that the message
/// that was first before stays in view.
async fn scroll_to_the_top_and_stay_in_place(c: &Client) {
    let first_before = c
        .execute(
            "const t = document.getElementById('thread');
             t.scrollTop = 0;
             return t.querySelector('.message[data-seq]').dataset.seq;",
            vec![],
        )
        .await
        .expect("run the script");
    let deadline = tokio::time::Instant::now() + WAIT;
    let view = loop {
        let view = c
            .execute(
                "const t = document.getElementById('thread');
                 const old = t.querySelector(`.message[data-seq='${arguments[0]}']`);
                 return {
                   first: t.querySelector('.message[data-seq]').dataset.seq,
                   offset: old.getBoundingClientRect().top - t.getBoundingClientRect().top,
                   height: t.clientHeight,
                 };",
                vec![first_before.clone()],
            )
            .await
            .expect("run the script");
        if view["first"] != first_before {
            break view;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "scrolling to the top did not load older messages"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (offset, height) = (
        view["offset"].as_f64().expect("a number"),
        view["height"].as_f64().expect("a number"),
    );
    assert!(
        (-1.0..height).contains(&offset),
        "message {first_before} stays in view after older ones load above it: {view}"
    );
}
