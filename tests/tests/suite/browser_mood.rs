//! Mood in real headless Chromium: a student answers the first-use prompt (nothing is shared
//! before), choosing lecturers; the lecturer's contacts page shows her mood as soon as the job
//! measures it (live, from the `mood` frame) and opens the history chart; the student sees what
//! was measured about her on her account page and deletes it all, and the lecturer's page clears
//! it at once; the admin page shows the model versions with their confusion heatmaps.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;
use sqlx::PgPool;
use tests::TestApp;
use tests::browser::{Browser, click, log_in, open_page, sign_up, wait_for, wait_for_text};
use tests::ws::WsClient;
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_lecturer_sees_a_students_mood_live_once_she_chooses_until_she_deletes_it(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| {
        c.mood_window_seconds = 1;
        c.mood_grace_ms = 200;
    })
    .await;
    let admin_browser = Browser::start(&[]).await.expect("start Chromium");
    let lecturer_browser = Browser::start(&[]).await.expect("start Chromium");
    let (admin, lecturer) = (&admin_browser.client, &lecturer_browser.client);

    let admin_token = the_admin_page_lists_the_builtin_model(admin, &app).await;
    let (teacher_id, teacher_token) = app.user_with_token("grace@uni.ac.uk", "Dr Grace").await;
    app.promote_to_lecturer(&admin_token, teacher_id).await;
    let (alice, alice_token) = app
        .user_with_token("alice@uni.ac.uk", "Alice Student")
        .await;
    let direct = app
        .open_accepted_direct(&teacher_token, alice, &alice_token)
        .await;

    log_in(lecturer, &app, "grace@uni.ac.uk").await;
    open_page(lecturer, "/contacts", "#contacts-page").await;
    wait_for_text(lecturer, "#contact-list", "Alice Student").await;
    wait_for_text(lecturer, "#contact-list", "No mood shared").await;

    // Alice answers the first-use prompt (same admin browser, now as Alice).
    alice_chooses_lecturers_in_the_prompt(admin, &app, &alice_token).await;
    alice_writes_sadly(&app, &alice_token, direct).await;
    the_lecturer_sees_the_mood_live(lecturer).await;
    alice_deletes_what_was_measured(admin).await;
    the_lecturer_no_longer_sees_the_mood(lecturer).await;
    // Turning lecturers off on the account page says that nobody sees it.
    click(admin, "#mood-share-lecturers").await;
    wait_for_text(admin, "#mood-panel", "Sharing is off").await;
}

/// Logs the admin's browser out and Alice in: the prompt says who would see what, she chooses
/// lecturers, and it goes away for good.
async fn alice_chooses_lecturers_in_the_prompt(browser: &Client, app: &TestApp, token: &str) {
    browser
        .delete_all_cookies()
        .await
        .expect("log the admin out");
    browser.goto("about:blank").await.expect("leave the app");
    log_in(browser, app, "alice@uni.ac.uk").await;
    let prompt = wait_for_text(browser, "#mood-prompt", "Who may see your mood?").await;
    for words in [
        "Lecturers",
        "Fellow students",
        "only sees what was measured in the conversations",
    ] {
        assert!(
            prompt.contains(words),
            "the prompt says {words:?}: {prompt}"
        );
    }
    assert!(
        browser
            .find(Locator::Css(
                "#mood-prompt-lecturers:checked, #mood-prompt-students:checked"
            ))
            .await
            .is_err(),
        "nothing is chosen beforehand"
    );
    click(browser, "#mood-prompt-lecturers").await;
    click(browser, "#mood-prompt-save").await;
    wait_for_text(browser, "#mood-prompt", "fellow students do not").await;
    let mine = app.get_json(token, "/api/v1/me/mood").await.1;
    assert_eq!(
        (&mine["chosen"], &mine["lecturers"], &mine["students"]),
        (&json!(true), &json!(true), &json!(false))
    );
    // Answered: it is not shown again.
    browser.refresh().await.expect("reload");
    wait_for(browser, "#home-page").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        browser.find(Locator::Css("#mood-prompt")).await.is_err(),
        "answered once"
    );
}

/// The first account is the admin: the mood admin page lists the built-in model. Returns the
/// admin's token.
async fn the_admin_page_lists_the_builtin_model(admin: &Client, app: &TestApp) -> String {
    sign_up(admin, app, "Ada Admin", "admin@uni.ac.uk").await;
    let admin_token = app.token("admin@uni.ac.uk").await;
    open_page(admin, "/admin/mood", "#mood-admin-page").await;
    wait_for_text(admin, "#version-table", "builtin").await;
    wait_for_text(admin, "#version-table", "active").await;
    wait_for(admin, ".compare table.heatmap td.diagonal").await;
    admin_token
}

