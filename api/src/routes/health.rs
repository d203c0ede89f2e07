//! Liveness, readiness and metrics for operators and load balancers.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "up")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// What the readiness probe found.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready`, or why not: `database unavailable`, `database timed out`, `draining`.
    pub status: &'static str,
    /// The database answered within two seconds.
    pub database: bool,
    /// The bus to the other nodes: `local` (one process, no bus) or `nats`.
    pub bus: &'static str,
    /// Whether the bus is connected (always true for `local`). A node whose bus is down still
    /// serves its own devices and stores every message, so this alone does not make it unready.
    pub bus_connected: bool,
    /// This node's id (see `GET /api/v1/admin/nodes`).
    pub node: uuid::Uuid,
}

/// The database answers within two seconds and the node is not shutting down; load balancers
/// route traffic only when ready. The body says how the bus is.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "ready", body = Readiness),
              (status = 503, description = "database unreachable, or the node is draining", body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let probe = models::ping(&state.db);
    let (code, status) = match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(_)) if state.gateway.is_draining() => (StatusCode::SERVICE_UNAVAILABLE, "draining"),
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness probe failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timed out"),
    };
    let bus = state.gateway.bus_status();
    let body = Readiness {
        status,
        database: matches!(status, "ready" | "draining"),
        bus: bus.kind,
        bus_connected: bus.connected,
        node: state.gateway.node(),
    };
    (code, axum::Json(body))
}

/// Prometheus text exposition of the server's metrics; with `CHATTERLY_METRICS_TOKEN` set, only
/// for `Authorization: Bearer <token>`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "metrics"),
              (status = 401, description = "a metrics token is configured and was not given")))]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(expected) = &state.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let matches: bool = given.as_bytes().ct_eq(expected.as_bytes()).into();
        if !matches {
            return Err(ApiError::Unauthenticated);
        }
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response())
}

/// The operations endpoints (outside `/api/v1`).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}
