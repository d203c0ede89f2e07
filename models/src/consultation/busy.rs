//! The lecturer's busy time and the consultations a proposed time clashes with, so a refusal can
//! say whose time is taken and when.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, ModelError};

/// The lecturer's busy time (each active consultation until its buffer ends) near `[from, to)`.
pub async fn busy(
    db: &Db,
    lecturer: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, ModelError> {
    let rows = sqlx::query!(
        "SELECT starts_at, blocks_until FROM consultations
          WHERE lecturer_id = $1 AND status <> 'cancelled'
            AND tstzrange(starts_at, blocks_until) && tstzrange($2, $3)
          ORDER BY starts_at",
        lecturer,
        from,
        to
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.starts_at, r.blocks_until))
        .collect())
}

/// A student's active consultation overlapping `[starts_at, ends_at)` (other than `except`), to
/// name the clash: (lecturer name, start, end).
pub async fn student_clash(
    db: &Db,
    student: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<Uuid>,
) -> Result<Option<(String, DateTime<Utc>, DateTime<Utc>)>, ModelError> {
    let row = sqlx::query!(
        "SELECT u.display_name, c.starts_at, c.ends_at
           FROM consultation_participants p
           JOIN consultations c ON c.id = p.consultation_id
           JOIN users u ON u.id = c.lecturer_id
          WHERE p.student_id = $1 AND p.active
            AND tstzrange(p.starts_at, p.ends_at) && tstzrange($2, $3)
            AND c.id IS DISTINCT FROM $4
          LIMIT 1",
        student,
        starts_at,
        ends_at,
        except
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.display_name, r.starts_at, r.ends_at)))
}

/// The lecturer's active consultation whose time plus buffer overlaps `[starts_at, blocks_until)`
/// (other than `except`): (start, end).
pub async fn lecturer_clash(
    db: &Db,
    lecturer: Uuid,
    starts_at: DateTime<Utc>,
    blocks_until: DateTime<Utc>,
    except: Option<Uuid>,
) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, ModelError> {
    let row = sqlx::query!(
        "SELECT starts_at, ends_at FROM consultations
          WHERE lecturer_id = $1 AND status <> 'cancelled'
            AND tstzrange(starts_at, blocks_until) && tstzrange($2, $3)
            AND id IS DISTINCT FROM $4
          LIMIT 1",
        lecturer,
        starts_at,
        blocks_until,
        except
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.starts_at, r.ends_at)))
}
