//! Consultations end to end: availability, booking races, clashes across lecturers, reschedule,
//! group capacity under concurrency, lifecycle rules, and privacy of notes.

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::{TestApp, assert_error, assert_refused, json_of};
use uuid::Uuid;

/// An admin, one lecturer with published hours, and `students` students (ids and tokens).
struct Cast {
    admin: String,
    lecturer: (Uuid, String),
    students: Vec<(Uuid, String)>,
}

async fn cast(app: &TestApp, students: usize, hours: Value) -> Cast {
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let lecturer = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer.0).await;
    app.publish_hours(&lecturer.1, hours).await;
    let students = join_all((0..students).map(|i| async move {
        app.user_with_token(&format!("s{i}@uni.ac.uk"), &format!("Student {i}"))
            .await
    }))
    .await;
    Cast {
        admin,
        lecturer,
        students,
    }
}

/// A server whose signup limits allow a classroom of students from one address.
async fn spawn(db: PgPool) -> TestApp {
    TestApp::spawn_with(db, |config| config.login_rate_per_ip = 10_000).await
}

async fn free_slots(app: &TestApp, token: &str, lecturer: Uuid) -> Vec<DateTime<Utc>> {
    let from = (Utc::now() + Duration::days(1)).to_rfc3339();
    let to = (Utc::now() + Duration::days(3)).to_rfc3339();
    let body: Value = json_of(
        reqwest::Client::new()
            .get(app.url(&format!("/api/v1/lecturers/{lecturer}/slots")))
            .query(&[("from", from.as_str()), ("to", to.as_str())])
            .bearer_auth(token),
    )
    .await;
    body["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| {
            s["starts_at"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .expect("slot start")
        })
        .collect()
}

fn book(
    app: &TestApp,
    token: &str,
    lecturer: Uuid,
    start: DateTime<Utc>,
    topic: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url("/api/v1/bookings"))
        .bearer_auth(token)
        .json(&json!({ "lecturer_id": lecturer, "starts_at": start, "topic": topic }))
}

fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
}

