//! The lecturer's mood overview against the real database and the real mood job: only students
//! who share their mood with lecturers are listed, and "may be struggling" needs several measured
//! windows in a row that were Sad or Very Sad — two are not enough, a happy window resets it.

use serde_json::Value;
use sqlx::PgPool;
use tests::TestApp;
use tests::mood::{HAPPY_MESSAGE, SAD_MESSAGE, one_window, overview_cast, spawn};

async fn overview(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.get_json(token, "/api/v1/mood/overview").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["struggling_windows"], 3);
    body["students"].as_array().cloned().unwrap_or_default()
}

fn student<'a>(students: &'a [Value], name: &str) -> &'a Value {
    students
        .iter()
        .find(|s| s["display_name"] == name)
        .unwrap_or_else(|| panic!("{name} in {students:?}"))
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn struggling_needs_consecutive_sad_windows_and_sharing_is_respected(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = overview_cast(&app).await;
    let lecturer = &c.lecturer.1;
    let sad_all = [
        (&c.alice, SAD_MESSAGE),
        (&c.bea, SAD_MESSAGE),
        (&c.carl, SAD_MESSAGE),
    ];
    one_window(&app, &db, &sad_all, 1).await;
    one_window(&app, &db, &sad_all, 2).await;

    let students = overview(&app, lecturer).await;
    let names: Vec<&str> = students
        .iter()
        .filter_map(|s| s["display_name"].as_str())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "Bea does not share with lecturers: {names:?}"
    );
    assert!(!names.contains(&"Bea"));
    let alice = student(&students, "Alice");
    assert_eq!(alice["sad_streak"], 2);
    assert_eq!(
        alice["may_be_struggling"], false,
        "two windows are not several"
    );
    assert!(
        alice["current"]["emotion"]
            .as_str()
            .is_some_and(|e| e.contains("sad")),
        "{alice}"
    );
    assert_eq!(
        alice["trend"].as_array().map(Vec::len),
        Some(1),
        "one day so far"
    );

    // A third sad window for Alice (and Bea); Carl writes happily.
    let third = [
        (&c.alice, SAD_MESSAGE),
        (&c.bea, SAD_MESSAGE),
        (&c.carl, HAPPY_MESSAGE),
    ];
    one_window(&app, &db, &third, 3).await;
    let students = overview(&app, lecturer).await;
    let alice = student(&students, "Alice");
    assert_eq!(alice["sad_streak"], 3);
    assert_eq!(alice["may_be_struggling"], true);
    assert_eq!(
        students[0]["display_name"], "Alice",
        "who may be struggling comes first"
    );
    let carl = student(&students, "Carl");
    assert_eq!(carl["sad_streak"], 0, "{carl}");
    assert_eq!(carl["may_be_struggling"], false);
    assert!(!students.iter().any(|s| s["display_name"] == "Bea"));

    // Only lecturers have an overview.
    let (status, body) = app.get_json(&c.alice.1, "/api/v1/mood/overview").await;
    assert_eq!(status, 403, "{body}");
}
