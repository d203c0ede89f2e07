//! The lecturer's "My students" page in real headless Chromium: the student who was sad in three
//! measured windows in a row is flagged "may be struggling" with links to message her or offer a
//! consultation; a student who does not share her mood with lecturers is not on the page.

use fantoccini::Locator;
use sqlx::PgPool;
use tests::browser::{Browser, log_in, open_page, wait_for_text};
use tests::mood::{HAPPY_MESSAGE, SAD_MESSAGE, one_window, overview_cast, spawn};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_lecturer_sees_who_may_be_struggling_among_those_who_share(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = overview_cast(&app).await;
    for round in 1..=3 {
        let writers = [
            (&c.alice, SAD_MESSAGE),
            (&c.bea, SAD_MESSAGE),
            (&c.carl, HAPPY_MESSAGE),
        ];
        one_window(&app, &db, &writers, round).await;
    }
    let browser = Browser::start(&[]).await.expect("start Chromium");
    let client = &browser.client;
    log_in(client, &app, "ada@uni.ac.uk").await;
    open_page(client, "/mood-overview", "#mood-overview-page").await;
    wait_for_text(client, "#overview-list", "Alice").await;
    wait_for_text(
        client,
        "#overview-list .may-be-struggling",
        "May be struggling",
    )
    .await;
    let flagged = client
        .find(Locator::Css("#overview-list .may-be-struggling"))
        .await
        .expect("a flagged student");
    let text = flagged.text().await.expect("its text");
    assert!(
        text.contains("Alice") && text.contains("3 measured windows"),
        "{text}"
    );
    let message = flagged
        .find(Locator::Css("a[href^='#/chat?with=']"))
        .await
        .expect("a link to message her");
    let href = message
        .attr("href")
        .await
        .expect("href")
        .unwrap_or_default();
    assert!(href.contains(&c.alice.0.to_string()), "{href}");
    flagged
        .find(Locator::LinkText("Offer a consultation"))
        .await
        .expect("a link to offer a consultation");
    let page = client
        .find(Locator::Css("#overview-list"))
        .await
        .expect("the list")
        .text()
        .await
        .expect("its text");
    assert!(page.contains("Carl"), "{page}");
    assert!(
        !page.contains("Bea"),
        "Bea does not share with lecturers: {page}"
    );
    let flagged_count = client
        .find_all(Locator::Css("#overview-list .may-be-struggling"))
        .await
        .expect("flags")
        .len();
    assert_eq!(flagged_count, 1, "Carl wrote happily");
}
