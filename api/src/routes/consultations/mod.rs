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
/// the room or sends a student out of it when the change says so.
async fn publish(state: &AppState, changed: &Changed) {
    let c = changed.consultation();
    match changed.room {
        RoomEffect::None => {}
        RoomEffect::End => state.rooms.end(c.id, EndReason::Cancelled).await,
        RoomEffect::Remove(student) => state.rooms.remove_user(c.id, student).await,
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
        state.gateway.hub.send_to_user(person, &frame.event());
    }
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
