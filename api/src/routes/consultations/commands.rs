//! Making consultations and taking part: book, create an appointment, join, confirm, cancel.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use scheduler::consultations::{
    self, Appointment, Booking, Capacity, DurationMinutes, Notes, Reason, Topic,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{publish, view};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::views::consultations::ConsultationView;

/// A student's booking of a free slot.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    /// The lecturer.
    pub lecturer_id: Uuid,
    /// The slot's start, as listed by `/lecturers/{id}/slots`.
    pub starts_at: DateTime<Utc>,
    /// What to discuss (1 to 200 characters).
    pub topic: Topic,
    /// Optional notes for the lecturer (shared with them), up to 4,000 characters.
    #[serde(default)]
    pub notes: Notes,
}

/// Books a free slot (students only).
#[utoipa::path(post, path = "/bookings", tag = "consultations", request_body = NewBooking,
    responses((status = 201, body = ConsultationView), (status = 403, description = "Not a student"),
        (status = 409, description = "`slot_taken` or `student_busy`: the clash is named"),
        (status = 422, description = "`in_past`, `too_soon`, `beyond_horizon`, `outside_availability` or invalid fields")))]
pub async fn book(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(input): Json<NewBooking>,
) -> ApiResult<(StatusCode, Json<ConsultationView>)> {
    let booking = Booking {
        lecturer_id: input.lecturer_id,
        starts_at: input.starts_at,
        topic: input.topic,
        notes: input.notes,
    };
    let changed =
        consultations::book(&state.db, &state.consultations, &caller.user, &booking).await?;
    publish(&state, &changed).await;
    Ok((
        StatusCode::CREATED,
        Json(view(&changed.viewed, caller.user.id)),
    ))
}

/// An appointment or group session made by a lecturer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Length in minutes, 5 to 480 (default: the lecturer's slot length, or 30).
    pub duration_minutes: Option<DurationMinutes>,
    /// Topic (1 to 200 characters).
    pub topic: Topic,
    /// Shared notes, up to 4,000 characters.
    #[serde(default)]
    pub notes: Notes,
    /// Places, 1 to 100 (default: the number of students, at least 1). Above 1 it is a group
    /// session that students can join.
    pub capacity: Option<Capacity>,
    /// Students to book in now.
    #[serde(default)]
    pub student_ids: Vec<Uuid>,
}

/// Creates an appointment with chosen students, or a group session (lecturers only).
#[utoipa::path(post, path = "/consultations", tag = "consultations", request_body = NewAppointment,
    responses((status = 201, body = ConsultationView), (status = 403, description = "Not a lecturer"),
        (status = 409, description = "`lecturer_busy` or `student_busy`: the clash is named"), (status = 422, description = "Invalid fields")))]
pub async fn create_appointment(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(input): Json<NewAppointment>,
) -> ApiResult<(StatusCode, Json<ConsultationView>)> {
    let appointment = Appointment {
        starts_at: input.starts_at,
        duration_minutes: input.duration_minutes,
        topic: input.topic,
        notes: input.notes,
        capacity: input.capacity,
        student_ids: &input.student_ids,
    };
    let changed = consultations::create_appointment(
        &state.db,
        &state.consultations,
        &caller.user,
        &appointment,
    )
    .await?;
    publish(&state, &changed).await;
    Ok((
        StatusCode::CREATED,
        Json(view(&changed.viewed, caller.user.id)),
    ))
}

/// Takes a place in a group session (students only).
#[utoipa::path(post, path = "/consultations/{id}/join", tag = "consultations",
    params(("id" = Uuid, Path, description = "Group session")),
    responses((status = 200, body = ConsultationView), (status = 409, description = "`session_full`, `already_joined`, `started` or `student_busy`")))]
pub async fn join(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConsultationView>> {
    let changed = consultations::join(&state.db, &state.consultations, &caller.user, id).await?;
    publish(&state, &changed).await;
    Ok(Json(view(&changed.viewed, caller.user.id)))
}

/// Approves a pending booking (the lecturer).
#[utoipa::path(post, path = "/consultations/{id}/confirm", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = ConsultationView), (status = 409, description = "`not_pending`, `cancelled`, `ended`")))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConsultationView>> {
    let changed = consultations::confirm(&state.db, &state.consultations, &caller.user, id).await?;
    publish(&state, &changed).await;
    Ok(Json(view(&changed.viewed, caller.user.id)))
}

/// Why a consultation or place is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Reason, 1 to 4,000 characters (shown to the others).
    pub reason: Reason,
}

/// Cancels: the lecturer cancels for everyone; a student cancels their place (a one-to-one
/// consultation is then cancelled; a group session goes on).
#[utoipa::path(post, path = "/consultations/{id}/cancel", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")), request_body = CancelRequest,
    responses((status = 200, body = ConsultationView), (status = 409, description = "`cancelled`, `started`, `inside_cancel_window`")))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    Json(input): Json<CancelRequest>,
) -> ApiResult<Json<ConsultationView>> {
    let changed = consultations::cancel(
        &state.db,
        &state.consultations,
        &caller.user,
        id,
        &input.reason,
    )
    .await?;
    publish(&state, &changed).await;
    Ok(Json(view(&changed.viewed, caller.user.id)))
}
