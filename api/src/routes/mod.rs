//! The HTTP routes: `/api/v1/...` JSON API, operations endpoints, the OpenAPI document and the
//! web UI, with the layers every request passes through.

pub mod admin;
pub mod auth;
pub mod consultations;
pub mod conversations;
pub mod health;
pub mod me;
pub mod mood;
pub mod mood_admin;
pub mod recordings;
pub mod rooms;
pub mod users;
pub mod ws;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, patch, post, put};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest JSON body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/signup", post(auth::signup))
        .route("/auth/login", post(auth::login))
        .route("/auth/tokens", post(auth::create_token))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(me::me).patch(me::update_me))
        .route("/me/sessions", get(me::list_sessions))
        .route("/me/sessions/{id}", delete(me::revoke_session))
        .route("/users", get(users::search))
        .route("/users/{id}", get(users::profile))
        .route("/admin/users", get(admin::list_users))
        .route("/admin/users/{id}/role", put(admin::set_role))
        .route("/ws", get(ws::upgrade))
        .route(
            "/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route("/conversations/{id}", get(conversations::get))
        .route(
            "/conversations/{id}/members",
            post(conversations::add_member),
        )
        .route(
            "/conversations/{id}/members/{user_id}",
            delete(conversations::remove_member),
        )
        .route("/conversations/{id}/messages", get(conversations::history))
        .route("/search", get(conversations::search))
        .route("/contacts", get(conversations::contacts))
        .route("/me/mood", get(mood::mine))
        .route("/me/mood/sharing", put(mood::set_sharing))
        .route("/users/{id}/mood", get(mood::of_contact))
        .route("/users/{id}/mood/history", get(mood::history))
        .route("/mood/corrections", post(mood::correct))
        .route(
            "/admin/mood/models",
            get(mood_admin::list_models).post(mood_admin::train),
        )
        .route("/admin/mood/models/{id}", get(mood_admin::get_model))
        .route(
            "/admin/mood/models/{id}/activate",
            post(mood_admin::activate),
        )
        .route("/admin/mood/rollback", post(mood_admin::rollback))
        .route("/admin/mood/classify", post(mood_admin::classify))
        .route("/admin/mood/corrections", get(mood_admin::list_corrections))
        .route(
            "/admin/mood/corrections/{id}/review",
            post(mood_admin::review),
        )
        .route("/me/availability", put(consultations::put_availability))
        .route(
            "/lecturers/{id}/availability",
            get(consultations::get_availability),
        )
        .route("/lecturers/{id}/slots", get(consultations::slots))
        .route("/bookings", post(consultations::book))
        .route(
            "/consultations",
            get(consultations::list).post(consultations::create_appointment),
        )
        .route("/consultations/{id}", get(consultations::get))
        .route("/consultations/{id}/join", post(consultations::join))
        .route("/consultations/{id}/room", get(rooms::get))
        .route("/consultations/{id}/room/open", post(rooms::open))
        .route("/consultations/{id}/room/close", post(rooms::close))
        .route("/consultations/{id}/room/ws", get(rooms::upgrade))
        .route(
            "/consultations/{id}/room/recording",
            post(recordings::switch),
        )
        .route("/consultations/{id}/recordings", get(recordings::list))
        .route(
            "/consultations/{id}/recordings/{recording}/{file}",
            get(recordings::file),
        )
        .route("/consultations/{id}/confirm", post(consultations::confirm))
        .route("/consultations/{id}/cancel", post(consultations::cancel))
        .route(
            "/consultations/{id}/reschedule",
            post(consultations::reschedule),
        )
        .route(
            "/consultations/{id}/notes",
            patch(consultations::update_notes),
        )
        .route(
            "/consultations/{id}/attendance/{student_id}",
            put(consultations::mark_attendance),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Labelled-data uploads are the one large body.
        .merge(
            Router::new()
                .route(
                    "/admin/mood/datasets",
                    get(mood_admin::list_datasets).post(mood_admin::upload),
                )
                .layer(DefaultBodyLimit::max(state.config.mood_upload_max_bytes)),
        )
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);

    Router::new()
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(crate::openapi::document))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(crate::web::router())
        .layer(middleware::from_fn(record_metrics))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Counts requests and their latency per route and status, for Prometheus.
async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let elapsed: Duration = started.elapsed();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
    response
}
