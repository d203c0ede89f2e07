//! Roles (admin-only endpoints), profiles and the user directory.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::{TestApp, assert_error};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn students_cannot_use_admin_endpoints(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.device();
    let student = app.device();
    app.signup(&admin, "admin@uni.ac.uk", "Admin").await;
    let s = app.signup(&student, "sam@uni.ac.uk", "Sam Student").await;
    let sam_id = s["user"]["id"].as_str().unwrap().to_owned();

    assert_error(
        student
            .get(app.url("/api/v1/admin/users"))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let promote_self = student
        .put(app.url(&format!("/api/v1/admin/users/{sam_id}/role")))
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_error(promote_self, 403, "forbidden").await;
    assert_error(
        reqwest::Client::new()
            .get(app.url("/api/v1/admin/users"))
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;

    let listed: Value = tests::json_of(admin.get(app.url("/api/v1/admin/users?q=uni.ac"))).await;
    assert_eq!(
        listed["users"].as_array().unwrap().len(),
        2,
        "admins search by email too"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn admin_changes_roles_and_it_applies_at_once(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.device();
    let lecturer = app.device();
    let a = app.signup(&admin, "admin@uni.ac.uk", "Admin").await;
    let l = app
        .signup(&lecturer, "turing@uni.ac.uk", "Alan Turing")
        .await;
    let turing = l["user"]["id"].as_str().unwrap().to_owned();
    // The lecturer's user record is cached by the server now.
    let before: Value = tests::json_of(lecturer.get(app.url("/api/v1/me"))).await;
    assert_eq!(before["role"], "student");

    let changed = admin
        .put(app.url(&format!("/api/v1/admin/users/{turing}/role")))
        .json(&json!({ "role": "lecturer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let after: Value = tests::json_of(lecturer.get(app.url("/api/v1/me"))).await;
    assert_eq!(after["role"], "lecturer");

    let bad_role = admin
        .put(app.url(&format!("/api/v1/admin/users/{turing}/role")))
        .json(&json!({ "role": "overlord" }))
        .send()
        .await
        .unwrap();
    assert_error(bad_role, 422, "invalid_body").await;

    let nobody = admin
        .put(app.url(&format!("/api/v1/admin/users/{}/role", uuid::Uuid::nil())))
        .json(&json!({ "role": "lecturer" }))
        .send()
        .await
        .unwrap();
    assert_error(nobody, 404, "not_found").await;

    let admin_id = a["user"]["id"].as_str().unwrap();
    let demote_last = admin
        .put(app.url(&format!("/api/v1/admin/users/{admin_id}/role")))
        .json(&json!({ "role": "student" }))
        .send()
        .await
        .unwrap();
    assert_error(demote_last, 409, "last_admin").await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn configured_admin_email_becomes_admin(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.admin_email = Some("Head@Uni.ac.uk".into())).await;
    app.signup(&app.device(), "first@uni.ac.uk", "First").await;
    let head = app
        .signup(&app.device(), "head@uni.ac.uk", "Head of IT")
        .await;
    assert_eq!(head["user"]["role"], "admin");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn profile_updates_are_validated(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let ada = app.device();
    app.signup(&ada, "ada@uni.ac.uk", "Ada").await;

    let ok = ada
        .patch(app.url("/api/v1/me"))
        .json(&json!({ "display_name": "Ada King Lovelace", "time_zone": "America/New_York", "avatar_color": "#AABBCC" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let me: Value = tests::json_of(ada.get(app.url("/api/v1/me"))).await;
    assert_eq!(me["display_name"], "Ada King Lovelace");
    assert_eq!(me["initials"], "AL");
    assert_eq!(me["time_zone"], "America/New_York");
    assert_eq!(me["avatar_color"], "#aabbcc");

    for (body, code) in [
        (json!({ "time_zone": "Mars/Olympus" }), "validation_failed"),
        (json!({ "avatar_color": "red" }), "validation_failed"),
        (json!({ "display_name": "   " }), "validation_failed"),
        (json!({ "nickname": "x" }), "invalid_body"),
    ] {
        let response = ada
            .patch(app.url("/api/v1/me"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_error(response, 422, code).await;
    }
    let unchanged: Value = tests::json_of(ada.get(app.url("/api/v1/me"))).await;
    assert_eq!(
        unchanged["time_zone"], "America/New_York",
        "a rejected change changes nothing"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn directory_finds_people_without_leaking_emails(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.device();
    app.signup(&admin, "admin@uni.ac.uk", "Admin Person").await;
    let t = app
        .signup(&app.device(), "turing@uni.ac.uk", "Alan Turing")
        .await;
    app.signup(&app.device(), "hopper@uni.ac.uk", "Grace Hopper")
        .await;
    let student = app.device();
    app.signup(&student, "sam@uni.ac.uk", "Sam 100%_Student")
        .await;
    let turing = t["user"]["id"].as_str().unwrap();
    admin
        .put(app.url(&format!("/api/v1/admin/users/{turing}/role")))
        .json(&json!({ "role": "lecturer" }))
        .send()
        .await
        .unwrap();

    the_directory_searches_names_and_roles_not_emails(&app, &student).await;
    bad_directory_queries_are_refused(&app, &student).await;

    let profile: Value =
        tests::json_of(student.get(app.url(&format!("/api/v1/users/{turing}")))).await;
    assert_eq!(profile["display_name"], "Alan Turing");
    assert_error(
        student
            .get(app.url("/api/v1/users/not-a-uuid"))
            .send()
            .await
            .unwrap(),
        400,
        "invalid_path",
    )
    .await;
}

/// How many users a directory page of `student`'s for `query` lists.
async fn listed(app: &TestApp, student: &reqwest::Client, query: &str) -> usize {
    let page: Value = tests::json_of(student.get(app.url(&format!("/api/v1/users{query}")))).await;
    page["users"].as_array().expect("users").len()
}

/// What a student finds among the four people, one of them the lecturer Alan Turing.
async fn the_directory_searches_names_and_roles_not_emails(
    app: &TestApp,
    student: &reqwest::Client,
) {
    let found: Value = tests::json_of(student.get(app.url("/api/v1/users?q=TUR"))).await;
    let users = found["users"].as_array().expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["display_name"], "Alan Turing");
    assert_eq!(users[0]["role"], "lecturer");
    assert!(
        users[0].get("email").is_none(),
        "the directory never shows emails"
    );

    assert_eq!(listed(app, student, "?role=lecturer").await, 1);
    assert_eq!(
        listed(app, student, "?q=hopper@").await,
        0,
        "students cannot search by email"
    );
    assert_eq!(
        listed(app, student, "?q=%25_").await,
        1,
        "% and _ match literally"
    );
    assert_eq!(listed(app, student, "?limit=2&offset=0").await, 2);
    assert_eq!(listed(app, student, "?limit=2&offset=2").await, 2);
}

/// Limits out of range or not numbers, and requests without a session.
async fn bad_directory_queries_are_refused(app: &TestApp, student: &reqwest::Client) {
    assert_error(
        student
            .get(app.url("/api/v1/users?limit=1000"))
            .send()
            .await
            .expect("send the request"),
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        student
            .get(app.url("/api/v1/users?limit=abc"))
            .send()
            .await
            .expect("send the request"),
        400,
        "invalid_query",
    )
    .await;
    assert_error(
        reqwest::Client::new()
            .get(app.url("/api/v1/users"))
            .send()
            .await
            .expect("send the request"),
        401,
        "unauthenticated",
    )
    .await;
}
