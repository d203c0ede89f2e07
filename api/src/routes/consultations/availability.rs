//! Availability and free slots: a lecturer publishes their hours, anyone signed in reads them and
//! the slots and group sessions they offer.

use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use scheduler::consultations::{self, MAX_RANGE_DAYS};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::view;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::consultations::{AvailabilityView, SlotView, SlotsView};

/// How many days of free slots are listed when the client gives no end.
const DEFAULT_SLOT_DAYS: i64 = 14;

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Unprocessable {
        code,
        message: message.into(),
    }
}

/// A lecturer's availability.
#[utoipa::path(get, path = "/lecturers/{id}/availability", tag = "consultations",
    params(("id" = Uuid, Path, description = "Lecturer")),
    responses((status = 200, body = AvailabilityView), (status = 404, description = "No such lecturer or nothing published")))]
pub async fn get_availability(
    State(state): State<AppState>,
    _caller: CurrentUser,
    Path(lecturer): Path<Uuid>,
) -> ApiResult<Json<AvailabilityView>> {
    let published = consultations::published(&state.db, lecturer).await?;
    Ok(Json(published.document.into()))
}

/// Replaces the caller's availability (lecturers only).
#[utoipa::path(put, path = "/me/availability", tag = "consultations", request_body = AvailabilityView,
    responses((status = 200, body = AvailabilityView), (status = 403, description = "Not a lecturer"), (status = 422, description = "Invalid availability")))]
pub async fn put_availability(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(view): Json<AvailabilityView>,
) -> ApiResult<Json<AvailabilityView>> {
    let document = view.to_document();
    let published = consultations::put_availability(&state.db, &caller.user, &document).await?;
    Ok(Json(published.document.into()))
}

/// A date range (`from` inclusive, `to` exclusive) and the time zone to show times in.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// Start of the range (default: now).
    pub from: Option<DateTime<Utc>>,
    /// End of the range (default: 14 days after `from`; at most 62 days after it).
    pub to: Option<DateTime<Utc>>,
    /// IANA time zone for the `local_*` fields (default: the caller's profile time zone).
    pub tz: Option<String>,
}

impl RangeParams {
    /// The range asked for, `default_days` long when `to` is not given.
    pub fn range(&self, default_days: i64) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
        let from = self.from.unwrap_or_else(Utc::now);
        let to = self.to.unwrap_or(from + Duration::days(default_days));
        if to <= from {
            return Err(unprocessable("invalid_range", "to must be after from"));
        }
        if to - from > Duration::days(MAX_RANGE_DAYS) {
            return Err(unprocessable(
                "range_too_long",
                format!("ask for at most {MAX_RANGE_DAYS} days at a time"),
            ));
        }
        Ok((from, to))
    }
}

/// Free slots and open group sessions of a lecturer.
#[utoipa::path(get, path = "/lecturers/{id}/slots", tag = "consultations",
    params(("id" = Uuid, Path, description = "Lecturer"), RangeParams),
    responses((status = 200, body = SlotsView), (status = 404, description = "No such lecturer or nothing published"), (status = 422, description = "Bad range or time zone")))]
pub async fn slots(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(lecturer): Path<Uuid>,
    Query(params): Query<RangeParams>,
) -> ApiResult<Json<SlotsView>> {
    let (from, to) = params.range(DEFAULT_SLOT_DAYS)?;
    let tz_name = params.tz.as_deref().unwrap_or(&caller.user.time_zone);
    let tz: Tz = tz_name.parse().map_err(|_| {
        unprocessable(
            "validation_failed",
            "tz must be an IANA time zone such as Europe/London",
        )
    })?;
    let offer = consultations::offer(&state.db, &state.consultations, lecturer, from, to).await?;
    Ok(Json(SlotsView {
        lecturer_id: lecturer,
        time_zone: tz.name().to_owned(),
        lecturer_time_zone: offer.published.document.settings.time_zone.clone(),
        slots: offer
            .slots
            .iter()
            .map(|s| SlotView::new(s.start, s.end, tz))
            .collect(),
        group_sessions: offer
            .group_sessions
            .iter()
            .map(|v| view(v, caller.user.id))
            .collect(),
    }))
}
