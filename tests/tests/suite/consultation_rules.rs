//! Rules that live once in `scheduler::consultations` and hold on every path: who may see a
//! consultation (an empty notes update included), when its room counts as open, and that every
//! clash constraint of the schema is a typed clash.

use chrono::{Duration, Utc};
use models::consultation::Clash;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::{TestApp, assert_refused, json_of};
use uuid::Uuid;

/// A lecturer and two students; the lecturer made an appointment with the first, starting in
/// five minutes (so its room is open: rooms open ten minutes ahead).
struct Appointment {
    app: TestApp,
    lecturer: String,
    student: String,
    outsider: String,
    id: Uuid,
}

async fn appointment(db: PgPool) -> Appointment {
    let app = TestApp::spawn(db).await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer_id, lecturer) = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer_id).await;
    let (student_id, student) = app.user_with_token("sam@uni.ac.uk", "Sam").await;
    let (_, outsider) = app.user_with_token("olu@uni.ac.uk", "Olu").await;
    let made: Value = json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/consultations"))
            .bearer_auth(&lecturer)
            .json(&json!({
                "starts_at": Utc::now() + Duration::minutes(5), "duration_minutes": 30,
                "topic": "Essay plan", "student_ids": [student_id],
            })),
    )
    .await;
    let id = made["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    Appointment {
        app,
        lecturer,
        student,
        outsider,
        id,
    }
}

fn patch_notes(a: &Appointment, token: &str, body: Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .patch(a.app.url(&format!("/api/v1/consultations/{}/notes", a.id)))
        .bearer_auth(token)
        .json(&body)
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn an_empty_notes_update_is_answered_like_any_other(db: PgPool) {
    let a = appointment(db).await;
    let body = assert_refused(patch_notes(&a, &a.outsider, json!({})), 404, "not_found").await;
    assert!(
        body.get("topic").is_none() && body.to_string().contains("consultation"),
        "nothing of the consultation leaks: {body}"
    );
    let seen: Value = json_of(patch_notes(&a, &a.student, json!({}))).await;
    assert_eq!(
        seen["topic"], "Essay plan",
        "a participant gets it unchanged"
    );
    assert_refused(
        patch_notes(&a, &a.outsider, json!({ "notes": "mine now" })),
        404,
        "not_found",
    )
    .await;
}

async fn open_now(a: &Appointment, token: &str) -> (bool, bool) {
    let one: Value = json_of(
        reqwest::Client::new()
            .get(a.app.url(&format!("/api/v1/consultations/{}", a.id)))
            .bearer_auth(token),
    )
    .await;
    let list: Value = json_of(
        reqwest::Client::new()
            .get(a.app.url("/api/v1/consultations"))
            .bearer_auth(token),
    )
    .await;
    let listed = list["consultations"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == a.id.to_string()))
        .expect("listed");
    (
        one["room"]["open_now"].as_bool().expect("open_now"),
        listed["room"]["open_now"].as_bool().expect("open_now"),
    )
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_room_is_open_only_while_confirmed_and_not_ended(db: PgPool) {
    let a = appointment(db).await;
    assert_eq!(open_now(&a, &a.student).await, (true, true));

    sqlx::query("UPDATE consultations SET status = 'pending' WHERE id = $1")
        .bind(a.id)
        .execute(&a.app.db)
        .await
        .expect("make it pending");
    assert_eq!(
        open_now(&a, &a.student).await,
        (false, false),
        "a pending booking's room is not open"
    );
    sqlx::query("UPDATE consultations SET status = 'confirmed' WHERE id = $1")
        .bind(a.id)
        .execute(&a.app.db)
        .await
        .expect("confirm it again");

    let closed = reqwest::Client::new()
        .post(
            a.app
                .url(&format!("/api/v1/consultations/{}/room/close", a.id)),
        )
        .bearer_auth(&a.lecturer)
        .send()
        .await
        .expect("close");
    assert_eq!(closed.status(), 200);
    assert_eq!(
        open_now(&a, &a.student).await,
        (false, false),
        "a room the lecturer ended is not open"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn looking_at_a_room_changes_nothing(db: PgPool) {
    let a = appointment(db).await;
    for token in [&a.student, &a.lecturer] {
        let room: Value = json_of(
            reqwest::Client::new()
                .get(a.app.url(&format!("/api/v1/consultations/{}/room", a.id)))
                .bearer_auth(token),
        )
        .await;
        assert_eq!(room["open"], true);
        assert!(
            room["conversation_id"].is_null(),
            "not made by a read: {room}"
        );
    }
    let conversations: i64 = sqlx::query_scalar("SELECT count(*) FROM conversations")
        .fetch_one(&a.app.db)
        .await
        .expect("count");
    assert_eq!(conversations, 0, "a GET made no conversation");

    let opened: Value = json_of(
        reqwest::Client::new()
            .post(
                a.app
                    .url(&format!("/api/v1/consultations/{}/room/open", a.id)),
            )
            .bearer_auth(&a.lecturer),
    )
    .await;
    let conversation = opened["conversation_id"].as_str().expect("made on opening");
    let room: Value = json_of(
        reqwest::Client::new()
            .get(a.app.url(&format!("/api/v1/consultations/{}/room", a.id)))
            .bearer_auth(&a.student),
    )
    .await;
    assert_eq!(room["conversation_id"], conversation, "and then reported");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn every_clash_constraint_is_a_typed_clash(db: PgPool) {
    let exclusions: Vec<String> = sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint
          WHERE contype = 'x' AND conrelid::regclass::text LIKE 'consultation%'",
    )
    .fetch_all(&db)
    .await
    .expect("constraints");
    assert!(!exclusions.is_empty());
    for name in &exclusions {
        assert!(
            Clash::from_constraint(name).is_some(),
            "exclusion constraint {name} is not mapped to a Clash"
        );
    }
    for clash in Clash::ALL {
        assert!(
            exclusions.iter().any(|n| n == clash.constraint()),
            "{clash:?} names a constraint the schema does not have"
        );
    }
}
