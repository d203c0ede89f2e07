//! A lecturer's stored availability: settings, weekly hours and date exceptions, saved and read
//! as one document. Validation is the scheduler's; this module only stores what passed it.

use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use crate::{Db, ModelError};

/// The booking rules of one lecturer (durations in minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// IANA time zone the hours are read in.
    pub time_zone: String,
    /// Length of a consultation.
    pub slot_minutes: i32,
    /// Free time after each consultation.
    pub buffer_minutes: i32,
    /// Minimum notice before a booking's start.
    pub min_notice_minutes: i32,
    /// How many days ahead students may book.
    pub horizon_days: i32,
    /// Whether bookings wait for the lecturer's approval.
    pub requires_approval: bool,
    /// How long before the start students may no longer cancel or move.
    pub cancel_window_minutes: i32,
}

/// Weekly hours on one ISO weekday (1 = Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// ISO weekday, 1 to 7.
    pub weekday: i16,
    /// Local start.
    pub starts: NaiveTime,
    /// Local end.
    pub ends: NaiveTime,
}

/// A date exception: `kind` is `off` (times optional: whole day) or `extra` (times required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Local date.
    pub day: NaiveDate,
    /// `off` or `extra`.
    pub kind: String,
    /// Local start, if any.
    pub starts: Option<NaiveTime>,
    /// Local end, if any.
    pub ends: Option<NaiveTime>,
}

/// Everything a lecturer publishes, stored and replaced as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Booking rules.
    pub settings: Settings,
    /// Weekly hours.
    pub rules: Vec<Rule>,
    /// Date exceptions.
    pub exceptions: Vec<Exception>,
}

/// The lecturer's availability, or `None` if they have not published any.
pub async fn get(db: &Db, lecturer: Uuid) -> Result<Option<Document>, ModelError> {
    let Some(settings) = sqlx::query_as!(
        Settings,
        r#"SELECT time_zone, slot_minutes, buffer_minutes, min_notice_minutes, horizon_days,
                  requires_approval, cancel_window_minutes
             FROM availability_settings WHERE lecturer_id = $1"#,
        lecturer
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let rules = sqlx::query_as!(
        Rule,
        "SELECT weekday, starts, ends FROM availability_rules
          WHERE lecturer_id = $1 ORDER BY weekday, starts",
        lecturer
    )
    .fetch_all(db)
    .await?;
    let exceptions = sqlx::query_as!(
        Exception,
        "SELECT day, kind, starts, ends FROM availability_exceptions
          WHERE lecturer_id = $1 ORDER BY day, starts NULLS FIRST",
        lecturer
    )
    .fetch_all(db)
    .await?;
    Ok(Some(Document {
        settings,
        rules,
        exceptions,
    }))
}

/// The lecturer's cancellation window in minutes (0 when nothing is published), read on the
/// caller's connection so it can run inside a transaction that holds locks.
pub async fn cancel_window(
    conn: &mut sqlx::PgConnection,
    lecturer: Uuid,
) -> Result<i32, ModelError> {
    let minutes = sqlx::query_scalar!(
        "SELECT cancel_window_minutes FROM availability_settings WHERE lecturer_id = $1",
        lecturer
    )
    .fetch_optional(conn)
    .await?;
    Ok(minutes.unwrap_or(0))
}

/// Replaces the lecturer's availability in one transaction.
pub async fn save(db: &Db, lecturer: Uuid, doc: &Document) -> Result<(), ModelError> {
    let s = &doc.settings;
    let mut tx = db.begin().await?;
    sqlx::query!(
        r#"INSERT INTO availability_settings
               (lecturer_id, time_zone, slot_minutes, buffer_minutes, min_notice_minutes,
                horizon_days, requires_approval, cancel_window_minutes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (lecturer_id) DO UPDATE SET
               time_zone = EXCLUDED.time_zone, slot_minutes = EXCLUDED.slot_minutes,
               buffer_minutes = EXCLUDED.buffer_minutes,
               min_notice_minutes = EXCLUDED.min_notice_minutes,
               horizon_days = EXCLUDED.horizon_days,
               requires_approval = EXCLUDED.requires_approval,
               cancel_window_minutes = EXCLUDED.cancel_window_minutes,
               updated_at = now()"#,
        lecturer,
        s.time_zone,
        s.slot_minutes,
        s.buffer_minutes,
        s.min_notice_minutes,
        s.horizon_days,
        s.requires_approval,
        s.cancel_window_minutes
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM availability_rules WHERE lecturer_id = $1",
        lecturer
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM availability_exceptions WHERE lecturer_id = $1",
        lecturer
    )
    .execute(&mut *tx)
    .await?;
    let weekdays: Vec<i16> = doc.rules.iter().map(|r| r.weekday).collect();
    let starts: Vec<NaiveTime> = doc.rules.iter().map(|r| r.starts).collect();
    let ends: Vec<NaiveTime> = doc.rules.iter().map(|r| r.ends).collect();
    sqlx::query!(
        "INSERT INTO availability_rules (lecturer_id, weekday, starts, ends)
         SELECT $1, * FROM unnest($2::smallint[], $3::time[], $4::time[])",
        lecturer,
        &weekdays,
        &starts,
        &ends
    )
    .execute(&mut *tx)
    .await?;
    let days: Vec<NaiveDate> = doc.exceptions.iter().map(|e| e.day).collect();
    let kinds: Vec<String> = doc.exceptions.iter().map(|e| e.kind.clone()).collect();
    let ex_starts: Vec<Option<NaiveTime>> = doc.exceptions.iter().map(|e| e.starts).collect();
    let ex_ends: Vec<Option<NaiveTime>> = doc.exceptions.iter().map(|e| e.ends).collect();
    sqlx::query!(
        "INSERT INTO availability_exceptions (lecturer_id, day, kind, starts, ends)
         SELECT $1, * FROM unnest($2::date[], $3::text[], $4::time[], $5::time[])",
        lecturer,
        &days,
        &kinds,
        &ex_starts as &[Option<NaiveTime>],
        &ex_ends as &[Option<NaiveTime>]
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
