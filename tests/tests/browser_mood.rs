//! Mood in real headless Chromium: a lecturer's contacts page shows a student's mood as soon as
//! the job measures it (live, from the `mood` frame) and opens the history chart; the student
//! turns sharing off in account settings and the lecturer's page clears it at once; the admin
//! page shows the model versions with their confusion heatmaps.

use std::time::Duration;

use sqlx::PgPool;
use tests::TestApp;
use tests::browser::{Browser, click, log_in, open_page, sign_up, wait_for, wait_for_text};
use tests::ws::WsClient;

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

    // The first account is the admin: the mood admin page lists the built-in model.
    sign_up(admin, &app, "Ada Admin", "admin@uni.ac.uk").await;
    let admin_token = app.token("admin@uni.ac.uk").await;
    open_page(admin, "/admin/mood", "#mood-admin-page").await;
    wait_for_text(admin, "#version-table", "builtin").await;
    wait_for_text(admin, "#version-table", "active").await;
    wait_for(admin, ".compare table.heatmap td.diagonal").await;

    let (teacher_id, teacher_token) = app.user_with_token("grace@uni.ac.uk", "Dr Grace").await;
    app.promote_to_lecturer(&admin_token, teacher_id).await;
    let (alice, alice_token) = app
        .user_with_token("alice@uni.ac.uk", "Alice Student")
        .await;
    let direct = app.open_direct(&teacher_token, alice).await;

    log_in(lecturer, &app, "grace@uni.ac.uk").await;
    open_page(lecturer, "/contacts", "#contacts-page").await;
    wait_for_text(lecturer, "#contact-list", "Alice Student").await;
    wait_for_text(lecturer, "#contact-list", "No mood shared").await;

    let mut ws = WsClient::connect(app.addr, &alice_token).await.unwrap();
    for (i, body) in [
        "I failed the exam and I feel awful",
        "honestly I am so sad and hopeless",
    ]
    .iter()
    .enumerate()
    {
        ws.send_message(direct, &format!("b-{i}"), body)
            .await
            .unwrap();
        ws.next_of("ack").await.unwrap();
    }
    // Measured within a window and pushed: the badge appears without a reload.
    let badge = wait_for(
        lecturer,
        "#contact-list .mood-badge[data-emotion=sad], #contact-list .mood-badge[data-emotion=very_sad]",
    )
    .await;
    assert!(badge.text().await.unwrap().contains("Sad"));
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

    // Alice turns sharing off in her account settings (same admin browser, now as Alice).
    admin.delete_all_cookies().await.expect("log the admin out");
    admin.goto("about:blank").await.expect("leave the app");
    log_in(admin, &app, "alice@uni.ac.uk").await;
    open_page(admin, "/account", "#mood-panel #mood-sharing").await;
    wait_for_text(admin, "#mood-panel", "Your contacts see").await;
    click(admin, "#mood-sharing").await;
    wait_for_text(admin, "#mood-panel", "Sharing is off").await;
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
