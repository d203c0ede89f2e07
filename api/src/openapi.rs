//! The OpenAPI document of the HTTP API, served at `/api/openapi.json`: this header, and the
//! paths collected from the handlers' annotations as the router is built (`routes::router`).

use axum::Json;
use utoipa::OpenApi;

/// The API description's header and shared schemas (the paths come from the router).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Chatterly API",
        description = "Chat, mood, consultations and their video rooms for a university. \
        Errors are `{ \"error\": { \"code\": \"...\", \"message\": \"...\" } }`. \
        Authenticate with the `chatterly_session` cookie (browsers) or `Authorization: Bearer <token>`."
    ),
    components(schemas(crate::error::ErrorDetail))
)]
pub struct ApiDoc;

/// Serves the document.
pub async fn document(
    document: std::sync::Arc<utoipa::openapi::OpenApi>,
) -> Json<std::sync::Arc<utoipa::openapi::OpenApi>> {
    Json(document)
}
