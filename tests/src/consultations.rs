//! Helpers for the consultation tests (`tests/tests/suite/consultations_*.rs`): a server that lets a
//! classroom sign up, a lecturer with published hours and students, free slots, booking
//! requests, and counting the winners of a race.

use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{TestApp, assert_error, json_of};

/// An admin, one lecturer with published hours, and `students` students (ids and tokens).
pub struct Cast {
    /// The admin's bearer token.
    pub admin: String,
    /// The lecturer's id and token.
    pub lecturer: (Uuid, String),
    /// The students' ids and tokens.
    pub students: Vec<(Uuid, String)>,
}

/// Signs up the [`Cast`]: the lecturer publishes the default hours with `hours` overriding
/// fields (see [`TestApp::publish_hours`]).
pub async fn cast(app: &TestApp, students: usize, hours: Value) -> Cast {
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
pub async fn spawn(db: PgPool) -> TestApp {
    TestApp::spawn_with(db, |config| config.login_rate_per_ip = 10_000).await
}

/// The starts of `lecturer`'s free slots between one and three days from now, as seen by the
/// holder of `token`.
pub async fn free_slots(app: &TestApp, token: &str, lecturer: Uuid) -> Vec<DateTime<Utc>> {
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

/// A booking request by the holder of `token` for `lecturer`'s slot at `start`.
pub fn book(
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

/// Counts the racing requests that got `won`, asserting every other one was refused with 409
/// `refused`.
pub async fn winners(
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
