//! Moods as people see them: your own (what is shared, and the switch), your contacts' current
//! moods, a contact's history for lecturers, and corrections of a shown mood.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use models::mood;
use models::mood_data;
use models::user::Role;
use models::validated::{self, InvalidValue};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::mood::{ContactMoodView, MoodHistoryView, MoodView, MyMoodView, ReadingView};

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

/// The sharing switch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingChange {
    /// Share your mood with your contacts?
    pub enabled: bool,
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
}

/// The stored correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionCreated {
    /// Correction id; an admin reviews it before it becomes a labelled example.
    pub id: i64,
}

/// What you share: the switch, your current mood as contacts see it, and your readings.
#[utoipa::path(get, path = "/me/mood", tag = "mood", responses((status = 200, body = MyMoodView)))]
pub async fn mine(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<MyMoodView>> {
    my_mood(&state, current.user.id).await.map(Json)
}

/// Turns sharing on or off. Off: nothing about you is measured, pushed or shown, and contacts'
/// screens clear your mood at once.
#[utoipa::path(put, path = "/me/mood/sharing", tag = "mood", request_body = SharingChange,
    responses((status = 200, body = MyMoodView)))]
pub async fn set_sharing(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(change): Json<SharingChange>,
) -> ApiResult<Json<MyMoodView>> {
    if mood::set_sharing(&state.db, current.user.id, change.enabled).await? {
        tracing::info!(user.id = %current.user.id, sharing = change.enabled, "mood sharing changed");
    }
    my_mood(&state, current.user.id).await.map(Json)
}

async fn my_mood(state: &AppState, user: Uuid) -> ApiResult<MyMoodView> {
    let sharing = mood::sharing(&state.db, user).await?;
    let current = mood::current_moods(&state.db, &[user]).await?;
    let readings = if sharing {
        mood::readings(
            &state.db,
            user,
            Utc::now() - Duration::days(DEFAULT_HISTORY_DAYS),
            MAX_READINGS,
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(MyMoodView {
        sharing,
        current: current.first().map(MoodView::from),
        readings: readings.iter().map(|r| ReadingView::new(r, true)).collect(),
    })
}

/// A contact's current mood (null when they do not share it or nothing was measured yet).
#[utoipa::path(get, path = "/users/{id}/mood", tag = "mood",
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = ContactMoodView), (status = 404, description = "not a contact")))]
pub async fn of_contact(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ContactMoodView>> {
    require_contact(&state, current.user.id, id).await?;
    let moods = mood::current_moods(&state.db, &[id]).await?;
    Ok(Json(ContactMoodView {
        user: id,
        mood: moods.first().map(MoodView::from),
    }))
}

/// A contact's readings over the last days, for the lecturer's chart (lecturers and admins).
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
    let readings = if mood::sharing(&state.db, id).await? {
        mood::readings(
            &state.db,
            id,
            Utc::now() - Duration::days(days),
            MAX_READINGS,
        )
        .await?
    } else {
        Vec::new()
    };
    let own = current.user.id == id;
    Ok(Json(MoodHistoryView {
        user: id,
        readings: readings.iter().map(|r| ReadingView::new(r, own)).collect(),
    }))
}

/// Proposes the right mood for a reading: your own, or (lecturers) a contact's who shares it.
/// An admin reviews it; approved, it becomes a labelled example for retraining.
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
        || (me.role != Role::Student
            && mood::are_contacts(&state.db, me.id, reading.user_id).await?
            && mood::sharing(&state.db, reading.user_id).await?);
    if !allowed {
        return Err(ApiError::NotFound("reading"));
    }
    let id = mood_data::correct(
        &state.db,
        reading.id,
        me.id,
        emotion.and_then(|i| i16::try_from(i).ok()),
        intensity.and_then(|i| i16::try_from(i).ok()),
    )
    .await?;
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
    if viewer == subject || mood::are_contacts(&state.db, viewer, subject).await? {
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
        .routes(routes!(of_contact))
        .routes(routes!(history))
        .routes(routes!(correct))
}
