//! The authorization matrix (issue 16, point 9): every operation of the OpenAPI document is
//! called as anonymous, another student, another lecturer and an admin, against resources that
//! belong to a student and a lecturer who are none of them, with a body that would be accepted
//! from the owner, so the permission check (not validation) decides. Any 2xx the matrix below
//! does not allow fails the test. A new endpoint is covered without editing anything: no one
//! but its owners may get a 2xx until it is added here.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::chat::uuid_of;
use tests::consultations::{book, cast, free_slots};
use tests::json_of;
use uuid::Uuid;

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Anonymous,
    OtherStudent,
    OtherLecturer,
    Admin,
}

/// The ids the path parameters are filled with: everything belongs to the owner student and
/// the owner lecturer, who never call.
struct Owned {
    student: Uuid,
    lecturer: Uuid,
    direct: Uuid,
    consultation: Uuid,
    session: Uuid,
}

/// Operations that act on the caller's own account or data (or are public), which any
/// signed-in persona may succeed at, whatever the ids.
fn own_or_public(method: &str, path: &str) -> bool {
    path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path.starts_with("/auth/")
        || (path.starts_with("/me") && path != "/me/sessions/{id}")
        || matches!(
            (method, path),
            ("get", "/contacts")
                | ("get", "/conversations")
                // Asking the owner for a conversation: a request they must accept.
                | ("post", "/conversations")
                | ("get", "/consultations")
                | ("get", "/search")
                | ("get", "/users")
                // A public profile, and blocking someone, are the caller's own business.
                | ("get", "/users/{id}")
                | ("put", "/users/{id}/block")
                | ("delete", "/users/{id}/block")
                // A lecturer's overview of the students who share their mood with them.
                | ("get", "/mood/overview")
                // Published availability is for everyone who may book.
                | ("get", "/lecturers/{id}/availability")
                | ("get", "/lecturers/{id}/slots")
        )
}

/// Whether `persona` may get a 2xx from `method path` on the owners' resources.
fn allowed(persona: Persona, method: &str, path: &str) -> bool {
    if persona == Persona::Anonymous {
        return matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/auth/");
    }
    if own_or_public(method, path) {
        return true;
    }
    persona == Persona::Admin && path.starts_with("/admin/")
}

/// A body the owner could send to this operation, so validation passes and the permission check
/// decides; `None` for operations without a body.
fn body_for(method: &str, path: &str, owned: &Owned, slot: &str) -> Option<Value> {
    let body = match (method, path) {
        ("post", "/conversations/{id}/members") => json!({ "user_id": owned.lecturer }),
        ("post", "/consultations/{id}/cancel") => json!({ "reason": "matrix" }),
        ("post", "/consultations/{id}/reschedule") => json!({ "starts_at": slot }),
        ("patch", "/consultations/{id}/notes") => json!({ "notes": "matrix" }),
        ("put", "/consultations/{id}/attendance/{student_id}") => {
            json!({ "attendance": "attended" })
        }
        ("post", "/consultations/{id}/room/recording") => json!({ "active": true }),
        ("put", "/admin/users/{id}/role") => json!({ "role": "lecturer" }),
        ("post", "/conversations") => json!({ "kind": "direct", "user_id": owned.student }),
        ("patch", "/me") => json!({ "display_name": "Matrix" }),
        _ if matches!(method, "post" | "put" | "patch") => json!({}),
        _ => return None,
    };
    Some(body)
}

