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

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn sign_up_log_in_and_see_the_home_page(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::start(&[]).await.expect("start Chromium");
    let c = &browser.client;

    c.goto(&app.url("/#/signup")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#signup-form"))
        .await
        .unwrap();
    fill(c, "#signup-form", "display_name", "Ada Lovelace").await;
    fill(c, "#signup-form", "email", "ada@uni.ac.uk").await;
    fill(c, "#signup-form", "password", "short").await;
    c.find(Locator::Css("#signup-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = wait_for_text(c, "#signup-form .form-error", "password").await;
    assert!(error.contains("10"), "the error explains the rule: {error}");

    fill(c, "#signup-form", "password", "correct horse battery").await;
    c.find(Locator::Css("#signup-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "#home-page", "Welcome, Ada Lovelace").await;
    wait_for_text(c, "#current-user", "Ada Lovelace").await;

    c.find(Locator::Css("#logout-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#login-form"))
        .await
        .unwrap();
    fill(c, "#login-form", "email", "ada@uni.ac.uk").await;
    fill(c, "#login-form", "password", "correct horse battery").await;
    c.find(Locator::Css("#login-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "#home-page", "Welcome, Ada Lovelace").await;

    // A second device (an API client) appears on the account page and can be logged out there.
    let phone = app.device();
    app.login(&phone, "ada@uni.ac.uk").await;
    c.goto(&app.url("/#/account")).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while c
        .find_all(Locator::Css("#sessions li[data-session-id]"))
        .await
        .unwrap()
        .len()
        < 2
    {
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
    other.click().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while c
        .find_all(Locator::Css("#sessions li[data-session-id]"))
        .await
        .unwrap()
        .len()
        != 1
    {
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
            .unwrap()
            .status(),
        401
    );

    browser.client.clone().close().await.unwrap();
}
