//! Explaining a reading to the person it is about (`GET /me/mood/readings/{id}/explanation`): the
//! words of her own messages in that window, pushing each scale towards or away from its class,
//! from the model that measured it; nobody else can ask about her reading.

use sqlx::PgPool;
use tests::mood::{cast, own_readings, send_all, spawn, wait_for_readings};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_reading_is_explained_by_its_own_words_to_its_owner_only(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let (alice, alice_token) = (&c.alice.0, &c.alice.1);
    send_all(
        &app,
        alice_token,
        c.direct,
        &[
            "I love this course, the lecture was wonderful",
            "thank you so much",
        ],
    )
    .await;
    wait_for_readings(&db, *alice, 1).await;
    let readings = own_readings(&app, alice_token).await;
    let reading = &readings[0];
    let id = reading["id"].as_i64().expect("a reading id");
    let path = format!("/api/v1/me/mood/readings/{id}/explanation");

    let (status, x) = app.get_json(alice_token, &path).await;
    assert_eq!(status, 200, "{x}");
    assert_eq!(x["reading"], id);
    assert_eq!(x["message_count"], 2);
    // The same (built-in) model measured it, so it explains the same classes.
    assert_eq!(x["emotion"]["class"], reading["emotion"], "{x}");
    assert_eq!(x["intensity"]["class"], reading["intensity"], "{x}");
    let top = x["emotion"]["top"].as_array().expect("contributions");
    assert!(!top.is_empty());
    let words: Vec<&str> = top
        .iter()
        .filter(|t| t["kind"] == "words" && t["value"].as_f64().unwrap_or(0.0) > 0.0)
        .filter_map(|t| t["feature"].as_str())
        .collect();
    assert!(
        words
            .iter()
            .any(|w| ["love", "wonderful", "thank"].iter().any(|k| w.contains(k))),
        "her happy words push the Happy reading: {top:?}"
    );
    let p = x["emotion"]["probability"].as_f64().expect("a probability");
    assert_eq!(x["emotion"]["uncertain"], p < 0.5);

    // Not hers: the lecturer she wrote to, another student, and a reading that does not exist.
    for token in [&c.lecturer.1, &c.bea.1, &c.admin] {
        let (status, body) = app.get_json(token, &path).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_found", "{body}");
    }
    let (status, _) = app
        .get_json(alice_token, "/api/v1/me/mood/readings/999999/explanation")
        .await;
    assert_eq!(status, 404);
    let anonymous = reqwest::get(app.url(&path)).await.expect("GET");
    assert_eq!(anonymous.status(), 401);
}
