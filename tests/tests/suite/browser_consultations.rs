//! Consultations in real headless Chromium: a student picks a lecturer, sees free slots in their
//! own time zone, books one with a topic, and the lecturer sees the booking on their calendar
//! page; the student then cancels it with a reason and the lecturer sees that too.

use fantoccini::{Client, Locator};
use serde_json::json;
use sqlx::PgPool;
use tests::TestApp;
use tests::browser::{Browser, click, log_in, sign_up, type_into, wait_for, wait_for_text};

async fn open_calendar(client: &Client) {
    client
        .execute("window.location.hash = '#/calendar';", vec![])
        .await
        .expect("go to the calendar");
    wait_for(client, "#calendar-page #upcoming").await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_student_books_a_slot_and_the_lecturer_sees_it(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer, lecturer_token) = app
        .user_with_token("ada@uni.ac.uk", "Dr Ada Lovelace")
        .await;
    app.promote_to_lecturer(&admin, lecturer).await;
    app.publish_hours(&lecturer_token, json!({ "min_notice_minutes": 60 }))
        .await;

    let student_browser = Browser::start(&[]).await.expect("start Chromium");
    let lecturer_browser = Browser::start(&[]).await.expect("start Chromium");
    let (student, teacher) = (&student_browser.client, &lecturer_browser.client);

    sign_up(student, &app, "Bo Student", "bo@uni.ac.uk").await;
    open_calendar(student).await;
    wait_for_text(student, "#lecturer-select", "Dr Ada Lovelace").await;
    student
        .execute(
            &format!(
                "const s = document.querySelector('#lecturer-select'); s.value = '{lecturer}'; \
                 s.dispatchEvent(new Event('change'));"
            ),
            vec![],
        )
        .await
        .unwrap();
    let slot = wait_for(student, "#free-slots .slot").await;
    let starts_at = slot.attr("data-start").await.unwrap().expect("slot start");
    let shown = slot.text().await.unwrap();
    type_into(student, "#booking-topic", "Feedback on my essay draft").await;
    slot.click().await.expect("book the slot");
    wait_for_text(student, "#upcoming", "Feedback on my essay draft").await;
    wait_for_text(student, "#upcoming", "Dr Ada Lovelace").await;
    // The booked slot is no longer offered.
    let still_offered = student
        .find_all(Locator::Css(&format!(
            "#free-slots .slot[data-start='{starts_at}']"
        )))
        .await
        .unwrap();
    assert!(
        still_offered.is_empty(),
        "the slot {starts_at} ({shown}) is still offered"
    );

    log_in(teacher, &app, "ada@uni.ac.uk").await;
    open_calendar(teacher).await;
    let item = wait_for_text(teacher, "#upcoming", "Feedback on my essay draft").await;
    assert!(
        item.contains("Bo Student"),
        "the lecturer sees who booked: {item}"
    );
    wait_for(teacher, "#availability-form [name=slot_minutes]").await;

    // The student cancels with a reason; the lecturer's page shows it cancelled.
    type_into(student, "#upcoming .cancel-form [name=reason]", "I am ill").await;
    click(student, "#upcoming .cancel-form [type=submit]").await;
    wait_for(student, "#upcoming .consultation[data-status=cancelled]").await;
    teacher.refresh().await.expect("reload the lecturer's page");
    let cancelled = wait_for_text(
        teacher,
        "#upcoming .consultation[data-status=cancelled]",
        "I am ill",
    )
    .await;
    assert!(cancelled.contains("Feedback on my essay draft"));
}
