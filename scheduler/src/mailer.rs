//! The mailer: takes due rows from the outbox one at a time, composes the email from the
//! consultation as it stands now, and sends it by SMTP (lettre) or, with no SMTP server
//! configured, writes it as an `.eml` file.
//!
//! Each row is claimed inside the transaction that records the outcome (`FOR UPDATE SKIP
//! LOCKED`), so two server processes never send the same row, and a crash before the commit
//! leaves it pending for the next run. Failures are retried with backoff.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use models::clock::Clock;
use models::consultation::{self, Consultation, Status};
use models::password_reset;
use models::{Db, ModelError, outbox, user};

use crate::notice::{self, Details, NoticeKind, Person, Recipient};
use crate::reminders::retry_delay;

/// How the mailer is set up.
#[derive(Debug, Clone)]
pub struct MailerConfig {
    /// `smtp://host:port` (or `smtps://user:pass@host`); `None` writes `.eml` files instead.
    pub smtp_url: Option<String>,
    /// Sender, e.g. `Chatterly <no-reply@uni.example>`.
    pub from: String,
    /// Where `.eml` files go when no SMTP server is configured.
    pub file_dir: PathBuf,
    /// How often to look for due rows.
    pub poll: Duration,
    /// The public base URL, for room links.
    pub public_url: String,
    /// Attempts before a row is given up.
    pub max_attempts: i32,
}

/// Why the mailer could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// The SMTP URL is not usable.
    #[error("invalid SMTP URL: {0}")]
    SmtpUrl(String),
    /// The sender address is not an address.
    #[error("invalid sender address {0:?}")]
    From(String),
    /// The `.eml` directory cannot be created.
    #[error("cannot create the mail directory {0}: {1}")]
    FileDir(PathBuf, std::io::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] ModelError),
}

