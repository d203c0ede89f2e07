//! Moods as people see them: your own (whom you share it with, everything measured about you
//! and deleting it), your contacts' current moods, a contact's history for lecturers, and
//! corrections of a shown mood. Who may see which reading is one rule,
//! `models::mood::Facts::allow` (docs/privacy.md, "Mood").

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use models::mood::{self, Choice};
use models::mood_data::{self, NewCorrection};
use models::user::Role;
use models::validated::{self, InvalidValue};
use models::values::PageSize;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::mood::{
    ContactMoodView, MoodHistoryView, MoodView, MyMoodView, OwnReadingView, OwnReadingsPage,
    ReadingView, ReadingsDeleted,
};

/// Readings listed at most.
const MAX_READINGS: i64 = 500;
/// How many days back a mood history may reach.
pub const HISTORY_DAYS: std::ops::RangeInclusive<i64> = 1..=90;
/// Days of readings shown when no length is asked for, and on your own mood page.
const DEFAULT_HISTORY_DAYS: i64 = 14;

/// How far back a mood history reaches, in days, within [`HISTORY_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryDays(i64);

impl TryFrom<i64> for HistoryDays {
    type Error = InvalidValue;
    fn try_from(days: i64) -> Result<Self, InvalidValue> {
        validated::within("days", days, &HISTORY_DAYS).map(Self)
    }
}

const _: () = assert!(
    *HISTORY_DAYS.start() <= DEFAULT_HISTORY_DAYS && DEFAULT_HISTORY_DAYS <= *HISTORY_DAYS.end()
);

models::deserialize_by_try_from!(HistoryDays: i64);

models::schema_of!(HistoryDays => validated::int64_schema(&HISTORY_DAYS));

/// Whom you show your mood to: your answer to the first-use prompt, or a later change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingChange {
    /// Lecturers (and admins) among your contacts see your mood, from the conversations you
    /// share with them.
    pub lecturers: bool,
    /// Fellow students among your contacts see your mood, from the conversations you share with
    /// them.
    pub students: bool,
}

/// Which page of your readings.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadingsParams {
    /// Readings older than this one (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Page size, 1 to 100 (default 50).
    #[param(inline)]
    pub limit: Option<PageSize>,
}

/// How far back a history goes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Days, 1 to 90 (default 14).
    #[param(inline)]
    pub days: Option<HistoryDays>,
}

/// A proposed label for a shown mood; at least one of the two.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The reading corrected (from your own readings or a contact's history).
    pub reading: i64,
    /// Emotion code, e.g. `sad`.
    pub emotion: Option<String>,
    /// Intensity code, e.g. `muted`.
    pub intensity: Option<String>,
    /// Let an admin read the text the reading labels (default false). Without it the admin sees
    /// only the labels and the correction cannot become a training example.
    #[serde(default)]
    pub share_text: bool,
}

/// The stored correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionCreated {
    /// Correction id; an admin reviews it before it becomes a labelled example.
    pub id: i64,
}

/// Whom you share your mood with (and whether you chose yet), your current mood and your
/// readings of the last 14 days.
#[utoipa::path(get, path = "/me/mood", tag = "mood", responses((status = 200, body = MyMoodView)))]
pub async fn mine(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<MyMoodView>> {
    my_mood(&state, current.user.id).await.map(Json)
}

/// Chooses whom you show your mood to (the first-use prompt's answer, or a change), and records
/// when. Contacts' screens follow at once; sharing with nobody stops measuring you.
#[utoipa::path(put, path = "/me/mood/sharing", tag = "mood", request_body = SharingChange,
    responses((status = 200, body = MyMoodView), (status = 422, description = "not two booleans")))]
pub async fn set_sharing(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(change): Json<SharingChange>,
) -> ApiResult<Json<MyMoodView>> {
    let choice = Choice {
        lecturers: change.lecturers,
        students: change.students,
    };
    if mood::choose(&state.db, current.user.id, choice).await? {
        tracing::info!(user.id = %current.user.id, mood.lecturers = choice.lecturers,
            mood.students = choice.students, "mood sharing changed");
    }
    my_mood(&state, current.user.id).await.map(Json)
}

async fn my_mood(state: &AppState, user: Uuid) -> ApiResult<MyMoodView> {
    let sharing = mood::sharing(&state.db, user).await?;
    let current = mood::current_moods(&state.db, &[user]).await?;
    let readings = mood::readings(
        &state.db,
        user,
        Utc::now() - Duration::days(DEFAULT_HISTORY_DAYS),
        MAX_READINGS,
    )
    .await?;
    Ok(MyMoodView::new(&sharing, current.first(), &readings))
}

/// Everything measured about you, newest first, page by page: each reading with its
/// conversation, window, labels and probabilities.
#[utoipa::path(get, path = "/me/mood/readings", tag = "mood", params(ReadingsParams),
    responses((status = 200, body = OwnReadingsPage), (status = 422, description = "bad page size")))]
pub async fn own_readings(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<ReadingsParams>,
) -> ApiResult<Json<OwnReadingsPage>> {
    let limit = params.limit.unwrap_or(PageSize::HISTORY).get();
    let page = mood::own_readings(&state.db, current.user.id, params.before, limit).await?;
    let full = i64::try_from(page.len()).is_ok_and(|n| n == limit);
    Ok(Json(OwnReadingsPage {
        next_before: page.last().filter(|_| full).map(|r| r.reading.id),
        readings: page.iter().map(OwnReadingView::from).collect(),
    }))
}

