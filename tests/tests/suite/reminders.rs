//! Email: booking notices and reminders reach a real SMTP server (aiosmtpd) with a valid
//! calendar invitation, exactly once even with two mailers running and across a restart, and
//! failed sends are kept for a retry.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use icalendar::{Calendar, CalendarComponent, Component};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::TestApp;
use tests::smtp::SmtpServer;

struct Mail {
    to: String,
    subject: String,
    method: String,
    uid: String,
    sequence: String,
    status: String,
}

fn read(raw: &[u8]) -> Mail {
    let message = MessageParser::default().parse(raw).expect("a MIME message");
    let to = message
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_owned();
    let subject = message.subject().unwrap_or_default().to_owned();
    let calendar_part = message
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|ct| ct.ctype() == "text" && ct.subtype() == Some("calendar"))
        })
        .expect("a text/calendar part");
    let method_param = calendar_part
        .content_type()
        .and_then(|ct| ct.attribute("method"))
        .unwrap_or_default()
        .to_owned();
    let ics = calendar_part.text_contents().expect("calendar text");
    let calendar: Calendar = ics.parse().expect("a valid iCalendar document");
    let method = calendar
        .property_value("METHOD")
        .unwrap_or_default()
        .to_owned();
    assert_eq!(method, method_param, "MIME method matches the calendar's");
    let event = calendar
        .components
        .iter()
        .find_map(|c| match c {
            CalendarComponent::Event(e) => Some(e.clone()),
            _ => None,
        })
        .expect("a VEVENT");
    Mail {
        to,
        subject,
        method,
        uid: event.get_uid().unwrap_or_default().to_owned(),
        sequence: event
            .property_value("SEQUENCE")
            .unwrap_or_default()
            .to_owned(),
        status: format!("{:?}", event.get_status()),
    }
}

async fn spawn_mailing(db: &PgPool, smtp: &str) -> TestApp {
    let smtp = smtp.to_owned();
    TestApp::spawn_with(db.clone(), move |config| {
        config.mailer_enabled = true;
        config.smtp_url = Some(smtp);
        config.mail_poll_ms = 100;
        config.reminder_offsets_minutes = vec![24 * 60];
    })
    .await
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn notices_and_reminders_arrive_once_with_a_calendar_invitation(db: PgPool) {
    let smtp = SmtpServer::start();
    let app = spawn_mailing(&db, &smtp.url()).await;
    // A second server process on the same database (with its own connection pool), mailing too.
    let twin = spawn_mailing(&tests::own_pool(&db).await, &smtp.url()).await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer, lecturer_token) = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer).await;
    let (student, _) = app.user_with_token("bo@uni.ac.uk", "Bo").await;

    // Starts in 24 h + 4 s, so its 24-hour reminder falls due in 4 s.
    let start = Utc::now() + Duration::hours(24) + Duration::seconds(4);
    let created: Value = tests::json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/consultations"))
            .bearer_auth(&lecturer_token)
            .json(&json!({ "starts_at": start, "duration_minutes": 30, "topic": "Essay feedback", "student_ids": [student] })),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let uid = format!("consultation-{id}@chatterly");

    let mails: Vec<Mail> = smtp
        .wait_for(4, StdDuration::from_secs(20))
        .await
        .iter()
        .map(|m| read(m))
        .collect();
    tokio::time::sleep(StdDuration::from_secs(2)).await;
    assert_eq!(
        smtp.messages().len(),
        4,
        "two notices and two reminders, none twice with two mailers"
    );
    let mut booked: Vec<&str> = mails
        .iter()
        .filter(|m| m.subject.starts_with("Booked:"))
        .map(|m| m.to.as_str())
        .collect();
    let mut reminded: Vec<&str> = mails
        .iter()
        .filter(|m| m.subject.starts_with("Reminder:"))
        .map(|m| m.to.as_str())
        .collect();
    booked.sort_unstable();
    reminded.sort_unstable();
    assert_eq!(booked, ["ada@uni.ac.uk", "bo@uni.ac.uk"]);
    assert_eq!(reminded, ["ada@uni.ac.uk", "bo@uni.ac.uk"]);
    for mail in &mails {
        assert_eq!(mail.uid, uid, "one stable UID per consultation");
        assert_eq!(mail.method, "REQUEST");
        assert!(
            mail.subject.contains("Essay feedback with Dr Ada"),
            "{}",
            mail.subject
        );
    }

    // Restarting the mailers sends nothing again.
    app.stop().await;
    twin.stop().await;
    // Stopping a server closes its pool; the restarted one connects afresh.
    let db = sqlx::postgres::PgPoolOptions::new()
        .connect_with((*db.connect_options()).clone())
        .await
        .unwrap();
    let restarted = spawn_mailing(&db, &smtp.url()).await;
    tokio::time::sleep(StdDuration::from_secs(2)).await;
    assert_eq!(
        smtp.messages().len(),
        4,
        "nothing is sent twice after a restart"
    );

    // Cancelling updates the same calendar event: same UID, higher SEQUENCE, METHOD:CANCEL.
    let cancelled = reqwest::Client::new()
        .post(restarted.url(&format!("/api/v1/consultations/{id}/cancel")))
        .bearer_auth(&lecturer_token)
        .json(&json!({ "reason": "Ill" }))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    let all = smtp.wait_for(6, StdDuration::from_secs(20)).await;
    let cancels: Vec<Mail> = all
        .iter()
        .map(|m| read(m))
        .filter(|m| m.method == "CANCEL")
        .collect();
    assert_eq!(cancels.len(), 2);
    for mail in cancels {
        assert_eq!(mail.uid, uid);
        assert_eq!(mail.sequence, "1");
        assert!(mail.status.contains("Cancelled"), "{}", mail.status);
        assert!(mail.subject.starts_with("Cancelled:"));
    }
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE status = 'sent'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(sent, 6);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_failed_send_stays_queued_with_backoff(db: PgPool) {
    // Nothing listens on this port: every attempt fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = spawn_mailing(&db, &format!("smtp://{closed}")).await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer, token) = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer).await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/consultations"))
        .bearer_auth(&token)
        .json(&json!({ "starts_at": Utc::now() + Duration::days(3), "topic": "Office hour", "capacity": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let mut row: Option<(String, i32, Option<String>, chrono::DateTime<Utc>)> = None;
    for _ in 0..100 {
        row = sqlx::query_as(
            "SELECT status, attempts, last_error, due_at FROM mail_outbox WHERE kind = 'booked'",
        )
        .fetch_optional(&db)
        .await
        .unwrap();
        if row.as_ref().is_some_and(|r| r.1 > 0) {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let (status, attempts, error, due_at) = row.expect("the booking notice is queued");
    assert_eq!(status, "pending", "kept for a retry");
    assert_eq!(attempts, 1);
    assert!(error.is_some_and(|e| !e.is_empty()));
    assert!(
        due_at > Utc::now() + Duration::seconds(20),
        "retried after a backoff, not at once"
    );
}
