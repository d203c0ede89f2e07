//! The readings others may see, loaded from the database and decided by the one rule
//! ([`Facts::allow`]): what a viewer sees of a contact's mood (the contact list, the live push
//! after a window or a sharing change), a lecturer's view of a student's history, and whether
//! a reading may be corrected.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::visibility::{Candidate, Choice, Facts, SeenMood, seen_moods};
use super::{Reading, ReadingRow};
use crate::user::Role;
use crate::{Db, ModelError};

/// One (viewer, subject, conversation) both are members of, as selected.
struct FactRow {
    viewer: Uuid,
    viewer_role: Role,
    subject: Uuid,
    conversation_id: Uuid,
    viewer_active: bool,
    subject_active: bool,
    share_lecturers: bool,
    share_students: bool,
    contacts: bool,
}

impl From<&FactRow> for Facts {
    fn from(r: &FactRow) -> Self {
        Self {
            viewer: r.viewer,
            viewer_role: r.viewer_role,
            subject: r.subject,
            choice: Choice {
                lecturers: r.share_lecturers,
                students: r.share_students,
            },
            contacts: r.contacts,
            conversation: r.conversation_id,
            viewer_active: r.viewer_active,
            subject_active: r.subject_active,
        }
    }
}

/// The facts for every conversation that one of `viewers` and one of `subjects` (not the same
/// person) are both members of, whatever their standing.
async fn facts(db: &Db, viewers: &[Uuid], subjects: &[Uuid]) -> Result<Vec<Facts>, ModelError> {
    let rows = sqlx::query_as!(
        FactRow,
        r#"SELECT vm.user_id AS viewer, vu.role AS "viewer_role: Role", sm.user_id AS subject,
                  vm.conversation_id, vm.status = 'active' AS "viewer_active!",
                  sm.status = 'active' AS "subject_active!",
                  su.mood_share_lecturers AS share_lecturers,
                  su.mood_share_students AS share_students,
                  EXISTS (SELECT 1 FROM contact_pairs cp
                          WHERE cp.user_id = vm.user_id AND cp.contact_id = sm.user_id) AS "contacts!"
           FROM conversation_members vm
           JOIN conversation_members sm
             ON sm.conversation_id = vm.conversation_id AND sm.user_id <> vm.user_id
           JOIN users vu ON vu.id = vm.user_id
           JOIN users su ON su.id = sm.user_id
           WHERE vm.user_id = ANY($1) AND sm.user_id = ANY($2)"#,
        viewers,
        subjects,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.iter().map(Facts::from).collect())
}

/// A reading with its model's name, as selected.
struct LatestRow {
    model_name: Option<String>,
    id: i64,
    user_id: Uuid,
    conversation_id: Uuid,
    emotion: i16,
    intensity: i16,
    emotion_probabilities: Vec<f64>,
    intensity_probabilities: Vec<f64>,
    message_count: i32,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
}

impl LatestRow {
    fn split(self) -> (Reading, Option<String>) {
        let reading = ReadingRow {
            id: self.id,
            user_id: self.user_id,
            conversation_id: self.conversation_id,
            emotion: self.emotion,
            intensity: self.intensity,
            emotion_probabilities: self.emotion_probabilities,
            intensity_probabilities: self.intensity_probabilities,
            message_count: self.message_count,
            window_start: self.window_start,
            window_end: self.window_end,
        };
        (reading.into(), self.model_name)
    }
}

/// What each of `viewers` sees of each of `subjects` now: the latest window of the subject's
/// readings in the conversations the viewer may see (pairs with nothing visible are absent).
pub async fn moods_seen(
    db: &Db,
    viewers: &[Uuid],
    subjects: &[Uuid],
) -> Result<Vec<SeenMood>, ModelError> {
    if viewers.is_empty() || subjects.is_empty() {
        return Ok(Vec::new());
    }
    let visible: Vec<Facts> = facts(db, viewers, subjects)
        .await?
        .into_iter()
        .filter(Facts::allow)
        .collect();
    let pairs: HashSet<(Uuid, Uuid)> = visible
        .iter()
        .map(|f| (f.subject, f.conversation))
        .collect();
    let (users, conversations): (Vec<Uuid>, Vec<Uuid>) = pairs.into_iter().unzip();
    let latest = sqlx::query_as!(
        LatestRow,
        r#"SELECT mm.name AS "model_name?", r.id AS "id!", r.user_id AS "user_id!",
                  r.conversation_id AS "conversation_id!", r.emotion AS "emotion!",
                  r.intensity AS "intensity!", r.emotion_probabilities AS "emotion_probabilities!",
                  r.intensity_probabilities AS "intensity_probabilities!",
                  r.message_count AS "message_count!", r.window_start AS "window_start!",
                  r.window_end AS "window_end!"
           FROM unnest($1::uuid[], $2::uuid[]) AS p (user_id, conversation_id)
           CROSS JOIN LATERAL (
               SELECT * FROM mood_readings x
               WHERE x.user_id = p.user_id AND x.conversation_id = p.conversation_id
               ORDER BY x.window_start DESC LIMIT 1) r
           LEFT JOIN mood_models mm ON mm.id = r.model_id"#,
        &users,
        &conversations,
    )
    .fetch_all(db)
    .await?;
    let latest: Vec<(Reading, Option<String>)> = latest.into_iter().map(LatestRow::split).collect();
    let candidates = visible
        .iter()
        .flat_map(|f| {
            latest
                .iter()
                .filter(|(r, _)| r.user_id == f.subject && r.conversation_id == f.conversation)
                .map(|(reading, model_name)| Candidate {
                    facts: *f,
                    reading: reading.clone(),
                    model_name: model_name.clone(),
                })
        })
        .collect();
    Ok(seen_moods(candidates))
}