impl From<sqlx::Error> for MailerError {
    fn from(err: sqlx::Error) -> Self {
        Self::Database(ModelError::Database(err))
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// Sends the outbox.
pub struct Mailer {
    db: Db,
    transport: Transport,
    from: Mailbox,
    config: MailerConfig,
    clock: Clock,
}

/// What one pass over a row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was due.
    Idle,
    /// An email went out.
    Sent,
    /// Sending failed; the row waits for a retry (or was given up).
    Failed,
    /// The row no longer applied and was dropped.
    Dropped,
}

impl Mailer {
    /// Sets up the transport; logs where mail goes. `clock` says when rows fall due.
    pub fn new(db: Db, config: MailerConfig, clock: Clock) -> Result<Self, MailerError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| MailerError::From(config.from.clone()))?;
        let transport = match &config.smtp_url {
            Some(url) => {
                let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailerError::SmtpUrl(e.to_string()))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                tracing::info!(smtp = %redact(url), "email goes out by SMTP");
                Transport::Smtp(smtp)
            }
            None => {
                std::fs::create_dir_all(&config.file_dir)
                    .map_err(|e| MailerError::FileDir(config.file_dir.clone(), e))?;
                tracing::info!(
                    dir = %config.file_dir.display(),
                    "no SMTP server configured (CHATTERLY_SMTP_URL): email is written as .eml files"
                );
                Transport::Files(AsyncFileTransport::<Tokio1Executor>::new(&config.file_dir))
            }
        };
        Ok(Self {
            db,
            transport,
            from,
            config,
            clock,
        })
    }

    /// Sends due rows until none is left, then waits for the next poll; forever.
    pub async fn run(self) {
        loop {
            loop {
                match self.send_next().await {
                    Ok(Outcome::Idle) => break,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "mailer pass failed");
                        break;
                    }
                }
            }
            let poll =
                chrono::Duration::from_std(self.config.poll).unwrap_or(chrono::Duration::MAX);
            self.clock.sleep(poll).await;
        }
    }

    /// Handles the oldest due row, if any.
    pub async fn send_next(&self) -> Result<Outcome, MailerError> {
        let mut tx = self.db.begin().await?;
        let Some(row) = outbox::claim_next(&mut tx, self.clock.now()).await? else {
            return Ok(Outcome::Idle);
        };
        let composed = match row.password_reset_id {
            Some(reset) => self.compose_reset(&mut tx, &row, reset).await?,
            None => self.compose(&row).await?,
        };
        let outcome = match composed {
            None => {
                outbox::mark_superseded(&mut tx, row.id).await?;
                Outcome::Dropped
            }
            Some(Err(permanent)) => {
                tracing::warn!(row = row.id, error = %permanent, "email cannot be sent; giving up");
                outbox::mark_failed(&mut tx, row.id, &permanent, None).await?;
                Outcome::Failed
            }
            Some(Ok(message)) => match self.deliver(message).await {
                Ok(()) => {
                    outbox::mark_sent(&mut tx, row.id).await?;
                    tracing::debug!(row = row.id, kind = %row.kind, "email sent");
                    Outcome::Sent
                }
                Err(error) => {
                    let attempt = row.attempts.saturating_add(1);
                    let retry_at = (attempt < self.config.max_attempts).then(|| {
                        self.clock.now() + retry_delay(u32::try_from(attempt).unwrap_or(u32::MAX))
                    });
                    tracing::warn!(row = row.id, attempt, error = %error, ?retry_at, "sending email failed");
                    outbox::mark_failed(&mut tx, row.id, &error, retry_at).await?;
                    Outcome::Failed
                }
            },
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// The email for a row: `None` if it no longer applies, `Some(Err)` if it can never be sent.
    async fn compose(
        &self,
        row: &outbox::Claimed,
    ) -> Result<Option<Result<Message, String>>, MailerError> {
        let Some(kind) = NoticeKind::parse(&row.kind) else {
            return Ok(Some(Err(format!("unknown kind {:?}", row.kind))));
        };
        let Some(consultation_id) = row.consultation_id else {
            return Ok(Some(Err(
                "a consultation email without a consultation".to_owned()
            )));
        };
        let c = match consultation::get(&self.db, consultation_id).await {
            Ok(c) => c,
            Err(ModelError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let is_lecturer = row.recipient_id == c.lecturer_id;
        let holds_place = c.active_place(row.recipient_id).is_some();
        if kind == NoticeKind::Reminder
            && (c.status == Status::Cancelled
                || c.starts_at <= self.clock.now()
                || !(is_lecturer || holds_place))
        {
            return Ok(None);
        }
        let user = match user::find(&self.db, row.recipient_id).await {
            Ok(u) => u,
            Err(ModelError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let recipient = Recipient {
            person: Person {
                name: user.display_name.clone(),
                email: user.email.clone(),
            },
            time_zone: user.time_zone.parse().unwrap_or(chrono_tz::UTC),
            place_cancelled: !is_lecturer && !holds_place,
            organiser: is_lecturer,
        };
        let notice = notice::compose(
            kind,
            &details(&c, &self.config.public_url),
            &recipient,
            self.clock.now(),
        );
        let Ok(to) =
            format!("{} <{}>", quote_name(&user.display_name), user.email).parse::<Mailbox>()
        else {
            return Ok(Some(Err(format!(
                "invalid recipient address {:?}",
                user.email
            ))));
        };
        let Ok(calendar) = ContentType::parse(&format!(
            "text/calendar; charset=utf-8; method={}",
            notice.method
        )) else {
            return Ok(Some(Err("invalid calendar content type".to_owned())));
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(notice.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(notice.text))
                    .singlepart(SinglePart::builder().header(calendar).body(notice.ics)),
            );
        Ok(Some(message.map_err(|e| e.to_string())))
    }

    /// The reset email of `reset`: draws its token now (stored hashed in `tx`), so the link
    /// exists only in the email. `None` once the reset was used or expired.
    async fn compose_reset(
        &self,
        tx: &mut sqlx::PgConnection,
        row: &outbox::Claimed,
        reset: uuid::Uuid,
    ) -> Result<Option<Result<Message, String>>, MailerError> {
        let user = match user::find(&self.db, row.recipient_id).await {
            Ok(u) => u,
            Err(ModelError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(token) = password_reset::issue_token(tx, reset, self.clock.now()).await? else {
            return Ok(None);
        };
        let Ok(to) =
            format!("{} <{}>", quote_name(&user.display_name), user.email).parse::<Mailbox>()
        else {
            return Ok(Some(Err(format!(
                "invalid recipient address {:?}",
                user.email
            ))));
        };
        let link = format!(
            "{}/#/reset-password?token={}",
            self.config.public_url.trim_end_matches('/'),
            token.expose()
        );
        let text = format!(
            "Hello {name},\n\nsomeone (hopefully you) asked to reset the password of your Chatterly \
             account. Open this link within {minutes} minutes to choose a new one:\n\n{link}\n\n\
             The link works once. Choosing a new password signs out every device. If you did not \
             ask, ignore this email: your password stays as it is.\n",
            name = user.display_name,
            minutes = password_reset::RESET_LIFETIME_MINUTES,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject("Reset your Chatterly password")
            .singlepart(SinglePart::plain(text));
        Ok(Some(message.map_err(|e| e.to_string())))
    }

    async fn deliver(&self, message: Message) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Files(files) => files
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }
}

/// The invitation details of a consultation.
pub fn details(c: &Consultation, public_url: &str) -> Details {
    Details {
        id: c.id,
        revision: u32::try_from(c.revision).unwrap_or(0),
        topic: c.topic.clone(),
        notes: c.notes.clone(),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        pending: c.status == Status::Pending,
        cancelled: c.status == Status::Cancelled,
        lecturer: Person {
            name: c.lecturer_name.clone(),
            email: c.lecturer_email.clone(),
        },
        students: c
            .active_students()
            .map(|p| Person {
                name: p.display_name.clone(),
                email: p.email.clone(),
            })
            .collect(),
        room_url: format!("{}/#/room/{}", public_url.trim_end_matches('/'), c.id),
        cancel_reason: c.cancel_reason.clone(),
    }
}

fn quote_name(name: &str) -> String {
    format!("\"{}\"", name.replace(['"', '\\'], ""))
}

fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((scheme_and_credentials, host)) => {
            let scheme = scheme_and_credentials.split("://").next().unwrap_or("smtp");
            format!("{scheme}://***@{host}")
        }
        None => url.to_owned(),
    }
}
