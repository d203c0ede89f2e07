//! The JSON shapes of moods, readings, model versions, datasets and corrections.

use chrono::{DateTime, Utc};
use models::mood::{OwnReading, Reading, Scores, Sharing, UserMood};
use models::mood_data::{Correction, Dataset};
use models::mood_model::{ModelStatus, ModelVersion};
use sentiment::{Emotion, Intensity};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A classification on both scales, with the probability of every class.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoresView {
    /// Emotion code: `very_sad`, `sad`, `neutral`, `happy` or `very_happy`.
    pub emotion: &'static str,
    /// Intensity code: `very_muted`, `muted`, `neutral`, `excited` or `very_excited`.
    pub intensity: &'static str,
    /// Both, for people: e.g. "Sad, Muted".
    pub label: String,
    /// Probability of each emotion class, keyed by code.
    pub emotion_probabilities: Vec<ClassProbability>,
    /// Probability of each intensity class, keyed by code.
    pub intensity_probabilities: Vec<ClassProbability>,
    /// The emotion's probability is below [`sentiment::UNCERTAIN_BELOW`]: show it as uncertain.
    pub emotion_uncertain: bool,
    /// The intensity's probability is below [`sentiment::UNCERTAIN_BELOW`].
    pub intensity_uncertain: bool,
}

/// One class and its probability.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClassProbability {
    /// Class code.
    pub class: &'static str,
    /// Probability, 0..1.
    pub p: f64,
}

impl ScoresView {
    /// Names the stored class indexes.
    pub fn new(s: &Scores) -> Self {
        let emotion = emotion_of(s.emotion);
        let intensity = intensity_of(s.intensity);
        let uncertain = |probabilities: &[f64], class: usize| {
            probabilities
                .get(class)
                .is_none_or(|&p| p < sentiment::UNCERTAIN_BELOW)
        };
        Self {
            emotion_uncertain: uncertain(&s.emotion_probabilities, emotion.index()),
            intensity_uncertain: uncertain(&s.intensity_probabilities, intensity.index()),
            emotion: emotion.code(),
            intensity: intensity.code(),
            label: format!("{}, {}", emotion.label(), intensity.label()),
            emotion_probabilities: Emotion::ALL
                .iter()
                .zip(&s.emotion_probabilities)
                .map(|(c, p)| ClassProbability {
                    class: c.code(),
                    p: *p,
                })
                .collect(),
            intensity_probabilities: Intensity::ALL
                .iter()
                .zip(&s.intensity_probabilities)
                .map(|(c, p)| ClassProbability {
                    class: c.code(),
                    p: *p,
                })
                .collect(),
        }
    }

    /// From a fresh classification.
    pub fn of(m: &sentiment::Mood) -> Self {
        Self::new(&crate::mood::job::scores(m))
    }
}

/// A stored emotion index as the class (out-of-range indexes cannot be stored: CHECK).
pub fn emotion_of(i: i16) -> Emotion {
    usize::try_from(i)
        .ok()
        .and_then(Emotion::from_index)
        .unwrap_or(Emotion::Neutral)
}

/// A stored intensity index as the class.
pub fn intensity_of(i: i16) -> Intensity {
    usize::try_from(i)
        .ok()
        .and_then(Intensity::from_index)
        .unwrap_or(Intensity::Neutral)
}

/// A user's current mood as contacts see it (the `mood` WebSocket frame carries the same).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoodView {
    /// The classification.
    #[serde(flatten)]
    pub scores: ScoresView,
    /// When it was measured (the end of its window).
    pub measured_at: DateTime<Utc>,
    /// Start of the window.
    pub window_start: DateTime<Utc>,
    /// Messages it was measured from.
    pub message_count: i32,
    /// Model version that measured it.
    pub model: Option<String>,
}

impl From<&UserMood> for MoodView {
    fn from(m: &UserMood) -> Self {
        Self {
            scores: ScoresView::new(&m.scores),
            measured_at: m.window_end,
            window_start: m.window_start,
            message_count: m.message_count,
            model: m.model_name.clone(),
        }
    }
}

/// One reading (per conversation and window).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingView {
    /// Reading id (to correct it).
    pub id: i64,
    /// Whose.
    pub user: Uuid,
    /// Conversation (only in the user's own readings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Uuid>,
    /// The classification.
    #[serde(flatten)]
    pub scores: ScoresView,
    /// Messages classified together.
    pub message_count: i32,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end.
    pub measured_at: DateTime<Utc>,
}

impl ReadingView {
    /// `own`: the viewer is the writer, so the conversation may be shown.
    pub fn new(r: &Reading, own: bool) -> Self {
        Self {
            id: r.id,
            user: r.user_id,
            conversation: own.then_some(r.conversation_id),
            scores: ScoresView::new(&r.scores),
            message_count: r.message_count,
            window_start: r.window_start,
            measured_at: r.window_end,
        }
    }
}

/// What the signed-in user shares about their mood, and with whom.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyMoodView {
    /// Whether you answered the first-use prompt; until you do, nobody sees your mood and
    /// nothing is measured.
    pub chosen: bool,
    /// When you last chose.
    pub chosen_at: Option<DateTime<Utc>>,
    /// Lecturers (and admins) among your contacts see your mood, from the conversations you
    /// share with them.
    pub lecturers: bool,
    /// Fellow students among your contacts see your mood, from the conversations you share with
    /// them.
    pub students: bool,
    /// Your current mood over all your conversations (each contact sees only what comes from
    /// the conversations you share with them).
    pub current: Option<MoodView>,
    /// Readings of the last 14 days, newest first (all of them: `GET /me/mood/readings`).
    pub readings: Vec<ReadingView>,
}

