//! The OpenAPI document of the HTTP API, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

use crate::routes::{
    admin, auth, consultations, conversations, health, me, mood, mood_admin, recordings, rooms,
    users, ws,
};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Chatterly API",
        description = "Chat, mood, consultations and their video rooms for a university. \
        Errors are `{ \"error\": { \"code\": \"...\", \"message\": \"...\" } }`. \
        Authenticate with the `chatterly_session` cookie (browsers) or `Authorization: Bearer <token>`."
    ),
    paths(
        auth::signup,
        auth::login,
        auth::create_token,
        auth::logout,
        me::me,
        me::update_me,
        me::list_sessions,
        me::revoke_session,
        users::search,
        users::profile,
        admin::list_users,
        admin::set_role,
        ws::upgrade,
        conversations::create,
        conversations::list,
        conversations::get,
        conversations::add_member,
        conversations::remove_member,
        conversations::history,
        conversations::search,
        conversations::contacts,
        consultations::get_availability,
        consultations::put_availability,
        consultations::slots,
        consultations::book,
        consultations::create_appointment,
        consultations::list,
        consultations::get,
        consultations::join,
        rooms::get,
        rooms::open,
        rooms::close,
        rooms::upgrade,
        recordings::switch,
        recordings::list,
        recordings::file,
        consultations::confirm,
        consultations::cancel,
        consultations::reschedule,
        consultations::update_notes,
        consultations::mark_attendance,
        mood::mine,
        mood::set_sharing,
        mood::of_contact,
        mood::history,
        mood::correct,
        mood_admin::list_models,
        mood_admin::get_model,
        mood_admin::train,
        mood_admin::activate,
        mood_admin::rollback,
        mood_admin::classify,
        mood_admin::upload,
        mood_admin::list_datasets,
        mood_admin::list_corrections,
        mood_admin::review,
        health::healthz,
        health::readyz,
        health::metrics,
    ),
    components(schemas(crate::error::ErrorDetail))
)]
pub struct ApiDoc;

/// Serves the document.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
