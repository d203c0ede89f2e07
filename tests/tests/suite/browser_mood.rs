//! Mood in real headless Chromium: a lecturer's contacts page shows a student's mood as soon as
//! the job measures it (live, from the `mood` frame) and opens the history chart; the student
//! turns sharing off in account settings and the lecturer's page clears it at once; the admin
//! page shows the model versions with their confusion heatmaps.

use std::time::Duration;

use fantoccini::Client;
use sqlx::PgPool;
use tests::TestApp;
use tests::browser::{Browser, click, log_in, open_page, sign_up, wait_for, wait_for_text};
use tests::ws::WsClient;
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_lecturer_sees_a_students_mood_live_until_sharing_is_turned_off(db: PgPool) {
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

    alice_writes_sadly(&app, &alice_token, direct).await;
    the_lecturer_sees_the_mood_live(lecturer).await;
    // Alice turns sharing off in her account settings (same admin browser, now as Alice).
    alice_turns_sharing_off(admin, &app).await;
    the_lecturer_no_longer_sees_the_mood(lecturer).await;
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
}

/// Logs the admin's browser out, logs Alice in there and turns her sharing off.
async fn alice_turns_sharing_off(browser: &Client, app: &TestApp) {
    browser
        .delete_all_cookies()
        .await
        .expect("log the admin out");
    browser.goto("about:blank").await.expect("leave the app");
    log_in(browser, app, "alice@uni.ac.uk").await;
    open_page(browser, "/account", "#mood-panel #mood-sharing").await;
    wait_for_text(browser, "#mood-panel", "Your contacts see").await;
    click(browser, "#mood-sharing").await;
    wait_for_text(browser, "#mood-panel", "Sharing is off").await;
}

/// The lecturer's contacts page clears the mood at once, and so does the chat list.
async fn the_lecturer_no_longer_sees_the_mood(lecturer: &Client) {
    wait_for_text(lecturer, "#contact-list", "No mood shared").await;
    assert!(
        lecturer
            .find(fantoccini::Locator::Css(
                "#contact-list .mood-badge[data-emotion]"
            ))
            .await
            .is_err(),
        "the lecturer no longer sees Alice's mood"
    );
    // And from the chat list.
    open_page(lecturer, "/chat", "#conversation-list .conversation-item").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        lecturer
            .find(fantoccini::Locator::Css("#conversation-list .mood-badge"))
            .await
            .is_err()
    );
}
