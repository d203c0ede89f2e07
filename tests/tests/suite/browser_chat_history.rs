//! Chat history in real headless Chromium: scrolling to the top of a long conversation loads the
//! older page above, and the message that was in view stays in view.

use std::time::Duration;

use fantoccini::{Client, Locator};
use sqlx::PgPool;
use tests::TestApp;
use tests::browser::{Browser, WAIT, click, sign_up, wait_for_text};
use uuid::Uuid;

use crate::chat_page::{item, my_id, open_chat, wait_for_exact_text};

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
    let ada = my_id(c).await;
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
