//! The browser UI: the files under `web/`, embedded in the binary (read from disk in debug
//! builds, so edits show on reload) and served as they are, no build step.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

#[derive(rust_embed::RustEmbed)]
#[folder = "../web/"]
struct Assets;

/// Routes for `/` and every file of the UI.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/{*path}", get(asset))
}

async fn index() -> Response {
    serve("index.html")
}

async fn asset(Path(path): Path<String>) -> Response {
    if path.starts_with("api/") {
        // An unknown API endpoint answers like the API, not like a missing file.
        return crate::error::ApiError::NotFound("endpoint").into_response();
    }
    serve(&path)
}

fn serve(path: &str) -> Response {
    match Assets::get(path) {
        Some(file) => {
            let mime = file.metadata.mimetype().to_owned();
            let cache = if path == "index.html" {
                "no-cache"
            } else {
                "public, max-age=300"
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, cache.to_owned()),
                ],
                file.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
