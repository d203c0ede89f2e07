//! Changing a consultation in place: reschedule, notes, attendance.

use axum::extract::State;
use chrono::{DateTime, Utc};
use models::consultation::Attendance;
use scheduler::consultations::{self, Notes, PrivateNotes};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{publish, view};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::views::consultations::ConsultationView;

/// A new time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// New start; the length stays. A student must pick one of the lecturer's free slots.
    pub starts_at: DateTime<Utc>,
}

/// Moves a consultation atomically: the old time is released only if the new one is taken.
#[utoipa::path(post, path = "/consultations/{id}/reschedule", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")), request_body = RescheduleRequest,
    responses((status = 200, body = ConsultationView), (status = 409, description = "`slot_taken`, `lecturer_busy`, `student_busy`, `started`, `inside_cancel_window`"),
        (status = 422, description = "The new time is not bookable")))]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    Json(input): Json<RescheduleRequest>,
) -> ApiResult<Json<ConsultationView>> {
    let changed = consultations::reschedule(
        &state.db,
        &state.consultations,
        &caller.user,
        id,
        input.starts_at,
    )
    .await?;
    publish(&state, &changed).await;
    Ok(Json(view(&changed.viewed, caller.user.id)))
}

/// New notes; omitted fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesUpdate {
    /// Shared notes (lecturer and students), up to 4,000 characters.
    pub notes: Option<Notes>,
    /// The lecturer's private notes, up to 4,000 characters.
    pub private_notes: Option<PrivateNotes>,
}

/// Edits the shared notes (lecturer or a student with a place) or private notes (lecturer).
#[utoipa::path(patch, path = "/consultations/{id}/notes", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")), request_body = NotesUpdate,
    responses((status = 200, body = ConsultationView), (status = 403, description = "Private notes by a student"),
        (status = 404, description = "Not found, or not the caller's")))]
pub async fn update_notes(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    Json(input): Json<NotesUpdate>,
) -> ApiResult<Json<ConsultationView>> {
    let update = consultations::NotesUpdate {
        notes: input.notes,
        private_notes: input.private_notes,
    };
    let changed =
        consultations::update_notes(&state.db, &state.consultations, &caller.user, id, &update)
            .await?;
    publish(&state, &changed).await;
    Ok(Json(view(&changed.viewed, caller.user.id)))
}

/// An attendance mark.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceUpdate {
    /// `attended`, `no_show` or `unmarked`.
    pub attendance: Attendance,
}

/// Marks whether a student attended (the lecturer, once it has started).
#[utoipa::path(put, path = "/consultations/{id}/attendance/{student_id}", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation"), ("student_id" = Uuid, Path, description = "Student")),
    request_body = AttendanceUpdate,
    responses((status = 200, body = ConsultationView), (status = 409, description = "`not_started`")))]
pub async fn mark_attendance(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path((id, student)): Path<(Uuid, Uuid)>,
    Json(input): Json<AttendanceUpdate>,
) -> ApiResult<Json<ConsultationView>> {
    let changed = consultations::mark_attendance(
        &state.db,
        &state.consultations,
        &caller.user,
        id,
        student,
        input.attendance,
    )
    .await?;
    Ok(Json(view(&changed.viewed, caller.user.id)))
}
