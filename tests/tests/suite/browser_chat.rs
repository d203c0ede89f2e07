//! The chat UI in real headless Chromium: two browsers as two users start a direct chat from the
//! "New chat" dialog (a request the other accepts) and a group from the "New group" dialog (an
//! invitation the other accepts), exchange live messages, see typing, delivery ticks up to "seen",
//! unread badges (also cleared by reading on another device), search, a reconnect that keeps and
//! resends a pending message, and history scroll-back. The consent steps (decline, block, the
//! asker's three messages) are in `browser_chat_requests`.

use fantoccini::{Client, Locator};
use serde_json::json;
use sqlx::PgPool;
use tests::browser::{Browser, click, sign_up, type_into, wait_for, wait_for_text};

use tests::TestApp;
use tests::ws::WsClient;
use uuid::Uuid;

use crate::chat_page::{
    is_displayed, item, open_chat, open_conversation_id, send_message, wait_for_exact_text,
    wait_for_seen, wait_until_gone,
};

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

    // It appears in Bob's list live as a request under "Requests"; Ada is told it waits for Bob.
    wait_for_text(bob, &item(direct), "wants to chat with you").await;
    wait_for_exact_text(
        bob,
        &format!("{} .conversation-tag", item(direct)),
        "Request",
    )
    .await;
    wait_for_text(
        bob,
        "#conversation-list .conversation-heading",
        "Requests (1)",
    )
    .await;
    wait_for_exact_text(
        ada,
        &format!("{} .conversation-tag", item(direct)),
        "Pending",
    )
    .await;
    wait_for_text(ada, "#request-banner", "Waiting for Bob Kahn to accept").await;
    wait_for_text(ada, "#request-banner", "up to 3 messages").await;
    assert!(
        !is_displayed(ada, "#request-accept").await,
        "the asker has nothing to accept"
    );
    click(bob, &format!("{} button", item(direct))).await;
    wait_for_text(bob, ".thread-title", "Ada Lovelace").await;
    wait_for_text(
        bob,
        "#request-banner",
        "Ada Lovelace wants to chat with you",
    )
    .await;
    assert!(
        !is_displayed(bob, "#composer").await,
        "Bob cannot write before he accepts"
    );
    // Neither sees the other online before Bob accepts (presence is between contacts only).
    for (who, client) in [("Ada", ada), ("Bob", bob)] {
        assert!(
            !is_displayed(client, &format!("{} .presence-dot.online", item(direct))).await,
            "before Bob accepts, {who} sees no presence"
        );
    }
    click(bob, "#request-accept").await;
    // Accepted: the banners go, Bob can write, and both are online, so each sees the other's
    // presence dot lit.
    wait_until_gone(bob, "#request-banner").await;
    wait_until_gone(ada, "#request-banner").await;
    wait_for(bob, "#composer textarea").await;
    assert!(is_displayed(bob, "#composer").await, "Bob can write now");
    wait_for(ada, &format!("{} .presence-dot.online", item(direct))).await;
    wait_for(bob, &format!("{} .presence-dot.online", item(direct))).await;
    wait_for_text(ada, ".thread-subtitle", "Online").await;
    wait_until_gone(bob, "#conversation-list .conversation-heading").await;
    wait_until_gone(ada, &format!("{} .conversation-tag", item(direct))).await;
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
    // Ada still has the direct chat open: the group shows up as Bob's invitation, with no preview
    // of its message.
    let invitation = wait_for_text(ada, &item(group), "Bob Kahn invited you to Study group").await;
    assert!(
        !invitation.contains("Group meeting"),
        "an invitation shows none of the group's messages: {invitation:?}"
    );
    wait_for_exact_text(
        ada,
        &format!("{} .conversation-tag", item(group)),
        "Invitation",
    )
    .await;
    wait_for_exact_text(ada, &format!("{} .unread-badge", item(direct)), "").await;
    // Opening it shows the invitation and no messages.
    click(ada, &format!("{} button", item(group))).await;
    wait_for_text(
        ada,
        "#request-banner",
        "Bob Kahn invited you to the group “Study group”",
    )
    .await;
    wait_for_text(ada, "#thread .thread-status", "Accept to read the group").await;
    assert!(
        ada.find(Locator::Css("#thread .message")).await.is_err(),
        "no message before accepting"
    );
    assert!(
        !is_displayed(ada, "#composer").await,
        "Ada cannot write before she accepts"
    );
    // Accepting loads the message, the badge stays clear as she is reading, and Bob sees it seen.
    click(ada, "#request-accept").await;
    wait_for_text(ada, "#thread .message[data-seq='1']", "Group meeting").await;
    wait_until_gone(ada, "#request-banner").await;
    assert!(is_displayed(ada, "#composer").await, "Ada can write now");
    wait_for_text(ada, &item(group), "Group meeting at noon").await;
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
