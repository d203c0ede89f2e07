//! A booked consultation's life: rescheduling takes the new slot and releases the old one
//! atomically; approval, the cancellation window, the lecturer's private notes and attendance.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::consultations::{Cast, book, cast, free_slots, spawn};
use tests::{TestApp, assert_refused, json_of, post};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn rescheduling_takes_the_new_slot_and_releases_the_old_one_atomically(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app, 3, json!({})).await;
    let (alice, bob, carol) = (&c.students[0], &c.students[1], &c.students[2]);
    let slots = free_slots(&app, &alice.1, c.lecturer.0).await;
    let (old, new, taken) = (slots[0], slots[2], slots[4]);

    let booked: Value = json_of(book(&app, &alice.1, c.lecturer.0, old, "Essay")).await;
    let id = booked["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        book(&app, &carol.1, c.lecturer.0, taken, "Lab")
            .send()
            .await
            .expect("send the booking")
            .status(),
        201
    );
    moving_onto_a_taken_slot_keeps_the_old_time(&app, &c, &id, old, taken).await;

    let moved: Value = json_of(post(
        &app,
        &alice.1,
        &format!("/api/v1/consultations/{id}/reschedule"),
        json!({ "starts_at": new }),
    ))
    .await;
    assert_eq!(starts_at(&moved), new);
    assert_eq!(moved["revision"], 1);
    let now_free = free_slots(&app, &bob.1, c.lecturer.0).await;
    assert!(now_free.contains(&old) && !now_free.contains(&new));
    // The student's own time moved with it: Bob can take the old slot, and Alice is free then.
    assert_eq!(
        book(&app, &bob.1, c.lecturer.0, old, "Exam")
            .send()
            .await
            .expect("send the booking")
            .status(),
        201
    );
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM consultation_participants WHERE student_id = $1 AND active AND starts_at = $2")
        .bind(alice.0)
        .bind(new)
        .fetch_one(&db)
        .await
        .expect("count the student's places");
    assert_eq!(held, 1);
}

/// The `starts_at` of a consultation's view.
fn starts_at(view: &Value) -> DateTime<Utc> {
    view["starts_at"]
        .as_str()
        .expect("starts_at")
        .parse::<DateTime<Utc>>()
        .expect("a time")
}

/// Alice's consultation `id` at `old` cannot move onto the `taken` slot.
async fn moving_onto_a_taken_slot_keeps_the_old_time(
    app: &TestApp,
    c: &Cast,
    id: &str,
    old: DateTime<Utc>,
    taken: DateTime<Utc>,
) {
    let (alice, bob) = (&c.students[0], &c.students[1]);
    // Moving onto a taken slot fails and keeps the old time.
    assert_refused(
        post(
            app,
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
    assert_eq!(starts_at(&kept), old);
    assert!(!free_slots(app, &bob.1, c.lecturer.0).await.contains(&old));
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
    let (student, lecturer) = (&c.students[0], &c.lecturer);
    let slot = free_slots(&app, &student.1, lecturer.0).await[0];
    let booked: Value = json_of(reqwest::Client::new().post(app.url("/api/v1/bookings")).bearer_auth(&student.1).json(&json!({
        "lecturer_id": lecturer.0, "starts_at": slot, "topic": "Dissertation", "notes": "Chapter 2",
    })))
    .await;
    assert_eq!(booked["status"], "pending");
    assert_eq!(booked["notes"], "Chapter 2");
    let id = booked["id"].as_str().expect("an id").to_owned();

    only_the_lecturer_confirms(&app, &c, &id).await;
    private_notes_stay_with_the_lecturer(&app, &c, &id).await;
    inside_the_cancel_window_only_the_lecturer_cancels(&app, &c, &id, slot).await;
}

/// The path of `action` on consultation `id`.
fn path(id: &str, action: &str) -> String {
    format!("/api/v1/consultations/{id}/{action}")
}

/// Only the lecturer confirms; outsiders do not even see it.
async fn only_the_lecturer_confirms(app: &TestApp, c: &Cast, id: &str) {
    let (student, outsider, lecturer) = (&c.students[0], &c.students[1], &c.lecturer);
    assert_refused(
        post(app, &student.1, &path(id, "confirm"), json!({})),
        403,
        "forbidden",
    )
    .await;
    assert_refused(
        post(app, &outsider.1, &path(id, "confirm"), json!({})),
        404,
        "not_found",
    )
    .await;
    let (status, _) = app
        .get_json(&outsider.1, &format!("/api/v1/consultations/{id}"))
        .await;
    assert_eq!(status, 404);
    let confirmed: Value = json_of(post(app, &lecturer.1, &path(id, "confirm"), json!({}))).await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_refused(
        post(app, &lecturer.1, &path(id, "confirm"), json!({})),
        409,
        "not_pending",
    )
    .await;
}

/// Private notes stay with the lecturer.
async fn private_notes_stay_with_the_lecturer(app: &TestApp, c: &Cast, id: &str) {
    let (student, lecturer) = (&c.students[0], &c.lecturer);
    let notes = reqwest::Client::new()
        .patch(app.url(&path(id, "notes")))
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
        .patch(app.url(&path(id, "notes")))
        .bearer_auth(&student.1)
        .json(&json!({ "private_notes": "x" }));
    assert_refused(sneaky, 403, "forbidden").await;
}

/// Attendance waits for the start; the lecturer's cancellation frees `slot` and is final.
async fn inside_the_cancel_window_only_the_lecturer_cancels(
    app: &TestApp,
    c: &Cast,
    id: &str,
    slot: DateTime<Utc>,
) {
    let (student, lecturer) = (&c.students[0], &c.lecturer);
    // The slot starts within the 3000-minute window: the student may not cancel, the lecturer may.
    assert_refused(
        post(
            app,
            &student.1,
            &path(id, "cancel"),
            json!({ "reason": "ill" }),
        ),
        409,
        "inside_cancel_window",
    )
    .await;
    assert_refused(
        post(
            app,
            &lecturer.1,
            &path(id, "cancel"),
            json!({ "reason": "" }),
        ),
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
        app,
        &lecturer.1,
        &path(id, "cancel"),
        json!({ "reason": "Called to a meeting" }),
    ))
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "Called to a meeting");
    assert!(
        free_slots(app, &student.1, lecturer.0)
            .await
            .contains(&slot),
        "cancelling frees the slot"
    );
    assert_refused(
        post(
            app,
            &lecturer.1,
            &path(id, "reschedule"),
            json!({ "starts_at": slot + Duration::hours(1) }),
        ),
        409,
        "cancelled",
    )
    .await;
}
