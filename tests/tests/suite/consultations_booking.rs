//! Students booking consultation slots: fifty concurrent requests for one slot make exactly one
//! booking, a student cannot hold overlapping consultations with two lecturers, bookings (and
//! availability documents) outside the rules get precise errors, and the people involved get a
//! live notification.

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::consultations::{Cast, book, cast, free_slots, spawn, winners};
use tests::{TestApp, assert_refused, json_of, post};
use uuid::Uuid;

async fn active_count(db: &PgPool, lecturer: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM consultations WHERE lecturer_id = $1 AND status <> 'cancelled'",
    )
    .bind(lecturer)
    .fetch_one(db)
    .await
    .expect("count")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn fifty_concurrent_requests_for_one_slot_make_exactly_one_booking(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app, 50, json!({})).await;
    let slot = free_slots(&app, &c.students[0].1, c.lecturer.0).await[0];

    let responses = join_all(
        c.students
            .iter()
            .map(|(_, token)| book(&app, token, c.lecturer.0, slot, "Essay").send()),
    )
    .await;
    assert_eq!(winners(responses, 201, "slot_taken").await, 1);
    assert_eq!(active_count(&db, c.lecturer.0).await, 1);
    assert!(
        !free_slots(&app, &c.students[0].1, c.lecturer.0)
            .await
            .contains(&slot),
        "the slot is no longer offered"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_student_cannot_hold_overlapping_consultations_with_two_lecturers(db: PgPool) {
    let app = spawn(db).await;
    let c = cast(&app, 1, json!({})).await;
    let grace = app.user_with_token("grace@uni.ac.uk", "Dr Grace").await;
    app.promote_to_lecturer(&c.admin, grace.0).await;
    app.publish_hours(&grace.1, json!({ "slot_minutes": 60 }))
        .await;
    let (student, token) = &c.students[0];

    // An Ada slot at hh:30 whose surrounding hours are Grace slots: Grace's hour-long slot from
    // hh:00 then overlaps Ada's half hour, and the one from hh+1:30 does not.
    let ada_slots = free_slots(&app, token, c.lecturer.0).await;
    let grace_slots = free_slots(&app, token, grace.0).await;
    let slot = *ada_slots
        .iter()
        .find(|s| {
            grace_slots.contains(&(**s - Duration::minutes(30)))
                && grace_slots.contains(&(**s + Duration::minutes(90)))
        })
        .expect("an Ada slot inside Grace's hours");
    let overlapping = slot - Duration::minutes(30);
    let first = book(&app, token, c.lecturer.0, slot, "Essay")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let body = assert_refused(
        book(&app, token, grace.0, overlapping, "Maths"),
        409,
        "student_busy",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Dr Ada"),
        "the clash is named: {body}"
    );

    // A lecturer appointment with that student at that time is refused too, naming the student
    // but not with whom they are busy.
    let body = assert_refused(post(&app, &grace.1, "/api/v1/consultations", json!({
        "starts_at": overlapping, "duration_minutes": 60, "topic": "Catch-up", "student_ids": [student],
    })), 409, "student_busy").await;
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Student 0") && !message.contains("Ada"),
        "{message}"
    );

    // A non-overlapping slot with Grace is fine.
    let later = slot + Duration::minutes(90);
    assert_eq!(
        book(&app, token, grace.0, later, "Maths")
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn bookings_outside_the_rules_get_precise_errors(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(
        &app,
        1,
        json!({ "min_notice_minutes": 120, "horizon_days": 7 }),
    )
    .await;
    let lecturer = c.lecturer.0;
    let good = free_slots(&app, &c.students[0].1, lecturer).await[0];
    each_rule_refuses_its_own_booking(&app, &c, good).await;
    bad_availability_documents_change_nothing(&app, &c).await;
    assert_eq!(active_count(&db, lecturer).await, 0);
}

/// Bookings near `good` (a free slot) that break one rule each, by timing, topic, lecturer,
/// role or body.
async fn each_rule_refuses_its_own_booking(app: &TestApp, c: &Cast, good: DateTime<Utc>) {
    let token = &c.students[0].1;
    let lecturer = c.lecturer.0;
    let now = Utc::now();
    // The timing checks run in this order, so each case hits exactly its own rule.
    let cases = [
        (good - Duration::days(3), "in_past"),
        (now + Duration::minutes(30), "too_soon"),
        (now + Duration::days(9), "beyond_horizon"),
        (good + Duration::minutes(10), "outside_availability"),
    ];
    for (start, code) in cases {
        let body = assert_refused(book(app, token, lecturer, start, "Essay"), 422, code).await;
        assert!(
            !body["error"]["message"]
                .as_str()
                .expect("a message")
                .is_empty()
        );
    }
    assert_refused(
        book(app, token, lecturer, good, "   "),
        422,
        "validation_failed",
    )
    .await;
    assert_refused(
        book(app, token, Uuid::now_v7(), good, "Essay"),
        404,
        "not_found",
    )
    .await;
    assert_refused(
        book(app, &c.lecturer.1, lecturer, good, "Essay"),
        403,
        "forbidden",
    )
    .await;
    let unknown_field = post(
        app,
        token,
        "/api/v1/bookings",
        json!({ "lecturer_id": lecturer, "starts_at": good, "topic": "x", "price": 0 }),
    );
    assert_refused(unknown_field, 422, "invalid_body").await;
}

/// Availability: students may not publish; bad documents name the field and change nothing.
async fn bad_availability_documents_change_nothing(app: &TestApp, c: &Cast) {
    let (token, lecturer) = (&c.students[0].1, c.lecturer.0);
    let put = |token: &str, body: Value| {
        reqwest::Client::new()
            .put(app.url("/api/v1/me/availability"))
            .bearer_auth(token.to_owned())
            .json(&body)
    };
    assert_refused(
        put(
            token,
            json!({ "time_zone": "Europe/London", "slot_minutes": 30, "buffer_minutes": 0,
            "min_notice_minutes": 0, "horizon_days": 7, "weekly": [] }),
        ),
        403,
        "forbidden",
    )
    .await;
    let overlapping = json!({
        "time_zone": "Europe/London", "slot_minutes": 30, "buffer_minutes": 0, "min_notice_minutes": 0, "horizon_days": 7,
        "weekly": [{ "weekday": 2, "start": "09:00", "end": "12:00" }, { "weekday": 2, "start": "11:00", "end": "13:00" }],
    });
    let body = assert_refused(put(&c.lecturer.1, overlapping), 422, "validation_failed").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("a message")
            .contains("overlaps")
    );
    let bad_zone = json!({ "time_zone": "Mars/Olympus", "slot_minutes": 30, "buffer_minutes": 0, "min_notice_minutes": 0, "horizon_days": 7, "weekly": [] });
    assert_refused(put(&c.lecturer.1, bad_zone), 422, "validation_failed").await;
    let kept: Value = json_of(
        reqwest::Client::new()
            .get(app.url(&format!("/api/v1/lecturers/{lecturer}/availability")))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(
        kept["weekly"].as_array().expect("the weekly hours").len(),
        7,
        "a refused update changes nothing"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_people_involved_get_a_live_notification_and_nobody_else(db: PgPool) {
    let app = spawn(db).await;
    let c = cast(&app, 2, json!({})).await;
    let (student, bystander) = (&c.students[0], &c.students[1]);
    let mut lecturer_ws = tests::ws::WsClient::connect(app.addr, &c.lecturer.1)
        .await
        .unwrap();
    let mut bystander_ws = tests::ws::WsClient::connect(app.addr, &bystander.1)
        .await
        .unwrap();

    let slot = free_slots(&app, &student.1, c.lecturer.0).await[0];
    let booked: Value = json_of(book(&app, &student.1, c.lecturer.0, slot, "Essay plan")).await;
    let frame = lecturer_ws.next_of("consultation").await.unwrap();
    assert_eq!(frame["change"], "booked");
    assert_eq!(frame["consultation"]["id"], booked["id"]);
    assert_eq!(frame["consultation"]["topic"], "Essay plan");
    assert_eq!(
        frame["consultation"]["participants"][0]["display_name"],
        "Student 0"
    );
    assert!(
        frame["consultation"].get("private_notes").is_some(),
        "the lecturer's own view"
    );
    let leaked = bystander_ws
        .all_of_for("consultation", std::time::Duration::from_millis(500))
        .await;
    assert!(leaked.is_empty(), "a bystander hears nothing: {leaked:?}");
}
