//! Email: booking notices and reminders reach a real SMTP server (aiosmtpd) with a valid
//! calendar invitation, exactly once even with two mailers running and across a restart, and
//! failed sends are kept for a retry.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use icalendar::{Calendar, CalendarComponent, Component};
use mail_parser::{MessageParser, MimeHeaders};
use models::clock::{Clock, TestClock};
use scheduler::mailer::{Mailer, MailerConfig, Outcome};
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

async fn spawn_mailing(db: &PgPool, smtp: &str, clock: Clock) -> TestApp {
    let smtp = smtp.to_owned();
    TestApp::spawn_on(db.clone(), clock, move |config| {
        config.mailer_enabled = true;
        config.smtp_url = Some(smtp);
        config.mail_poll_ms = 100;
        config.reminder_offsets_minutes = vec![24 * 60];
    })
    .await
}

/// A mailer of the test's own, as a restarted server would start it.
fn mailer(db: &PgPool, smtp: &SmtpServer, clock: Clock) -> Mailer {
    let config = MailerConfig {
        smtp_url: Some(smtp.url()),
        from: "Chatterly <no-reply@chatterly.localhost>".to_owned(),
        file_dir: std::env::temp_dir(),
        poll: StdDuration::from_millis(100),
        public_url: "http://localhost".to_owned(),
        max_attempts: 10,
    };
    Mailer::new(db.clone(), config, clock).expect("mailer")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn notices_and_reminders_arrive_once_with_a_calendar_invitation(db: PgPool) {
    let smtp = SmtpServer::start();
    let time = TestClock::new();
    let app = spawn_mailing(&db, &smtp.url(), time.clock()).await;
    // A second server process on the same database (with its own connection pool), mailing too.
    let twin = spawn_mailing(&tests::own_pool(&db).await, &smtp.url(), time.clock()).await;
    let (id, lecturer_token) = book_in_25_hours(&app).await;
    let uid = format!("consultation-{id}@chatterly");

    // The booking notices go out at once; the reminders once the hour has passed.
    smtp.wait_for(2, StdDuration::from_secs(20)).await;
    time.advance(Duration::hours(1));
    let mails: Vec<Mail> = smtp
        .wait_for(4, StdDuration::from_secs(20))
        .await
        .iter()
        .map(|m| read(m))
        .collect();
    assert_eq!(
        smtp.messages().len(),
        4,
        "two notices and two reminders, none twice with two mailers"
    );
    assert_notices_and_reminders(&mails, &uid);

    // Restarting the mailers sends nothing again: a fresh mailer finds nothing due. The
    // restarted server's own mailer is off, so the test's mailer is the only one.
    app.stop().await;
    twin.stop().await;
    // Stopping a server closes its pool; the restarted one connects afresh.
    let db = sqlx::postgres::PgPoolOptions::new()
        .connect_with((*db.connect_options()).clone())
        .await
        .unwrap();
    let restarted = TestApp::spawn_on(db.clone(), time.clock(), |_| {}).await;
    let mailer = mailer(&db, &smtp, time.clock());
    assert_eq!(
        mailer.send_next().await.unwrap(),
        Outcome::Idle,
        "nothing is due again after a restart"
    );
    assert_eq!(smtp.messages().len(), 4);

    cancel_updates_the_same_event(&restarted, &mailer, &smtp, &id, &lecturer_token).await;
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE status = 'sent'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(sent, 6);
}

/// A lecturer and a student, and a consultation of theirs starting in 25 hours (so its 24-hour
/// reminder falls due in an hour); its id and the lecturer's token.
async fn book_in_25_hours(app: &TestApp) -> (String, String) {
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer, lecturer_token) = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer).await;
    let (student, _) = app.user_with_token("bo@uni.ac.uk", "Bo").await;
    let start = Utc::now() + Duration::hours(25);
    let created: Value = tests::json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/consultations"))
            .bearer_auth(&lecturer_token)
            .json(&json!({ "starts_at": start, "duration_minutes": 30, "topic": "Essay feedback", "student_ids": [student] })),
    )
    .await;
    let id = created["id"].as_str().expect("an id").to_owned();
    (id, lecturer_token)
}

/// One booking notice and one reminder each for the lecturer and the student, all invitations
/// to the same calendar event.
fn assert_notices_and_reminders(mails: &[Mail], uid: &str) {
    let to = |prefix: &str| {
        let mut to: Vec<&str> = mails
            .iter()
            .filter(|m| m.subject.starts_with(prefix))
            .map(|m| m.to.as_str())
            .collect();
        to.sort_unstable();
        to
    };
    assert_eq!(to("Booked:"), ["ada@uni.ac.uk", "bo@uni.ac.uk"]);
    assert_eq!(to("Reminder:"), ["ada@uni.ac.uk", "bo@uni.ac.uk"]);
    for mail in mails {
        assert_eq!(mail.uid, uid, "one stable UID per consultation");
        assert_eq!(mail.method, "REQUEST");
        assert!(
            mail.subject.contains("Essay feedback with Dr Ada"),
            "{}",
            mail.subject
        );
    }
}

/// Cancelling updates the same calendar event: same UID, higher SEQUENCE, METHOD:CANCEL, one
/// cancellation each and nothing else.
async fn cancel_updates_the_same_event(
    app: &TestApp,
    mailer: &Mailer,
    smtp: &SmtpServer,
    id: &str,
    lecturer_token: &str,
) {
    let cancelled = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/consultations/{id}/cancel")))
        .bearer_auth(lecturer_token)
        .json(&json!({ "reason": "Ill" }))
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancelled.status(), 200);
    for _ in 0..2 {
        assert_eq!(mailer.send_next().await.expect("send"), Outcome::Sent);
    }
    assert_eq!(mailer.send_next().await.expect("send"), Outcome::Idle);
    let all = smtp.wait_for(6, StdDuration::from_secs(20)).await;
    assert_eq!(all.len(), 6, "one cancellation each, nothing else");
    let cancels: Vec<Mail> = all
        .iter()
        .map(|m| read(m))
        .filter(|m| m.method == "CANCEL")
        .collect();
    assert_eq!(cancels.len(), 2);
    for mail in cancels {
        assert_eq!(mail.uid, format!("consultation-{id}@chatterly"));
        assert_eq!(mail.sequence, "1");
        assert!(mail.status.contains("Cancelled"), "{}", mail.status);
        assert!(mail.subject.starts_with("Cancelled:"));
    }
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_failed_send_stays_queued_with_backoff(db: PgPool) {
    // Nothing listens on this port: every attempt fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = spawn_mailing(&db, &format!("smtp://{closed}"), Clock::system()).await;
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
