//! What the chat page's browser tests share: reading and waiting on the page, opening it, sending
//! from it, and the ids it shows.

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use tests::browser::{WAIT, text_of, type_into, wait_for};
use uuid::Uuid;

/// Polls until the visible text of `css` is exactly `expected` (a missing element counts as "").
pub(crate) async fn wait_for_exact_text(client: &Client, css: &str, expected: &str) {
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

/// Whether an element matching `css` exists and is displayed.
pub(crate) async fn is_displayed(client: &Client, css: &str) -> bool {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// Polls until no element matching `css` is displayed (missing or hidden).
pub(crate) async fn wait_until_gone(client: &Client, css: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while is_displayed(client, css).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} is still shown"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Goes to the chat page (a same-document hash change) and waits until the socket is up.
pub(crate) async fn open_chat(client: &Client) {
    client
        .execute("window.location.hash = '#/chat';", vec![])
        .await
        .expect("go to the chat page");
    wait_for(client, "#chat-page #connection-status[data-state=online]").await;
}

/// Types a message into the open conversation and sends it with Enter.
pub(crate) async fn send_message(client: &Client, text: &str) {
    type_into(
        client,
        "#composer textarea",
        &format!("{text}{}", Key::Enter),
    )
    .await;
}

/// The id of the conversation open in this browser.
pub(crate) async fn open_conversation_id(client: &Client) -> Uuid {
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
pub(crate) async fn wait_for_seen(client: &Client, seq: u64) {
    let css = format!("#thread .message.own[data-seq='{seq}'] .ticks[data-state=seen]");
    wait_for(client, &css).await;
}

pub(crate) fn item(conversation: Uuid) -> String {
    format!("#conversation-list .conversation-item[data-id='{conversation}']")
}

/// The id of the user signed in in this browser.
pub(crate) async fn my_id(client: &Client) -> Uuid {
    let me: serde_json::Value = client
        .execute("return fetch('/api/v1/me').then((r) => r.json());", vec![])
        .await
        .expect("run the script");
    me["id"].as_str().expect("my id").parse().expect("a UUID")
}