/// Deletes everything measured about you: every reading, your current mood and every correction
/// of your readings. Contacts' screens clear your mood at once.
#[utoipa::path(delete, path = "/me/mood/readings", tag = "mood",
    responses((status = 200, body = ReadingsDeleted)))]
pub async fn delete_readings(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<ReadingsDeleted>> {
    let deleted = mood::delete_own(&state.db, current.user.id).await?;
    tracing::info!(user.id = %current.user.id, mood.readings = deleted, "mood readings deleted");
    Ok(Json(ReadingsDeleted { deleted }))
}

/// A contact's current mood as you may see it: from the conversations you share, if they share
/// it with your role (null otherwise, or when nothing was measured there yet).
#[utoipa::path(get, path = "/users/{id}/mood", tag = "mood",
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = ContactMoodView), (status = 404, description = "not a contact")))]
pub async fn of_contact(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ContactMoodView>> {
    let me = current.user.id;
    require_contact(&state, me, id).await?;
    let mood = if me == id {
        mood::current_moods(&state.db, &[id]).await?.pop()
    } else {
        mood::moods_seen(&state.db, &[me], &[id])
            .await?
            .pop()
            .map(|seen| seen.mood)
    };
    Ok(Json(ContactMoodView {
        user: id,
        mood: mood.as_ref().map(MoodView::from),
    }))
}

/// A contact's readings over the last days from the conversations you share, for the lecturer's
/// chart (lecturers and admins; empty unless they share with lecturers).
#[utoipa::path(get, path = "/users/{id}/mood/history", tag = "mood",
    params(("id" = Uuid, Path, description = "user id"), HistoryParams),
    responses((status = 200, body = MoodHistoryView), (status = 403, description = "students cannot see histories"),
              (status = 404, description = "not a contact")))]
pub async fn history(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Query(params): Query<HistoryParams>,
) -> ApiResult<Json<MoodHistoryView>> {
    if current.user.role == Role::Student && current.user.id != id {
        return Err(ApiError::Forbidden(
            "only lecturers see a contact's mood history",
        ));
    }
    let days = params.days.map_or(DEFAULT_HISTORY_DAYS, |d| d.0);
    if current.user.id != id {
        require_contact(&state, current.user.id, id).await?;
    }
    let since = Utc::now() - Duration::days(days);
    let readings = mood::readings_seen(&state.db, current.user.id, id, since, MAX_READINGS).await?;
    let own = current.user.id == id;
    Ok(Json(MoodHistoryView {
        user: id,
        readings: readings.iter().map(|r| ReadingView::new(r, own)).collect(),
    }))
}

/// Proposes the right mood for a reading: your own, or (lecturers) one of a contact's you may
/// see. An admin reviews it, reading the text only if you agreed (`share_text`); approved, it
/// becomes a labelled example for retraining.
#[utoipa::path(post, path = "/mood/corrections", tag = "mood", request_body = CorrectionRequest,
    responses((status = 201, body = CorrectionCreated), (status = 404, description = "no such reading visible to you"),
              (status = 422, description = "unknown label or none given")))]
pub async fn correct(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(request): Json<CorrectionRequest>,
) -> ApiResult<(StatusCode, Json<CorrectionCreated>)> {
    let emotion = parse_label::<sentiment::Emotion>(request.emotion.as_deref(), "emotion")?
        .map(|e| e.index());
    let intensity = parse_label::<sentiment::Intensity>(request.intensity.as_deref(), "intensity")?
        .map(|i| i.index());
    if emotion.is_none() && intensity.is_none() {
        return Err(ApiError::Unprocessable {
            code: "validation_failed",
            message: "give an emotion, an intensity or both".into(),
        });
    }
    let reading = mood::reading(&state.db, request.reading)
        .await
        .map_err(|_| ApiError::NotFound("reading"))?;
    let me = &current.user;
    let allowed = reading.user_id == me.id
        || (me.role != Role::Student && mood::may_see(&state.db, me.id, &reading).await?);
    if !allowed {
        return Err(ApiError::NotFound("reading"));
    }
    let correction = NewCorrection {
        reading_id: reading.id,
        by: me.id,
        emotion: emotion.and_then(|i| i16::try_from(i).ok()),
        intensity: intensity.and_then(|i| i16::try_from(i).ok()),
        text_shared: request.share_text,
    };
    let id = mood_data::correct(&state.db, &correction).await?;
    Ok((StatusCode::CREATED, Json(CorrectionCreated { id })))
}

/// Parses an optional class code; an unknown one is a 422 naming the valid codes.
pub fn parse_label<T: std::str::FromStr>(value: Option<&str>, field: &str) -> ApiResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    value
        .map(|v| {
            v.parse::<T>().map_err(|e| ApiError::Unprocessable {
                code: "unknown_label",
                message: format!("{field}: {e}"),
            })
        })
        .transpose()
}

async fn require_contact(state: &AppState, viewer: Uuid, subject: Uuid) -> ApiResult<()> {
    if viewer == subject || models::conversation::is_contact(&state.db, viewer, subject).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound("contact"))
    }
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine))
        .routes(routes!(set_sharing))
        .routes(routes!(own_readings, delete_readings))
        .routes(routes!(of_contact))
        .routes(routes!(history))
        .routes(routes!(correct))
}
