//! Reading consultations: the caller's in a range, and one.

use axum::extract::State;
use chrono::{DateTime, Utc};
use scheduler::consultations;
use uuid::Uuid;

use super::{RangeParams, view};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::consultations::{ConsultationList, ConsultationView};

/// The caller's consultations overlapping a range (default: from now, 62 days).
#[utoipa::path(get, path = "/consultations", tag = "consultations", params(RangeParams),
    responses((status = 200, body = ConsultationList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(params): Query<RangeParams>,
) -> ApiResult<Json<ConsultationList>> {
    let (from, to): (DateTime<Utc>, DateTime<Utc>) = params.range(consultations::MAX_RANGE_DAYS)?;
    let list = consultations::list(&state.db, &state.consultations, &caller.user, from, to).await?;
    Ok(Json(ConsultationList {
        consultations: list.iter().map(|v| view(v, caller.user.id)).collect(),
    }))
}

/// One consultation.
#[utoipa::path(get, path = "/consultations/{id}", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = ConsultationView), (status = 404, description = "Not found or not yours")))]
pub async fn get(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConsultationView>> {
    let viewed = consultations::get(&state.db, &state.consultations, &caller.user, id).await?;
    Ok(Json(view(&viewed, caller.user.id)))
}