impl MyMoodView {
    /// The choice, the current mood and the readings of the last days.
    pub fn new(sharing: &Sharing, current: Option<&UserMood>, readings: &[Reading]) -> Self {
        Self {
            chosen: sharing.chosen_at.is_some(),
            chosen_at: sharing.chosen_at,
            lecturers: sharing.choice.lecturers,
            students: sharing.choice.students,
            current: current.map(MoodView::from),
            readings: readings.iter().map(|r| ReadingView::new(r, true)).collect(),
        }
    }
}

/// One reading about the signed-in user, with where it was measured.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnReadingView {
    /// The reading, with its conversation.
    #[serde(flatten)]
    pub reading: ReadingView,
    /// The conversation's name: a group's, or the other person's in a direct conversation.
    pub conversation_name: Option<String>,
    /// Model version that measured it.
    pub model: Option<String>,
}

impl From<&OwnReading> for OwnReadingView {
    fn from(r: &OwnReading) -> Self {
        Self {
            reading: ReadingView::new(&r.reading, true),
            conversation_name: r.conversation_name.clone(),
            model: r.model_name.clone(),
        }
    }
}

/// A page of everything measured about the signed-in user, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnReadingsPage {
    /// The readings.
    pub readings: Vec<OwnReadingView>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
}

/// What deleting everything measured about the signed-in user removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingsDeleted {
    /// Readings deleted (with the current mood and every correction of them).
    pub deleted: u64,
}

/// A contact's mood.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactMoodView {
    /// Whose.
    pub user: Uuid,
    /// Their current mood as you may see it (from the conversations you share); null when they do
    /// not share it with you or nothing was measured there yet.
    pub mood: Option<MoodView>,
}

/// A contact's readings (lecturers only).
#[derive(Debug, Serialize, ToSchema)]
pub struct MoodHistoryView {
    /// Whose.
    pub user: Uuid,
    /// Readings from the conversations you share, newest first; empty when they do not share
    /// with lecturers.
    pub readings: Vec<ReadingView>,
}

/// A model version as admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelVersionView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `training`, `ready` or `failed`.
    pub status: ModelStatus,
    /// Training stage (`queued`, `preparing`, `emotion`, `intensity`, `evaluating`, `done`).
    pub stage: String,
    /// Why training failed.
    pub error: Option<String>,
    /// Trained on the shipped VADER data too.
    pub includes_builtin: bool,
    /// Metrics per scale with baselines, confusion matrices and the data summary.
    #[schema(value_type = Object)]
    pub report: Option<serde_json::Value>,
    /// Who started the training.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When training ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// In use now.
    pub active: bool,
    /// Last activation.
    pub activated_at: Option<DateTime<Utc>>,
    /// Datasets it was trained on.
    pub datasets: Vec<i64>,
}

impl From<ModelVersion> for ModelVersionView {
    fn from(m: ModelVersion) -> Self {
        Self {
            id: m.id,
            name: m.name,
            status: m.status,
            stage: m.stage,
            error: m.error,
            includes_builtin: m.includes_builtin,
            report: m.report,
            created_by: m.created_by,
            created_at: m.created_at,
            finished_at: m.finished_at,
            active: m.active,
            activated_at: m.activated_at,
            datasets: m.dataset_ids,
        }
    }
}

/// A labelled dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// Id (name it when training).
    pub id: i64,
    /// Name.
    pub name: String,
    /// `upload` or `corrections`.
    pub source: String,
    /// Uploader.
    pub uploaded_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Examples.
    pub rows: i32,
    /// Examples with an emotion label.
    pub emotion_labels: i64,
    /// Examples with an intensity label.
    pub intensity_labels: i64,
}

impl From<Dataset> for DatasetView {
    fn from(d: Dataset) -> Self {
        Self {
            id: d.id,
            name: d.name,
            source: d.source,
            uploaded_by: d.uploaded_by,
            created_at: d.created_at,
            rows: d.rows,
            emotion_labels: d.emotion_labels,
            intensity_labels: d.intensity_labels,
        }
    }
}

/// A correction waiting for (or after) review.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionView {
    /// Id.
    pub id: i64,
    /// The reading corrected.
    pub reading: i64,
    /// Whose mood.
    pub subject: Uuid,
    /// Who proposed it.
    pub corrected_by: Uuid,
    /// Proposed emotion code.
    pub emotion: Option<&'static str>,
    /// Proposed intensity code.
    pub intensity: Option<&'static str>,
    /// What the model said, e.g. "Sad, Muted".
    pub shown: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// When proposed.
    pub created_at: DateTime<Utc>,
    /// Whether its author agreed, when filing it, that an admin may read the text it labels;
    /// only then can it be approved.
    pub text_shared: bool,
    /// The text it labels; null unless its author agreed to share it.
    pub text: Option<String>,
}

impl From<Correction> for CorrectionView {
    fn from(c: Correction) -> Self {
        Self {
            id: c.id,
            reading: c.reading_id,
            subject: c.subject_id,
            corrected_by: c.corrected_by,
            emotion: c.emotion.map(|e| emotion_of(e).code()),
            intensity: c.intensity.map(|i| intensity_of(i).code()),
            shown: format!(
                "{}, {}",
                emotion_of(c.shown_emotion).label(),
                intensity_of(c.shown_intensity).label()
            ),
            status: c.status,
            created_at: c.created_at,
            text_shared: c.text_shared,
            text: c.text,
        }
    }
}
