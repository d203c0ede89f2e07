//! Consultations over REST: lecturers publish availability, students see free slots and book,
//! lecturers make appointments and group sessions, and both move through the lifecycle
//! (confirm, cancel, reschedule, notes, attendance).
//!
//! Each handler extracts the request, calls one use case of `scheduler::consultations` (which
//! owns the transaction, the rules, the emails) and maps the answer; after a change the people
//! involved get a `consultation` frame over the WebSocket ([`publish`]).

mod availability;
mod changes;
mod commands;
mod read;

use realtime::protocol::ServerFrame;
use realtime::room::protocol::EndReason;
use scheduler::consultations::{Changed, RoomEffect, Viewed};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub use availability::*;
pub use changes::*;
pub use commands::*;
pub use read::*;

use crate::state::AppState;
use crate::views::consultations::ConsultationView;

/// `viewed` as `viewer` sees it.
fn view(viewed: &Viewed, viewer: Uuid) -> ConsultationView {
    ConsultationView::new(viewed, viewer)
}

/// Tells the lecturer and every student who has or had a place (each their own view), and ends
/// the room or sends a student out of it when the change says so; a student who no longer
/// holds a place leaves the room's conversation too, on every device.
async fn publish(state: &AppState, changed: &Changed) {
    let c = changed.consultation();
    let leaving: Vec<Uuid> = match changed.room {
        RoomEffect::None => Vec::new(),
        RoomEffect::End => {
            crate::room_nodes::end_room(state, c.id, EndReason::Cancelled).await;
            c.participants.iter().map(|p| p.student_id).collect()
        }
        RoomEffect::Remove(student) => {
            crate::room_nodes::remove_from_room(state, c.id, student).await;
            vec![student]
        }
    };
    if let Err(e) = leave_room_conversation(state, c.id, &leaving).await {
        tracing::error!(error = %e, consultation.id = %c.id, "could not take students out of the room conversation");
    }
    let Some(change) = changed.tell else {
        return;
    };
    let people = std::iter::once(c.lecturer_id).chain(c.participants.iter().map(|p| p.student_id));
    for person in people {
        let frame = ServerFrame::Consultation {
            change: change.as_str(),
            consultation: ServerFrame::view(&view(&changed.viewed, person)),
        };
        state.gateway.send_to_user(person, &frame.event());
    }
}

/// Takes `students` out of consultation `id`'s room conversation, if it has one, and shows the
/// others the change.
async fn leave_room_conversation(
    state: &AppState,
    id: Uuid,
    students: &[Uuid],
) -> Result<(), crate::error::ApiError> {
    if students.is_empty() {
        return Ok(());
    }
    let Some(conversation) = models::room::conversation_of(&state.db, id).await? else {
        return Ok(());
    };
    let remaining = realtime::membership::expel(&state.gateway, conversation, students).await?;
    crate::routes::conversations::announce(state, conversation, &remaining, None).await
}

/// The consultation routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_availability))
        .routes(routes!(get_availability))
        .routes(routes!(slots))
        .routes(routes!(book))
        .routes(routes!(list, create_appointment))
        .routes(routes!(get))
        .routes(routes!(join))
        .routes(routes!(confirm))
        .routes(routes!(cancel))
        .routes(routes!(reschedule))
        .routes(routes!(update_notes))
        .routes(routes!(mark_attendance))
}
