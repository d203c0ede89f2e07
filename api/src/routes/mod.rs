//! The HTTP routes: `/api/v1/...` JSON API, operations endpoints, the OpenAPI document and the
//! web UI, with the layers every request passes through.

pub mod admin;
pub mod auth;
pub mod consultations;
pub mod contacts;
pub mod conversations;
pub mod health;
pub mod me;
pub mod mood;
pub mod mood_admin;
pub mod mood_explanation;
pub mod mood_overview;
pub mod password_reset;
pub mod recordings;
pub mod requests;
pub mod rooms;
pub mod users;
pub mod ws;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest JSON body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Builds the whole application router. Every API route comes from a feature module's
/// `routes()`, which registers each handler at the path of its OpenAPI annotation, so a handler
/// cannot be routed without being documented; the document is collected on the way.
pub fn router(state: AppState) -> Router {
    let (api, api_doc) = OpenApiRouter::new()
        .merge(auth::routes())
        .merge(me::routes())
        .merge(users::routes())
        .merge(admin::routes())
        .merge(ws::routes())
        .merge(conversations::routes())
        .merge(contacts::routes())
        .merge(requests::routes())
        .merge(password_reset::routes())
        .merge(mood::routes())
        .merge(mood_admin::routes())
        .merge(mood_explanation::routes())
        .merge(mood_overview::routes())
        .merge(consultations::routes())
        .merge(rooms::routes())
        .merge(recordings::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .merge(
            mood_admin::upload_routes()
                .layer(DefaultBodyLimit::max(state.config.mood_upload_max_bytes)),
        )
        .split_for_parts();
    let api = api
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::security::refuse_cross_site,
        ));
    let (operations, operations_doc) = health::routes().split_for_parts();
    let document = Arc::new(
        crate::openapi::ApiDoc::openapi()
            .nest("/api/v1", api_doc)
            .merge_from(operations_doc),
    );

    Router::new()
        .nest("/api/v1", api)
        .route(
            "/api/openapi.json",
            get(move || crate::openapi::document(document.clone())),
        )
        .merge(operations)
        .merge(crate::web::router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::security::add_security_headers,
        ))
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