/// Counts the racing requests that got `won`, asserting every other one was refused with 409
/// `refused`.
async fn winners(
    responses: Vec<reqwest::Result<reqwest::Response>>,
    won: u16,
    refused: &str,
) -> usize {
    let mut count = 0;
    for response in responses {
        let response = response.expect("response");
        if response.status() == won {
            count += 1;
        } else {
            assert_error(response, 409, refused).await;
        }
    }
    count
}

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
async fn rescheduling_takes_the_new_slot_and_releases_the_old_one_atomically(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app, 3, json!({})).await;
    let (alice, bob, carol) = (&c.students[0], &c.students[1], &c.students[2]);
    let slots = free_slots(&app, &alice.1, c.lecturer.0).await;
    let (old, new, taken) = (slots[0], slots[2], slots[4]);

    let booked: Value = json_of(book(&app, &alice.1, c.lecturer.0, old, "Essay")).await;
    let id = booked["id"].as_str().unwrap().to_owned();
    assert_eq!(
        book(&app, &carol.1, c.lecturer.0, taken, "Lab")
            .send()
            .await
            .unwrap()
            .status(),
        201
    );

    // Moving onto a taken slot fails and keeps the old time.
    assert_refused(
        post(
            &app,
            &alice.1,
            &format!("/api/v1/consultations/{id}/reschedule"),
            json!({ "starts_at": taken }),
        ),
        409,
        "slot_taken",
    )
    .await;
    let kept: Value = json_of(
        reqwest::Client::new()
            .get(app.url(&format!("/api/v1/consultations/{id}")))
            .bearer_auth(&alice.1),
    )
    .await;
    assert_eq!(
        kept["starts_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        old
    );
    assert!(!free_slots(&app, &bob.1, c.lecturer.0).await.contains(&old));

    let moved: Value = json_of(post(
        &app,
        &alice.1,
        &format!("/api/v1/consultations/{id}/reschedule"),
        json!({ "starts_at": new }),
    ))
    .await;
    assert_eq!(
        moved["starts_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        new
    );
    assert_eq!(moved["revision"], 1);
    let now_free = free_slots(&app, &bob.1, c.lecturer.0).await;
    assert!(now_free.contains(&old) && !now_free.contains(&new));
    // The student's own time moved with it: Bob can take the old slot, and Alice is free then.
    assert_eq!(
        book(&app, &bob.1, c.lecturer.0, old, "Exam")
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM consultation_participants WHERE student_id = $1 AND active AND starts_at = $2")
        .bind(alice.0)
        .bind(new)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(held, 1);
}

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
async fn bookings_outside_the_rules_get_precise_errors(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(
        &app,
        1,
        json!({ "min_notice_minutes": 120, "horizon_days": 7 }),
    )
    .await;
    let token = &c.students[0].1;
    let lecturer = c.lecturer.0;
    let good = free_slots(&app, token, lecturer).await[0];
    let now = Utc::now();
    // The timing checks run in this order, so each case hits exactly its own rule.
    let cases = [
        (good - Duration::days(3), "in_past"),
        (now + Duration::minutes(30), "too_soon"),
        (now + Duration::days(9), "beyond_horizon"),
        (good + Duration::minutes(10), "outside_availability"),
    ];
    for (start, code) in cases {
        let body = assert_refused(book(&app, token, lecturer, start, "Essay"), 422, code).await;
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_refused(
        book(&app, token, lecturer, good, "   "),
        422,
        "validation_failed",
    )
    .await;
    assert_refused(
        book(&app, token, Uuid::now_v7(), good, "Essay"),
        404,
        "not_found",
    )
    .await;
    assert_refused(
        book(&app, &c.lecturer.1, lecturer, good, "Essay"),
        403,
        "forbidden",
    )
    .await;
    let unknown_field = post(
        &app,
        token,
        "/api/v1/bookings",
        json!({ "lecturer_id": lecturer, "starts_at": good, "topic": "x", "price": 0 }),
    );
    assert_refused(unknown_field, 422, "invalid_body").await;

    // Availability: students may not publish; bad documents name the field and change nothing.
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
            .unwrap()
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
        kept["weekly"].as_array().unwrap().len(),
        7,
        "a refused update changes nothing"
    );
    assert_eq!(active_count(&db, lecturer).await, 0);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn lifecycle_approval_cancellation_window_notes_and_attendance(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(
        &app,
        2,
        json!({ "requires_approval": true, "cancel_window_minutes": 3000 }),
    )
    .await;
    let (student, outsider) = (&c.students[0], &c.students[1]);
    let lecturer = &c.lecturer;
    let slot = free_slots(&app, &student.1, lecturer.0).await[0];
    let booked: Value = json_of(reqwest::Client::new().post(app.url("/api/v1/bookings")).bearer_auth(&student.1).json(&json!({
        "lecturer_id": lecturer.0, "starts_at": slot, "topic": "Dissertation", "notes": "Chapter 2",
    })))
    .await;
    assert_eq!(booked["status"], "pending");
    assert_eq!(booked["notes"], "Chapter 2");
    let id = booked["id"].as_str().unwrap().to_owned();
    let path = |action: &str| format!("/api/v1/consultations/{id}/{action}");

    // Only the lecturer confirms; outsiders do not even see it.
    assert_refused(
        post(&app, &student.1, &path("confirm"), json!({})),
        403,
        "forbidden",
    )
    .await;
    assert_refused(
        post(&app, &outsider.1, &path("confirm"), json!({})),
        404,
        "not_found",
    )
    .await;
    let (status, _) = app
        .get_json(&outsider.1, &format!("/api/v1/consultations/{id}"))
        .await;
    assert_eq!(status, 404);
    let confirmed: Value = json_of(post(&app, &lecturer.1, &path("confirm"), json!({}))).await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_refused(
        post(&app, &lecturer.1, &path("confirm"), json!({})),
        409,
        "not_pending",
    )
    .await;

    // Private notes stay with the lecturer.
    let notes = reqwest::Client::new()
        .patch(app.url(&path("notes")))
        .bearer_auth(&lecturer.1)
        .json(&json!({ "private_notes": "Struggling with methods" }));
    let lecturer_view: Value = json_of(notes).await;
    assert_eq!(lecturer_view["private_notes"], "Struggling with methods");
    let (_, student_view) = app
        .get_json(&student.1, &format!("/api/v1/consultations/{id}"))
        .await;
    assert!(
        student_view.get("private_notes").is_none(),
        "{student_view}"
    );
    assert!(!student_view.to_string().contains("Struggling"));
    let sneaky = reqwest::Client::new()
        .patch(app.url(&path("notes")))
        .bearer_auth(&student.1)
        .json(&json!({ "private_notes": "x" }));
    assert_refused(sneaky, 403, "forbidden").await;

    // The slot starts within the 3000-minute window: the student may not cancel, the lecturer may.
    assert_refused(
        post(
            &app,
            &student.1,
            &path("cancel"),
            json!({ "reason": "ill" }),
        ),
        409,
        "inside_cancel_window",
    )
    .await;
    assert_refused(
        post(&app, &lecturer.1, &path("cancel"), json!({ "reason": "" })),
        422,
        "validation_failed",
    )
    .await;
    let attendance = reqwest::Client::new()
        .put(app.url(&format!(
            "/api/v1/consultations/{id}/attendance/{}",
            student.0
        )))
        .bearer_auth(&lecturer.1)
        .json(&json!({ "attendance": "attended" }));
    assert_refused(attendance, 409, "not_started").await;
    let cancelled: Value = json_of(post(
        &app,
        &lecturer.1,
        &path("cancel"),
        json!({ "reason": "Called to a meeting" }),
    ))
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "Called to a meeting");
    assert!(
        free_slots(&app, &student.1, lecturer.0)
            .await
            .contains(&slot),
        "cancelling frees the slot"
    );
    assert_refused(
        post(
            &app,
            &lecturer.1,
            &path("reschedule"),
            json!({ "starts_at": slot + Duration::hours(1) }),
        ),
        409,
        "cancelled",
    )
    .await;
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