/// A reading of the window with one member of its conversation (not its writer), as selected.
struct WindowRow {
    viewer: Uuid,
    viewer_role: Role,
    viewer_active: bool,
    subject_active: bool,
    share_lecturers: bool,
    share_students: bool,
    contacts: bool,
    model_name: Option<String>,
    id: i64,
    user_id: Uuid,
    conversation_id: Uuid,
    emotion: i16,
    intensity: i16,
    emotion_probabilities: Vec<f64>,
    intensity_probabilities: Vec<f64>,
    message_count: i32,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
}

impl From<WindowRow> for Candidate {
    fn from(r: WindowRow) -> Self {
        let facts = Facts {
            viewer: r.viewer,
            viewer_role: r.viewer_role,
            subject: r.user_id,
            choice: Choice {
                lecturers: r.share_lecturers,
                students: r.share_students,
            },
            contacts: r.contacts,
            conversation: r.conversation_id,
            viewer_active: r.viewer_active,
            subject_active: r.subject_active,
        };
        let (reading, model_name) = LatestRow {
            model_name: r.model_name,
            id: r.id,
            user_id: r.user_id,
            conversation_id: r.conversation_id,
            emotion: r.emotion,
            intensity: r.intensity,
            emotion_probabilities: r.emotion_probabilities,
            intensity_probabilities: r.intensity_probabilities,
            message_count: r.message_count,
            window_start: r.window_start,
            window_end: r.window_end,
        }
        .split();
        Self {
            facts,
            reading,
            model_name,
        }
    }
}

/// What every viewer sees of the moods measured in the window starting at `start`: per writer,
/// only the readings of that window from conversations the viewer may see.
pub async fn moods_seen_in_window(
    db: &Db,
    start: DateTime<Utc>,
) -> Result<Vec<SeenMood>, ModelError> {
    let rows = sqlx::query_as!(
        WindowRow,
        r#"SELECT vm.user_id AS viewer, vu.role AS "viewer_role: Role",
                  vm.status = 'active' AS "viewer_active!", sm.status = 'active' AS "subject_active!",
                  su.mood_share_lecturers AS share_lecturers,
                  su.mood_share_students AS share_students,
                  EXISTS (SELECT 1 FROM contact_pairs cp
                          WHERE cp.user_id = vm.user_id AND cp.contact_id = r.user_id) AS "contacts!",
                  mm.name AS "model_name?", r.id, r.user_id, r.conversation_id, r.emotion,
                  r.intensity, r.emotion_probabilities, r.intensity_probabilities,
                  r.message_count, r.window_start, r.window_end
           FROM mood_readings r
           JOIN conversation_members sm
             ON sm.conversation_id = r.conversation_id AND sm.user_id = r.user_id
           JOIN conversation_members vm
             ON vm.conversation_id = r.conversation_id AND vm.user_id <> r.user_id
           JOIN users vu ON vu.id = vm.user_id
           JOIN users su ON su.id = r.user_id
           LEFT JOIN mood_models mm ON mm.id = r.model_id
           WHERE r.window_start = $1"#,
        start,
    )
    .fetch_all(db)
    .await?;
    Ok(seen_moods(rows.into_iter().map(Candidate::from).collect()))
}

/// The conversations in which `viewer` may see `subject`'s readings (another person's).
async fn visible_conversations(
    db: &Db,
    viewer: Uuid,
    subject: Uuid,
) -> Result<Vec<Uuid>, ModelError> {
    Ok(facts(db, &[viewer], &[subject])
        .await?
        .into_iter()
        .filter(Facts::allow)
        .map(|f| f.conversation)
        .collect())
}

/// The readings of `subject` since `since` that `viewer` may see, newest first (at most
/// `limit`): a lecturer's view of a student's history, or everything for the subject.
pub async fn readings_seen(
    db: &Db,
    viewer: Uuid,
    subject: Uuid,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Reading>, ModelError> {
    if viewer == subject {
        return super::readings(db, subject, since, limit).await;
    }
    let conversations = visible_conversations(db, viewer, subject).await?;
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query_as!(
        ReadingRow,
        "SELECT id, user_id, conversation_id, emotion, intensity, emotion_probabilities,
                intensity_probabilities, message_count, window_start, window_end
         FROM mood_readings
         WHERE user_id = $1 AND conversation_id = ANY($2) AND window_start >= $3
         ORDER BY window_start DESC, id DESC
         LIMIT $4",
        subject,
        &conversations,
        since,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Reading::from).collect())
}

/// Whether `viewer` may see `reading` (and so correct it).
pub async fn may_see(db: &Db, viewer: Uuid, reading: &Reading) -> Result<bool, ModelError> {
    if viewer == reading.user_id {
        return Ok(true);
    }
    Ok(facts(db, &[viewer], &[reading.user_id])
        .await?
        .iter()
        .any(|f| f.conversation == reading.conversation_id && f.allow()))
}
