//! In real headless Chromium: sign up, see the home page, log out, log in again, and log out a
//! second device from the account page.

use std::time::Duration;

use fantoccini::{Client, Locator};
use sqlx::PgPool;
use tests::TestApp;
use tests::browser::Browser;

async fn wait_for_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && text.contains(needle)
        {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} never showed {needle:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn fill(client: &Client, form: &str, name: &str, value: &str) {
    let input = client
        .find(Locator::Css(&format!("{form} [name={name}]")))
        .await
        .expect("input exists");
    input.clear().await.expect("clear");
    input.send_keys(value).await.expect("type");
}

/// Clicks the element at `css`.
async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .expect("find the element")
        .click()
        .await
        .expect("click");
}

/// How many sessions the account page lists.
async fn sessions_listed(client: &Client) -> usize {
    client
        .find_all(Locator::Css("#sessions li[data-session-id]"))
        .await
        .expect("find the sessions")
        .len()
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn sign_up_log_in_and_see_the_home_page(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::start(&[]).await.expect("start Chromium");
    let c = &browser.client;

    sign_up_after_fixing_the_password(c, &app).await;
    log_out_and_in_again(c).await;
    log_out_a_second_device_from_the_account_page(c, &app).await;

    browser.client.clone().close().await.unwrap();
}

/// A too-short password is explained; with a good one Ada lands on the home page.
async fn sign_up_after_fixing_the_password(c: &Client, app: &TestApp) {
    c.goto(&app.url("/#/signup")).await.expect("open the page");
    c.wait()
        .for_element(Locator::Css("#signup-form"))
        .await
        .expect("the signup form");
    fill(c, "#signup-form", "display_name", "Ada Lovelace").await;
    fill(c, "#signup-form", "email", "ada@uni.ac.uk").await;
    fill(c, "#signup-form", "password", "short").await;
    click(c, "#signup-form [type=submit]").await;
    let error = wait_for_text(c, "#signup-form .form-error", "password").await;
    assert!(error.contains("10"), "the error explains the rule: {error}");

    fill(c, "#signup-form", "password", "correct horse battery").await;
    click(c, "#signup-form [type=submit]").await;
    wait_for_text(c, "#home-page", "Welcome, Ada Lovelace").await;
    wait_for_text(c, "#current-user", "Ada Lovelace").await;
}

/// Logging out shows the login form, and logging in brings the home page back.
async fn log_out_and_in_again(c: &Client) {
    click(c, "#logout-button").await;
    c.wait()
        .for_element(Locator::Css("#login-form"))
        .await
        .expect("the login form");
    fill(c, "#login-form", "email", "ada@uni.ac.uk").await;
    fill(c, "#login-form", "password", "correct horse battery").await;
    click(c, "#login-form [type=submit]").await;
    wait_for_text(c, "#home-page", "Welcome, Ada Lovelace").await;
}

/// A second device (an API client) appears on the account page and can be logged out there.
async fn log_out_a_second_device_from_the_account_page(c: &Client, app: &TestApp) {
    let phone = app.device();
    app.login(&phone, "ada@uni.ac.uk").await;
    c.goto(&app.url("/#/account")).await.expect("open the page");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while sessions_listed(c).await < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "two sessions never listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let other = c
        .find(Locator::XPath("//ul[@id='sessions']/li[not(.//*[contains(@class,'tag-current')])]//button[contains(@class,'revoke')]"))
        .await
        .expect("revoke button of the other device");
    other.click().await.expect("click");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while sessions_listed(c).await != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the revoked device is still listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        phone
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .expect("send the request")
            .status(),
        401
    );
}

/// In the account page a user changes the password: the page says so, and another browser of
/// theirs is signed out at once (its next page load shows the login form).
#[sqlx::test(migrator = "models::MIGRATOR")]
async fn changing_the_password_in_the_page_signs_out_the_other_browser(db: PgPool) {
    use tests::browser::{log_in, open_page, sign_up, type_into};
    let app = TestApp::spawn(db).await;
    let laptop = Browser::start(&[]).await.expect("start Chromium");
    let library = Browser::start(&[]).await.expect("start Chromium");
    sign_up(&laptop.client, &app, "Ada", "ada@uni.ac.uk").await;
    log_in(&library.client, &app, "ada@uni.ac.uk").await;

    let form = "#password-form";
    open_page(&laptop.client, "/account", form).await;
    for (name, value) in [
        ("current_password", tests::PASSWORD),
        ("new_password", "a much longer passphrase"),
        ("repeat_password", "a much longer passphrase"),
    ] {
        type_into(&laptop.client, &format!("{form} [name={name}]"), value).await;
    }
    click(&laptop.client, &format!("{form} [type=submit]")).await;
    wait_for_text(&laptop.client, "#password-panel", "Password changed").await;

    library.client.refresh().await.expect("reload");
    wait_for_text(&library.client, "#login-form", "").await;
    app.stop().await;
}