/// `path` with its parameters filled from `owned`.
fn fill(path: &str, owned: &Owned) -> String {
    let conversation = path.starts_with("/conversations/");
    let id = if conversation {
        owned.direct
    } else if path.starts_with("/consultations/") {
        owned.consultation
    } else if path.starts_with("/lecturers/") {
        owned.lecturer
    } else if path.starts_with("/me/sessions/") {
        owned.session
    } else if path.starts_with("/users/") || path.starts_with("/admin/users/") {
        owned.student
    } else {
        Uuid::from_u128(7)
    };
    path.replace("{id}", &id.to_string())
        .replace("{user_id}", &owned.student.to_string())
        .replace("{student_id}", &owned.student.to_string())
        .replace("{recording}", &Uuid::from_u128(8).to_string())
        .replace("{file}", "recording.webm")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn no_one_gets_a_2xx_on_someone_elses_resources_unless_the_matrix_says_so(db: PgPool) {
    let app = tests::consultations::spawn(db).await;
    let people = cast(&app, 2, json!({})).await;
    let (lecturer, lecturer_token) = people.lecturer.clone();
    let (student, student_token) = people.students[0].clone();
    let (_, other_student) = people.students[1].clone();
    let (other_lecturer_id, other_lecturer) =
        app.user_with_token("grace@uni.ac.uk", "Dr Grace").await;
    app.promote_to_lecturer(&people.admin, other_lecturer_id)
        .await;

    let direct = app
        .open_accepted_direct(&student_token, lecturer, &lecturer_token)
        .await;
    let slots = free_slots(&app, &student_token, lecturer).await;
    let booked: Value = json_of(book(&app, &student_token, lecturer, slots[0], "Owned")).await;
    let session: Uuid = app
        .current_session(&student_token)
        .await
        .parse()
        .expect("a session id");
    let owned = Owned {
        student,
        lecturer,
        direct,
        consultation: uuid_of(&booked["id"]),
        session,
    };
    let slot = (Utc::now() + Duration::days(2)).to_rfc3339();

    let document: Value = json_of(reqwest::Client::new().get(app.url("/api/openapi.json"))).await;
    let paths = document["paths"].as_object().expect("paths");
    let tokens: HashMap<&str, Option<&str>> = HashMap::from([
        ("anonymous", None),
        ("other student", Some(other_student.as_str())),
        ("other lecturer", Some(other_lecturer.as_str())),
        ("admin", Some(people.admin.as_str())),
    ]);
    let personas = [
        ("anonymous", Persona::Anonymous),
        ("other student", Persona::OtherStudent),
        ("other lecturer", Persona::OtherLecturer),
        ("admin", Persona::Admin),
    ];
    let client = reqwest::Client::new();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (path, operations) in paths {
        let Some(path) = path.strip_prefix("/api/v1") else {
            continue;
        };
        for method in operations.as_object().expect("operations").keys() {
            for (name, persona) in personas {
                if path == "/auth/logout" && persona != Persona::Anonymous {
                    continue; // It would end the persona's own session for the rest of the walk.
                }
                let url = app.url(&format!("/api/v1{}", fill(path, &owned)));
                let mut request = match method.as_str() {
                    "get" => client.get(&url),
                    "post" => client.post(&url),
                    "put" => client.put(&url),
                    "patch" => client.patch(&url),
                    "delete" => client.delete(&url),
                    other => panic!("unexpected method {other}"),
                };
                if let Some(token) = tokens[name] {
                    request = request.bearer_auth(token);
                }
                if let Some(body) = body_for(method, path, &owned, &slot) {
                    request = request.json(&body);
                }
                let status = request.send().await.expect("send").status();
                checked += 1;
                assert!(
                    !status.is_server_error(),
                    "{method} {path} as {name}: {status}"
                );
                if status.is_success() && !allowed(persona, method, path) {
                    wrong.push(format!("{method} {path} as {name}: {status}"));
                }
            }
        }
    }
    assert!(checked > 200, "walked {checked} calls");
    assert!(
        wrong.is_empty(),
        "2xx the matrix does not allow:\n{}",
        wrong.join("\n")
    );

    // The owners' resources are intact: the walk changed nothing of theirs.
    let (status, view) = app
        .get_json(
            &student_token,
            &format!("/api/v1/consultations/{}", owned.consultation),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(view["status"], "confirmed");
    let (status, _) = app
        .get_json(&student_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    assert_eq!(status, 200);
}
