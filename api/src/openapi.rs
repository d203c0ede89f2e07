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
        Authenticate with the `chatterly_session` cookie (browsers) or `Authorization: Bearer <token>`. \
        A change (any method but GET/HEAD/OPTIONS, or a WebSocket upgrade) authenticated by the cookie \
        must come from Chatterly's own pages: a `Sec-Fetch-Site` other than `same-origin`, or an \
        `Origin` of another site, is refused with 403 `cross_site`."
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

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use utoipa_axum::router::OpenApiRouter;

    use crate::routes::{consultations, conversations, users};
    use crate::state::AppState;

    fn document() -> Value {
        let (_, doc) = OpenApiRouter::<AppState>::new()
            .merge(consultations::routes())
            .merge(conversations::routes())
            .merge(users::routes())
            .split_for_parts();
        serde_json::to_value(doc).expect("the document is JSON")
    }

    #[test]
    fn request_values_show_their_limits() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let topic = &schemas["NewBooking"]["properties"]["topic"];
        assert_eq!(topic["$ref"], "#/components/schemas/Topic", "{topic}");
        assert_eq!(schemas["Topic"]["type"], "string");
        assert_eq!(schemas["Topic"]["maxLength"], 200);
        assert_eq!(schemas["Reason"]["minLength"], 1);
        assert_eq!(schemas["Capacity"]["maximum"], 100);
        assert_eq!(schemas["GroupName"]["maxLength"], 80);
        let search = &doc["paths"]["/search"]["get"]["parameters"];
        let q = search
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "q"))
            .expect("q is documented");
        assert_eq!(q["schema"]["maxLength"], 200, "{q}");
    }
}