/// Alice sends two sad messages to the `direct` conversation with her lecturer.
async fn alice_writes_sadly(app: &TestApp, alice_token: &str, direct: Uuid) {
    let mut ws = WsClient::connect(app.addr, alice_token)
        .await
        .expect("connect");
    for (i, body) in [
        "I failed the exam and I feel awful",
        "honestly I am so sad and hopeless",
    ]
    .iter()
    .enumerate()
    {
        ws.send_message(direct, &format!("b-{i}"), body)
            .await
            .expect("send the message");
        ws.next_of("ack").await.expect("the ack");
    }
}

/// The contacts page, the chat list and the history chart show the measured mood.
async fn the_lecturer_sees_the_mood_live(lecturer: &Client) {
    // Measured within a window and pushed: the badge appears without a reload.
    let badge = wait_for(
        lecturer,
        "#contact-list .mood-badge[data-emotion=sad], #contact-list .mood-badge[data-emotion=very_sad]",
    )
    .await;
    assert!(badge.text().await.expect("read the text").contains("Sad"));
    // The chat list shows it beside the direct conversation too.
    open_page(lecturer, "/chat", "#conversation-list").await;
    wait_for_text(lecturer, "#conversation-list .mood-badge", "Sad").await;
    open_page(
        lecturer,
        "/contacts",
        "#contact-list .mood-badge[data-emotion]",
    )
    .await;
    click(lecturer, "#contact-list .contact button[aria-expanded]").await;
    wait_for(
        lecturer,
        "#contact-list svg.mood-chart polyline.mood-line-emotion",
    )
    .await;
    // A correction may let an admin read the text; it does not unless ticked.
    wait_for(
        lecturer,
        "#contact-list .correction-form input[name=share_text]:not(:checked)",
    )
    .await;
}

/// Alice's account page lists what was measured about her; she deletes it all (after
/// confirming).
async fn alice_deletes_what_was_measured(browser: &Client) {
    open_page(
        browser,
        "/account",
        "#mood-panel #mood-share-lecturers:checked",
    )
    .await;
    wait_for_text(
        browser,
        "#mood-panel",
        "Lecturers you chat with see your mood",
    )
    .await;
    wait_for(browser, "#measured-list .measured-reading").await;
    wait_for_text(browser, "#measured-list", "Emotion: ").await;
    she_sees_which_words_pushed_her_reading(browser).await;
    click(browser, "#mood-delete-all").await;
    wait_for_text(browser, "#mood-delete-confirm", "cannot be undone").await;
    click(browser, "#mood-delete-confirm-yes").await;
    wait_for_text(
        browser,
        "#mood-measured",
        "Nothing measured about you is stored now",
    )
    .await;
    assert!(
        browser
            .find(Locator::Css("#measured-list .measured-reading"))
            .await
            .is_err()
    );
}

/// "Why?" on her reading lists her own sad words as pushing the emotion towards its class, with
/// the correction form beside them.
async fn she_sees_which_words_pushed_her_reading(browser: &Client) {
    click(
        browser,
        "#measured-list .measured-reading .reading-why-button",
    )
    .await;
    wait_for_text(browser, "#measured-list .reading-why", "pushed towards").await;
    wait_for(browser, "#measured-list .reading-why .correction-form").await;
    let towards = browser
        .find_all(Locator::Css("#measured-list .reading-why .pushed-towards"))
        .await
        .expect("find contributions");
    let mut texts = Vec::new();
    for item in towards {
        texts.push(item.text().await.expect("text of a contribution"));
    }
    let joined = texts.join(" | ");
    assert!(
        ["“sad”", "“hopeless”", "“awful”", "“failed”"]
            .iter()
            .any(|w| joined.contains(w)),
        "her sad words push the reading: {joined}"
    );
    let panel = browser
        .find(Locator::Css("#measured-list .reading-why"))
        .await
        .expect("the explanation")
        .text()
        .await
        .expect("its text");
    assert!(panel.contains("Emotion: "), "{panel}");
}

/// The lecturer's contacts page clears the mood at once, and so does the chat list.
async fn the_lecturer_no_longer_sees_the_mood(lecturer: &Client) {
    wait_for_text(lecturer, "#contact-list", "No mood shared").await;
    assert!(
        lecturer
            .find(Locator::Css("#contact-list .mood-badge[data-emotion]"))
            .await
            .is_err(),
        "the lecturer no longer sees Alice's mood"
    );
    // And from the chat list.
    open_page(lecturer, "/chat", "#conversation-list .conversation-item").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        lecturer
            .find(Locator::Css("#conversation-list .mood-badge"))
            .await
            .is_err()
    );
}
