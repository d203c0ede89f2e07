//! Consultations a lecturer creates: group sessions whose capacity holds when students race for
//! the places, and appointments that respect the lecturer's buffer and name the clash.

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::consultations::{cast, spawn, winners};
use tests::{assert_refused, json_of, post};
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn group_capacity_holds_when_twenty_students_race_for_five_places(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app, 20, json!({})).await;
    let start = Utc::now() + Duration::days(2);
    let session: Value = json_of(post(
        &app,
        &c.lecturer.1,
        "/api/v1/consultations",
        json!({
            "starts_at": start, "duration_minutes": 60, "topic": "Revision class", "capacity": 5,
        }),
    ))
    .await;
    let id = session["id"].as_str().unwrap().to_owned();
    assert_eq!(session["places_left"], 5);

    // Students find it among the lecturer's open group sessions.
    let listed: Value = json_of(
        reqwest::Client::new()
            .get(app.url(&format!("/api/v1/lecturers/{}/slots", c.lecturer.0)))
            .query(&[
                ("from", (start - Duration::hours(1)).to_rfc3339()),
                ("to", (start + Duration::hours(1)).to_rfc3339()),
            ])
            .bearer_auth(&c.students[0].1),
    )
    .await;
    assert_eq!(listed["group_sessions"][0]["id"], id.as_str());
    assert_eq!(
        listed["group_sessions"][0]["participants"],
        json!([]),
        "outsiders see no names"
    );

    let path = format!("/api/v1/consultations/{id}/join");
    let responses = join_all(
        c.students
            .iter()
            .map(|(_, token)| post(&app, token, &path, json!({})).send()),
    )
    .await;
    assert_eq!(winners(responses, 200, "session_full").await, 5);
    let places: i64 = sqlx::query_scalar("SELECT count(*) FROM consultation_participants WHERE consultation_id = $1::uuid AND active")
        .bind(&id)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(places, 5);

    // One leaves; the place opens again for someone else and the session goes on.
    let member = sqlx::query_scalar::<_, Uuid>("SELECT student_id FROM consultation_participants WHERE consultation_id = $1::uuid AND active LIMIT 1")
        .bind(&id)
        .fetch_one(&db)
        .await
        .unwrap();
    let token = &c.students.iter().find(|(s, _)| *s == member).unwrap().1;
    let left: Value = json_of(post(
        &app,
        token,
        &format!("/api/v1/consultations/{id}/cancel"),
        json!({ "reason": "Clash with a lab" }),
    ))
    .await;
    assert_eq!(left["status"], "confirmed");
    assert_eq!(left["my_place"], false);
    assert_eq!(left["places_left"], 1);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn lecturer_appointments_respect_the_buffer_and_name_the_clash(db: PgPool) {
    let app = spawn(db).await;
    let c = cast(&app, 1, json!({ "buffer_minutes": 15 })).await;
    let start = Utc::now() + Duration::days(2);
    let create = |start: DateTime<Utc>| {
        post(
            &app,
            &c.lecturer.1,
            "/api/v1/consultations",
            json!({ "starts_at": start, "duration_minutes": 30, "topic": "Office hour", "student_ids": [c.students[0].0] }),
        )
    };
    assert_eq!(create(start).send().await.unwrap().status(), 201);
    // 40 minutes later leaves only 10 minutes after the first: inside the 15-minute buffer.
    let body = assert_refused(create(start + Duration::minutes(40)), 409, "lecturer_busy").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("buffer"),
        "{body}"
    );
    // 45 minutes later is fine for the lecturer, but the student is free too only then.
    let later = post(
        &app,
        &c.lecturer.1,
        "/api/v1/consultations",
        json!({ "starts_at": start + Duration::minutes(45), "duration_minutes": 30, "topic": "Office hour", "student_ids": [] }),
    );
    assert_eq!(later.send().await.unwrap().status(), 201);
    let unknown = post(
        &app,
        &c.lecturer.1,
        "/api/v1/consultations",
        json!({ "starts_at": start + Duration::hours(3), "topic": "x", "student_ids": [Uuid::now_v7()] }),
    );
    assert_refused(unknown, 422, "unknown_student").await;
    let student_made = post(
        &app,
        &c.students[0].1,
        "/api/v1/consultations",
        json!({ "starts_at": start + Duration::hours(3), "topic": "x" }),
    );
    assert_refused(student_made, 403, "forbidden").await;
}
